// Every case of llb-golden.txt, rebuilt with this library, must match Go's client/llb byte for byte.
import { describe, expect, it } from 'vitest';
import {
  copy,
  decodeDefinition,
  definitionToJSONLines,
  digestOf,
  encodeDefinition,
  image,
  local,
  marshal,
  mkdir,
  mkfile,
  scratch,
  type Definition,
  type State,
} from '../../src/llb/index.js';
import { readGoldenCases } from './golden-file.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

const context = (): State =>
  local('context', { sessionId: 'SESSION', sharedKeyHint: 'context', excludePatterns: ['node_modules'] });

/** The Go programs behind each golden case, written with this API. */
const builders: Record<string, () => State> = {
  'image alpine': () => image('alpine'),
  'local dockerfile': () =>
    local('dockerfile', {
      sessionId: 'SESSION',
      sharedKeyHint: 'dockerfile',
      followPaths: ['Containerfile', 'Containerfile.dockerignore'],
      customName: '[internal] load build definition from Containerfile',
    }),
  'copy ctx into image': () =>
    image('alpine').file(
      copy(context(), 'app', '/dst/', { createDestPath: true, allowWildcard: true, followSymlinks: true }),
      { customName: 'COPY app /dst/' },
    ),
  'copy with mode+chown': () =>
    image('alpine').file(
      copy(context(), '/bin/tool', '/usr/local/bin/tool', {
        mode: 0o755,
        chown: { user: { id: 1000 }, group: { id: 1000 } },
      }),
    ),
  'copy chown by name': () => image('alpine').file(copy(context(), '/a', '/b', { chown: { user: { name: 'app' } } })),
  'copy chown root': () =>
    scratch().file(copy(context(), '/a', '/b', { chown: { user: { name: 'root' }, group: { name: 'root' } } })),
  exec: () => image('alpine').exec({ args: ['echo', 'hi'], customName: 'RUN echo hi' }),
  'mkfile on scratch': () => scratch().file(mkfile('/hello.txt', 0o644, 'hi\n')),
  'mkdir+mkfile chain': () =>
    image('alpine').file(
      mkdir('/etc/app', 0o755, { makeParents: true }).mkfile('/etc/app/conf', 0o600, 'x=1\n', {
        chown: { user: { id: 1000 }, group: { id: 1000 } },
      }),
    ),
};

/**
 * Go v0.8 visits a FileOp's inputs in map order, so sibling sources land in `def` in random order;
 * in this case Go happened to put the local context before the image. This library always uses
 * Go HEAD's deterministic order (base state first). Only `def` order differs; every byte else is equal.
 */
const GO_SIBLING_ORDER_DIFFERS = new Set(['copy ctx into image']);

const cases = readGoldenCases();

describe('llb-golden.txt', () => {
  it('has a builder for every case, and a case for every builder', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });
});

describe.each(cases)('golden case "$name"', (golden) => {
  const build = (): Definition => marshal(builders[golden.name]!(), amd64);

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

  if (GO_SIBLING_ORDER_DIFFERS.has(golden.name)) {
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
});
