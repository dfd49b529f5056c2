// Which stages a build needs and how they chain; the labels and platform rules that follow from it.
import type { Platform } from '../platform.js';
import { stepSources } from '../plan/steps.js';
import type { Plan, Stage } from '../plan/types.js';
import { URUNC_PREFIX, unikraftBasePlatform, type LabelInput } from '../urunc/index.js';

/** Stages the target needs, in file order: its FROM chain and every COPY --from stage, transitively. */
export function neededStages(plan: Plan): Stage[] {
  // An explicit work list: a chain of thousands of stages must not overflow the stack.
  const need = new Set<number>([plan.target]);
  const todo = [plan.target];
  for (let i = todo.pop(); i !== undefined; i = todo.pop()) {
    const st = plan.stages[i]!;
    const deps = [st.base.kind === 'stage' ? st.base.stage : undefined, ...st.steps.flatMap(stepSources).map((f) => (f.kind === 'stage' ? f.stage : undefined))];
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
export function fromChain(plan: Plan): Stage[] {
  const chain: Stage[] = [];
  let st: Stage | undefined = plan.stages[plan.target];
  while (st) {
    chain.push(st);
    st = st.base.kind === 'stage' ? plan.stages[st.base.stage] : undefined;
  }
  return chain;
}

/** Labels as applied to the final image, oldest first: stage chain labels then `--label`. */
export function fileLabels(plan: Plan, cli: Record<string, string>): LabelInput[] {
  const out: LabelInput[] = [];
  for (const st of fromChain(plan).reverse()) {
    for (const l of st.config.labels) out.push({ key: l.key, value: l.value, range: l.range, origin: 'file' });
  }
  for (const key of Object.keys(cli).sort()) out.push({ key, value: cli[key]!, origin: 'cli' });
  return out;
}

export function lastValue(labels: readonly LabelInput[], key: string): string | undefined {
  for (let i = labels.length - 1; i >= 0; i--) if (labels[i]!.key === key) return labels[i]!.value;
  return undefined;
}

/**
 * The platform a stage's image base is resolved for. Unikraft catalog images are indexes whose
 * manifests carry the machine type as os (`qemu/amd64`), so the final stage's bases follow urunc's
 * rule; FROM --platform wins over it.
 */
export function basePlatform(stage: Stage, inFinalChain: boolean, target: Platform, labels: readonly LabelInput[]): Platform {
  if (stage.platform) return stage.platform.value;
  if (inFinalChain && lastValue(labels, `${URUNC_PREFIX}unikernelType`) === 'unikraft') {
    return unikraftBasePlatform(lastValue(labels, `${URUNC_PREFIX}hypervisor`), target.architecture);
  }
  return target;
}
