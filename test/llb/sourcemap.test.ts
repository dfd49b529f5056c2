// Source maps in the Definition (Go's llb.SourceMap): where an op comes from, never part of its digest.
import { describe, expect, it } from 'vitest';
import { copy, decodeDefinition, encodeDefinition, image, marshal, mkdir, sourceMap, type SourceLocation } from '../../src/llb/index.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };
const file = sourceMap('Containerfile', 'FROM busybox\nRUN make\n', 'Dockerfile');
const at = (line: number): SourceLocation[] => [{ map: file, ranges: [{ start: { line, character: 0 }, end: { line, character: 8 } }] }];
const base = image('busybox');

describe('source maps', () => {
  it('records the op location and the file once, by op digest', () => {
    const st = base.run({ args: ['make'], locations: at(2) }).root();
    const d = marshal(st, amd64);
    const exec = decodeDefinition(encodeDefinition(d)).ops.find((o) => o.op.exec)!;
    expect(d.source?.infos).toEqual([{ filename: 'Containerfile', data: new TextEncoder().encode('FROM busybox\nRUN make\n'), language: 'Dockerfile' }]);
    expect(d.source?.locations?.[exec.digest]).toEqual({ locations: [{ sourceIndex: 0, ranges: [{ start: { line: 2, character: 0 }, end: { line: 2, character: 8 } }] }] });
  });

  it('leaves every other op with an empty locations entry, as Go does', () => {
    const d = marshal(base.run({ args: ['make'], locations: at(2) }).root(), amd64);
    const source = decodeDefinition(encodeDefinition(d)).ops.find((o) => o.op.source)!;
    expect(d.source?.locations?.[source.digest]).toEqual({});
  });

  it('does not change any op digest', () => {
    const withMap = marshal(base.run({ args: ['make'], locations: at(2) }).root(), amd64);
    const without = marshal(base.run({ args: ['make'] }).root(), amd64);
    expect(withMap.def).toEqual(without.def);
  });

  it('writes no file infos when no op has a location', () => {
    const d = marshal(base.file(mkdir('/x', 0o755)), amd64);
    expect(d.source?.infos).toBeUndefined();
  });

  it('gives two files two infos, in the order ops first name them', () => {
    const other = sourceMap('sub/Containerfile', 'RUN b\n');
    const st = base
      .run({ args: ['a'], locations: at(2) })
      .root()
      .run({ args: ['b'], locations: [{ map: other, ranges: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 5 } }] }] })
      .root();
    const d = marshal(st, amd64);
    expect(d.source?.infos?.map((i) => i.filename)).toEqual(['Containerfile', 'sub/Containerfile']);
  });

  it('records a source op location, as a FROM line gives it', () => {
    const d = marshal(image('busybox', { locations: at(1) }).file(mkdir('/x', 0o755)), amd64);
    const source = decodeDefinition(encodeDefinition(d)).ops.find((o) => o.op.source)!;
    expect(d.source?.locations?.[source.digest]?.locations?.[0]?.ranges?.[0]?.start?.line).toBe(1);
  });

  it('gives an op that two vertices share the locations of both, as Go does', () => {
    const st = image('busybox', { locations: at(1) }).file(copy(image('busybox', { locations: at(3) }), '/bin/sh', '/sh'));
    const d = marshal(st, amd64);
    const source = decodeDefinition(encodeDefinition(d)).ops.find((o) => o.op.source)!;
    expect(d.source?.locations?.[source.digest]?.locations?.map((l) => l.ranges?.[0]?.start?.line)).toEqual([1, 3]);
  });

  it('survives encoding and decoding', () => {
    const d = marshal(base.file(mkdir('/x', 0o755), { locations: at(2) }), amd64);
    expect(decodeDefinition(encodeDefinition(d)).definition.source?.infos?.[0]?.filename).toBe('Containerfile');
  });
});
