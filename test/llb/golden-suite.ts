// The checks every golden case gets: our marshal of the same graph against Go's bytes, digests, op
// order, metadata and Definition, plus decoding and dump-llb JSON of Go's own Definition.
import { expect, it } from 'vitest';
import { decodeDefinition, definitionToJSONLines, digestOf, encodeDefinition, type Definition } from '../../src/llb/index.js';
import type { GoldenCase } from './golden-file.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

export interface GoldenSuiteOptions {
  /** Our graph for the case; undefined when the case is only decoded (not rebuilt). */
  build: (() => Definition) | undefined;
  /** Go put sibling inputs in map order here, so only the order of `def` may differ from ours. */
  goOrderVaries: boolean;
}

export function goldenCaseSuite(golden: GoldenCase, { build, goOrderVaries }: GoldenSuiteOptions): void {
  if (build) {
    it('emits exactly the ops Go emits, each with the same bytes', () => {
      const ours = build();
      expect(ours.def.map(hex).sort()).toEqual(golden.ops.map((o) => o.hex).sort());
    });

    it('gives each op the digest Go gives it', () => {
      const digests = build().def.map(digestOf);
      expect(digests.sort()).toEqual(golden.ops.map((o) => o.digest).sort());
    });

    it('puts the terminal op last, as Go does', () => {
      const ours = build();
      expect(hex(ours.def[ours.def.length - 1]!)).toBe(golden.ops[golden.ops.length - 1]!.hex);
    });

    it('gives each op the metadata Go gives it', () => {
      const ours = build();
      for (const op of golden.ops) expect(ours.metadata[op.digest]).toEqual(JSON.parse(op.meta));
      expect(Object.keys(ours.metadata).sort()).toEqual(golden.ops.map((o) => o.digest).sort());
    });

    if (goOrderVaries) {
      it('encodes the whole definition as Go does once ops are in the order Go happened to pick', () => {
        const ours = build();
        const byDigest = new Map(ours.def.map((b) => [digestOf(b), b]));
        const inGoOrder = { ...ours, def: golden.ops.map((o) => byDigest.get(o.digest)!) };
        expect(hex(encodeDefinition(inGoOrder))).toBe(golden.definitionHex);
      });
    } else {
      it('emits ops in the order Go emits them', () => {
        expect(build().def.map(digestOf)).toEqual(golden.ops.map((o) => o.digest));
      });

      it('encodes the whole definition exactly as Go does', () => {
        expect(hex(encodeDefinition(build()))).toBe(golden.definitionHex);
      });
    }
  }

  it("prints Go's dump-llb JSON for each op of Go's definition", () => {
    const lines = definitionToJSONLines(fromHex(golden.definitionHex)).split('\n');
    expect(lines).toEqual([
      ...golden.ops.map((o) => `{"Op":${o.json},"Digest":"${o.digest}","OpMetadata":${o.meta}}`),
      '',
    ]);
  });

  it("decodes Go's definition and re-encodes it to the same bytes", () => {
    const bytes = fromHex(golden.definitionHex);
    expect(hex(encodeDefinition(decodeDefinition(bytes).definition))).toBe(golden.definitionHex);
  });

  it("decodes Go's definition: ops in order with digests, metadata and the terminal input", () => {
    const decoded = decodeDefinition(fromHex(golden.definitionHex));
    expect(decoded.ops.map((o) => [o.digest, hex(o.bytes), o.metadata])).toEqual(
      golden.ops.map((o) => [o.digest, o.hex, JSON.parse(o.meta)]),
    );
    const terminalInput = JSON.parse(golden.ops[golden.ops.length - 1]!.json).inputs[0];
    expect(decoded.terminal).toEqual({ digest: terminalInput.digest, index: terminalInput.index });
  });
}
