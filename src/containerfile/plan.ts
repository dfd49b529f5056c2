// Containerfile text → Plan: stages, ARG scopes, FROM resolution, the target, and every problem as a
// diagnostic with a position (never an exception).
import { hasErrors, lineRange, type Diagnostic, type SourceRange } from '../diagnostics.js';
import { contextName, isOciLayoutRef, isReferenceError, normalizeReference } from '../oci/reference.js';
import type { DeclaredArg, NamedContextSource, Plan, PlanOptions, PlanResult, Planner, Stage, StageBase } from '../plan/types.js';
import { formatPlatform, isPlatformError, parsePlatform, type Platform } from '../platform.js';
import { expand, pieceRange, Reporter, scopeLookup, setRunEnv, type Ctx, type Scope, type StageState } from './context.js';
import { DEFAULT_PATH, DEFAULT_SHELL, runInstruction, shellInstruction } from './run.js';
import { copyStep, type StageNames } from './copy.js';
import { readFlags } from './flags.js';
import { baseFromContext, imageBase } from './bases.js';
import * as meta from './metadata.js';
import { readSource, type RawInstruction, type SourceFile } from './source.js';
import { blankWords, quotedWords, splitFlags, type Piece } from './words.js';

export type { PlanOptions };

/** Build args Docker defines without an ARG (proxies): never reported as unused. */
const PROXY_ARGS = new Set(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]),
);

export function platformArgs(target: Platform, build: Platform): Map<string, string> {
  return new Map([
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
  ]);
}

const UNSUPPORTED: Record<string, string> = {
  HEALTHCHECK: 'HEALTHCHECK is not supported: urunc runs no health-check command inside a unikernel',
  ONBUILD: 'ONBUILD is not supported by punch: write the instructions in the Containerfile that needs them',
  MAINTAINER:
    'MAINTAINER is deprecated and not supported by punch: use LABEL org.opencontainers.image.authors="…" instead',
};

const STAGE_NAME_RE = /^[a-z][a-z0-9-_.]*$/;

function emptyStage(index: number, range: SourceRange, base: StageBase): Stage {
  return {
    index,
    range,
    base,
    steps: [],
    config: { env: [], exposedPorts: [], labels: [], volumes: [] },
    history: [],
  };
}

class Builder {
  readonly report: Reporter;
  readonly escape: string;
  /** Global ARGs (before the first FROM) with their resolved values. */
  readonly globals = new Map<string, string | undefined>();
  readonly declared = new Set<string>();
  readonly auto: Map<string, string>;
  readonly stages: Stage[] = [];
  readonly states: StageState[] = [];
  readonly byName = new Map<string, number>();
  /** Stage names as written on each FROM (unexpanded), for messages about references to later stages. */
  readonly written = new Map<string, { index: number; line: number }>();
  readonly args: DeclaredArg[] = [];
  /** Per stage, the globals its FROM line looked up. */
  readonly fromArgs: Set<string>[] = [];
  /** Stages replaced by a named context of their name. */
  readonly replaced = new Set<number>();

  constructor(
    readonly opts: PlanOptions,
    escape: string,
  ) {
    this.report = new Reporter(opts.file);
    this.escape = escape;
    this.auto = platformArgs(opts.targetPlatform, opts.buildPlatform);
  }

  ctx(ins: RawInstruction): Ctx {
    return { report: this.report, escape: this.escape, ins };
  }

  buildArg(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.opts.buildArgs, name) ? this.opts.buildArgs[name] : undefined;
  }

  /** FROM lines see the global ARGs and, undeclared, the automatic platform args. */
  globalScope(): Scope {
    const args = new Map<string, string | undefined>(this.auto);
    for (const [k, v] of this.globals) args.set(k, v);
    return { env: new Map(), args };
  }

  /** `ARG a[=x] b …`: declares, resolves (build arg > default > global or automatic value) and returns them. */
  arg(ins: RawInstruction, scope: Scope, inStage: boolean): { name: string; value: string | undefined }[] | undefined {
    const ctx = this.ctx(ins);
    const rest = meta.argsWithoutFlags(ctx);
    if (!rest) return undefined;
    const words = quotedWords(rest.text, this.escape, rest.start);
    if (words.length === 0) return this.report.error(ins.keywordRange, 'ARG requires at least one argument');
    const out: { name: string; value: string | undefined }[] = [];
    for (const w of words) {
      const eq = w.text.indexOf('=');
      const name = eq === -1 ? w.text : w.text.slice(0, eq);
      if (name === '') {
        this.report.error(pieceRange(ctx, w), 'ARG names can not be blank');
        return undefined;
      }
      let value: string | undefined;
      const uses = new Set<string>();
      if (eq !== -1) {
        const lookup = scopeLookup(scope);
        const recording = (n: string): string | undefined => (uses.add(n), lookup(n));
        value = expand(ctx, recording, { text: w.text.slice(eq + 1), start: w.start + eq + 1, end: w.end });
        if (value === undefined) return undefined;
      } else {
        value = inStage && this.globals.has(name) ? this.globals.get(name) : this.auto.get(name);
      }
      const inherited = eq === -1 && inStage && this.globals.get(name) !== undefined && this.buildArg(name) === undefined;
      value = this.buildArg(name) ?? value;
      this.declared.add(name);
      scope.args.set(name, value);
      out.push({ name, value });
      uses.delete(name);
      const stage = inStage ? this.stages.length - 1 : undefined;
      this.args.push({ name, ...(value !== undefined ? { value } : {}), range: ins.range, ...(stage !== undefined ? { stage } : {}), uses: [...uses], ...(inherited ? { inherited: true as const } : {}) });
    }
    return out;
  }

  from(ins: RawInstruction): void {
    const ctx = this.ctx(ins);
    const index = this.stages.length;
    const split = splitFlags(ins.args.text);
    const flags = readFlags(ctx, split.flags, { platform: 'string' });
    const words = blankWords(ins.args.text.slice(split.rest), split.rest);
    // A placeholder keeps stage indexes stable when this FROM is broken.
    const stage = emptyStage(index, ins.range, { kind: 'scratch' });
    const state: StageState = {
      stage,
      scope: { env: new Map(), args: new Map() },
      workdir: '/',
      cmdSet: false,
      shell: [...DEFAULT_SHELL],
      runEnv: new Map([['PATH', DEFAULT_PATH]]),
      emptyScratch: true,
    };
    this.stages.push(stage);
    this.states.push(state);
    const used = new Set<string>();
    this.fromArgs.push(used);
    if (!flags) return;
    if (!(words.length === 1 || (words.length === 3 && words[1]!.text.toLowerCase() === 'as'))) {
      this.report.error(ins.range, 'FROM requires either one or three arguments: FROM <image> [AS <name>]');
      return;
    }
    const globalLookup = scopeLookup(this.globalScope());
    const globals = (n: string): string | undefined => (used.add(n), globalLookup(n));
    if (words.length === 3) {
      const name = expand(ctx, globals, words[2]!)?.toLowerCase();
      if (name === undefined) return;
      if (!STAGE_NAME_RE.test(name)) {
        this.report.error(
          pieceRange(ctx, words[2]!),
          `invalid name for build stage: "${name}", name can't start with a number or contain symbols`,
        );
        return;
      }
      const first = this.byName.get(name);
      if (first !== undefined) {
        this.report.error(
          pieceRange(ctx, words[2]!),
          `duplicate stage name "${name}": stage ${first} (line ${this.stages[first]!.range.start.line}) already has it`,
        );
        return;
      }
      stage.name = name;
      this.byName.set(name, index);
    }
    const platformFlag = flags.get('platform');
    if (platformFlag && platformFlag.value !== '') {
      const piece: Piece = { text: platformFlag.value, start: platformFlag.piece.start, end: platformFlag.piece.end };
      const text = expand(ctx, globals, piece);
      if (text === undefined) return;
      const p = parsePlatform(text);
      if (isPlatformError(p)) {
        this.report.error(pieceRange(ctx, piece), `FROM --platform: ${p.error}`);
        return;
      }
      stage.platform = { value: p, range: pieceRange(ctx, piece) };
    }
    const written = expand(ctx, globals, words[0]!);
    if (written === undefined) return;
    const range = pieceRange(ctx, words[0]!);
    if (written === '') {
      this.report.error(range, `base name (${words[0]!.text}) should not be blank`);
      return;
    }
    const platform = stage.platform?.value ?? this.opts.targetPlatform;
    // A named context of the stage's own name replaces the whole stage, as in Docker's frontend.
    const own = stage.name !== undefined ? this.namedContext(stage.name, platform) : undefined;
    if (own) {
      this.replaced.add(index);
      return baseFromContext(state, own, written, this.opts.baseImage);
    }
    if (written === 'scratch') return;
    const parent = this.byName.get(written.toLowerCase());
    if (parent !== undefined && parent < index) {
      const p = this.states[parent]!;
      stage.base = { kind: 'stage', stage: parent };
      state.scope.env = new Map(p.scope.env);
      state.workdir = p.workdir;
      state.shell = [...p.shell];
      state.runEnv = new Map(p.runEnv);
      state.emptyScratch = p.emptyScratch;
      return;
    }
    const named = this.namedContext(written, platform);
    if (named) return baseFromContext(state, named, written, this.opts.baseImage);
    const ref = isOciLayoutRef(written) ? written : normalizeReference(written);
    if (isReferenceError(ref)) {
      this.report.error(range, `invalid base image "${written}": ${ref.error}`);
      return;
    }
    imageBase(state, ref, written, this.opts.baseImage);
  }

  namedContext(written: string, platform: Platform): NamedContextSource | undefined {
    const name = this.opts.namedContexts ? contextName(written) : undefined;
    return name !== undefined ? this.opts.namedContexts!(name, platform) : undefined;
  }

  instruction(ins: RawInstruction): void {
    const unsupported = UNSUPPORTED[ins.keyword];
    if (unsupported) {
      this.report.error(ins.keywordRange, unsupported);
      return;
    }
    if (ins.keyword === 'FROM') return this.from(ins);
    const state = this.states[this.states.length - 1];
    // A stage a named context replaces keeps none of its instructions.
    if (state && this.replaced.has(state.stage.index)) return;
    if (ins.keyword === 'ARG') {
      if (!state) {
        const values = this.arg(ins, this.globalScope(), false);
        for (const v of values ?? []) this.globals.set(v.name, v.value);
        return;
      }
      const values = this.arg(ins, state.scope, true);
      // ARG values are seen by RUN (not by the image config), in the order they are set: an ARG after
      // an ENV of the same name gives RUN the ARG's value (BuildKit's AddEnv; both engines' frontends).
      for (const v of values ?? []) if (v.value !== undefined) setRunEnv(state, v.name, v.value);
      if (values) {
        const text = values.map((v) => (v.value === undefined ? v.name : `${v.name}=${v.value}`)).join(' ');
        state.stage.history.push({ createdBy: `ARG ${text}`, emptyLayer: true });
      }
      return;
    }
    const handler = HANDLERS[ins.keyword];
    if (!handler) {
      this.report.error(ins.keywordRange, `unknown instruction: ${ins.keyword}`);
      return;
    }
    if (!state) {
      this.report.error(ins.keywordRange, `${ins.keyword} comes before the first FROM: only ARG may appear there`);
      return;
    }
    handler(this, this.ctx(ins), state);
  }
}

type Handler = (b: Builder, ctx: Ctx, state: StageState) => void;

const HANDLERS: Record<string, Handler> = {
  RUN: (b, ctx, s) => runInstruction(ctx, s, stageNames(b, s)),
  SHELL: (_b, ctx, s) => shellInstruction(ctx, s),
  COPY: copyHandler,
  ADD: copyHandler,
  LABEL: (_b, ctx, s) => meta.labelInstruction(ctx, s),
  ENV: (_b, ctx, s) => meta.envInstruction(ctx, s),
  CMD: (_b, ctx, s) => meta.cmdInstruction(ctx, s),
  ENTRYPOINT: (_b, ctx, s) => meta.entrypointInstruction(ctx, s),
  WORKDIR: (_b, ctx, s) => meta.workdirInstruction(ctx, s),
  USER: (_b, ctx, s) => meta.userInstruction(ctx, s),
  EXPOSE: (_b, ctx, s) => meta.exposeInstruction(ctx, s),
  STOPSIGNAL: (_b, ctx, s) => meta.stopsignalInstruction(ctx, s),
  VOLUME: (_b, ctx, s) => meta.volumeInstruction(ctx, s),
};

function stageNames(b: Builder, state: StageState): StageNames {
  return { byName: b.byName, later: b.written, index: state.stage.index, context: (name) => b.namedContext(name, b.opts.targetPlatform) };
}

function copyHandler(b: Builder, ctx: Ctx, state: StageState): void {
  const r = copyStep(ctx, state, stageNames(b, state));
  state.emptyScratch = false;
  if (!r) return;
  state.stage.steps.push(r.step);
  state.stage.history.push({ createdBy: r.createdBy, emptyLayer: false });
}

function chooseTarget(b: Builder, target: string | undefined): number | undefined {
  if (target === undefined) return b.stages.length - 1;
  const index = b.byName.get(target.toLowerCase());
  if (index !== undefined) return index;
  const names = [...b.byName.keys()];
  return b.report.error(
    lineRange(1),
    `target stage "${target}" could not be found (${names.length > 0 ? `stages: ${names.join(', ')}` : 'no stage has a name: use FROM <image> AS <name>'})`,
  );
}

export type { PlanResult };

function collect(source: SourceFile, opts: PlanOptions): PlanResult {
  const b = new Builder(opts, source.directives.escape);
  for (const p of source.directives.problems) b.report.error(lineRange(p.line + 1), p.message);
  source.instructions
    .filter((ins) => ins.keyword === 'FROM')
    .forEach((ins, index) => {
      const words = blankWords(ins.args.text.slice(splitFlags(ins.args.text).rest));
      const name = words.length === 3 ? words[2]!.text.toLowerCase() : undefined;
      if (name && !b.written.has(name)) b.written.set(name, { index, line: ins.range.start.line });
    });
  for (const ins of source.instructions) b.instruction(ins);
  if (b.stages.length === 0) {
    b.report.error(lineRange(1), 'no FROM instruction: a Containerfile needs at least one stage (FROM scratch or FROM <image>)');
  }
  const target = b.stages.length > 0 ? chooseTarget(b, opts.target) : undefined;
  const diagnostics = b.report.diagnostics;
  if (target === undefined || b.stages[target] === undefined) return { diagnostics };
  const unusedBuildArgs = Object.keys(opts.buildArgs)
    .filter((k) => !b.declared.has(k) && !b.auto.has(k) && !PROXY_ARGS.has(k))
    .sort();
  const plan: Plan = {
    file: opts.file,
    directives: source.directives.directives,
    stages: b.stages,
    target,
    unusedBuildArgs,
    args: b.args,
    fromArgs: b.fromArgs.map((s) => [...s]),
  };
  return hasErrors(diagnostics) ? { partial: plan, diagnostics } : { plan, diagnostics };
}

/** A Containerfile read into instructions once, planned for each platform (and base Env) from there. */
export type ParsedContainerfile = { source: SourceFile } | { failure: string };

function internalError(file: string, why: string): Diagnostic[] {
  return [{ severity: 'error', file, range: lineRange(1), message: `internal error while reading the Containerfile: ${why}` }];
}

/** Reads the text into directives and instructions; a reader bug is kept and reported by buildPlan. */
export function parseContainerfile(text: string): ParsedContainerfile {
  try {
    return { source: readSource(text) };
  } catch (e) {
    return { failure: e instanceof Error ? e.message : String(e) };
  }
}

/** Parses (unless given a parsed file) and resolves a Containerfile. `plan` is absent when any diagnostic is an error. */
export function buildPlan(input: string | ParsedContainerfile, opts: PlanOptions): PlanResult {
  const parsed = typeof input === 'string' ? parseContainerfile(input) : input;
  if ('failure' in parsed) return { diagnostics: internalError(opts.file, parsed.failure) };
  try {
    return collect(parsed.source, opts);
  } catch (e) {
    // A bug, not a user error: still a diagnostic rather than a crash of the caller.
    return { diagnostics: internalError(opts.file, e instanceof Error ? e.message : String(e)) };
  }
}

/** The Planner of a Containerfile: its text is read once, however many times it is planned. */
export function containerfilePlanner(text: string): Planner {
  const parsed = parseContainerfile(text);
  return (opts) => buildPlan(parsed, opts);
}
