// A failure while \`punch build\` executes the graph, pointed back at the Containerfile line that
// caused it: a FileOp is known by its progress name, the COPY/ADD step's description after Docker's
// `[stage n/m] ` prefix.
import type { BuildGraph } from '../convert/index.js';
import { diagnostic, PunchError } from '../diagnostics.js';
import { OwnerLookupError, type FileOpError } from '../engine/index.js';

type Step = BuildGraph['steps'][number];

/**
 * The error of the step whose progress name the failed FileOp carries, at its line; the bare error
 * when no step has that name. Identical steps in several stages give the same op, so the first one
 * in the file is as good as any.
 */
export function locateStepFailure(graph: Pick<BuildGraph, 'steps'>, file: string, e: FileOpError): Error {
  const name = e.description?.replace(/^\[[^\]]*\] /, '');
  const step = name === undefined ? undefined : graph.steps.find((s) => s.description === name);
  if (!step) return e;
  const message = e.cause instanceof OwnerLookupError ? (ownerFailure(step, e.cause) ?? e.message) : e.message.replace(/^COPY failed: /, '');
  return new PunchError([diagnostic('error', file, step.range, `${step.description}: ${message}`)]);
}

/**
 * An owner name the stage cannot resolve, with what can be changed at that line: COPY and ADD name
 * the owner in --chown; a WORKDIR's owner is the USER in effect (the stage's, else the base's).
 * Both look the name up in the stage's own files as they are at that line. No other step names an
 * owner by name, so those keep the engine's generic hint.
 */
function ownerFailure(step: Step, e: OwnerLookupError): string | undefined {
  const remedy = numericRemedy(step.kind, e.kind);
  if (remedy === undefined) return undefined;
  const what = e.missing === 'file' ? `the stage has no ${e.file} at this line` : `the stage's ${e.file} has no ${e.kind} "${e.account}" at this line`;
  return `cannot resolve ${e.kind} "${e.account}": ${what}; ${remedy}, or make the stage's ${e.file} name "${e.account}" before this line`;
}

/** How the step's own line can give the owner as a number instead. */
function numericRemedy(step: Step['kind'], kind: OwnerLookupError['kind']): string | undefined {
  if (step === 'copy') return `give --chown a numeric ${kind === 'user' ? 'uid' : 'gid'} (e.g. --chown=1000:1000)`;
  if (step !== 'workdir') return undefined;
  return kind === 'user' ? 'write a numeric USER uid[:gid] before this WORKDIR (e.g. USER 1000:1000)' : 'give USER a numeric group before this WORKDIR (e.g. USER <user>:1000)';
}
