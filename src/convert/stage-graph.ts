// The LLB of each stage and the image config it leads to, in file order.
import { copy, definitionState, image, local, mkdir, mkfile, ociLayout, scratch, sourceMap, type ChownSpec, type CopyInfo, type FileAction, type SourceLocation, type State, type UserSpec } from '../llb/index.js';
import { isOciLayoutRef } from '../oci/reference.js';
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';
import type { CopyFrom, CopyStep, Plan, Stage, Step } from '../plan/types.js';
import type { BuildInput } from './api.js';
import type { Bases } from './bases.js';
import { applyStageConfig, emptyImageConfig, inheritConfig } from './config.js';
import { contextIncludePatterns } from './context.js';
import { diagnostic, PunchError, type Diagnostic, type SourceRange } from '../diagnostics.js';
import { missingRunCaps } from './run-caps.js';
import { namedRemoteState } from './remote-context.js';
import { proxyEnvOf, runStep } from './run-step.js';
import { initrdStep } from './initrd-step.js';
import { basePlatform, fileLabels, fromChain, neededStages } from './stages.js';

export interface StageGraphs {
  /** Each needed stage's final state and image config, by stage index. */
  states: Map<number, State>;
  configs: Map<number, ImageConfig>;
  /** Whether a stage's ops are marked to be re-run (`--no-cache`). */
  ignoresCache: (st: Stage) => boolean;
}

function userSpec(text: string): UserSpec {
  return /^[0-9]+$/.test(text) ? { id: Number(text) } : { name: text };
}

function chownSpec(step: CopyStep): ChownSpec | undefined {
  if (!step.chown) return undefined;
  const user = userSpec(step.chown.user);
  return step.chown.group !== undefined ? { user, group: userSpec(step.chown.group) } : { user };
}

/**
 * A USER value as BuildKit's llb.WithUser reads it for WORKDIR's mkdir: `user[:group]`, each a number
 * or a name looked up in the stage's own /etc/passwd and /etc/group when the op runs.
 */
function userChown(user: string): ChownSpec | undefined {
  const [u, g] = user.split(/:(.*)/s, 2) as [string, string | undefined];
  if (u === '' || g === '') return undefined;
  return g !== undefined ? { user: { name: u }, group: { name: g } } : { user: { name: u } };
}

/** The context local, asking only for the files COPY names, minus .dockerignore; or the remote context's state. */
function contextState(input: BuildInput, steps: readonly Step[]): State {
  const c = input.context;
  if ('remote' in c) return c.remote;
  const includes = contextIncludePatterns(steps);
  return local(c.name, {
    ...(c.sessionId ? { sessionId: c.sessionId } : {}),
    ...(c.unique && !c.sessionId ? { unique: c.unique } : {}),
    ...(includes ? { includePatterns: includes, followPaths: includes } : {}),
    ...(c.excludePatterns.length > 0 ? { excludePatterns: c.excludePatterns } : {}),
    sharedKeyHint: c.name,
    customName: '[internal] load build context',
    ...(input.noCache === true ? { ignoreCache: true } : {}),
  });
}

/**
 * A named context's files, as Docker's frontend loads them: a git checkout or HTTP download whole; a
 * client directory with its own .dockerignore applied, only the paths COPY and RUN mounts read (all
 * of it when a stage is built FROM it).
 */
function namedLocalState(input: BuildInput, key: string, stages: readonly Stage[]): State {
  const remote = input.namedContexts?.remotes?.get(key);
  if (remote) return namedRemoteState(remote, key);
  const given = input.namedContexts?.inputs?.get(key);
  if (given) return definitionState(given.definition, undefined);
  const c = input.namedContexts?.locals.get(key);
  if (!c) throw new Error(`named context ${key} has no directory`);
  const fromIt = (from: CopyFrom): boolean => from.kind === 'local' && from.key === key;
  const whole = stages.some((st) => st.base.kind === 'local' && st.base.key === key);
  const follow = whole ? undefined : contextIncludePatterns(stages.flatMap((s) => s.steps), fromIt);
  return local(c.name, {
    ...(c.sessionId ? { sessionId: c.sessionId } : {}),
    ...(c.unique && !c.sessionId ? { unique: c.unique } : {}),
    ...(follow ? { followPaths: follow } : {}),
    ...(c.excludePatterns.length > 0 ? { excludePatterns: c.excludePatterns } : {}),
    sharedKeyHint: `context:${key}-${c.sharedKey}`,
    customName: `[context ${key}] load from client`,
    ...(input.noCache === true ? { ignoreCache: true } : {}),
  });
}

/**
 * A here-document as Docker's frontend writes it: a 0644 file named after its word in a scratch state
 * (BuildKit before v0.12, Docker 20.10's and the part-2 fixture's, wrote 0664; v0.12 fixed that).
 */
function inlineDocument(name: string, content: string): State {
  return scratch().file(mkfile(name, 0o644, content), { customName: '[internal] preparing inline document' });
}

/**
 * One FileOp per COPY/ADD, one copy action per source (here-documents last), with Docker's copy
 * semantics: a here-document is copied as the file it is, with no wildcard, symlink or unpack rules.
 */
function copyAction(step: CopyStep, src: State): FileAction {
  const chown = chownSpec(step);
  const common = {
    ...(step.chmod !== undefined ? { mode: step.chmod } : {}),
    ...(chown ? { chown } : {}),
  };
  const info: CopyInfo = {
    followSymlinks: true,
    dirCopyContents: true,
    attemptUnpack: step.unpack,
    createDestPath: true,
    allowWildcard: true,
    allowEmptyWildcard: true,
    ...common,
  };
  const parts: Array<[State, string, CopyInfo]> = [
    ...step.sources.map((s): [State, string, CopyInfo] => [src, s.value, info]),
    ...step.inline.map((d): [State, string, CopyInfo] => [inlineDocument(d.name, d.content), d.name, { createDestPath: true, ...common }]),
  ];
  let action: FileAction | undefined;
  for (const [from, path, i] of parts) action = action ? action.copy(from, path, step.dest.value, i) : copy(from, path, step.dest.value, i);
  return action!;
}

/** What initrd steps need: punch's own image (already pinned when it could be) and the epoch. */
export interface InitrdTools {
  /** The tools image state, for the build platform. */
  image: () => State;
  epoch: number;
}

export function stageGraphs(plan: Plan, input: BuildInput, bases: Bases, target: Platform, tools?: InitrdTools): StageGraphs {
  const stages = neededStages(plan);
  const finalChain = new Set(fromChain(plan).map((s) => s.index));
  const labels = fileLabels(plan, input.labels);
  const ignoresCache = (st: Stage): boolean =>
    input.noCache === true || (Array.isArray(input.noCache) && st.name !== undefined && input.noCache.includes(st.name));
  const ctx = contextState(input, stages.flatMap((s) => s.steps));
  const locals = new Map<string, State>();
  const namedLocal = (key: string): State => {
    let st = locals.get(key);
    if (!st) locals.set(key, (st = namedLocalState(input, key, stages)));
    return st;
  };
  // Ops on top of a base use the target platform: a Unikraft base resolved as qemu/amd64 still
  // yields a linux/amd64 image, which is what containerd pulls for urunc.
  const imageState = (ref: string, platform: Platform, ignoreCache: boolean): State => {
    const nocache = ignoreCache ? { ignoreCache: true } : {};
    if (isOciLayoutRef(ref)) {
      const store = input.namedContexts?.ociStores?.get(ref);
      return ociLayout(ref, { platform, customName: `FROM ${ref}`, ...nocache, ...(store ? { store } : {}) }).withPlatform(target);
    }
    const digest = bases.get(ref, platform)?.digest;
    const pinned = digest && !ref.includes('@') ? `${ref}@${digest}` : ref;
    return image(pinned, { platform, customName: `FROM ${pinned}`, ...nocache }).withPlatform(target);
  };

  const stageLabel = stageLabeller(plan);
  const proxyEnv = proxyEnvOf(input.buildArgs);
  // RUN ops carry their lines (as Docker's frontend does), so a failing command's error can name them.
  const file = sourceMap(input.file, input.text, 'Dockerfile');
  const locate = (r: SourceRange): SourceLocation[] => [
    { map: file, ranges: [{ start: { line: r.start.line, character: r.start.col - 1 }, end: { line: r.end.line, character: r.end.col - 1 } }] },
  ];
  const errors: Diagnostic[] = [];
  const states = new Map<number, State>();
  const configs = new Map<number, ImageConfig>();
  for (const st of stages) {
    let state: State;
    let config: ImageConfig;
    if (st.base.kind === 'scratch') {
      state = scratch();
      config = emptyImageConfig(target);
    } else if (st.base.kind === 'stage') {
      state = states.get(st.base.stage)!;
      config = configs.get(st.base.stage)!;
    } else if (st.base.kind === 'local') {
      state = namedLocal(st.base.key).withPlatform(target);
      // A bake target's result comes with its image config; a directory has none.
      const inherited = input.namedContexts?.inputs?.get(st.base.key)?.config;
      config = inherited ? inheritConfig(inherited, target) : emptyImageConfig(target);
    } else {
      const p = basePlatform(st, finalChain.has(st.index), target, labels);
      state = imageState(st.base.ref, p, ignoresCache(st));
      const base = bases.get(st.base.ref, p)?.config;
      config = base ? inheritConfig(base, target) : emptyImageConfig(target);
    }
    const source = (from: CopyFrom): State =>
      from.kind === 'context'
        ? ctx
        : from.kind === 'stage'
          ? states.get(from.stage)!
          : from.kind === 'local'
            ? namedLocal(from.key)
            : imageState(from.ref, target, ignoresCache(st));
    // Docker numbers every COPY, ADD, RUN and WORKDIR of the stage after the FROM of an image (which is
    // [1/n]; FROM scratch or an earlier stage makes no op and takes no number). `WORKDIR /` counts in
    // the total but makes no op, so it takes no number either.
    const from = st.base.kind === 'image' ? 1 : 0;
    const total = from + st.steps.length;
    let next = from;
    const name = (description: string): string => `${progressPrefix(stageLabel(st), ++next, total)}${description}`;
    st.steps.forEach((step) => {
      if (step.kind === 'copy') {
        state = state.file(copyAction(step, source(step.from)), { customName: name(step.description), ...(ignoresCache(st) ? { ignoreCache: true } : {}) });
        return;
      }
      if (step.kind === 'workdir') {
        if (step.dir === '/') return;
        // Docker makes the directory at the WORKDIR line, owned by the USER in effect (the base's when
        // the stage set none); the mkdir is a no-op on a directory that exists already.
        const user = step.user ?? config.config?.User;
        const chown = user ? userChown(user) : undefined;
        if (user && !chown) {
          errors.push(diagnostic('error', input.file, step.range, `WORKDIR ${step.dir} is made as USER "${user}", which has an empty user or group: write USER name[:group] or uid[:gid]`));
          return;
        }
        state = state.file(mkdir(step.dir, 0o755, { makeParents: true, ...(chown ? { chown } : {}) }), {
          customName: name(step.description),
          ...(ignoresCache(st) ? { ignoreCache: true } : {}),
          locations: locate(step.range),
        });
        return;
      }
      if (step.kind === 'initrd') {
        next++;
        if (!tools) throw new Error(`${step.description}: no tools image was chosen (a bug in punch: please report it)`);
        state = initrdStep(state, step, { source, tools: tools.image(), epoch: tools.epoch, ignoreCache: ignoresCache(st) });
        return;
      }
      errors.push(...missingRunCaps(input.file, step, input.run));
      state = runStep(state, step, {
        baseConfig: config,
        source,
        proxyEnv,
        name,
        ignoreCache: ignoresCache(st),
        engine: input.run,
        locate,
      });
    });
    states.set(st.index, state);
    configs.set(st.index, applyStageConfig(config, st));
  }
  // Every RUN feature the engine lacks and every unusable WORKDIR owner, all at once, before anything is solved.
  if (errors.length > 0) throw new PunchError(errors);
  return { states, configs, ignoresCache };
}

/**
 * Docker's progress prefix, `[build 2/4] `: the stage's label, the step's place, padded to the width
 * of the total.
 */
function progressPrefix(label: string | undefined, index: number, total: number): string {
  const n = String(index).padStart(String(total).length, ' ');
  return `[${label ? `${label} ` : ''}${n}/${total}] `;
}

/**
 * The stage's name in progress lines: its own, else `stage-N` unless the file builds a single state.
 * Docker counts, besides the stages, one state per image a COPY --from names and per RUN --mount that
 * does not name a stage (a context bind, a cache, tmpfs, secret and ssh mounts all count): so a
 * one-stage file with a RUN --mount is `[stage-0 2/3]` too (part 2 of llb-golden-exec.txt, case b).
 */
function stageLabeller(plan: Plan): (st: Stage) => string | undefined {
  const extraState = plan.stages.some((s) =>
    s.steps.some((step) =>
      step.kind === 'copy'
        ? step.from.kind === 'image' || step.from.kind === 'local'
        : step.kind === 'run' && step.mounts.some((m) => !('from' in m && m.from?.kind === 'stage')),
    ),
  );
  const numbered = plan.stages.length > 1 || extraState;
  return (st) => st.name ?? (numbered ? `stage-${st.index}` : undefined);
}
