// Plan → LLB graph + image config + urunc metadata: the one place the three ways in share.
import { containerfilePlanner } from '../containerfile/index.js';
import { copySteps } from '../plan/steps.js';
import { PunchError, diagnostic, hasErrors, lineRange, ruleDiagnostic, type Diagnostic } from '../diagnostics.js';
import { marshal, mkfile } from '../llb/index.js';
import type { Stage } from '../plan/types.js';
import type { Platform } from '../platform.js';
import type { BaseImageFacts, Plan, Planner } from '../plan/types.js';
import { DEFAULT_RELEASE, URUNC_VERSION_ARG, findRelease, renderUruncJson, unknownReleaseMessage, type UruncRelease } from '../urunc/index.js';
import type { BuildGraph, BuildInput } from './api.js';
import { resolveBases } from './bases.js';
import { canonicalConfig } from './config.js';
import { ignoredSources } from './ignore.js';
import { uruncMetadata } from './metadata.js';
import { stageGraphs, type InitrdTools } from './stage-graph.js';
import { EPOCH_ARG, sourceDateEpoch } from './initrd-step.js';
import { TOOLS_IMAGE_ARG, toolsImage } from './tools-image.js';
import { image } from '../llb/index.js';
import { neededStages } from './stages.js';
import { checkConfig, finish, partialDiagnostics } from './checks.js';
import type { CheckConfig } from '../urunc/check-config.js';

export { HTTP_CONTEXT_FILE, contextSubdir, detectRemoteContext, gitContextState, httpContextState, isArchive, unpackedContext, type RemoteContext } from './remote-context.js';
export { missingArtifactMessage, type Artifact, type BuildContext, type BuildGraph, type BuildInput, type ContextSource, type ImageResolver, type NamedContexts, type NamedInput, type NamedLocal, type OciStore, type RemoteContextSource, type ResolvedImage, type RunEngineOptions } from './api.js';
export { UNIKRAFT_KERNEL_PATH } from './metadata.js';
export { neededStages } from './stages.js';
export { PUBLISHED_REPOSITORY, TOOLS_IMAGE_ARG, toolsImage, type ToolsImage, type ToolsImageOrigin } from './tools-image.js';
export { EPOCH_ARG } from './initrd-step.js';

export const URUNC_JSON_PATH = '/urunc.json';

interface Checking {
  release: UruncRelease;
  config: CheckConfig;
  /** Problems of the check directive itself. */
  diagnostics: Diagnostic[];
}

/** The plan, or a PunchError listing every problem: the Containerfile's and the urunc checks' of what could be read. */
async function planOrFail(input: BuildInput, planner: Planner, target: Platform, checking: Checking, baseImage?: (ref: string) => BaseImageFacts | undefined): Promise<{ plan: Plan; diagnostics: Diagnostic[] }> {
  const { plan, partial, diagnostics } = planner({
    file: input.file,
    buildArgs: input.buildArgs,
    ...(input.target !== undefined ? { target: input.target } : {}),
    targetPlatform: target,
    buildPlatform: input.defaultPlatform,
    ...(baseImage ? { baseImage } : {}),
    ...(input.namedContexts ? { namedContexts: input.namedContexts.lookup } : {}),
  });
  if (plan && !hasErrors(diagnostics)) return { plan, diagnostics };
  const more = partial ? await partialDiagnostics(partial, input, target, checking.release) : [];
  throw new PunchError(finish([...checking.diagnostics, ...diagnostics, ...more], checking.config));
}

/**
 * `BUILDKIT_*` build args steer BuildKit's frontends (`BUILDKIT_SYNTAX` picks the frontend, as
 * `#syntax=` does; `BUILDKIT_INLINE_CACHE`, `BUILDKIT_MULTI_PLATFORM`, ...), never the Containerfile:
 * no ARG declares them, so they are not "unused".
 */
function isFrontendControlArg(name: string): boolean {
  return name.startsWith('BUILDKIT_') || name === URUNC_VERSION_ARG || name === TOOLS_IMAGE_ARG || name === EPOCH_ARG;
}

/** The selected urunc release: the explicit option, then the build argument, then the newest. */
export function selectRelease(input: Pick<BuildInput, 'file' | 'uruncVersion' | 'buildArgs'>): UruncRelease {
  const fromArg = input.buildArgs[URUNC_VERSION_ARG];
  const text = input.uruncVersion ?? fromArg;
  if (text === undefined || text === '') return DEFAULT_RELEASE;
  const found = findRelease(text);
  if (found) return found;
  const where = input.uruncVersion !== undefined ? 'urunc version option' : `build argument ${URUNC_VERSION_ARG}`;
  throw new PunchError([ruleDiagnostic('urunc-version', 'error', input.file, lineRange(1), unknownReleaseMessage(text, where))]);
}

/** The manifest annotations the release reads: raw for the 2026 line, base64 for the 2025 line. */
export function manifestAnnotations(values: Record<string, string>, release: UruncRelease): Record<string, string> {
  if (release.spec === 'raw') return { ...values };
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

function unusedArgWarnings(plan: Plan, file: string): Diagnostic[] {
  const at = plan.stages[0]?.range ?? { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  return plan.unusedBuildArgs
    .filter((name) => !isFrontendControlArg(name))
    .map((name) => diagnostic('warning', file, at, `build argument ${name} was given but no ARG declares it`));
}

export async function buildGraph(input: BuildInput): Promise<BuildGraph> {
  const target = input.platform ?? input.defaultPlatform;
  const release = selectRelease(input);
  const checking: Checking = { release, ...checkConfig(input) };
  // Pass 1 finds the bases and the labels that decide their platform; pass 2 expands `$VAR`s with the
  // bases' Env and starts their stages in their WorkingDir and Shell, when they bring any.
  const planner = input.planner ?? containerfilePlanner(input.text);
  const first = await planOrFail(input, planner, target, checking);
  const { bases, warnings } = await resolveBases(first.plan, input.file, target, input.labels, input.resolveImage);
  const { plan, diagnostics: planDiagnostics } = bases.anyFacts ? await planOrFail(input, planner, target, checking, (ref) => bases.facts(ref)) : first;

  const stages = neededStages(plan);
  const tools = await initrdTools(plan, stages, input);
  const graphs = stageGraphs(plan, input, bases, target, tools?.state);
  const final = plan.stages[plan.target]!;
  const finalConfig = graphs.configs.get(plan.target)!;
  const meta = uruncMetadata(plan, input, bases, target, finalConfig, release);
  const diagnostics = finish([
    ...checking.diagnostics,
    ...warnings,
    ...planDiagnostics,
    ...unusedArgWarnings(plan, input.file),
    ...('remote' in input.context ? [] : ignoredSources(input.file, copySteps(stages), input.context.excludePatterns)),
    ...meta.diagnostics,
  ], checking.config);
  if (hasErrors(diagnostics)) throw new PunchError(diagnostics);

  const config = structuredClone(finalConfig);
  config.config.Labels = meta.labels;
  if (meta.cmd) config.config.Cmd = meta.cmd;
  if (meta.entrypoint) config.config.Entrypoint = meta.entrypoint;
  config.history = [...(config.history ?? []), { created_by: `COPY ${URUNC_JSON_PATH} # punch` }];
  const finalState = graphs.states.get(plan.target)!.file(
    mkfile(URUNC_JSON_PATH, 0o644, renderUruncJson(meta.values), { timestamp: 0n }),
    { customName: `[punch] write ${URUNC_JSON_PATH}`, ...(graphs.ignoresCache(final) ? { ignoreCache: true } : {}) },
  );

  return {
    definition: marshal(finalState, { platform: target }),
    platform: target,
    config: canonicalConfig(config),
    annotations: manifestAnnotations(meta.values, release),
    uruncRelease: release,
    urunc: meta.values,
    artifacts: meta.artifacts,
    steps: stages.flatMap((st) => st.steps.map((step) => ({ description: step.description, range: step.range, kind: step.kind }))),
    ...(tools ? { toolsImage: tools.ref } : {}),
    diagnostics,
  };
}

/**
 * The tools image and epoch when a needed stage has an initrd step. The image is resolved for the
 * builder's platform (node runs there) and pinned by digest when the caller asks for it.
 */
async function initrdTools(plan: Plan, stages: readonly Stage[], input: BuildInput): Promise<{ ref: string; state: InitrdTools } | undefined> {
  if (!stages.some((st) => st.steps.some((s) => s.kind === 'initrd'))) return undefined;
  const epoch = sourceDateEpoch(input.buildArgs, input.file);
  const chosen = toolsImage(
    {
      buildArgs: input.buildArgs,
      file: input.file,
      ...(input.toolsImage !== undefined ? { toolsImage: input.toolsImage } : {}),
      ...(input.frontendImage !== undefined ? { frontendImage: input.frontendImage } : {}),
    },
    plan.directives,
  );
  const platform = input.defaultPlatform;
  let ref = chosen.ref;
  if (input.pinToolsImage && input.resolveImage && !ref.includes('@')) {
    const digest = (await input.resolveImage(ref, platform)).digest;
    if (digest) ref = `${ref}@${digest}`;
  }
  return { ref, state: { epoch, image: () => image(ref, { platform, customName: `[punch] tools image ${ref}` }) } };
}
