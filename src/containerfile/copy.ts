// COPY and ADD → CopyStep: flags, sources (here-documents among them), destination, with Docker's
// checks and punch's limits (no URLs).
import { cleanPath } from '../gopath.js';
import { isOciLayoutRef, isReferenceError, normalizeReference } from '../oci/reference.js';
import type { Chown, CopyFrom, CopyStep, InlineFile, Located, NamedContextSource } from '../plan/types.js';
import { argsRange, expand, pieceRange, scopeLookup, type Ctx, type StageState } from './context.js';
import { readFlags, type FlagKind } from './flags.js';
import { expandHeredoc } from './lexer.js';
import { heredocBody, heredocExpands, type HeredocSource } from './source.js';
import { blankWords, jsonArray, splitFlags, type Piece } from './words.js';

const COPY_FLAGS: Record<string, FlagKind> = { from: 'string', chown: 'string', chmod: 'string', link: 'bool' };
const ADD_FLAGS: Record<string, FlagKind> = { chown: 'string', chmod: 'string', link: 'bool' };

export const ADD_URL_MESSAGE = 'ADD of a URL is not supported by punch: download it into the build context and COPY it';

/** Stages by lower-cased name; `index` is the stage being built. */
export interface StageNames {
  /** Every stage named so far (earlier ones and the current one). */
  byName: Map<string, number>;
  /** Names as written on every FROM of the file, to explain references to later stages. */
  later: Map<string, { index: number; line: number }>;
  index: number;
  /** The named context a `--from` value that is no stage stands for, if any. */
  context?: (written: string) => NamedContextSource | undefined;
}

const isUrl = (s: string): boolean => /^(https?|git|ssh):\/\//i.test(s) || /^git@[^:]+:/.test(s);
const hasWildcard = (s: string): boolean => /[*?[]/.test(s);

/** `/a/b` or `a/../b` cleaned; `..` on top means the path climbs out of its root. */
function climbsOut(p: string): boolean {
  if (p.startsWith('/')) return false;
  const clean = cleanPath(p);
  return clean === '..' || clean.startsWith('../');
}

/** Docker: dest relative to WORKDIR, cleaned, with a trailing `/` kept (`.` means the directory). */
export function resolveDest(dest: string, workdir: string): string {
  const dir = dest === '' || dest === '.' || dest.endsWith('/');
  const abs = cleanPath(dest.startsWith('/') ? dest : `${workdir}/${dest}`);
  return dir && abs !== '/' ? `${abs}/` : abs;
}

function parseChown(ctx: Ctx, value: string, piece: Piece): Chown | undefined {
  const colon = value.indexOf(':');
  const user = colon === -1 ? value : value.slice(0, colon);
  const group = colon === -1 ? undefined : value.slice(colon + 1);
  if (user === '' || group === '' || group?.includes(':')) {
    return ctx.report.error(pieceRange(ctx, piece), `invalid --chown value "${value}": expected user[:group], e.g. 1000:1000 or app`);
  }
  return group === undefined ? { user } : { user, group };
}

function parseChmod(ctx: Ctx, value: string, piece: Piece): number | undefined {
  const n = /^[0-7]{1,5}$/.test(value) ? parseInt(value, 8) : NaN;
  if (Number.isNaN(n) || n > 0o7777) {
    return ctx.report.error(pieceRange(ctx, piece), `invalid --chmod value "${value}": expected octal permission bits, e.g. 0755`);
  }
  return n;
}

export function resolveFrom(ctx: Ctx, value: string, piece: Piece, names: StageNames): CopyFrom | undefined {
  const range = pieceRange(ctx, piece);
  const named = names.byName.get(value.toLowerCase());
  if (named !== undefined && named < names.index) return { kind: 'stage', stage: named };
  const ahead = named ?? names.later.get(value.toLowerCase())?.index;
  if (ahead !== undefined && ahead >= names.index) {
    const which = ahead === names.index ? 'this stage itself' : `a later stage (line ${names.later.get(value.toLowerCase())?.line})`;
    return ctx.report.error(range, `--from=${value} refers to ${which}: it must name an earlier stage`);
  }
  if (/^\d+$/.test(value)) {
    const index = Number(value);
    if (index >= names.index) {
      return ctx.report.error(range, `--from=${value} must name an earlier stage (this is stage ${names.index})`);
    }
    return { kind: 'stage', stage: index };
  }
  const given = names.context?.(value);
  if (given?.kind === 'image') return { kind: 'image', ref: given.ref, written: value };
  if (given?.kind === 'local') return { kind: 'local', key: given.key, written: value };
  if (given?.kind === 'scratch') return ctx.report.error(range, `--from=${value} names a build context that is the empty image (docker-image://scratch): there is nothing to copy from it`);
  const ref = isOciLayoutRef(value) ? value : normalizeReference(value);
  if (isReferenceError(ref)) {
    return ctx.report.error(range, `--from=${value} is neither an earlier stage nor a valid image reference: ${ref.error}`);
  }
  return { kind: 'image', ref, written: value };
}

/** Builds the step; reports problems and returns undefined when there was any. */
export function copyStep(ctx: Ctx, state: StageState, names: StageNames): { step: CopyStep; createdBy: string } | undefined {
  const instruction = ctx.ins.keyword as 'COPY' | 'ADD';
  const args = ctx.ins.args.text;
  const lookup = scopeLookup(state.scope);
  const split = splitFlags(args);
  const flags = readFlags(ctx, split.flags, instruction === 'COPY' ? COPY_FLAGS : ADD_FLAGS);
  if (!flags) return undefined;

  const rest = args.slice(split.rest);
  const json = jsonArray(rest, split.rest);
  if (json !== undefined && 'error' in json) return ctx.report.error(argsRange(ctx), json.error);
  const words = json ?? blankWords(rest, split.rest);
  if (words.length < 2) {
    return ctx.report.error(
      argsRange(ctx),
      words.length === 0
        ? `${instruction} requires at least two arguments: ${instruction} <source>... <destination>`
        : `${instruction} requires at least two arguments, but only one was provided. Destination could not be determined.`,
    );
  }

  let ok = true;
  const expandFlag = (name: string): { value: string; piece: Piece } | undefined => {
    const f = flags.get(name);
    if (!f) return undefined;
    const piece = { text: f.value, start: f.piece.start, end: f.piece.end };
    const value = f.name === 'link' ? f.value : expand(ctx, lookup, piece);
    if (value === undefined) ok = false;
    return value === undefined || value === '' ? undefined : { value, piece };
  };
  const fromFlag = expandFlag('from');
  const chownFlag = expandFlag('chown');
  const chmodFlag = expandFlag('chmod');
  const link = flags.get('link')?.value === 'true';

  let from: CopyFrom = { kind: 'context' };
  if (fromFlag) {
    const f = resolveFrom(ctx, fromFlag.value, fromFlag.piece, names);
    if (f) from = f;
    else ok = false;
  }
  const chown = chownFlag ? parseChown(ctx, chownFlag.value, chownFlag.piece) : undefined;
  const chmod = chmodFlag ? parseChmod(ctx, chmodFlag.value, chmodFlag.piece) : undefined;
  if ((chownFlag && !chown) || (chmodFlag && chmod === undefined)) ok = false;

  // Here-documents are sources (BuildKit's parser takes them out of the words before expansion).
  const docs = json === undefined ? heredocWords(ctx, state, words) : { inline: [], words: new Set<Piece>() };
  if (!docs) return undefined;
  if (docs.words.has(words[words.length - 1]!)) {
    return ctx.report.error(pieceRange(ctx, words[words.length - 1]!), `${instruction} cannot accept a heredoc as a destination: end the line with the destination path`);
  }
  const expanded: { written: string; piece: Piece }[] = [];
  for (const w of words.filter((x) => !docs.words.has(x))) {
    const v = expand(ctx, lookup, w);
    if (v === undefined) ok = false;
    else expanded.push({ written: v, piece: w });
  }
  if (!ok) return undefined;

  const destWord = expanded[expanded.length - 1]!;
  const sources: Located<string>[] = [];
  for (const s of expanded.slice(0, -1)) {
    const range = pieceRange(ctx, s.piece);
    if (instruction === 'ADD' && isUrl(s.written)) {
      ctx.report.error(range, ADD_URL_MESSAGE);
      continue;
    }
    if (isUrl(s.written)) {
      ctx.report.error(range, `source can't be a URL for COPY: download "${s.written}" into the build context and COPY it`);
      continue;
    }
    if (s.written === '') {
      ctx.report.error(range, `${instruction} source "${s.piece.text}" is empty after expansion`);
      continue;
    }
    if (climbsOut(s.written)) {
      const where = from.kind === 'context' ? 'the build context' : 'the source stage or image';
      ctx.report.error(range, `${instruction} source "${s.written}" is outside ${where}: sources must stay inside it`);
      continue;
    }
    // Docker reads context sources relative to the context root: a leading `/` means the same file.
    const value = from.kind === 'context' ? s.written.replace(/^\/+/, '') || '.' : s.written;
    sources.push({ value, range });
  }
  if (sources.length !== expanded.length - 1) return undefined;

  const destIsDir = destWord.written === '.' || destWord.written.endsWith('/');
  const destRange = pieceRange(ctx, destWord.piece);
  if (!destIsDir) {
    if (sources.length + docs.inline.length > 1) {
      return ctx.report.error(
        destRange,
        `When using ${instruction} with more than one source file, the destination must be a directory and end with a /`,
      );
    }
    const wild = sources.find((s) => hasWildcard(s.value));
    if (wild) {
      return ctx.report.error(
        destRange,
        `When using ${instruction} with a wildcard source ("${wild.value}"), the destination must be a directory and end with a /`,
      );
    }
  }

  const flagTexts = [...flags.values()].map((f) => {
    if (f.name === 'link') return f.value === 'true' ? '--link' : '--link=false';
    const v = { from: fromFlag, chown: chownFlag, chmod: chmodFlag }[f.name as 'from' | 'chown' | 'chmod'];
    return `--${f.name}=${v?.value ?? ''}`;
  });
  const written = expanded.map((e) => e.written);
  // Docker shows the line as written (here-documents by their word), history lists them after the sources.
  const shown = words.map((w) => (docs.words.has(w) ? w.text : expanded.find((e) => e.piece === w)!.written));
  const historyWords = [...written.slice(0, -1), ...docs.inline.map((d) => `<<${d.name}`), written[written.length - 1]!];
  const step: CopyStep = {
    kind: 'copy',
    instruction,
    range: ctx.ins.range,
    description: [instruction, ...flagTexts, ...shown].join(' '),
    from,
    sources,
    inline: docs.inline,
    dest: { value: resolveDest(destWord.written, state.workdir), range: destRange },
    link,
    unpack: instruction === 'ADD',
  };
  if (chmod !== undefined) step.chmod = chmod;
  if (chown) step.chown = chown;
  // BuildKit's history text: sources and destination as written, flags left out.
  return { step, createdBy: `${instruction} ${historyWords.join(' ')} # buildkit` };
}

const HEREDOC_WORD = /^\d*<<-?[^<]+$/;

/**
 * The here-document words among `words` (BuildKit: `<<WORD`, `<<-WORD`, quoted or not) and the files
 * they make, in order; reports an unterminated one.
 */
function heredocWords(ctx: Ctx, state: StageState, words: readonly Piece[]): { inline: InlineFile[]; words: Set<Piece> } | undefined {
  const unused = [...ctx.ins.heredocs];
  const inline: InlineFile[] = [];
  const found = new Set<Piece>();
  for (const w of words) {
    if (!HEREDOC_WORD.test(w.text)) continue;
    const i = unused.findIndex((h) => h.operator.text === w.text);
    if (i < 0) continue;
    const h: HeredocSource = unused.splice(i, 1)[0]!;
    const range = pieceRange(ctx, w);
    if (h.delimiter === undefined) return ctx.report.error(range, `unterminated heredoc ${h.operator.text}: end it with a line holding only ${h.name}`);
    const body = heredocBody(h);
    let content = body;
    if (heredocExpands(h)) {
      const r = expandHeredoc(body, (n) => state.runEnv.get(n));
      if ('error' in r) return ctx.report.error(range, `failed to expand heredoc ${h.operator.text}: ${r.error}`);
      content = r.value;
    }
    found.add(w);
    inline.push({ name: h.name, content, range });
  }
  return { inline, words: found };
}
