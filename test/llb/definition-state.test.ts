// A State from a Definition marshalled elsewhere (Go's llb.NewDefinitionOp), as a frontend input
// arrives: its ops go out again byte for byte, with their metadata and source locations.
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/ops.js';
import { decodeDefinition, definitionState, encodeDefinition, image, marshal, mkdir, sourceMap } from '../../src/llb/index.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const file = sourceMap('Containerfile', 'FROM busybox\nRUN make\n', 'Dockerfile');
const built = marshal(
  image('busybox')
    .run({ args: ['make'], customName: '[build 2/2] RUN make', locations: [{ map: file, ranges: [{ start: { line: 2, character: 0 }, end: { line: 2, character: 8 } }] }] })
    .root(),
  { platform: amd64 },
);
const input = encodeDefinition(built);

describe('definitionState', () => {
  it('marshals back to the very Definition it came from', () => {
    expect(encodeDefinition(marshal(definitionState(input, amd64), { platform: amd64 }))).toEqual(encodeDefinition(built));
  });

  it('keeps the input ops as they were under an op built on top', () => {
    const on = marshal(definitionState(input, amd64).file(mkdir('/out', 0o755)), { platform: amd64 });
    expect(on.def.slice(0, built.def.length - 1)).toEqual(built.def.slice(0, -1));
    const top = decodeDefinition(encodeDefinition(on)).ops.at(-2)!;
    expect(top.op.file?.actions?.[0]?.mkdir?.path).toBe('/out');
  });

  it('keeps their progress names and source locations', () => {
    const on = marshal(definitionState(input, amd64).file(mkdir('/out', 0o755)), { platform: amd64 });
    const exec = decodeDefinition(encodeDefinition(on)).ops.find((o) => o.op.exec)!;
    expect(exec.metadata.description?.['llb.customname']).toBe('[build 2/2] RUN make');
    expect(on.source?.infos?.[0]?.filename).toBe('Containerfile');
    expect(on.source?.locations?.[exec.digest]?.locations?.[0]?.ranges?.[0]?.start?.line).toBe(2);
  });

  it('is scratch for an empty Definition', () => {
    expect(definitionState(new Uint8Array(), amd64).output).toBeUndefined();
  });

  it('refuses an op whose input the Definition does not hold, naming the digest', () => {
    const ops = decodeDefinition(encodeDefinition(built)).ops;
    const withoutSource = pb.Definition.encode({ def: ops.filter((o) => !o.op.source).map((o) => o.bytes) }).finish();
    expect(() => definitionState(withoutSource, amd64)).toThrow(/names input sha256:[0-9a-f]{64}, which the definition does not hold/);
  });
});
