// Part 1 of llb-golden-exec.txt: Go client/llb (v0.11.6) exec graphs, rebuilt with this library,
// must match Go byte for byte: meta, mounts of every type, network/security modes, caps.
import { describe, expect, it } from 'vitest';
import { copy, image, local, marshal, scratch, type Definition, type RunOptions, type State } from '../../src/llb/index.js';
import { readGoldenCases } from './golden-file.js';
import { goldenCaseSuite } from './golden-suite.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const busybox = (): State => image('busybox');
const run = (opts: RunOptions): State => busybox().run(opts).root();
const cacheAt = (sharing: 'shared' | 'private' | 'locked'): State =>
  run({ args: ['ls', '/root/.cache'], mounts: [{ target: '/root/.cache', cache: { id: 'mycache', sharing } }] });

/** The LLB caps a v0.11.6 engine announces (solver/pb/caps.go at v0.11.6). */
const V0116_CAPS = new Set(
  ('source.image source.image.resolvemode source.image.layerlimit source.local source.local.unique source.local.sessionid ' +
    'source.local.includepatterns source.local.followpaths source.local.excludepatterns source.local.sharedkeyhint ' +
    'source.local.differ source.git source.git.keepgitdir source.git.fullurl source.git.httpauth source.git.knownsshhosts ' +
    'source.git.mountsshsock source.git.subdir source.http source.http.checksum source.http.perm soruce.http.uidgid ' +
    'source.ocilayout source.buildop.llbfilename exec.meta.base exec.meta.cgroup.parent exec.meta.network ' +
    'exec.meta.proxyenv exec.meta.security exec.meta.security.devices.v1 exec.meta.setsdefaultpath exec.meta.ulimit ' +
    'exec.meta.removemountstubs.recursive exec.mount.bind exec.mount.bind.readwrite-nooutput exec.mount.cache ' +
    'exec.mount.cache.sharing exec.mount.selector exec.mount.tmpfs exec.mount.tmpfs.size exec.mount.secret ' +
    'exec.mount.ssh exec.cgroup exec.secretenv file.base file.rm.wildcard file.copy.includeexcludepatterns ' +
    'file.rm.nofollowsymlink constraints platform meta.ignorecache meta.description meta.exportcache cache.gha ' +
    'cache.s3 cache.azblob mergeop diffop exporter.image.annotations exporter.image.attestations ' +
    'exporter.sourcedateepoch source.policy').split(' '),
);

const echoHi: RunOptions = { args: ['/bin/sh', '-c', 'echo hi > /out'] };

/** The Go programs behind each case, written with this API, and the caps they were marshalled with. */
const builders: Record<string, { state: () => State; caps?: ReadonlySet<string> }> = {
  'exec args': { state: () => run(echoHi) },
  'exec shlex dir user env': {
    state: () => run({ args: ['echo', 'hi'], cwd: '/work', user: '1000:1000', env: ['A=1', 'PATH=/usr/bin:/bin'] }),
  },
  'exec cache mount shared': { state: () => cacheAt('shared') },
  'exec cache mount locked': { state: () => cacheAt('locked') },
  'exec cache mount private': { state: () => cacheAt('private') },
  'exec readonly bind local with selector': {
    state: () => {
      const ctx = local('context', { sessionId: 'SESSION', sharedKeyHint: 'context' });
      return run({ args: ['ls', '/src'], mounts: [{ target: '/src', source: ctx.output, selector: '/sub', readonly: true }] });
    },
  },
  'exec tmpfs mount': { state: () => run({ args: ['true'], mounts: [{ target: '/tmp', tmpfs: {} }] }) },
  'exec tmpfs mount with size': { state: () => run({ args: ['true'], mounts: [{ target: '/tmp', tmpfs: { size: 64 << 20 } }] }) },
  'exec secret mount': { state: () => run({ args: ['cat', '/run/secrets/tok'], secrets: [{ id: 'tok', target: '/run/secrets/tok' }] }) },
  'exec secret as env': { state: () => run({ args: ['env'], secrets: [{ id: 'tok', env: 'TOK' }] }) },
  'exec ssh mount': { state: () => run({ args: ['ssh-add', '-l'], ssh: [{}] }) },
  'exec network none': { state: () => run({ args: ['true'], network: 'none' }) },
  'exec network host': { state: () => run({ args: ['true'], network: 'host' }) },
  'exec security insecure': { state: () => run({ args: ['true'], security: 'insecure' }) },
  'exec output mount copied into scratch': {
    state: () => {
      const built = busybox().run({ args: ['sh', '-c', 'make kernel && cp kernel /out/kernel'], mounts: [{ target: '/out' }] });
      return scratch().file(copy(built.getMount('/out'), '/out/kernel', '/unikernel/kernel', { createDestPath: true }));
    },
  },
  'exec ignorecache customname proxy': {
    state: () =>
      run({
        args: ['make'],
        proxyEnv: { httpProxy: 'http://p:3128', noProxy: 'localhost' },
        customName: '[build 2/3] RUN make',
        ignoreCache: true,
      }),
  },
  'exec extra host': { state: () => run({ args: ['cat', '/etc/hosts'], extraHosts: [{ host: 'h', ip: '10.0.0.1' }] }) },
  'exec chained runs': { state: () => run({ args: ['touch', '/a'] }).run({ args: ['touch', '/b'] }).root() },
  'exec args with daemon caps (v0.11.6 full cap set)': { state: () => run(echoHi), caps: V0116_CAPS },
  'exec args with caps lacking exec.meta.setsdefaultpath': {
    state: () => run(echoHi),
    caps: new Set([...V0116_CAPS].filter((c) => c !== 'exec.meta.setsdefaultpath')),
  },
};

const cases = readGoldenCases('llb-golden-exec.txt').filter((c) => c.name.startsWith('exec '));

describe('llb-golden-exec.txt part 1', () => {
  it('has a builder for every exec case, and a case for every builder', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });
});

describe.each(cases)('golden exec case "$name"', (golden) => {
  const b = builders[golden.name]!;
  const build = (): Definition => marshal(b.state(), b.caps ? { platform: amd64, caps: b.caps } : { platform: amd64 });
  goldenCaseSuite(golden, { build, goOrderVaries: golden.note !== undefined });
});
