// Plan → LLB graph + image config + urunc metadata: the one place the three ways in share.
import { buildPlan } from '../containerfile/index.js';
import { PunchError, hasErrors, type Diagnostic } from '../diagnostics.js';
import { copy, image, local, marshal, mkfile, ociLayout, scratch, type ChownSpec, type FileAction, type State, type UserSpec } from '../llb/index.js';
import { isOciLayoutRef } from '../oci/reference.js';
import type { ImageConfig } from '../oci/types.js';
import { formatPlatform, type Platform } from '../platform.js';
import type { CopyStep, Plan, Stage } from '../plan/types.js';
import {
  URUNC_PREFIX,
  reconcileCommandLine,
  renderUruncJson,
  unikraftBasePlatform,
  validateUrunc,
  stageFiles,
  type LabelInput,
} from '../urunc/index.js';
import type { Artifact, BuildGraph, BuildInput, ResolvedImage } from './api.js';
import { applyStageConfig, canonicalConfig, emptyImageConfig, inheritConfig } from './config.js';
import { contextIncludePatterns } from './context.js';
import { ignoredSources } from './ignore.js';

export { missingArtifactMessage, type Artifact, type BuildGraph, type BuildInput, type ImageResolver, type ResolvedImage } from './api.js';

export const URUNC_JSON_PATH = '/urunc.json';
/** Where kraftkit puts the kernel in Unikraft catalog images. */
export const UNIKRAFT_KERNEL_PATH = '/unikraft/bin/kernel';

/** Stages the target needs, in file order: its FROM chain and every COPY --from stage, transitively. */
export function neededStages(plan: Plan): Stage[] {
  // An explicit work list: a chain of thousands of stages must not overflow the stack.
  const need = new Set<number>([plan.target]);
  const todo = [plan.target];
  for (let i = todo.pop(); i !== undefined; i = todo.pop()) {
    const st = plan.stages[i]!;
    const deps = [st.base.kind === 'stage' ? st.base.stage : undefined, ...st.steps.map((s) => (s.from.kind === 'stage' ? s.from.stage : undefined))];
    for (const d of deps) {
      if (d !== undefined && !need.has(d)) {
        need.add(d);
        todo.push(d);
      }
    }
  }
  return plan.stages.filter((s) => need.has(s.index));
}

/** The target stage and the stages it is built FROM, final stage first. */
function fromChain(plan: Plan): Stage[] {
  const chain: Stage[] = [];
  let st: Stage | undefined = plan.stages[plan.target];
  while (st) {
    chain.push(st);
    st = st.base.kind === 'stage' ? plan.stages[st.base.stage] : undefined;
  }
  return chain;
}

function planOrThrow(input: BuildInput, target: Platform, baseEnv?: (ref: string) => string[] | undefined): { plan: Plan; diagnostics: Diagnostic[] } {
  const { plan, diagnostics } = buildPlan(input.text, {
    file: input.file,
    buildArgs: input.buildArgs,
    ...(input.target !== undefined ? { target: input.target } : {}),
    targetPlatform: target,
    buildPlatform: input.defaultPlatform,
    ...(baseEnv ? { baseEnv } : {}),
  });
  if (!plan || hasErrors(diagnostics)) throw new PunchError(diagnostics);
  return { plan, diagnostics };
}

/** Labels as applied to the final image, oldest first: stage chain labels then `--label`. */
function fileLabels(plan: Plan, cli: Record<string, string>): LabelInput[] {
  const out: LabelInput[] = [];
  for (const st of fromChain(plan).reverse()) {
    for (const l of st.config.labels) out.push({ key: l.key, value: l.value, range: l.range, origin: 'file' });
  }
  for (const key of Object.keys(cli).sort()) out.push({ key, value: cli[key]!, origin: 'cli' });
  return out;
}

function lastValue(labels: readonly LabelInput[], key: string): string | undefined {
  for (let i = labels.length - 1; i >= 0; i--) if (labels[i]!.key === key) return labels[i]!.value;
  return undefined;
}

/**
 * The platform each image base is resolved for. Unikraft catalog images are indexes whose manifests
 * carry the machine type as os (`qemu/amd64`), so the final stage's bases follow urunc's rule.
 */
function basePlatform(stage: Stage, inFinalChain: boolean, target: Platform, labels: readonly LabelInput[]): Platform {
  if (stage.platform) return stage.platform.value;
  if (inFinalChain && lastValue(labels, `${URUNC_PREFIX}unikernelType`) === 'unikraft') {
    return unikraftBasePlatform(lastValue(labels, `${URUNC_PREFIX}hypervisor`), target.architecture);
  }
  return target;
}

/**
 * `BUILDKIT_*` build args steer BuildKit's frontends (`BUILDKIT_SYNTAX` picks the frontend, as
 * `#syntax=` does; `BUILDKIT_INLINE_CACHE`, `BUILDKIT_MULTI_PLATFORM`, ...), never the Containerfile:
 * no ARG declares them, so they are not "unused".
 */
function isFrontendControlArg(name: string): boolean {
  return name.startsWith('BUILDKIT_');
}

function userSpec(text: string): UserSpec {
  return /^[0-9]+$/.test(text) ? { id: Number(text) } : { name: text };
}

function chownSpec(step: CopyStep): ChownSpec | undefined {
  if (!step.chown) return undefined;
  const user = userSpec(step.chown.user);
  return step.chown.group !== undefined ? { user, group: userSpec(step.chown.group) } : { user };
}

export async function buildGraph(input: BuildInput): Promise<BuildGraph> {
  const target = input.platform ?? input.defaultPlatform;
  // Pass 1 finds the bases and the labels that decide their platform; pass 2 expands with base env.
  const first = planOrThrow(input, target);
  const labels1 = fileLabels(first.plan, input.labels);
  const finalChain1 = new Set(fromChain(first.plan).map((s) => s.index));

  const resolved = new Map<string, ResolvedImage & { platform: Platform }>();
  const key = (ref: string, p: Platform): string => `${ref} ${formatPlatform(p)}`;
  const warnings: Diagnostic[] = [];
  for (const st of neededStages(first.plan)) {
    const wanted: Array<{ ref: string; platform: Platform }> = [];
    if (st.base.kind === 'image') wanted.push({ ref: st.base.ref, platform: basePlatform(st, finalChain1.has(st.index), target, labels1) });
    for (const step of st.steps) if (step.from.kind === 'image') wanted.push({ ref: step.from.ref, platform: target });
    for (const w of wanted) {
      const k = key(w.ref, w.platform);
      if (resolved.has(k)) continue;
      if (input.resolveImage) {
        resolved.set(k, { ...(await input.resolveImage(w.ref, w.platform)), platform: w.platform });
      } else {
        resolved.set(k, { platform: w.platform });
        warnings.push({
          severity: 'warning',
          file: input.file,
          range: st.range,
          message: `base image ${w.ref} was not resolved: its config (Env, Cmd, Entrypoint, WorkingDir, Labels) is not inherited; build through the frontend or punch build to inherit it`,
        });
      }
    }
  }
  const envOf = (ref: string): string[] | undefined => {
    for (const [k, r] of resolved) if (k.startsWith(`${ref} `) && r.config) return r.config.config?.Env ?? [];
    return undefined;
  };
  const { plan, diagnostics: planDiagnostics } = resolved.size > 0 && input.resolveImage ? planOrThrow(input, target, envOf) : first;
  warnings.push(...planDiagnostics);
  for (const name of plan.unusedBuildArgs) {
    if (isFrontendControlArg(name)) continue;
    warnings.push({
      severity: 'warning',
      file: input.file,
      range: plan.stages[0]?.range ?? { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } },
      message: `build argument ${name} was given but no ARG declares it`,
    });
  }

  const stages = neededStages(plan);
  const chain = fromChain(plan);
  const finalChain = new Set(chain.map((s) => s.index));
  const labelsForPlatform = fileLabels(plan, input.labels);

  const ignoresCache = (st: Stage): boolean =>
    input.noCache === true || (Array.isArray(input.noCache) && st.name !== undefined && input.noCache.includes(st.name));
  const contextSteps = stages.flatMap((s) => s.steps);
  const includes = contextIncludePatterns(contextSteps);
  const ignored = ignoredSources(input.file, contextSteps, input.context.excludePatterns);
  const ctx = local(input.context.name, {
    ...(input.context.sessionId ? { sessionId: input.context.sessionId } : {}),
    ...(input.context.unique && !input.context.sessionId ? { unique: input.context.unique } : {}),
    ...(includes ? { includePatterns: includes, followPaths: includes } : {}),
    ...(input.context.excludePatterns.length > 0 ? { excludePatterns: input.context.excludePatterns } : {}),
    sharedKeyHint: input.context.name,
    customName: '[internal] load build context',
    ...(input.noCache === true ? { ignoreCache: true } : {}),
  });

  const states = new Map<number, State>();
  const configs = new Map<number, ImageConfig>();
  // Ops on top of a base use the target platform: a Unikraft base resolved as qemu/amd64 still
  // yields a linux/amd64 image, which is what containerd pulls for urunc.
  const imageState = (ref: string, platform: Platform, ignoreCache: boolean): State => {
    const nocache = ignoreCache ? { ignoreCache: true } : {};
    if (isOciLayoutRef(ref)) return ociLayout(ref, { platform, customName: `FROM ${ref}`, ...nocache }).withPlatform(target);
    const r = resolved.get(key(ref, platform));
    const pinned = r?.digest && !ref.includes('@') ? `${ref}@${r.digest}` : ref;
    return image(pinned, { platform, customName: `FROM ${pinned}`, ...nocache }).withPlatform(target);
  };
  for (const st of stages) {
    let state: State;
    let config: ImageConfig;
    if (st.base.kind === 'scratch') {
      state = scratch();
      config = emptyImageConfig(target);
    } else if (st.base.kind === 'stage') {
      state = states.get(st.base.stage)!;
      config = configs.get(st.base.stage)!;
    } else {
      const p = basePlatform(st, finalChain.has(st.index), target, labelsForPlatform);
      state = imageState(st.base.ref, p, ignoresCache(st));
      const base = resolved.get(key(st.base.ref, p))?.config;
      config = base ? inheritConfig(base, target) : emptyImageConfig(target);
    }
    for (const step of st.steps) {
      const src: State =
        step.from.kind === 'context' ? ctx : step.from.kind === 'stage' ? states.get(step.from.stage)! : imageState(step.from.ref, target, ignoresCache(st));
      const chown = chownSpec(step);
      let action: FileAction | undefined;
      for (const s of step.sources) {
        const info = {
          followSymlinks: true,
          dirCopyContents: true,
          attemptUnpack: step.unpack,
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          ...(step.chmod !== undefined ? { mode: step.chmod } : {}),
          ...(chown ? { chown } : {}),
        };
        action = action ? action.copy(src, s.value, step.dest.value, info) : copy(src, s.value, step.dest.value, info);
      }
      state = state.file(action!, { customName: step.description, ...(ignoresCache(st) ? { ignoreCache: true } : {}) });
    }
    states.set(st.index, state);
    configs.set(st.index, applyStageConfig(config, st));
  }

  // urunc metadata: base labels first (no position: point at FROM), then the file's, then --label.
  const final = plan.stages[plan.target]!;
  const finalConfig = configs.get(plan.target)!;
  const baseLabels: LabelInput[] = [];
  const root = chain[chain.length - 1]!;
  if (root.base.kind === 'image') {
    const base = resolved.get(key(root.base.ref, basePlatform(root, true, target, labelsForPlatform)))?.config;
    for (const [k, v] of Object.entries(base?.config?.Labels ?? {})) baseLabels.push({ key: k, value: v, origin: 'base' });
  }
  const allLabels = [...baseLabels, ...labelsForPlatform];
  // Unikraft catalog images keep their kernel at a fixed path (urunc-contract §6).
  if (
    root.base.kind === 'image' &&
    lastValue(allLabels, `${URUNC_PREFIX}unikernelType`) === 'unikraft' &&
    lastValue(allLabels, `${URUNC_PREFIX}binary`) === undefined
  ) {
    allLabels.unshift({ key: `${URUNC_PREFIX}binary`, value: UNIKRAFT_KERNEL_PATH, origin: 'base' });
  }
  // The command line first: a cmdline it derives becomes a label like any other (urunc.json, annotations).
  const cmdSource = chain.find((s) => s.config.cmd)?.config.cmd;
  const entrypointSource = chain.find((s) => s.config.entrypoint)?.config.entrypoint;
  // A base image's cmdline describes the base's command: a new CMD/ENTRYPOINT replaces it.
  if (cmdSource || entrypointSource) {
    const stale = allLabels.findIndex((l) => l.key === `${URUNC_PREFIX}cmdline` && l.origin === 'base');
    if (stale >= 0) allLabels.splice(stale, 1);
  }
  const cmdlineLabel = allLabels.filter((l) => l.key === `${URUNC_PREFIX}cmdline`).at(-1);
  const reconciled = reconcileCommandLine({
    file: input.file,
    anchor: final.range,
    ...(finalConfig.config.Entrypoint ? { entrypoint: finalConfig.config.Entrypoint } : {}),
    ...(finalConfig.config.Cmd ? { cmd: finalConfig.config.Cmd } : {}),
    ...(cmdlineLabel ? { cmdline: cmdlineLabel.value } : {}),
    ...(cmdSource ? { cmdRange: cmdSource.range } : {}),
    ...(entrypointSource ? { entrypointRange: entrypointSource.range } : {}),
    ...(cmdlineLabel?.range ? { cmdlineRange: cmdlineLabel.range } : {}),
  });
  if (reconciled.cmdline !== undefined && reconciled.cmdline !== cmdlineLabel?.value) {
    const range = cmdSource?.range ?? entrypointSource?.range;
    allLabels.push({ key: `${URUNC_PREFIX}cmdline`, value: reconciled.cmdline, ...(range ? { range } : {}), origin: 'file' });
  }
  const files = stageFiles(plan, plan.target);
  const checked = validateUrunc(allLabels, {
    file: input.file,
    anchor: final.range,
    produced: files.produced,
    base: files.base,
    // Only the base's config is resolved, never its files: the result is checked after the solve.
    baseKnown: false,
    // A resolver means a real build (frontend or punch build), which checks the result's files.
    resultChecked: input.resolveImage !== undefined,
    baseLabelsUnknown: root.base.kind === 'image' && input.resolveImage === undefined,
  });
  const diagnostics = [...warnings, ...ignored, ...reconciled.diagnostics, ...checked.diagnostics];
  if (hasErrors(diagnostics)) throw new PunchError(diagnostics);

  const sortedValues = checked.values;
  const labels = checked.labels;
  const config = structuredClone(finalConfig);
  config.config.Labels = labels;
  if (reconciled.cmd) config.config.Cmd = reconciled.cmd;
  if (reconciled.entrypoint) config.config.Entrypoint = reconciled.entrypoint;
  config.history = [...(config.history ?? []), { created_by: `COPY ${URUNC_JSON_PATH} # punch` }];

  const finalState = states.get(plan.target)!.file(
    mkfile(URUNC_JSON_PATH, 0o644, renderUruncJson(sortedValues), { timestamp: 0n }),
    { customName: `[punch] write ${URUNC_JSON_PATH}`, ...(ignoresCache(final) ? { ignoreCache: true } : {}) },
  );
  const artifacts: Artifact[] = [];
  for (const name of ['binary', 'initrd', 'block']) {
    const key = `${URUNC_PREFIX}${name}`;
    const label = allLabels.filter((l) => l.key === key).at(-1);
    const path = sortedValues[key];
    if (!label || path === undefined) continue;
    artifacts.push({ key, path, range: label.valueRange ?? label.range ?? final.range, origin: label.origin });
  }
  const steps = stages.flatMap((st) => st.steps.map((step) => ({ description: step.description, range: step.range })));

  return {
    definition: marshal(finalState, { platform: target }),
    platform: target,
    config: canonicalConfig(config),
    annotations: sortedValues,
    urunc: sortedValues,
    artifacts,
    steps,
    diagnostics,
  };
}
