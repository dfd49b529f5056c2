// A State made from a Definition someone else marshalled (Go's llb.NewDefinitionOp): a frontend
// input, such as the result of another bake target. Its ops go out again as the bytes they came in.
import { decodeDefinition } from './definition.js';
import { int64ToNumber } from './int64.js';
import type { Platform } from '../platform.js';
import { sourceMap, type SourceLocation, type SourceMap } from './sourcemap.js';
import { State, scratch } from './state.js';
import type { DefinitionVertex, Output } from './vertex.js';

/**
 * The state the encoded pb.Definition `bytes` builds (its terminal op's input), for `platform`; scratch
 * for an empty one. An op naming an input the definition lacks is an error naming the digest.
 */
export function definitionState(bytes: Uint8Array, platform: Platform | undefined): State {
  const decoded = decodeDefinition(bytes);
  if (!decoded.terminal) return scratch();
  const source = decoded.definition.source;
  const maps = (source?.infos ?? []).map((i): SourceMap => sourceMap(i.filename ?? '', i.data ?? new Uint8Array(), i.language ?? undefined));
  const vertices = new Map<string, DefinitionVertex>();
  const output = (digest: string, index: number, user: string): Output => {
    const vertex = vertices.get(digest);
    if (!vertex) throw new Error(`LLB definition: op ${user} names input ${digest}, which the definition does not hold`);
    return { vertex, index };
  };
  // Go's marshal puts every op after its inputs, so one pass in `def` order finds each input made.
  for (const o of decoded.ops.slice(0, -1)) {
    const locations = (source?.locations?.[o.digest]?.locations ?? []).flatMap((l): SourceLocation[] => {
      const map = maps[l.sourceIndex ?? 0];
      return map ? [{ map, ranges: (l.ranges ?? []).map((r) => ({ start: { line: r.start?.line ?? 0, character: r.start?.character ?? 0 }, end: { line: r.end?.line ?? 0, character: r.end?.character ?? 0 } })) }] : [];
    });
    const inputs = (o.op.inputs ?? []).map((i) => output(i.digest ?? '', int64ToNumber(i.index), o.digest));
    vertices.set(o.digest, Object.freeze({ kind: 'definition', bytes: o.bytes, inputs, metadata: o.metadata, ...(locations.length ? { locations } : {}) }));
  }
  return new State(output(decoded.terminal.digest, decoded.terminal.index, 'terminal'), platform);
}
