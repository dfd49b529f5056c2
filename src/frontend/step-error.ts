// A failed Solve names the op that failed (the errdefs.Vertex detail BuildKit puts on the status, from
// v0.8 on). The frontend knows where in the build file each RUN op comes from (its source location in
// the Definition), so the message the user reads starts with the step's file:line:col, as every punch
// error does; the details stay as the engine sent them (buildx prints the file's excerpt from them).
// An entitlement the build lacks fails the whole definition with no op named: the first RUN that
// asks for it is named instead, with how to grant it.
import { pb } from '../gen/ops.js';
import { google } from '../gen/pb.js';
import { CUSTOM_NAME_KEY, digestOf, type Definition } from '../llb/index.js';
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

/**
 * An entitlement the build was not granted: BuildKit refuses the whole definition when it loads it,
 * naming no op. The hint says how each client asks for it.
 */
const ENTITLEMENTS = [
  {
    pattern: /network\.host is not allowed/,
    needs: (e: pb.ExecOp.$Properties): boolean => e.network === pb.NetMode.HOST,
    hint: 'RUN --network=host needs the network.host entitlement: build with `docker build --network=host` (Docker 20.10), `docker buildx build --allow network.host` or `buildctl build --allow network.host`',
  },
  {
    pattern: /security\.insecure is not allowed/,
    needs: (e: pb.ExecOp.$Properties): boolean => e.security === pb.SecurityMode.INSECURE,
    hint:
      'RUN --security=insecure needs the security.insecure entitlement, which the daemon must allow (buildkitd --allow-insecure-entitlement security.insecure; ' +
      'dockerd\'s "builder": {"entitlements": {"security-insecure": true}}) and the build must ask for (`docker buildx build --allow security.insecure`, `buildctl build --allow security.insecure`)',
  },
];

/** The first RUN (by line) whose exec op `needs` something, as `file:line:col: RUN …`. */
function firstStepNeeding(definition: Definition, needs: (e: pb.ExecOp.$Properties) => boolean): string | undefined {
  let best: { line: number; where: string } | undefined;
  for (const bytes of definition.def) {
    const exec = pb.Op.decode(bytes).exec;
    if (!exec || !needs(exec)) continue;
    const digest = digestOf(bytes);
    const where = stepOf(definition, digest);
    const line = definition.source?.locations?.[digest]?.locations?.[0]?.ranges?.[0]?.start?.line ?? 0;
    if (where && (!best || line < best.line)) best = { line, where };
  }
  return best?.where;
}

function withMessage(e: GrpcError, status: google.rpc.Status.$Properties, message: string): GrpcError {
  return new GrpcError(status.code ?? e.code, message, google.rpc.Status.encode({ ...status, message }).finish());
}

/** The engine's error for a failed Solve of `definition`, its message led by the failing step's position. */
export function locateSolveError(e: GrpcError, definition: Definition): GrpcError {
  const status = e.toStatus();
  const text = status.message ?? e.message;
  const digest = failedVertex(status);
  const where = digest ? stepOf(definition, digest) : undefined;
  if (where) return withMessage(e, status, `${where}: ${text}`);
  const entitlement = ENTITLEMENTS.find((x) => x.pattern.test(text));
  const step = entitlement ? firstStepNeeding(definition, entitlement.needs) : undefined;
  if (entitlement && step) return withMessage(e, status, `${step}: ${text}: ${entitlement.hint}`);
  return e;
}
