// The urunc metadata of the final image: labels (base, file, --label), the command line they and
// CMD/ENTRYPOINT agree on, validation, and the files urunc will look for.
import type { Diagnostic } from '../diagnostics.js';
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';
import type { Plan } from '../plan/types.js';
import { URUNC_PREFIX, reconcileCommandLine, stageFiles, validateUrunc, type LabelInput, type UruncRelease } from '../urunc/index.js';
import type { Artifact, BuildInput } from './api.js';
import type { Bases } from './bases.js';
import { basePlatform, fileLabels, fromChain, lastValue } from './stages.js';

/** Where kraftkit puts the kernel in Unikraft catalog images. */
export const UNIKRAFT_KERNEL_PATH = '/unikraft/bin/kernel';

export interface UruncMetadata {
  /** Every com.urunc.unikernel.* key with its final value, sorted. */
  values: Record<string, string>;
  /** All labels of the image, sorted. */
  labels: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  artifacts: Artifact[];
  diagnostics: Diagnostic[];
}

/** Labels oldest first: the base image's (no position), the file's, then --label. */
function allLabels(plan: Plan, input: BuildInput, bases: Bases, target: Platform): LabelInput[] {
  const chain = fromChain(plan);
  const root = chain[chain.length - 1]!;
  const own = fileLabels(plan, input.labels);
  const out: LabelInput[] = [];
  if (root.base.kind === 'image') {
    const base = bases.get(root.base.ref, basePlatform(root, true, target, own))?.config;
    for (const [k, v] of Object.entries(base?.config?.Labels ?? {})) out.push({ key: k, value: v, origin: 'base' });
  }
  out.push(...own);
  // Unikraft catalog images keep their kernel at a fixed path, where kraftkit packages it.
  if (root.base.kind === 'image' && lastValue(out, `${URUNC_PREFIX}unikernelType`) === 'unikraft' && lastValue(out, `${URUNC_PREFIX}binary`) === undefined) {
    out.unshift({ key: `${URUNC_PREFIX}binary`, value: UNIKRAFT_KERNEL_PATH, origin: 'base' });
  }
  return out;
}

export function uruncMetadata(plan: Plan, input: BuildInput, bases: Bases, target: Platform, finalConfig: ImageConfig, release: UruncRelease): UruncMetadata {
  const chain = fromChain(plan);
  const root = chain[chain.length - 1]!;
  const final = plan.stages[plan.target]!;
  const labels = allLabels(plan, input, bases, target);

  // The command line first: a cmdline it derives becomes a label like any other (urunc.json, annotations).
  const cmdSource = chain.find((s) => s.config.cmd)?.config.cmd;
  const entrypointSource = chain.find((s) => s.config.entrypoint)?.config.entrypoint;
  // A base image's cmdline describes the base's command: a new CMD/ENTRYPOINT replaces it.
  if (cmdSource || entrypointSource) {
    const stale = labels.findIndex((l) => l.key === `${URUNC_PREFIX}cmdline` && l.origin === 'base');
    if (stale >= 0) labels.splice(stale, 1);
  }
  const cmdlineLabel = labels.filter((l) => l.key === `${URUNC_PREFIX}cmdline`).at(-1);
  const reconciled = reconcileCommandLine({
    release,
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
    labels.push({ key: `${URUNC_PREFIX}cmdline`, value: reconciled.cmdline, ...(range ? { range } : {}), origin: 'file' });
  }

  const files = stageFiles(plan, plan.target);
  const checked = validateUrunc(labels, {
    release,
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

  const artifacts: Artifact[] = [];
  for (const name of ['binary', 'initrd', 'block']) {
    const key = `${URUNC_PREFIX}${name}`;
    const label = labels.filter((l) => l.key === key).at(-1);
    const path = checked.values[key];
    if (!label || path === undefined) continue;
    artifacts.push({ key, path, range: label.valueRange ?? label.range ?? final.range, origin: label.origin });
  }
  return {
    values: checked.values,
    labels: checked.labels,
    ...(reconciled.cmd ? { cmd: reconciled.cmd } : {}),
    ...(reconciled.entrypoint ? { entrypoint: reconciled.entrypoint } : {}),
    artifacts,
    diagnostics: [...reconciled.diagnostics, ...checked.diagnostics],
  };
}
