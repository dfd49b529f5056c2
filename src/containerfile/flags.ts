// `--name[=value]` flags of an instruction, checked against what punch supports for it (BFlags rules:
// no unknown or repeated flag, string flags need a value, bool flags take true/false).
import { pieceRange, type Ctx } from './context.js';
import type { Piece } from './words.js';

export type FlagKind = 'string' | 'bool';

export interface FlagValue {
  name: string;
  /** The value as written (quotes already removed by the flag splitter); `true`/`false` for bools. */
  value: string;
  piece: Piece;
}

/** Flags Docker has that punch refuses, with why. */
const UNSUPPORTED: Record<string, string> = {
  parents: 'is not supported by punch',
  exclude: 'is not supported by punch',
  checksum: 'is not supported by punch (ADD of remote sources is not supported either)',
  'keep-git-dir': 'is not supported by punch (ADD of git sources is not supported either)',
  unpack: 'is not supported by punch',
};

/** Parses the flags; reports every problem and returns undefined if there was one. */
export function readFlags(ctx: Ctx, pieces: Piece[], allowed: Record<string, FlagKind>): Map<string, FlagValue> | undefined {
  const out = new Map<string, FlagValue>();
  let ok = true;
  for (const p of pieces) {
    const body = p.text.slice(2);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const raw = eq === -1 ? undefined : body.slice(eq + 1);
    const range = pieceRange(ctx, p);
    const kind = allowed[name];
    const kw = ctx.ins.keyword;
    if (kind === undefined) {
      const supported = Object.keys(allowed).map((n) => `--${n}`);
      const why = UNSUPPORTED[name];
      ctx.report.error(
        range,
        why
          ? `${kw} --${name} ${why}`
          : `unknown flag: --${name} (${kw} accepts ${supported.length > 0 ? supported.join(', ') : 'no flags'})`,
      );
      ok = false;
      continue;
    }
    if (out.has(name)) {
      ctx.report.error(range, `duplicate flag specified: --${name}`);
      ok = false;
      continue;
    }
    if (kind === 'bool') {
      if (raw !== undefined && raw.toLowerCase() !== 'true' && raw.toLowerCase() !== 'false') {
        ctx.report.error(range, `expecting boolean value for flag --${name}, not: ${raw}`);
        ok = false;
        continue;
      }
      out.set(name, { name, value: raw === undefined ? 'true' : raw.toLowerCase(), piece: p });
    } else {
      if (raw === undefined) {
        ctx.report.error(range, `missing a value on flag: --${name}`);
        ok = false;
        continue;
      }
      out.set(name, { name, value: raw, piece: p });
    }
  }
  return ok ? out : undefined;
}
