// A Containerfile plan with an initrd step added to its target stage: the Plan API a bunnyfile's
// planner uses, driven from tests until a build file writes it.
import { containerfilePlanner } from '../../src/containerfile/index.js';
import type { CopyFrom, InitrdStep, Planner } from '../../src/plan/types.js';

const at = { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };

export interface ItemSpec {
  from?: CopyFrom;
  source: string;
  dest: string;
}

export function initrdStepOf(dest: string, items: readonly ItemSpec[]): InitrdStep {
  return {
    kind: 'initrd',
    range: at,
    description: `initrd ${dest}`,
    items: items.map((i) => ({ from: i.from ?? { kind: 'context' }, source: { value: i.source, range: at }, dest: { value: i.dest, range: at } })),
    dest: { value: dest, range: at },
    createdBy: `INITRD ${dest} # punch`,
  };
}

/** The Containerfile's planner, with `step` appended to the target stage's steps. */
export function plannerWithInitrd(text: string, step: InitrdStep): Planner {
  const inner = containerfilePlanner(text);
  return (opts) => {
    const r = inner(opts);
    if (!r.plan) return r;
    const stages = r.plan.stages.map((s) => (s.index === r.plan!.target ? { ...s, steps: [...s.steps, step], history: [...s.history, { createdBy: step.createdBy, emptyLayer: false }] } : s));
    return { ...r, plan: { ...r.plan, stages } };
  };
}
