// The first RUN a build would run, read from the plan alone (no base resolved, nothing fetched): what
// punch build refuses before it reaches a registry, since a RUN file's base is rarely reachable offline.
import { neededStages } from '../convert/index.js';
import type { SourceRange } from '../diagnostics.js';
import { parseBuildFile } from './buildfile.js';
import { readNamedContexts } from './contexts.js';
import type { SessionInput } from './plan.js';

export interface PlannedRun {
  /** The build file's name, as diagnostics give it. */
  file: string;
  range: SourceRange;
  /** The instruction as Docker names it (`RUN make`). */
  description: string;
}

/** The first RUN step in the stages the target needs; undefined when there is none or the file does not plan (the build reports why). */
export function firstRunStep(raw: Pick<SessionInput, 'bytes' | 'file' | 'buildArgs' | 'target' | 'platforms' | 'defaultPlatform' | 'namedContexts'>): PlannedRun | undefined {
  let plan;
  let file: string;
  try {
    const parsed = parseBuildFile(raw.bytes, raw.file);
    file = parsed.file;
    plan = parsed.planner({
      file,
      buildArgs: raw.buildArgs,
      ...(raw.target !== undefined ? { target: raw.target } : {}),
      targetPlatform: raw.platforms[0] ?? raw.defaultPlatform,
      buildPlatform: raw.defaultPlatform,
      // A stage a named context replaces runs none of its RUNs.
      ...(raw.namedContexts && raw.namedContexts.length > 0 ? { namedContexts: readNamedContexts(raw.namedContexts).lookup } : {}),
    }).plan;
  } catch {
    return undefined;
  }
  if (!plan) return undefined;
  for (const st of neededStages(plan)) {
    for (const step of st.steps) if (step.kind === 'run') return { file, range: step.range, description: step.description };
  }
  return undefined;
}
