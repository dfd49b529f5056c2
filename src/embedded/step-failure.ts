// A failure while \`punch build\` executes the graph, pointed back at the Containerfile line that
// caused it: a FileOp is known by its progress name, the COPY/ADD step's description after Docker's
// `[stage n/m] ` prefix.
import type { BuildGraph } from '../convert/index.js';
import { diagnostic, PunchError } from '../diagnostics.js';
import type { FileOpError } from '../engine/index.js';

/**
 * The error of the step whose progress name the failed FileOp carries, at its line; the bare error
 * when no step has that name. Identical steps in several stages give the same op, so the first one
 * in the file is as good as any.
 */
export function locateStepFailure(graph: Pick<BuildGraph, 'steps'>, file: string, e: FileOpError): Error {
  const name = e.description?.replace(/^\[[^\]]*\] /, '');
  const step = name === undefined ? undefined : graph.steps.find((s) => s.description === name);
  if (!step) return e;
  return new PunchError([diagnostic('error', file, step.range, `${step.description}: ${e.message.replace(/^COPY failed: /, '')}`)]);
}
