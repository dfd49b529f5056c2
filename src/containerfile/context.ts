// What every instruction handler shares: where to report, how to expand, and the state of the stage
// being built.
import { diagnostic, type Diagnostic, type SourceRange } from '../diagnostics.js';
import type { Stage } from '../plan/types.js';
import { expandWord, type Lookup } from './lexer.js';
import { spanRange, type RawInstruction, type Span } from './source.js';
import type { Piece } from './words.js';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  error(range: SourceRange, message: string): undefined {
    this.diagnostics.push(diagnostic('error', this.file, range, message));
    return undefined;
  }
}

/** The variables of one scope: ENV (base image env included) wins over ARG, as Docker documents. */
export interface Scope {
  env: Map<string, string>;
  /** Declared ARGs; undefined means declared without a value (unset for `${V-x}`). */
  args: Map<string, string | undefined>;
}

export function scopeLookup(scope: Scope): Lookup {
  return (name) => (scope.env.has(name) ? scope.env.get(name) : scope.args.get(name));
}

/** A stage in the making: the plan stage plus what later instructions need to know. */
export interface StageState {
  stage: Stage;
  scope: Scope;
  /** Absolute, cleaned; `/` unless WORKDIR or a parent stage says otherwise. */
  workdir: string;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** SHELL for shell-form RUN (Docker's default `/bin/sh -c`, inherited from a parent stage). */
  shell: string[];
  /**
   * The environment a RUN gets, in Docker's order: the base's variables (PATH added when it has
   * none), then each ENV and ARG value as set, a re-set variable moving to the end.
   */
  runEnv: Map<string, string>;
  /**
   * The stage's filesystem starts from scratch and nothing has been put in yet (no COPY/ADD/RUN here or in
   * a parent stage): a shell-form RUN has no shell to run.
   */
  emptyScratch: boolean;
}

/** Sets a RUN environment variable the way BuildKit's EnvList does: a re-set one moves to the end. */
export function setRunEnv(state: StageState, key: string, value: string): void {
  state.runEnv.delete(key);
  state.runEnv.set(key, value);
}

export interface Ctx {
  report: Reporter;
  escape: string;
  ins: RawInstruction;
}

export function pieceRange(ctx: Ctx, p: Piece): SourceRange {
  return spanRange(ctx.ins.args, p.start, p.end);
}

export function argsRange(ctx: Ctx): SourceRange {
  const a: Span = ctx.ins.args;
  return a.text.length > 0 ? spanRange(a, 0, a.text.length) : ctx.ins.keywordRange;
}

/** Expands one word like Docker's ProcessWord; reports and returns undefined on a lexer error. */
export function expand(ctx: Ctx, lookup: Lookup, p: Piece): string | undefined {
  const r = expandWord(p.text, lookup, ctx.escape);
  if ('error' in r) return ctx.report.error(pieceRange(ctx, p), `failed to process "${p.text}": ${r.error}`);
  return r.value;
}
