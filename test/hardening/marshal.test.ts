// marshal walks the graph without recursion: a Containerfile of 10 000 COPY lines is a chain of
// 10 000 file ops, deeper than the JavaScript call stack allows.
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import { copy, digestOf, local, marshal, mkfile, scratch, type State } from '../../src/llb/index.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };

describe('marshal on deep graphs', () => {
  it('marshals a chain of 20 000 file ops, each op after its input, the terminal op last', () => {
    let state: State = scratch();
    for (let i = 0; i < 20_000; i++) state = state.file(mkfile(`/f${i}`, 0o644, `${i}`));
    const def = marshal(state, amd64);
    expect(def.def).toHaveLength(20_001);
    const ops = def.def.map((b) => pb.Op.decode(b));
    expect(ops[0]!.inputs ?? []).toEqual([]);
    for (let i = 1; i < ops.length; i++) expect(ops[i]!.inputs![0]!.digest).toBe(digestOf(def.def[i - 1]!));
  });

  it('emits a shared input once, before its first user, in input order (Go post-order)', () => {
    const ctx = local('context', { sessionId: 'S' });
    const a = scratch().file(copy(ctx, '/a', '/a'));
    const b = a.file(copy(ctx, '/b', '/b'));
    const def = marshal(b, amd64);
    const ops = def.def.map((x) => pb.Op.decode(x));
    expect(ops.map((o) => (o.source ? 'source' : o.file ? 'file' : 'terminal'))).toEqual(['source', 'file', 'file', 'terminal']);
    expect(ops[2]!.inputs!.map((i) => i.digest)).toEqual([digestOf(def.def[1]!), digestOf(def.def[0]!)]);
  });
});
