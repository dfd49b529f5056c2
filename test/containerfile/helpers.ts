// Shared helpers for the Containerfile tests: a default set of options and short views of results.
import { formatDiagnostic } from '../../src/diagnostics.js';
import { buildPlan, type PlanOptions } from '../../src/containerfile/index.js';
import type { Plan } from '../../src/plan/types.js';

export const defaults: PlanOptions = {
  file: 'Containerfile',
  buildArgs: {},
  targetPlatform: { os: 'linux', architecture: 'amd64' },
  buildPlatform: { os: 'linux', architecture: 'arm64' },
};

/** The plan of a file that must be valid (fails the test with the diagnostics otherwise). */
export function planOf(text: string, opts: Partial<PlanOptions> = {}): Plan {
  const r = buildPlan(text, { ...defaults, ...opts });
  if (!r.plan) throw new Error(`expected a plan, got:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  return r.plan;
}

/** The diagnostics of a file, as `LINE:COL message` (plan must be absent when there is an error). */
export function errorsOf(text: string, opts: Partial<PlanOptions> = {}): string[] {
  const r = buildPlan(text, { ...defaults, ...opts });
  if (r.plan && r.diagnostics.some((d) => d.severity === 'error')) throw new Error('plan returned despite errors');
  return r.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.col} ${d.message}`);
}

/** The last stage of a valid file. */
export function lastStage(text: string, opts: Partial<PlanOptions> = {}) {
  const plan = planOf(text, opts);
  return plan.stages[plan.stages.length - 1]!;
}
