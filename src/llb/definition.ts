// pb.Definition: the bytes `buildctl build` reads on stdin and a frontend sends in Solve.
import { pb } from '../gen/ops.js';
import { digestOf } from './digest.js';
import { int64ToNumber } from './int64.js';
import { compareBytes, sortedRecord } from '../order.js';
import { normalizeMetadata, type OpMetadataValue } from './metadata.js';

export interface Definition {
  /** Marshalled pb.Op messages; the last one is the terminal op pointing at the result. */
  def: Uint8Array[];
  /** OpMetadata by op digest. */
  metadata: Record<string, OpMetadataValue>;
  /**
   * Source maps (pb.Source). Go's marshal writes an empty locations entry for every non-terminal op;
   * marshal() does the same so the bytes match Go's.
   */
  source?: pb.Source.$Properties;
}

export interface DecodedOp {
  digest: string;
  /** Exactly the bytes in `def` (the digest is over these). */
  bytes: Uint8Array;
  /** int64 fields are numbers or Longs: read them with int64ToNumber / int64ToBigInt. */
  op: pb.Op;
  /** Empty when the definition has no entry for this op. */
  metadata: OpMetadataValue;
}

export interface DecodedDefinition {
  /** Every op in `def` order, the terminal op last. */
  ops: DecodedOp[];
  byDigest: Map<string, DecodedOp>;
  /** The terminal op's input: the output the definition builds. Undefined for an empty definition. */
  terminal: { digest: string; index: number } | undefined;
  /** The same content as a Definition, for re-encoding. */
  definition: Definition;
}

/** Encodes with metadata keys (and each op's map keys) in bytewise order, as Go's marshaller does. */
export function encodeDefinition(def: Definition): Uint8Array {
  const metadata: Record<string, pb.OpMetadata.$Properties> = {};
  for (const k of Object.keys(def.metadata).sort(compareBytes)) {
    metadata[k] = normalizeMetadata(def.metadata[k]!);
  }
  const message: pb.Definition.$Properties = { def: def.def, metadata };
  if (def.source) message.Source = sortedSource(def.source);
  return pb.Definition.encode(message).finish();
}

function sortedSource(s: pb.Source.$Properties): pb.Source.$Properties {
  const out: pb.Source.$Properties = { ...s };
  if (s.locations) out.locations = sortedRecord(s.locations);
  return out;
}

function metadataFromPb(m: pb.OpMetadata.$Properties | undefined): OpMetadataValue {
  if (!m) return {};
  const out: OpMetadataValue = {};
  if (m.ignore_cache) out.ignore_cache = true;
  if (m.description) out.description = { ...m.description };
  if (m.export_cache) out.export_cache = m.export_cache.Value ? { Value: true } : {};
  if (m.caps) out.caps = { ...m.caps };
  if (m.progress_group) {
    const g = m.progress_group;
    out.progress_group = {};
    if (g.id) out.progress_group.id = g.id;
    if (g.name) out.progress_group.name = g.name;
    if (g.weak) out.progress_group.weak = true;
  }
  return normalizeMetadata(out);
}

/** Decodes pb.Definition bytes; throws (with the op's position) on undecodable ops. */
export function decodeDefinition(bytes: Uint8Array): DecodedDefinition {
  const d = pb.Definition.decode(bytes);
  const metadata: Record<string, OpMetadataValue> = {};
  for (const k of Object.keys(d.metadata ?? {}).sort(compareBytes)) metadata[k] = metadataFromPb(d.metadata[k]);
  const ops = (d.def ?? []).map((opBytes, i): DecodedOp => {
    let op: pb.Op;
    try {
      op = pb.Op.decode(opBytes);
    } catch (e) {
      throw new Error(`LLB definition: op ${i} is not a valid pb.Op: ${(e as Error).message}`);
    }
    const digest = digestOf(opBytes);
    return { digest, bytes: opBytes, op, metadata: metadata[digest] ?? {} };
  });
  const last = ops[ops.length - 1];
  const rootInput = last?.op.inputs?.[0];
  return {
    ops,
    byDigest: new Map(ops.map((o) => [o.digest, o])),
    terminal: rootInput ? { digest: rootInput.digest ?? '', index: int64ToNumber(rootInput.index) } : undefined,
    definition: d.Source != null ? { def: ops.map((o) => o.bytes), metadata, source: d.Source } : { def: ops.map((o) => o.bytes), metadata },
  };
}
