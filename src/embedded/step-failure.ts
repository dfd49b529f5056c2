// A failure while \`punch build\` executes the graph, pointed back at the Containerfile line that
// caused it: a FileOp is known by its progress name, which is the COPY/ADD step's description.
import type { BuildGraph } from '../convert/index.js';
import { diagnostic, PunchError } from '../diagnostics.js';
import type { FileOpError } from '../engine/index.js';

/**
 * The error of the step whose progress name the failed FileOp carries, at its line; the bare error
 * when no step has that name. Identical steps in several stages give the same op, so the first one
 * in the file is as good as any.
 */
export function locateStepFailure(graph: Pick<BuildGraph, 'steps'>, file: string, e: FileOpError): Error {
  const step = e.description === undefined ? undefined : graph.steps.find((s) => s.description === e.description);
  if (!step) return e;
  return new PunchError([diagnostic('error', file, step.range, `${step.description}: ${e.message.replace(/^COPY failed: /, '')}`)]);
}
