// What the steps of a stage read: the sources other stages and images provide.
import type { CopyFrom, CopyStep, Stage, Step } from './types.js';

/** Where a step reads files from besides its own stage: COPY --from, RUN --mount from=, initrd items (context included). */
export function stepSources(step: Step): CopyFrom[] {
  if (step.kind === 'copy') return [step.from];
  if (step.kind === 'initrd') return step.items.map((i) => i.from);
  if (step.kind === 'workdir') return [];
  return step.mounts.flatMap((m) => (m.type === 'bind' ? [m.from] : m.type === 'cache' && m.from ? [m.from] : []));
}

export function copySteps(stages: readonly Stage[]): CopyStep[] {
  return stages.flatMap((s) => s.steps.filter((x): x is CopyStep => x.kind === 'copy'));
}
