// Instructions that only change the image config (LABEL, ENV, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE,
// STOPSIGNAL, VOLUME): each reads its arguments like BuildKit, expands where Docker expands, and
// records the config change and a history entry (WORKDIR also a step: Docker makes the directory).
import { cleanPath } from '../gopath.js';
import type { SourceRange } from '../diagnostics.js';
import type { Label, Located } from '../plan/types.js';
import { argsRange, expand, pieceRange, scopeLookup, setRunEnv, type Ctx, type StageState } from './context.js';
import { readFlags } from './flags.js';
import { goList, goQuoteList } from './history.js';
import { splitShellWords } from './lexer.js';
import { spanRange } from './source.js';
import { blankWords, jsonArray, keyValues, splitFlags, type Piece } from './words.js';

/** The arguments after any flags (none allowed here), or undefined after reporting. */
export function argsWithoutFlags(ctx: Ctx): Piece | undefined {
  const text = ctx.ins.args.text;
  const split = splitFlags(text);
  if (!readFlags(ctx, split.flags, {})) return undefined;
  return { text: text.slice(split.rest), start: split.rest, end: text.length };
}

const shift = (p: Piece, by: number): Piece => ({ text: p.text, start: p.start + by, end: p.end + by });

/** `k=v …` / `k v` pairs expanded (ENV and LABEL), all against the variables before the instruction. */
function expandedPairs(ctx: Ctx, state: StageState): { key: string; value: string; range: SourceRange }[] | undefined {
  const rest = argsWithoutFlags(ctx);
  if (!rest) return undefined;
  const kw = ctx.ins.keyword;
  const kvs = keyValues(rest.text, ctx.escape, kw);
  if ('error' in kvs) {
    const at = kvs.at.end > kvs.at.start ? pieceRange(ctx, shift(kvs.at, rest.start)) : argsRange(ctx);
    return ctx.report.error(at, kvs.error);
  }
  const lookup = scopeLookup(state.scope);
  const out: { key: string; value: string; range: SourceRange }[] = [];
  let ok = true;
  for (const kv of kvs) {
    const keyPiece = shift(kv.key, rest.start);
    const key = expand(ctx, lookup, keyPiece);
    const value = expand(ctx, lookup, shift(kv.value, rest.start));
    if (key === undefined || value === undefined) {
      ok = false;
      continue;
    }
    if (key === '') {
      ctx.report.error(pieceRange(ctx, keyPiece), `${kw} names can not be blank`);
      ok = false;
      continue;
    }
    out.push({ key, value, range: spanRange(ctx.ins.args, keyPiece.start, kv.value.end + rest.start) });
  }
  return ok ? out : undefined;
}

export function labelInstruction(ctx: Ctx, state: StageState): void {
  const pairs = expandedPairs(ctx, state);
  if (!pairs) return;
  const labels: Label[] = pairs.map((p) => ({ key: p.key, value: p.value, range: p.range }));
  state.stage.config.labels.push(...labels);
  state.stage.history.push({ createdBy: `LABEL ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`, emptyLayer: true });
}

export function envInstruction(ctx: Ctx, state: StageState): void {
  const pairs = expandedPairs(ctx, state);
  if (!pairs) return;
  for (const p of pairs) {
    state.scope.env.set(p.key, p.value);
    setRunEnv(state, p.key, p.value);
    state.stage.config.env.push({ value: [p.key, p.value], range: p.range });
  }
  state.stage.history.push({ createdBy: `ENV ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`, emptyLayer: true });
}

/** CMD/ENTRYPOINT words: the JSON form as is, the shell form split like a shell would (no `/bin/sh -c`). */
function commandWords(ctx: Ctx): string[] | undefined {
  const rest = argsWithoutFlags(ctx);
  if (!rest) return undefined;
  const json = jsonArray(rest.text);
  if (json !== undefined) return 'error' in json ? ctx.report.error(argsRange(ctx), json.error) : json.map((p) => p.text);
  const words = splitShellWords(rest.text, ctx.escape);
  if ('error' in words) return ctx.report.error(argsRange(ctx), `${ctx.ins.keyword}: ${words.error}`);
  return words;
}

export function cmdInstruction(ctx: Ctx, state: StageState): void {
  const words = commandWords(ctx);
  if (!words) return;
  state.stage.config.cmd = { value: words, range: ctx.ins.range };
  state.cmdSet = true;
  state.stage.history.push({ createdBy: `CMD ${goQuoteList(words)}`, emptyLayer: true });
}

export function entrypointInstruction(ctx: Ctx, state: StageState): void {
  const words = commandWords(ctx);
  if (!words) return;
  state.stage.config.entrypoint = { value: words, range: ctx.ins.range };
  // Docker: an ENTRYPOINT drops the CMD inherited from the base; an empty `cmd` at the ENTRYPOINT
  // records that (a CMD later in the stage replaces it as usual).
  if (!state.cmdSet) state.stage.config.cmd = { value: [], range: ctx.ins.range };
  state.stage.history.push({ createdBy: `ENTRYPOINT ${goQuoteList(words)}`, emptyLayer: true });
}

/** The whole argument text as one word, expanded; reports `requires exactly one argument` when empty. */
function singleValue(ctx: Ctx, state: StageState): { value: string; range: SourceRange } | undefined {
  const rest = argsWithoutFlags(ctx);
  if (!rest) return undefined;
  if (rest.text === '') return ctx.report.error(ctx.ins.keywordRange, `${ctx.ins.keyword} requires exactly one argument`);
  const value = expand(ctx, scopeLookup(state.scope), rest);
  if (value === undefined) return undefined;
  const range = pieceRange(ctx, rest);
  if (value === '') return ctx.report.error(range, `${ctx.ins.keyword} "${rest.text}" is empty after expansion`);
  return { value, range };
}

export function workdirInstruction(ctx: Ctx, state: StageState): void {
  const v = singleValue(ctx, state);
  if (!v) return;
  const dir = cleanPath(v.value.startsWith('/') ? v.value : `${state.workdir}/${v.value}`);
  state.workdir = dir;
  state.stage.config.workdir = { value: dir, range: v.range };
  state.stage.steps.push({
    kind: 'workdir',
    range: ctx.ins.range,
    description: `WORKDIR ${v.value}`,
    dir,
    ...(state.stage.config.user ? { user: state.stage.config.user.value } : {}),
  });
  // Docker's WORKDIR makes a layer (its mkdir), except for `/`.
  state.stage.history.push({ createdBy: `WORKDIR ${dir}`, emptyLayer: dir === '/' });
}

export function userInstruction(ctx: Ctx, state: StageState): void {
  const v = singleValue(ctx, state);
  if (!v) return;
  state.stage.config.user = { value: v.value, range: v.range };
  state.stage.history.push({ createdBy: `USER ${v.value}`, emptyLayer: true });
}

const SIGNALS = new Set(
  ('ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS ' +
    'TERM TRAP TSTP TTIN TTOU UNUSED URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX').split(' '),
);

/** Docker's signal.ParseSignal: a positive number, or a name with or without `SIG`, any case. */
export function isSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0;
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN\+|AX-)(\d+)$/.exec(name);
  if (rt) return Number(rt[2]) >= 1 && Number(rt[2]) <= 15;
  return SIGNALS.has(name);
}

export function stopsignalInstruction(ctx: Ctx, state: StageState): void {
  const v = singleValue(ctx, state);
  if (!v) return;
  if (!isSignal(v.value)) {
    ctx.report.error(v.range, `invalid signal: ${v.value} (expected a name like SIGTERM or a number)`);
    return;
  }
  state.stage.config.stopSignal = { value: v.value, range: v.range };
  state.stage.history.push({ createdBy: `STOPSIGNAL ${v.value}`, emptyLayer: true });
}

/** `80` → `80/tcp`; `53/udp`; `8000-8002` → three ports. An error string when malformed. */
export function parsePortSpec(spec: string): string[] | { error: string } {
  const m = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/.exec(spec);
  const bad = { error: `invalid port "${spec}" in EXPOSE: expected PORT[-PORT][/PROTOCOL], e.g. 80, 53/udp or 8000-8010` };
  if (!m) return bad;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (first > 65535 || last > 65535 || last < first) return bad;
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') {
    return { error: `invalid protocol "${m[3]}" in EXPOSE: expected tcp, udp or sctp` };
  }
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}

export function exposeInstruction(ctx: Ctx, state: StageState): void {
  const rest = argsWithoutFlags(ctx);
  if (!rest) return;
  const words = blankWords(rest.text, rest.start);
  if (words.length === 0) {
    ctx.report.error(ctx.ins.keywordRange, 'EXPOSE requires at least one argument');
    return;
  }
  const lookup = scopeLookup(state.scope);
  const ports: Located<string>[] = [];
  const written: string[] = [];
  let ok = true;
  for (const w of words) {
    const v = expand(ctx, lookup, w);
    if (v === undefined) {
      ok = false;
      continue;
    }
    const range = pieceRange(ctx, w);
    for (const spec of v.split(/\s+/).filter((s) => s !== '')) {
      const parsed = parsePortSpec(spec);
      if ('error' in parsed) {
        ctx.report.error(range, parsed.error);
        ok = false;
        continue;
      }
      written.push(spec);
      ports.push(...parsed.map((value) => ({ value, range })));
    }
  }
  if (!ok) return;
  state.stage.config.exposedPorts.push(...ports);
  state.stage.history.push({ createdBy: `EXPOSE ${written.join(' ')}`, emptyLayer: true });
}

export function volumeInstruction(ctx: Ctx, state: StageState): void {
  const rest = argsWithoutFlags(ctx);
  if (!rest) return;
  const json = jsonArray(rest.text, rest.start);
  if (json !== undefined && 'error' in json) {
    ctx.report.error(argsRange(ctx), json.error);
    return;
  }
  const words = json ?? blankWords(rest.text, rest.start);
  if (words.length === 0) {
    ctx.report.error(ctx.ins.keywordRange, 'VOLUME requires at least one argument');
    return;
  }
  const lookup = scopeLookup(state.scope);
  const volumes: Located<string>[] = [];
  let ok = true;
  for (const w of words) {
    const v = expand(ctx, lookup, w);
    if (v === undefined) ok = false;
    else if (v.trim() === '') {
      ctx.report.error(pieceRange(ctx, w), 'VOLUME specified can not be an empty string');
      ok = false;
    } else volumes.push({ value: v, range: pieceRange(ctx, w) });
  }
  if (!ok) return;
  state.stage.config.volumes.push(...volumes);
  state.stage.history.push({ createdBy: `VOLUME ${goList(volumes.map((v) => v.value))}`, emptyLayer: true });
}
