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
  const file = e.kind === 'user' ? '/etc/passwd' : '/etc/group';
  const numeric =
    step.kind === 'workdir'
      ? e.kind === 'user'
        ? 'write a numeric USER uid[:gid] before this WORKDIR (e.g. USER 1000:1000)'
        : 'give USER a numeric group before this WORKDIR (e.g. USER <user>:1000)'
      : step.kind === 'copy'
        ? `give --chown a numeric ${e.kind === 'user' ? 'uid' : 'gid'} (e.g. --chown=1000:1000)`
        : undefined;
  if (numeric === undefined) return undefined;
  const what = e.missing === 'file' ? `the stage has no ${file} at this line` : `the stage's ${file} has no ${e.kind} "${e.account}" at this line`;
  return `cannot resolve ${e.kind} "${e.account}": ${what}; ${numeric}, or make the stage's ${file} name "${e.account}" before this line`;
}
