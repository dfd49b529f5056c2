// Subrequests (opt `requestid`, from `docker buildx build --print/--call`, `--check`): which ones punch
// answers, and the answer to each, computed from the Containerfile instead of building it.
import type { BuildFile, Declarations } from '../../session/index.js';
import { PunchError, type Diagnostic } from '../../diagnostics.js';
import type { Platform } from '../../platform.js';
import { UnsupportedSubrequestError } from '../errors.js';
import { lintDocument, outlineDocument, targetsDocument } from './documents.js';
import { REQUEST_DESCRIBE, REQUEST_LINT, REQUEST_OUTLINE, REQUEST_TARGETS, describeResult, lintResult, outlineResult, targetsResult, type Metadata } from './results.js';

export { REQUEST_DESCRIBE } from './results.js';

const ANSWERED = new Set([REQUEST_DESCRIBE, REQUEST_OUTLINE, REQUEST_TARGETS, REQUEST_LINT]);

/** The request id of the opts, or none; an id punch does not answer is refused as BuildKit does. */
export function parseRequestId(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!ANSWERED.has(value)) throw new UnsupportedSubrequestError(value);
  return value;
}

export interface SubrequestInput {
  file: string;
  text: string;
  /** The build file's own planner (a Containerfile's or a bunnyfile's). */
  planner: BuildFile['planner'];
  /** The stages and comments as written. */
  declarations: Declarations;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  targetPlatform: Platform;
  buildPlatform: Platform;
  /** Runs every check of a build without solving it; resolves to its diagnostics. */
  check: () => Promise<readonly Diagnostic[]>;
}

async function lintDiagnostics(check: SubrequestInput['check']): Promise<readonly Diagnostic[]> {
  try {
    return await check();
  } catch (e) {
    if (e instanceof PunchError) return e.diagnostics;
    throw e;
  }
}

export async function answerSubrequest(id: string, input: SubrequestInput): Promise<Metadata> {
  switch (id) {
    case REQUEST_DESCRIBE:
      return describeResult();
    case REQUEST_TARGETS:
      return targetsResult(targetsDocument(input.text, input.declarations));
    case REQUEST_OUTLINE: {
      const { plan, diagnostics } = input.planner({
        file: input.file,
        buildArgs: input.buildArgs,
        ...(input.target !== undefined ? { target: input.target } : {}),
        targetPlatform: input.targetPlatform,
        buildPlatform: input.buildPlatform,
      });
      if (!plan) throw new PunchError(diagnostics);
      return outlineResult(outlineDocument(input.text, plan, input.declarations, input.labels));
    }
    case REQUEST_LINT:
      return lintResult(lintDocument(input.file, input.text, await lintDiagnostics(input.check)));
    default:
      throw new UnsupportedSubrequestError(id);
  }
}
