// `RUN --mount=type=…,target=…` values → RunMount, with Docker's keys, aliases and defaults
// (dockerfile's runmount: bind is read-only, cache ids are namespaced, secrets and SSH are optional
// unless required=true).
import { posix } from 'node:path';
import type { RunMount } from '../plan/types.js';
import { pieceRange, type Ctx } from './context.js';
import { resolveFrom, type StageNames } from './copy.js';
import { expandWord, type Lookup } from './lexer.js';
import type { Piece } from './words.js';

const TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'] as const;
type MountType = (typeof TYPES)[number];

/** Keys each type accepts (aliases resolved first). */
const KEYS: Record<MountType, readonly string[]> = {
  bind: ['type', 'target', 'source', 'from', 'readonly', 'readwrite'],
  cache: ['type', 'target', 'source', 'from', 'readonly', 'readwrite', 'id', 'sharing', 'mode', 'uid', 'gid'],
  tmpfs: ['type', 'target', 'size'],
  secret: ['type', 'target', 'id', 'required', 'mode', 'uid', 'gid'],
  ssh: ['type', 'target', 'id', 'required', 'mode', 'uid', 'gid'],
};
const ALIASES: Record<string, string> = { dst: 'target', destination: 'target', src: 'source', ro: 'readonly', rw: 'readwrite' };
const BOOLS = new Set(['readonly', 'readwrite', 'required']);

/** Fields of a CSV record (Go's encoding/csv: commas separate, double quotes group and `""` escapes). */
function csvFields(text: string): string[] | { error: string } {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === ',') {
      out.push(field);
      field = '';
      atStart = true;
      continue;
    } else if (c === '"' && atStart) quoted = true;
    else if (c === '"') return { error: `bare " in non-quoted field "${field}"` };
    else field += c;
    atStart = false;
  }
  if (quoted) return { error: 'extraneous or missing " in quoted field' };
  out.push(field);
  return out;
}

function parseUint(v: string, octal: boolean): number | undefined {
  const re = octal ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(v)) return undefined;
  const n = parseInt(v, octal ? 8 : 10);
  return n <= 0xffffffff ? n : undefined;
}

/** Docker's tmpfs size syntax: bytes, or a number with a k/m/g (b) suffix, binary multiples. */
function parseSize(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(v.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * One `--mount` flag (its value after `--mount=`). Values are expanded with the stage's variables;
 * a relative target is made absolute against WORKDIR. Reports and returns undefined on a problem.
 */
export function parseMount(ctx: Ctx, piece: Piece, value: string, lookup: Lookup, workdir: string, names: StageNames, index: number): RunMount | undefined {
  const range = pieceRange(ctx, piece);
  const fail = (why: string): undefined => ctx.report.error(range, `--mount=${value}: ${why}`);
  const fields = csvFields(value);
  if ('error' in fields) return fail(fields.error);
  const opts = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf('=');
    const rawKey = (eq === -1 ? f : f.slice(0, eq)).trim().toLowerCase();
    const key = ALIASES[rawKey] ?? rawKey;
    let v = eq === -1 ? undefined : f.slice(eq + 1);
    if (v === undefined) {
      if (!BOOLS.has(key)) return fail(`"${f}" needs a value (${rawKey}=…)`);
      v = 'true';
    } else if (key !== 'type') {
      const expanded = expandWord(v, lookup, ctx.escape);
      if ('error' in expanded) return fail(`failed to process "${v}": ${expanded.error}`);
      v = expanded.value;
    }
    if (opts.has(key)) return fail(`${rawKey} is given twice`);
    opts.set(key, v);
  }
  const type = (opts.get('type') ?? 'bind').toLowerCase() as MountType;
  if (!TYPES.includes(type)) return fail(`unsupported mount type "${opts.get('type')}" (use bind, cache, tmpfs, secret or ssh)`);
  for (const k of opts.keys()) if (!KEYS[type].includes(k)) return fail(`${k} is not an option of a ${type} mount (it takes ${KEYS[type].filter((x) => x !== 'type').join(', ')})`);

  const bool = (k: string, dflt: boolean): boolean | undefined => {
    const v = opts.get(k);
    if (v === undefined) return dflt;
    if (/^(true|1)$/i.test(v)) return true;
    if (/^(false|0)$/i.test(v)) return false;
    return fail(`${k}=${v}: expected true or false`);
  };
  const uint = (k: string, octal: boolean): number | null | undefined => {
    const v = opts.get(k);
    if (v === undefined) return null;
    const n = parseUint(v, octal);
    return n === undefined ? fail(`${k}=${v}: expected ${octal ? 'an octal mode such as 0755' : 'a non-negative integer'}`) : n;
  };
  const absTarget = (t: string): string => posix.normalize(t.startsWith('/') ? t : posix.join('/', workdir, t));
  const targetOpt = opts.get('target');
  if (targetOpt === '') return fail('target must not be empty');
  const target = targetOpt === undefined ? undefined : absTarget(targetOpt);

  if (type === 'secret' || type === 'ssh') {
    const required = bool('required', false);
    const [mode, uid, gid] = [uint('mode', true), uint('uid', false), uint('gid', false)];
    if (required === undefined || mode === undefined || uid === undefined || gid === undefined) return undefined;
    const common = { required, uid: uid ?? 0, gid: gid ?? 0, range };
    if (type === 'ssh') {
      return { type, id: opts.get('id') || 'default', ...(target ? { target } : {}), mode: mode ?? 0o600, ...common };
    }
    const id = opts.get('id') || (target ? posix.basename(target) : '');
    if (id === '') return fail('a secret mount needs an id (or a target, whose file name is the id)');
    return { type, id, target: target ?? `/run/secrets/${id}`, mode: mode ?? 0o400, ...common };
  }
  if (target === undefined) return fail(`a ${type} mount needs a target (target=/path)`);
  if (target === '/') return fail('cannot mount over the root filesystem (target=/)');
  if (type === 'tmpfs') {
    const sizeText = opts.get('size');
    const size = sizeText === undefined ? 0 : parseSize(sizeText);
    if (size === undefined) return fail(`size=${sizeText}: expected a size such as 64m`);
    return { type, target, size, range };
  }

  const fromText = opts.get('from');
  const from = fromText === undefined || fromText === '' ? undefined : resolveFrom(ctx, fromText, piece, { ...names, index });
  if (fromText && !from) return undefined;
  const rw = bool('readwrite', false);
  const ro = bool('readonly', type === 'bind' && !opts.has('readwrite') ? true : false);
  if (rw === undefined || ro === undefined) return undefined;
  if (rw && opts.has('readonly') && ro) return fail('readonly and readwrite contradict each other');
  const readonly = rw ? false : ro;
  const source = posix.normalize(posix.join('/', opts.get('source') ?? '/'));
  if (type === 'bind') return { type, target, from: from ?? { kind: 'context' }, source, readonly, range };

  const sharing = (opts.get('sharing') ?? 'shared').toLowerCase();
  if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') return fail(`sharing=${opts.get('sharing')}: expected shared, private or locked`);
  const [mode, uid, gid] = [uint('mode', true), uint('uid', false), uint('gid', false)];
  if (mode === undefined || uid === undefined || gid === undefined) return undefined;
  return {
    type,
    target,
    // Docker namespaces cache ids (an empty namespace gives `/<id>`), the target standing in for a missing id.
    id: `/${opts.get('id') || target}`,
    sharing,
    ...(from ? { from } : {}),
    source,
    readonly,
    ...(mode !== null ? { mode } : {}),
    ...(uid !== null ? { uid } : {}),
    ...(gid !== null ? { gid } : {}),
    range,
  };
}
