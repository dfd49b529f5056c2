// Reading and planning bunnyfiles in tests: diagnostics as the text users see, plans and graphs
// from the same code the three ways in use.
import { formatDiagnostic, type Diagnostic } from '../../src/diagnostics.js';
import { readBunnyfile } from '../../src/bunnyfile/index.js';
import { buildGraph, type BuildGraph, type BuildInput } from '../../src/convert/index.js';
import type { Plan, PlanOptions, PlanResult } from '../../src/plan/types.js';
import { amd64, input } from '../convert/input.js';

export const HEAD = `#syntax=example.test/punch:1
version: v0.1
platforms:
  framework: unikraft
  monitor: qemu
kernel:
  from: local
  path: kernel
`;

export function opts(over: Partial<PlanOptions> = {}): PlanOptions {
  return { file: 'bunnyfile', buildArgs: {}, targetPlatform: amd64, buildPlatform: amd64, ...over };
}

export function planned(text: string, over: Partial<PlanOptions> = {}): PlanResult {
  return readBunnyfile(text, 'bunnyfile').planner(opts(over));
}

export function messages(ds: readonly Diagnostic[]): string[] {
  return ds.map(formatDiagnostic);
}

/** The plan; fails the test with the diagnostics when there is none. */
export function plan(text: string, over: Partial<PlanOptions> = {}): Plan {
  const r = planned(text, over);
  if (!r.plan) throw new Error(messages(r.diagnostics).join('\n'));
  return r.plan;
}

export function errors(text: string, over: Partial<PlanOptions> = {}): string[] {
  return messages(planned(text, over).diagnostics.filter((d) => d.severity === 'error'));
}

export function warnings(text: string): string[] {
  return messages(planned(text).diagnostics.filter((d) => d.severity === 'warning'));
}

/** The final stage's urunc labels as a record. */
export function labels(p: Plan): Record<string, string> {
  return Object.fromEntries(p.stages[p.target]!.config.labels.map((l) => [l.key.replace('com.urunc.unikernel.', ''), l.value]));
}

export function graph(text: string, over: Partial<BuildInput> = {}): Promise<BuildGraph> {
  const { planner, platform } = readBunnyfile(text, 'bunnyfile');
  return buildGraph(input(text, { file: 'bunnyfile', planner, ...(platform ? { platform } : {}), ...over }));
}
