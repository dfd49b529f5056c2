// State.run(): how run options become an ExecOp (beyond the golden vectors): output numbering,
// shared inputs, defaults, and the errors for graphs BuildKit would refuse.
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import { DEFAULT_PATH, decodeDefinition, encodeDefinition, image, int64ToNumber, local, marshal, type Definition, type State } from '../../src/llb/index.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };
const rootOp = (d: Definition): pb.Op => {
  const decoded = decodeDefinition(encodeDefinition(d));
  return decoded.byDigest.get(decoded.terminal!.digest)!.op;
};
const execOf = (st: State, caps?: ReadonlySet<string>): pb.ExecOp.$Properties => rootOp(marshal(st, caps ? { ...amd64, caps } : amd64)).exec!;
const mountsOf = (e: pb.ExecOp.$Properties): [string, number, number][] =>
  (e.mounts ?? []).map((m) => [m.dest ?? '', int64ToNumber(m.input), int64ToNumber(m.output)]);
const alpine = (): State => image('alpine');

describe('run: mounts', () => {
  it('numbers outputs over the writable mounts in target order, skipping read-only, cache and tmpfs ones', () => {
    const ctx = local('context', { sessionId: 'S' }).output;
    const e = execOf(
      alpine()
        .run({
          args: ['true'],
          mounts: [
            { target: '/z', source: ctx },
            { target: '/c', cache: { id: 'c' } },
            { target: '/r', source: ctx, readonly: true },
            { target: '/t', tmpfs: {} },
            { target: '/a' },
          ],
        })
        .root(),
    );
    expect(mountsOf(e)).toEqual([
      ['/', 0, 0],
      ['/a', -1, 1],
      ['/c', -1, -1],
      ['/r', 1, -1],
      ['/t', -1, -1],
      ['/z', 1, 2],
    ]);
  });

  it('gives one input to a state mounted twice', () => {
    const ctx = local('context', { sessionId: 'S' }).output;
    const op = rootOp(marshal(alpine().run({ args: ['true'], mounts: [{ target: '/a', source: ctx, readonly: true }, { target: '/b', source: ctx, readonly: true }] }).root(), amd64));
    expect(op.inputs).toHaveLength(2);
    expect(mountsOf(op.exec!).map((m) => m[1])).toEqual([0, 1, 1]);
  });

  it('makes a writable mount a state to build on, at its own output index', () => {
    const built = alpine().run({ args: ['true'], mounts: [{ target: '/out' }] });
    const d = marshal(built.getMount('/out'), amd64);
    const terminal = decodeDefinition(encodeDefinition(d)).terminal!;
    expect(terminal.index).toBe(1);
  });

  it('refuses to build on a cache mount, which has no result', () => {
    const built = alpine().run({ args: ['true'], mounts: [{ target: '/c', cache: { id: 'c' } }] });
    expect(() => built.getMount('/c')).toThrow('the mount at /c is a cache mount: it has no result to build on');
  });

  it('refuses two mounts at one target', () => {
    expect(() => alpine().run({ args: ['true'], mounts: [{ target: '/a' }, { target: '/a', tmpfs: {} }] })).toThrow('two mounts at /a');
  });

  it('refuses a tmpfs mount with a source', () => {
    expect(() => alpine().run({ args: ['true'], mounts: [{ target: '/t', tmpfs: {}, source: alpine().output }] })).toThrow(
      'tmpfs mount at /t must use scratch',
    );
  });

  it('puts secret and SSH mounts after the filesystem mounts', () => {
    const e = execOf(alpine().run({ args: ['true'], ssh: [{}], secrets: [{ id: 's', target: '/a/s' }], mounts: [{ target: '/z', tmpfs: {} }] }).root());
    expect((e.mounts ?? []).map((m) => m.dest)).toEqual(['/', '/z', '/a/s', '/run/buildkit/ssh_agent.0']);
  });
});

describe('run: meta', () => {
  it("runs in the state's working directory by default", () => {
    expect(execOf(alpine().withDir('/src').run({ args: ['true'] }).root()).meta!.cwd).toBe('/src');
  });

  it("resolves a relative working directory against the state's", () => {
    expect(execOf(alpine().withDir('/src').run({ args: ['true'], cwd: 'sub/dir' }).root()).meta!.cwd).toBe('/src/sub/dir');
  });

  it('keeps an SSH_AUTH_SOCK the command already sets', () => {
    const e = execOf(alpine().run({ args: ['true'], env: ['SSH_AUTH_SOCK=/mine'], ssh: [{}] }).root());
    expect(e.meta!.env).toEqual(['SSH_AUTH_SOCK=/mine']);
  });

  it('adds the default PATH on an engine without exec.meta.setsdefaultpath, after the other variables', () => {
    const e = execOf(alpine().run({ args: ['true'], env: ['A=1'] }).root(), new Set(['exec.meta.base']));
    expect(e.meta!.env).toEqual(['A=1', `PATH=${DEFAULT_PATH}`]);
  });

  it('keeps the PATH the command sets on an engine without exec.meta.setsdefaultpath', () => {
    const e = execOf(alpine().run({ args: ['true'], env: ['PATH=/bin'] }).root(), new Set(['exec.meta.base']));
    expect(e.meta!.env).toEqual(['PATH=/bin']);
  });

  it('writes hostname, cgroup parent and ulimits, declaring the ulimit cap', () => {
    const st = alpine().run({ args: ['true'], hostname: 'h', cgroupParent: 'cg', ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }] }).root();
    const d = marshal(st, amd64);
    const e = rootOp(d).exec!;
    expect([e.meta!.hostname, e.meta!.cgroupParent]).toEqual(['h', 'cg']);
    expect((e.meta!.ulimit ?? []).map((u) => [u.Name, int64ToNumber(u.Soft), int64ToNumber(u.Hard)])).toEqual([['nofile', 1024, 2048]]);
    const decoded = decodeDefinition(encodeDefinition(d));
    expect(decoded.byDigest.get(decoded.terminal!.digest)!.metadata.caps).toHaveProperty(['exec.meta.ulimit'], true);
  });

  it('prints extra host addresses as Go does (IPv6 compressed, IPv4-mapped as IPv4)', () => {
    const e = execOf(
      alpine().run({ args: ['true'], extraHosts: [{ host: 'a', ip: '2001:DB8:0:0:0:0:0:1' }, { host: 'b', ip: '::ffff:10.0.0.1' }] }).root(),
    );
    expect((e.meta!.extraHosts ?? []).map((h) => h.IP)).toEqual(['2001:db8::1', '10.0.0.1']);
  });

  it('refuses an extra host whose address is not an IP', () => {
    expect(() => alpine().run({ args: ['true'], extraHosts: [{ host: 'a', ip: '10.0.0.256' }] })).toThrow('extra host "a": "10.0.0.256" is not an IP address');
  });
});
