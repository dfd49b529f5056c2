// State → Definition, as Go's State.Marshal: post-order walk, ops deduplicated by digest, terminal op last.
import { pb } from '../gen/ops.js';
import type { Platform } from '../platform.js';
import { Caps } from './caps.js';
import type { Definition } from './definition.js';
import { digestOf } from './digest.js';
import { sortedRecord } from '../order.js';
import { mergeMetadata, type OpMetadataValue } from './metadata.js';
import { opBytesOf, vertexInputs } from './ops.js';
import type { State } from './state.js';
import type { SourceLocation, SourceMap } from './sourcemap.js';
import type { Output, Vertex } from './vertex.js';

export interface MarshalOptions {
  /** Platform for ops whose state has none (Go's llb.LinuxAmd64 and friends). */
  platform: Platform;
  /**
   * The LLB caps the engine announces (Ping's LLBCaps), as Go's llb.WithCaps: with them, an exec on an
   * engine that does not set the default PATH itself gets it from the client. Unset: marshalled blind.
   */
  caps?: ReadonlySet<string>;
}

/** The LLB definition of `state`; empty (no ops) for scratch, which has nothing to build. */
export function marshal(state: State, opts: MarshalOptions): Definition {
  const root = state.output;
  if (!root) return { def: [], metadata: {} };

  const digests = new Map<Vertex, string>();
  const def: Uint8Array[] = [];
  const metadata = new Map<string, OpMetadataValue>();
  // Go's sourceMapCollector: one locations entry per op (empty when the op has no source location),
  // the terminal op excepted; each build file once in `infos`, in the order ops first name it.
  const locations: Record<string, pb.Locations.$Properties> = {};
  const maps = new Map<SourceMap, number>();
  const sourceIndex = (m: SourceMap): number => {
    let i = maps.get(m);
    if (i === undefined) maps.set(m, (i = maps.size));
    return i;
  };
  const ctx = {
    defaultPlatform: opts.platform,
    caps: opts.caps,
    digestOf: (o: Output): string => {
      const d = digests.get(o.vertex);
      if (d === undefined) throw new Error('internal: LLB input marshalled after its user');
      return d;
    },
  };

  const emit = (v: Vertex): void => {
    const { bytes, metadata: md } = opBytesOf(v, ctx);
    const dgst = digestOf(bytes);
    digests.set(v, dgst);
    // Equal ops (same digest) from different vertices appear once, with their metadata merged.
    if (!metadata.has(dgst)) def.push(bytes);
    // As Go's sourceMapCollector, each vertex with this digest adds its locations: an image named on
    // two lines is one op that points at both.
    const entry = (locations[dgst] ??= {});
    for (const l of v.locations ?? []) {
      (entry.locations ??= []).push({ sourceIndex: sourceIndex(l.map), ranges: l.ranges.map(pbRange) });
    }
    metadata.set(dgst, mergeMetadata(metadata.get(dgst), md));
  };
  // Post-order walk with an explicit stack: a chain of 10 000 COPY ops would overflow the call stack.
  const stack: Array<{ vertex: Vertex; inputs: readonly Output[]; next: number }> = [{ vertex: root.vertex, inputs: vertexInputs(root.vertex), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const input = top.inputs[top.next++];
    if (input === undefined) {
      stack.pop();
      if (!digests.has(top.vertex)) emit(top.vertex);
    } else if (!digests.has(input.vertex)) {
      stack.push({ vertex: input.vertex, inputs: vertexInputs(input.vertex), next: 0 });
    }
  }

  const terminal = pb.Op.encode({ inputs: [{ digest: ctx.digestOf(root), index: root.index }] }).finish();
  const terminalDigest = digestOf(terminal);
  def.push(terminal);
  metadata.set(terminalDigest, mergeMetadata(metadata.get(terminalDigest), terminalMetadata([...metadata.values()])));

  const sorted: Record<string, OpMetadataValue> = {};
  for (const [k, v] of metadata) sorted[k] = v;
  const source: pb.Source.$Properties = { locations: sortedRecord(locations) };
  if (maps.size > 0) source.infos = [...maps.keys()].map((m) => ({ filename: m.filename, data: m.data, ...(m.language ? { language: m.language } : {}) }));
  return { def, metadata: sortedRecord(sorted), source };
}

function pbRange(r: SourceLocation['ranges'][number]): pb.Range.$Properties {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/** The terminal op declares the features the whole definition relies on (Go's State.Marshal). */
function terminalMetadata(all: OpMetadataValue[]): OpMetadataValue {
  const caps: Record<string, boolean> = { [Caps.constraints]: true, [Caps.platform]: true };
  for (const m of all) {
    if (m.ignore_cache) caps[Caps.metaIgnoreCache] = true;
    if (m.description && Object.keys(m.description).length > 0) caps[Caps.metaDescription] = true;
    if (m.export_cache) caps[Caps.metaExportCache] = true;
  }
  return { caps: sortedRecord(caps) };
}
