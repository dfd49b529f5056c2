// Failures found while or after `punch build` executes the graph, pointed back at the Containerfile
// line that caused them. The graph carries no source positions, so the plan is consulted: a FileOp is
// known by its progress name (the COPY step's description), a urunc path by its label.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { Plan, Stage } from '../plan/types.js';

/** The stage `index` and the stages it is built FROM, final stage first. */
function fromChain(plan: Plan, index: number): Stage[] {
  const chain: Stage[] = [];
  let st: Stage | undefined = plan.stages[index];
  while (st) {
    chain.push(st);
    st = st.base.kind === 'stage' ? plan.stages[st.base.stage] : undefined;
  }
  return chain;
}

/**
 * The error of the COPY/ADD step whose progress name is `description`, at its line; undefined when no
 * step has that name (then the caller reports the bare message). Identical steps in several stages
 * give the same op, so the first one in the file is as good as any.
 */
export function copyStepFailure(plan: Plan, description: string | undefined, message: string): Diagnostic | undefined {
  if (description === undefined) return undefined;
  for (const st of plan.stages) {
    const step = st.steps.find((s) => s.description === description);
    if (step) return diagnostic('error', plan.file, step.range, `${description}: ${message.replace(/^COPY failed: /, '')}`);
  }
  return undefined;
}

/**
 * The error for a urunc label (`com.urunc.unikernel.binary`, ...) whose path the built image lacks or
 * holds as a non-file: at the Containerfile label that set it last; at the target stage's FROM when
 * `--label` set it (it wins over the file) or the base image did.
 */
export function labelPathFailure(plan: Plan, key: string, cliLabels: Record<string, string>, message: string): Diagnostic {
  const target = plan.stages[plan.target]!;
  if (Object.hasOwn(cliLabels, key)) return diagnostic('error', plan.file, target.range, `${message} (set by --label ${key})`);
  for (const st of fromChain(plan, plan.target)) {
    const label = st.config.labels.filter((l) => l.key === key).at(-1);
    if (label) return diagnostic('error', plan.file, label.range, message);
  }
  return diagnostic('error', plan.file, target.range, message);
}
