// A failed Solve names the op that failed (the errdefs.Vertex detail BuildKit puts on the status, from
// v0.8 on). The frontend knows where in the build file each RUN op comes from (its source location in
// the Definition), so the message the user reads starts with the step's file:line:col, as every punch
// error does; the details stay as the engine sent them (buildx prints the file's excerpt from them).
import { google } from '../gen/pb.js';
import { CUSTOM_NAME_KEY, type Definition } from '../llb/index.js';
import { GrpcError } from './transport.js';

const VERTEX_DETAIL = 'github.com/moby/buildkit/errdefs.Vertex+json';

/** The digest in a status's errdefs.Vertex detail, if it has one that reads. */
export function failedVertex(status: google.rpc.Status.$Properties): string | undefined {
  for (const d of status.details ?? []) {
    if (d.type_url !== VERTEX_DETAIL || !d.value) continue;
    try {
      const v = JSON.parse(Buffer.from(d.value).toString('utf8')) as { digest?: unknown };
      if (typeof v.digest === 'string' && v.digest !== '') return v.digest;
    } catch {
      // An unreadable detail names no vertex.
    }
  }
  return undefined;
}

/** `Containerfile:7:1: RUN make` for an op with a source location, else undefined. */
export function stepOf(definition: Definition, digest: string): string | undefined {
  const loc = definition.source?.locations?.[digest]?.locations?.[0];
  const info = loc ? definition.source?.infos?.[loc.sourceIndex ?? 0] : undefined;
  const start = loc?.ranges?.[0]?.start;
  if (!info?.filename || !start?.line) return undefined;
  const name = definition.metadata[digest]?.description?.[CUSTOM_NAME_KEY];
  // The progress name without Docker's `[stage 2/4] ` prefix is the instruction as written.
  const step = name?.replace(/^\[[^\]]*\] /, '');
  return `${info.filename}:${start.line}:${(start.character ?? 0) + 1}${step ? `: ${step}` : ''}`;
}

/** The engine's error for a failed Solve of `definition`, its message led by the failing step's position. */
export function locateSolveError(e: GrpcError, definition: Definition): GrpcError {
  const status = e.toStatus();
  const digest = failedVertex(status);
  const where = digest ? stepOf(definition, digest) : undefined;
  if (!where) return e;
  const message = `${where}: ${status.message ?? e.message}`;
  return new GrpcError(status.code ?? e.code, message, google.rpc.Status.encode({ ...status, message }).finish());
}
