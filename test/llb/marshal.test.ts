// Behaviour of the LLB builder beyond the golden cases: graph shape, indexes, caps, platforms, purity.
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import {
  copy,
  decodeDefinition,
  definitionToJSONLines,
  digestOf,
  encodeDefinition,
  image,
  int64ToBigInt,
  int64ToNumber,
  local,
  marshal,
  mkdir,
  mkfile,
  rm,
  scratch,
  type Definition,
  type State,
} from '../../src/llb/index.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ops = (d: Definition): pb.Op[] => d.def.map((b) => pb.Op.decode(b));
/** The op the terminal op points at. */
const rootOp = (d: Definition): pb.Op => {
  const decoded = decodeDefinition(encodeDefinition(d));
  return decoded.byDigest.get(decoded.terminal!.digest)!.op;
};
const actionsOf = (d: Definition): pb.FileAction.$Properties[] => rootOp(d).file?.actions ?? [];
const ctx = (): State => local('context', { sessionId: 'S' });

describe('marshal', () => {
  it('gives an empty definition for scratch', () => {
    expect(marshal(scratch(), amd64)).toEqual({ def: [], metadata: {} });
  });

  it('is deterministic: the same graph built twice gives the same bytes', () => {
    const build = (): Uint8Array =>
      encodeDefinition(
        marshal(
          image('alpine').file(copy(ctx(), 'a', '/a').copy(local('other', { sessionId: 'S' }), 'b', '/b')).run({ args: ['true'] }).root(),
          amd64,
        ),
      );
    expect(hex(build())).toBe(hex(build()));
  });

  it('emits an op used twice once, with its metadata merged', () => {
    const base = image('alpine', { customName: 'base' });
    const src = image('alpine');
    const d = marshal(base.file(copy(src, '/etc/os-release', '/x')), amd64);
    expect(d.def).toHaveLength(3);
    const file = ops(d)[1]!;
    expect(file.inputs).toHaveLength(1);
    expect(int64ToNumber((file.file?.actions ?? [])[0]!.secondaryInput)).toBe(0);
    const imageDigest = digestOf(d.def[0]!);
    expect(d.metadata[imageDigest]).toEqual({ description: { 'llb.customname': 'base' }, caps: { 'source.image': true } });
  });

  it('emits every input before the op that uses it, the terminal op last', () => {
    const d = marshal(image('alpine').file(copy(ctx(), 'a', '/a')).file(mkdir('/x', 0o755)), amd64);
    const seen = new Set<string>();
    for (const op of ops(d)) {
      for (const i of op.inputs) expect(seen.has(i.digest ?? '')).toBe(true);
      seen.add(digestOf(pb.Op.encode(op).finish()));
    }
    const last = ops(d)[d.def.length - 1]!;
    expect(last.op).toBeUndefined();
    expect(last.inputs).toHaveLength(1);
  });

  it('gives the terminal op the constraints/platform caps plus meta.description when any op has a name', () => {
    const named = marshal(image('alpine', { customName: 'x' }), amd64);
    const terminalDigest = digestOf(named.def[1]!);
    expect(named.metadata[terminalDigest]).toEqual({
      caps: { constraints: true, 'meta.description': true, platform: true },
    });
  });

  it('adds an empty source-map entry for every op but the terminal one, as Go does', () => {
    const d = marshal(image('alpine').file(mkdir('/x', 0o755)), amd64);
    expect(d.source).toEqual({ locations: Object.fromEntries(d.def.slice(0, 2).map((b) => [digestOf(b), {}]).sort()) });
  });
});

describe('immutability', () => {
  it('deriving a state leaves the original unchanged', () => {
    const base = image('alpine');
    const before = hex(encodeDefinition(marshal(base, amd64)));
    base.file(mkdir('/x', 0o755));
    base.run({ args: ['true'] }).root();
    base.withPlatform({ os: 'linux', architecture: 'arm64' });
    expect(hex(encodeDefinition(marshal(base, amd64)))).toBe(before);
  });

  it('extending a file action chain leaves the original chain unchanged', () => {
    const first = mkdir('/a', 0o755);
    first.mkfile('/a/f', 0o644, 'x');
    expect(first.actions).toHaveLength(1);
  });

  it('states and actions are frozen', () => {
    expect(Object.isFrozen(image('alpine'))).toBe(true);
    expect(Object.isFrozen(mkdir('/a', 0o755))).toBe(true);
  });

  it('later changes to arrays and bytes the caller passed in do not reach the graph', () => {
    const patterns = ['*.md'];
    const data = new TextEncoder().encode('hi');
    const chown = { user: { id: 1 } };
    const st = scratch().file(copy(ctx(), '/', '/', { excludePatterns: patterns, chown }).mkfile('/f', 0o644, data));
    const before = hex(encodeDefinition(marshal(st, amd64)));
    patterns.push('*.txt');
    data[0] = 0;
    chown.user.id = 2;
    expect(hex(encodeDefinition(marshal(st, amd64)))).toBe(before);
  });
});

describe('file actions', () => {
  it('numbers chained actions after the real inputs, and only the last one has an output', () => {
    const a = local('a', { sessionId: 'S' });
    const b = local('b', { sessionId: 'S' });
    const d = marshal(image('alpine').file(copy(a, '/x', '/x').copy(b, '/y', '/y').rm('/z')), amd64);
    expect(actionsOf(d).map((x) => [x.input, x.secondaryInput, x.output].map(int64ToNumber))).toEqual([
      [0, 1, -1],
      [3, 2, -1],
      [4, -1, 0],
    ]);
  });

  it('uses -1 as the base of an action on scratch, also for chown by name', () => {
    const d = marshal(scratch().file(mkdir('/x', 0o755, { chown: { user: { name: 'app' }, group: { name: 'staff' } } })), amd64);
    const action = actionsOf(d)[0]!;
    expect(int64ToNumber(action.input)).toBe(-1);
    expect(int64ToNumber(action.mkdir!.owner!.user!.byName!.input)).toBe(-1);
    expect(action.mkdir!.owner!.group!.byName!.name).toBe('staff');
  });

  it('reads numeric user names as ids, like Go WithUser', () => {
    const d = marshal(scratch().file(mkfile('/f', 0o644, '', { chown: { user: { name: '1000' }, group: { id: 0 } } })), amd64);
    const owner = actionsOf(d)[0]!.mkfile!.owner!;
    expect([owner.user!.byID, owner.group!.byID]).toEqual([1000, 0]);
  });

  it('resolves relative paths against / and keeps a trailing slash on copy destinations', () => {
    const d = marshal(scratch().file(copy(ctx(), 'src/../app', 'dst/').mkdir('etc/x', 0o755)), amd64);
    const [c, m] = actionsOf(d);
    expect([c!.copy!.src, c!.copy!.dest, m!.mkdir!.path]).toEqual(['/app', '/dst/', '/etc/x']);
  });

  it('keeps only permission bits of mkfile/mkdir modes but the whole copy mode', () => {
    const d = marshal(scratch().file(copy(ctx(), '/a', '/a', { mode: 0o4755 }).mkfile('/f', 0o100644, '')), amd64);
    const [c, f] = actionsOf(d);
    expect([c!.copy!.mode, f!.mkfile!.mode]).toEqual([0o4755, 0o644]);
  });

  it('writes include/exclude patterns and declares the file.copy.includeexcludepatterns cap', () => {
    const d = marshal(scratch().file(copy(ctx(), '/', '/', { includePatterns: ['*.c'], excludePatterns: ['x.c'] })), amd64);
    const c = actionsOf(d)[0]!.copy!;
    expect([c.include_patterns, c.exclude_patterns]).toEqual([['*.c'], ['x.c']]);
    expect(d.metadata[digestOf(d.def[1]!)]!.caps).toEqual({ 'file.base': true, 'file.copy.includeexcludepatterns': true });
  });

  it('writes every copy flag', () => {
    const d = marshal(
      scratch().file(
        copy(ctx(), '/a', '/b', {
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          dirCopyContents: true,
          followSymlinks: true,
          attemptUnpack: true,
        }),
      ),
      amd64,
    );
    const c = actionsOf(d)[0]!.copy!;
    expect([
      c.createDestPath,
      c.allowWildcard,
      c.allowEmptyWildcard,
      c.dirCopyContents,
      c.followSymlink,
      c.attemptUnpackDockerCompatibility,
    ]).toEqual([true, true, true, true, true, true]);
  });

  it('writes rm flags', () => {
    const d = marshal(scratch().file(rm('/x', { allowNotFound: true, allowWildcard: true })), amd64);
    expect(actionsOf(d)[0]!.rm).toMatchObject({ path: '/x', allowNotFound: true, allowWildcard: true });
  });

  it('keeps nanosecond timestamps exact, and shows unsafe ones as strings in the JSON view', () => {
    const ts = 1_700_000_000_123_456_789n;
    const d = marshal(scratch().file(mkfile('/f', 0o644, '', { timestamp: ts }).mkdir('/d', 0o755, { timestamp: 5n })), amd64);
    const [f, m] = actionsOf(d);
    expect([int64ToBigInt(f!.mkfile!.timestamp), int64ToBigInt(m!.mkdir!.timestamp)]).toEqual([ts, 5n]);
    const json = definitionToJSONLines(encodeDefinition(d));
    expect(json).toContain('"timestamp":"1700000000123456789"');
    expect(json).toContain('"timestamp":5');
  });

  it('rejects a user id out of range', () => {
    expect(() => marshal(scratch().file(mkdir('/x', 0o755, { chown: { user: { id: -1 } } })), amd64)).toThrow(
      'invalid user/group id -1: expected an integer from 0 to 4294967295',
    );
  });
});

describe('sources', () => {
  it('normalises image references into the identifier', () => {
    const src = ops(marshal(image('127.0.0.1:5000/punch:test'), amd64))[0]!.source!;
    expect(src.identifier).toBe('docker-image://127.0.0.1:5000/punch:test');
  });

  it('rejects an invalid image reference with Docker\'s reason', () => {
    expect(() => image('Alpine')).toThrow(
      'invalid image reference "Alpine": invalid reference format: repository name must be lowercase',
    );
  });

  it('sets image.resolvemode and declares its cap only for pull', () => {
    const pull = marshal(image('alpine', { resolveMode: 'pull' }), amd64);
    expect(ops(pull)[0]!.source!.attrs).toEqual({ 'image.resolvemode': 'pull' });
    expect(pull.metadata[digestOf(pull.def[0]!)]!.caps).toEqual({ 'source.image': true, 'source.image.resolvemode': true });
    const loc = marshal(image('alpine', { resolveMode: 'local' }), amd64);
    expect(ops(loc)[0]!.source!.attrs).toEqual({ 'image.resolvemode': 'local' });
    expect(loc.metadata[digestOf(loc.def[0]!)]!.caps).toEqual({ 'source.image': true });
  });

  it('adds local.unique (with its cap) only when there is no session', () => {
    const noSession = marshal(local('context', { unique: 'stable-id' }), amd64);
    expect(ops(noSession)[0]!.source!.attrs).toEqual({ 'local.unique': 'stable-id' });
    expect(noSession.metadata[digestOf(noSession.def[0]!)]!.caps).toEqual({ 'source.local': true, 'source.local.unique': true });
    const withSession = marshal(local('context', { unique: 'stable-id', sessionId: 'S' }), amd64);
    expect(ops(withSession)[0]!.source!.attrs).toEqual({ 'local.session': 'S' });
  });

  it('writes pattern lists as JSON arrays with Go escaping, and omits empty lists', () => {
    const d = marshal(local('context', { sessionId: 'S', includePatterns: ['a<b>&c'], excludePatterns: [], followPaths: [] }), amd64);
    expect(ops(d)[0]!.source!.attrs).toEqual({
      'local.includepattern': '["a\\u003cb\\u003e\\u0026c"]',
      'local.session': 'S',
    });
    expect(d.metadata[digestOf(d.def[0]!)]!.caps).toEqual({
      'source.local': true,
      'source.local.includepatterns': true,
      'source.local.sessionid': true,
    });
  });
});

describe('platforms', () => {
  const arm64 = { os: 'linux', architecture: 'arm64' };

  it('puts the image platform on the image op and on ops derived from it', () => {
    const st = image('alpine', { platform: arm64 }).file(mkdir('/x', 0o755)).run({ args: ['true'] }).root();
    expect(st.platform).toEqual(arm64);
    const platforms = ops(marshal(st, amd64)).map((o) => o.platform?.Architecture);
    expect(platforms).toEqual(['arm64', 'arm64', 'arm64', undefined]);
  });

  it('leaves the platform off local sources and uses the marshal default elsewhere', () => {
    const d = marshal(scratch().file(copy(ctx(), '/', '/')), amd64);
    expect(ops(d).map((o) => o.platform?.Architecture)).toEqual([undefined, 'amd64', undefined]);
  });

  it('normalises platforms (arm gets variant v7)', () => {
    const d = marshal(image('alpine', { platform: { os: 'linux', architecture: 'arm' } }), amd64);
    expect(ops(d)[0]!.platform).toMatchObject({ Architecture: 'arm', OS: 'linux', Variant: 'v7' });
  });

  it('withPlatform sets the platform of ops derived afterwards', () => {
    const d = marshal(scratch().withPlatform(arm64).file(mkdir('/x', 0o755)), amd64);
    expect(ops(d)[0]!.platform?.Architecture).toBe('arm64');
  });
});

describe('exec', () => {
  it('mounts the state at / and numbers the root output 0', () => {
    const d = marshal(image('alpine').run({ args: ['sh', '-c', 'true'], cwd: '/work', env: ['A=1'] }).root(), amd64);
    const exec = rootOp(d).exec!;
    expect(exec.meta).toMatchObject({ args: ['sh', '-c', 'true'], env: ['A=1'], cwd: '/work' });
    expect((exec.mounts ?? []).map((m) => [int64ToNumber(m.input), m.dest, int64ToNumber(m.output)])).toEqual([[0, '/', 0]]);
  });

  it('uses input -1 for a scratch root', () => {
    const d = marshal(scratch().run({ args: ['/bin/x'] }).root(), amd64);
    expect(int64ToNumber((rootOp(d).exec!.mounts ?? [])[0]!.input)).toBe(-1);
    expect(rootOp(d).inputs).toEqual([]);
  });

  it('refuses an empty command', () => {
    expect(() => image('alpine').run({ args: [] }).root()).toThrow('exec needs at least one argument');
  });
});

describe('definition encoding', () => {
  it('sorts metadata keys whatever order they were given in', () => {
    const d = marshal(image('alpine'), amd64);
    const reversed: Definition = {
      ...d,
      metadata: Object.fromEntries(Object.entries(d.metadata).reverse()),
    };
    expect(hex(encodeDefinition(reversed))).toBe(hex(encodeDefinition(d)));
  });

  it('round-trips a definition with every action kind through decode and encode', () => {
    const bytes = encodeDefinition(
      marshal(
        image('alpine', { customName: 'n' })
          .file(copy(ctx(), 'a', '/a', { mode: 0o600, timestamp: 1_700_000_000_000_000_000n, includePatterns: ['x'] }).mkfile('/f', 0o644, 'd').mkdir('/d', 0o700).rm('/r'))
          .run({ args: ['true'], env: ['A=1'] }).root(),
        amd64,
      ),
    );
    expect(hex(encodeDefinition(decodeDefinition(bytes).definition))).toBe(hex(bytes));
  });

  it('names the broken op when a definition cannot be decoded', () => {
    const bad = pb.Definition.encode({ def: [new Uint8Array([0x0a, 0x05, 0x01])] }).finish();
    expect(() => decodeDefinition(bad)).toThrow(/^LLB definition: op 0 is not a valid pb.Op/);
  });
});
