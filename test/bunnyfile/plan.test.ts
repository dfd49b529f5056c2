// Bunnyfile → Plan: each key's meaning, as the stages, COPY steps, labels and config a Containerfile
// would give; where bunny documents a choice (paths in the image, mountRootfs), punch makes the same.
import { describe, expect, it } from 'vitest';
import type { CopyStep, InitrdStep } from '../../src/plan/types.js';
import { HEAD, errors, graph, labels, plan, warnings } from './helpers.js';

const RUMPRUN = `version: v0.1
platforms:
  framework: rumprun
  monitor: hvt
kernel:
  from: local
  path: redis.hvt
`;

function copies(text: string): string[] {
  const p = plan(text);
  return p.stages[p.target]!.steps.map((s) => (s as CopyStep).description);
}

describe('platforms', () => {
  it('framework becomes unikernelType, monitor hypervisor', () => {
    const l = labels(plan(HEAD));
    expect([l.unikernelType, l.hypervisor]).toEqual(['unikraft', 'qemu']);
  });

  it('version becomes unikernelVersion', () => {
    expect(labels(plan(HEAD.replace('  monitor: qemu', '  monitor: qemu\n  version: 0.17.0'))).unikernelVersion).toBe('0.17.0');
  });

  it('without version there is no unikernelVersion', () => {
    expect(labels(plan(HEAD)).unikernelVersion).toBeUndefined();
  });

  it('architecture is the image platform when the build names none', async () => {
    const g = await graph(HEAD.replace('  monitor: qemu', '  monitor: qemu\n  architecture: aarch64'));
    expect(g.platform).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it('--platform wins over architecture, with a warning at the key', async () => {
    const g = await graph(HEAD.replace('  monitor: qemu', '  monitor: qemu\n  architecture: aarch64'), { platform: { os: 'linux', architecture: 'amd64' } });
    expect(g.platform.architecture).toBe('amd64');
    expect(g.diagnostics.map((d) => `${d.range.start.line}: ${d.message}`)).toContain(
      '6: platforms.architecture is arm64, but the build asks for linux/amd64 (--platform wins): the image is built for linux/amd64',
    );
  });
});

describe('kernel', () => {
  it('from local is copied to /.boot/kernel, which binary names', () => {
    const p = plan(HEAD);
    expect(copies(HEAD)).toEqual(['COPY kernel /.boot/kernel']);
    expect(labels(p).binary).toBe('/.boot/kernel');
  });

  it('from an image without a rootfs: the image is the base and binary is kernel.path in it', () => {
    const p = plan(HEAD.replace('from: local', 'from: unikraft.org/nginx:1.15').replace('path: kernel', 'path: /unikraft/bin/kernel'));
    expect(p.stages).toHaveLength(1);
    expect(p.stages[0]!.base).toEqual({ kind: 'image', ref: 'unikraft.org/nginx:1.15', written: 'unikraft.org/nginx:1.15' });
    expect(p.stages[0]!.steps).toEqual([]);
    expect(labels(p).binary).toBe('/unikraft/bin/kernel');
  });

  it('from an image under a raw rootfs: copied from that image to /.boot/kernel', () => {
    const text = RUMPRUN.replace('from: local', 'from: example.test/kernels:1') + 'rootfs:\n  type: raw\n';
    const p = plan(text);
    expect(p.stages[0]!.base).toEqual({ kind: 'image', ref: 'example.test/kernels:1', written: 'example.test/kernels:1' });
    expect(copies(text)).toEqual(['COPY --from=example.test/kernels:1 redis.hvt /.boot/kernel']);
    expect((p.stages[1]!.steps[0] as CopyStep).from).toEqual({ kind: 'stage', stage: 0 });
  });

  it('a Unikraft kernel image copied from is resolved for its machine (qemu/amd64), as FROM --platform would', () => {
    const text = HEAD.replace('from: local', 'from: unikraft.org/nginx:1.15') + 'rootfs:\n  type: raw\n';
    expect(plan(text).stages[0]!.platform?.value).toEqual({ os: 'qemu', architecture: 'amd64' });
  });

  it('an invalid image reference is an error at kernel.from', () => {
    expect(errors(HEAD.replace('from: local', 'from: Not/A/Ref'))[0]).toMatch(/^bunnyfile:7:9: error: invalid image reference "Not\/A\/Ref"/);
  });
});

describe('rootfs', () => {
  it('no rootfs: mountRootfs false and no initrd or block (bunny writes mountRootfs=false)', () => {
    const l = labels(plan(HEAD));
    expect([l.mountRootfs, l.initrd, l.block]).toEqual(['false', undefined, undefined]);
  });

  it('from local: the file is copied to /.boot/rootfs, an initrd for Unikraft by default', () => {
    const text = `${HEAD}rootfs:\n  from: local\n  path: initramfs.cpio\n`;
    expect(copies(text)).toEqual(['COPY kernel /.boot/kernel', 'COPY initramfs.cpio /.boot/rootfs']);
    expect(labels(plan(text)).initrd).toBe('/.boot/rootfs');
  });

  it('from local type initrd for a Linux guest', () => {
    const text = HEAD.replace('unikraft', 'linux') + 'rootfs:\n  from: local\n  type: initrd\n  path: rootfs.initrd\n';
    expect(labels(plan(text))).toMatchObject({ initrd: '/.boot/rootfs', mountRootfs: 'false' });
  });

  it('raw from scratch: the includes are the image files, mountRootfs true', () => {
    const text = `${RUMPRUN}rootfs:\n  from: scratch\n  type: raw\n  include:\n  - redis.conf:/conf/redis.conf\n`;
    expect(copies(text)).toEqual(['COPY redis.conf /conf/redis.conf', 'COPY redis.hvt /.boot/kernel']);
    expect(labels(plan(text)).mountRootfs).toBe('true');
  });

  it('raw is the default type for frameworks other than Unikraft', () => {
    expect(labels(plan(`${RUMPRUN}rootfs:\n  include: [a:/a]\n`)).mountRootfs).toBe('true');
  });

  it('an include destination is made absolute', () => {
    expect(copies(`${RUMPRUN}rootfs:\n  include: [conf/r.conf:data/r.conf]\n`)[0]).toBe('COPY conf/r.conf /data/r.conf');
  });

  it('an include from an image is a COPY from a stage of that image', () => {
    const text = `${RUMPRUN}rootfs:\n  include:\n  - {from: example.test/site:1, source: /srv, destination: /www}\n`;
    const p = plan(text);
    expect(p.stages[0]!.base).toMatchObject({ kind: 'image', ref: 'example.test/site:1' });
    expect(copies(text)[0]).toBe('COPY --from=example.test/site:1 /srv /www');
  });

  it('raw from an image: the image is the base (its files the rootfs), includes on top', () => {
    const text = HEAD.replace('unikraft', 'linux').replace('from: local', 'from: example.test/linux-kernel:6.14').replace('path: kernel', 'path: /kernel') +
      'rootfs:\n  from: redis:alpine\n  type: raw\n  include: [redis.conf:/etc/redis.conf]\n';
    const p = plan(text);
    expect(p.stages[p.target]!.base).toEqual({ kind: 'image', ref: 'docker.io/library/redis:alpine', written: 'redis:alpine' });
    expect(copies(text)).toEqual(['COPY redis.conf /etc/redis.conf', 'COPY --from=example.test/linux-kernel:6.14 /kernel /.boot/kernel']);
    expect(labels(p)).toMatchObject({ binary: '/.boot/kernel', mountRootfs: 'true' });
  });

  it('from an image with path: that image holds the initrd, which initrd names where it is', () => {
    const text = `${HEAD}rootfs:\n  from: example.test/rootfs:1\n  path: /initrd.cpio\n`;
    const p = plan(text);
    expect(p.stages[p.target]!.base).toMatchObject({ kind: 'image', ref: 'example.test/rootfs:1' });
    expect(labels(p)).toMatchObject({ initrd: '/initrd.cpio', binary: '/.boot/kernel' });
  });

  it('block from local: copied to /.boot/rootfs, block and blkMntPoint / set, with a warning that punch does not make it', () => {
    const text = HEAD.replace('unikraft', 'linux') + 'rootfs:\n  from: local\n  type: block\n  path: rootfs.ext4\n';
    expect(labels(plan(text))).toMatchObject({ block: '/.boot/rootfs', blkMntPoint: '/', mountRootfs: 'false' });
    expect(warnings(text)).toEqual([
      'bunnyfile:11:9: warning: rootfs.type: block: the block image rootfs.ext4 is used as it is; punch does not generate block images (nor does bunny)',
    ]);
  });

  it('block for rumprun mounts at /data, as bunny does', () => {
    expect(labels(plan(`${RUMPRUN}rootfs:\n  from: local\n  type: block\n  path: data.img\n`)).blkMntPoint).toBe('/data');
  });

  it('initrd from include: one initrd step packing the items at /.boot/rootfs, which initrd names', () => {
    const p = plan(`${HEAD}rootfs:\n  type: initrd\n  include: [conf/nginx.conf:/nginx/conf/nginx.conf]\n`);
    const step = p.stages[p.target]!.steps[1] as InitrdStep;
    expect(step.kind).toBe('initrd');
    expect(step.dest.value).toBe('/.boot/rootfs');
    expect(step.items.map((i) => [i.from, i.source.value, i.dest.value])).toEqual([[{ kind: 'context' }, 'conf/nginx.conf', '/nginx/conf/nginx.conf']]);
    expect(labels(p)).toMatchObject({ initrd: '/.boot/rootfs', mountRootfs: 'false' });
  });

  it('initrd is the default type for Unikraft when files are included', () => {
    const p = plan(`${HEAD}rootfs:\n  include: [a:/a]\n`);
    expect(p.stages[p.target]!.steps.map((s) => s.kind)).toEqual(['copy', 'initrd']);
  });

  it('initrd from an image packs that image\'s whole tree, then the includes on top', () => {
    const p = plan(HEAD.replace('unikraft', 'linux') + 'rootfs:\n  from: example.test/app:1\n  type: initrd\n  include: [init:/init]\n');
    expect(p.stages[0]!.base).toMatchObject({ kind: 'image', ref: 'example.test/app:1' });
    expect(p.stages[0]!.platform).toBeUndefined();
    const step = p.stages[p.target]!.steps.find((s) => s.kind === 'initrd') as InitrdStep;
    expect(step.items.map((i) => [i.from, i.source.value, i.dest.value])).toEqual([
      [{ kind: 'stage', stage: 0 }, '/', '/'],
      [{ kind: 'context' }, 'init', '/init'],
    ]);
  });

  it('an initrd item from an image reads a stage of that image', () => {
    const p = plan(`${HEAD}rootfs:\n  include:\n  - {from: example.test/site:1, source: /www, destination: /www}\n`);
    const step = p.stages[p.target]!.steps.find((s) => s.kind === 'initrd') as InitrdStep;
    expect(step.items[0]!.from).toEqual({ kind: 'stage', stage: 0 });
  });

  it('the initrd becomes a layer of its own, with the archive from the punch initrd ExecOp', async () => {
    const g = await graph(`${HEAD}rootfs:\n  include: [a:/a]\n`);
    expect(g.config.history?.map((h) => h.created_by)).toEqual(['COPY kernel /.boot/kernel # bunnyfile', 'INITRD /.boot/rootfs # bunnyfile', 'COPY /urunc.json # punch']);
  });
});

describe("bunny's rootfs rules", () => {
  it.each([
    ['path with from scratch', '  from: scratch\n  path: x\n', 'bunnyfile:11:9: error: rootfs.path names a file in rootfs.from, and scratch has none'],
    ['from local without path', '  from: local\n', 'bunnyfile:10:9: error: rootfs.from: local needs rootfs.path'],
    ['from local with include', '  from: local\n  path: x\n  include: [a:/a]\n', 'bunnyfile:12:13: error: rootfs.include adds files to a rootfs punch builds'],
    ['raw from local', '  from: local\n  type: raw\n  path: x\n', "bunnyfile:11:9: error: a raw rootfs is the image's own files"],
    ['raw with a path in an image', '  from: example.test/r:1\n  type: raw\n  path: x\n', 'bunnyfile:12:9: error: rootfs.path can not be combined with a raw rootfs'],
    ['block for Unikraft', '  from: local\n  type: block\n  path: x\n', 'bunnyfile:11:9: error: rootfs.type block is not a rootfs unikraft can use: write rootfs.type: initrd or raw'],
    ['block from include', '  type: block\n  include: [a:/a]\n', 'bunnyfile:10:9: error: rootfs.type block is not a rootfs unikraft can use'],
    ['a type with nothing in it', '  type: initrd\n', 'bunnyfile:10:9: error: rootfs.type: initrd with nothing in it'],
  ])('%s is an error at its key', (_name, rootfs, message) => {
    expect(errors(`${HEAD}rootfs:\n${rootfs}`)[0]).toContain(message);
  });

  it('an include that leaves the build context is an error at the item', () => {
    expect(errors(`${RUMPRUN}rootfs:\n  include: [../secret:/s]\n`)).toEqual(['bunnyfile:9:13: error: "../secret" is outside the build context: sources must stay inside it']);
  });
});

describe('command line and environment', () => {
  it('cmd and entrypoint become the image Cmd and Entrypoint, and cmdline their join', async () => {
    const g = await graph(`${HEAD}entrypoint: ["/init"]\ncmd: ["nginx", "-c", "/n.conf"]\n`);
    expect([g.config.config?.Entrypoint, g.config.config?.Cmd]).toEqual([['/init'], ['nginx', '-c', '/n.conf']]);
  });

  it('the legacy cmdline becomes Cmd words', async () => {
    const g = await graph(`${HEAD}cmdline: "nginx  -c /nginx/conf/nginx.conf"\n`);
    expect(g.config.config?.Cmd).toEqual(['nginx', '-c', '/nginx/conf/nginx.conf']);
  });

  it('an empty cmdline sets no Cmd', async () => {
    const g = await graph(`${HEAD}cmdline: ""\n`);
    expect(g.config.config?.Cmd).toBeUndefined();
  });

  it('envs become the image Env', async () => {
    const g = await graph(`${HEAD}envs: [HOME=/root]\n`);
    expect(g.config.config?.Env).toContain('HOME=/root');
  });
});

describe('the shared checks', () => {
  it('urunc.json and annotations hold the labels the bunnyfile gives', async () => {
    const g = await graph(HEAD);
    expect(g.urunc).toMatchObject({ 'com.urunc.unikernel.binary': '/.boot/kernel', 'com.urunc.unikernel.unikernelType': 'unikraft' });
    expect(g.annotations['com.urunc.unikernel.hypervisor']).toBe('qemu');
  });

  it('a monitor urunc does not pair with the framework is an error at platforms.framework', async () => {
    await expect(graph(HEAD.replace('monitor: qemu', 'monitor: hvt'))).rejects.toThrow(/^bunnyfile:4:14: error: unsupported guest monitor pair/);
  });

  it('--target is an error: a bunnyfile has no stages', () => {
    expect(errors(HEAD, { target: 'x' })).toEqual(['bunnyfile:2:10: error: --target x: a bunnyfile has no build stages to choose from; build without --target']);
  });
});
