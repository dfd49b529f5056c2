// Every example of examples/ built by `docker build` through the punch frontend (`#syntax=`) on every
// engine (Docker 20.10's BuildKit v0.8; Docker 26 through buildx): the image holds exactly the files
// asked for plus /urunc.json, and its config is what urunc reads.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { fileContent, punch, umociRootfs } from './build-helpers.js';
import { e2e, imageInspect, imageRootfs, onEachEngine, type ImageInspect, type Rootfs } from './engine.js';
import {
  URUNC,
  decodeUruncJson,
  exampleContext,
  exampleFile,
  expectTree,
  fileNode,
  dirNode,
  publishUnikraftIndex,
  punchBuildOk,
  tree,
  uruncJsonNode,
  uruncLabels,
} from './frontend-support.js';

interface Built {
  image: ImageInspect;
  fs: Rootfs;
}

async function buildExample(example: string, tag: string, buildArgs: Record<string, string> = {}, file = 'Containerfile'): Promise<Built> {
  await punchBuildOk({ context: exampleContext(example, undefined, file), tag, buildArgs, file });
  const [image, fs] = await Promise.all([imageInspect(tag), imageRootfs(tag)]);
  return { image, fs };
}

/** The checks every example shares: linux/amd64, and /urunc.json holding exactly the urunc labels. */
function expectUruncImage(b: Built): void {
  expect({ os: b.image.Os, arch: b.image.Architecture, variant: b.image.Variant }).toEqual({ os: 'linux', arch: 'amd64', variant: undefined });
  expect(decodeUruncJson(b.fs)).toEqual(uruncLabels(b.image.Config.Labels));
}

onEachEngine(() => {
  describe('examples/unikraft-qemu-nginx', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/unikernel/kernel',
      [`${URUNC}cmdline`]: 'nginx -c /nginx/conf/nginx.conf',
      [`${URUNC}hypervisor`]: 'qemu',
      [`${URUNC}initrd`]: '/unikernel/initrd',
      [`${URUNC}unikernelType`]: 'unikraft',
      [`${URUNC}unikernelVersion`]: '0.17.0',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('unikraft-qemu-nginx', 'punch-e2e/examples:unikraft-qemu-nginx');
    });

    test('holds the kernel, the initrd and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/unikernel/kernel': exampleFile('unikraft-qemu-nginx', 'build/app-nginx_qemu-x86_64'),
          '/unikernel/initrd': exampleFile('unikraft-qemu-nginx', 'data.cpio'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('has the urunc labels, the cmdline derived from CMD, CMD, no Entrypoint, no Env, WorkingDir /', () => {
      expect(b.image.Config).toEqual({
        Labels: uruncValues,
        Entrypoint: null,
        Cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
        Env: [],
        WorkingDir: '/',
        User: '',
      });
      expectUruncImage(b);
    });
  });

  describe('examples/rumprun-hvt-redis', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/unikernel/redis.hvt',
      [`${URUNC}cmdline`]: 'redis-server /data/conf/redis.conf',
      [`${URUNC}hypervisor`]: 'hvt',
      [`${URUNC}mountRootfs`]: 'true',
      [`${URUNC}unikernelType`]: 'rumprun',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('rumprun-hvt-redis', 'punch-e2e/examples:rumprun-hvt-redis');
    });

    test('holds the unikernel, its config file and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/unikernel/redis.hvt': exampleFile('rumprun-hvt-redis', 'redis.hvt'),
          '/data/conf/redis.conf': exampleFile('rumprun-hvt-redis', 'redis.conf'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('has the urunc labels, CMD, no Entrypoint, no Env, WorkingDir /', () => {
      expect(b.image.Config).toEqual({
        Labels: uruncValues,
        Entrypoint: null,
        Cmd: ['redis-server', '/data/conf/redis.conf'],
        Env: [],
        WorkingDir: '/',
        User: '',
      });
      expectUruncImage(b);
    });
  });

  describe('examples/linux-firecracker-block', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/boot/vmlinux',
      [`${URUNC}blkMntPoint`]: '/',
      [`${URUNC}block`]: '/disk/rootfs.ext4',
      [`${URUNC}cmdline`]: '/sbin/init console=ttyS0',
      [`${URUNC}hypervisor`]: 'firecracker',
      [`${URUNC}unikernelType`]: 'linux',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('linux-firecracker-block', 'punch-e2e/examples:linux-firecracker-block');
    });

    test('holds the kernel, the block image and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/boot/vmlinux': exampleFile('linux-firecracker-block', 'vmlinux'),
          '/disk/rootfs.ext4': exampleFile('linux-firecracker-block', 'rootfs.ext4'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('has the urunc labels, ENTRYPOINT and CMD, the cmdline joining both', () => {
      expect(b.image.Config).toEqual({
        Labels: uruncValues,
        Entrypoint: ['/sbin/init'],
        Cmd: ['console=ttyS0'],
        Env: [],
        WorkingDir: '/',
        User: '',
      });
      expectUruncImage(b);
    });
  });

  describe('examples/unikraft-catalog-nginx on a Unikraft-style index in the local registry', () => {
    const baseLabels = { 'org.unikraft.catalog': 'nginx' };
    const uruncValues = {
      [`${URUNC}binary`]: '/unikraft/bin/kernel',
      [`${URUNC}cmdline`]: 'nginx -c /nginx/conf/nginx.conf',
      [`${URUNC}hypervisor`]: 'qemu',
      [`${URUNC}initrd`]: '/unikraft/bin/initrd',
      [`${URUNC}unikernelType`]: 'unikraft',
    };
    let b: Built;
    beforeAll(async () => {
      const base = await publishUnikraftIndex(
        'unikraft/nginx:1.15',
        [
          { os: 'qemu', kernel: 'nginx kernel for qemu/x86_64\n', initrd: 'initrd (qemu)\n' },
          { os: 'fc', kernel: 'nginx kernel for firecracker/x86_64\n', initrd: 'initrd (fc)\n' },
        ],
        { env: ['UKARCH=x86_64'], labels: baseLabels },
      );
      b = await buildExample('unikraft-catalog-nginx', 'punch-e2e/examples:unikraft-catalog-nginx', { BASE: base.ref });
    });

    test('holds the qemu manifest’s kernel and initrd, and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/unikraft': dirNode(),
          '/unikraft/bin': dirNode(),
          '/unikraft/bin/kernel': fileNode('nginx kernel for qemu/x86_64\n'),
          '/unikraft/bin/initrd': fileNode('initrd (qemu)\n'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('inherits the base Env (plus the default PATH the base lacks, as Docker adds it) and labels, binary defaults to /unikraft/bin/kernel, and the image is linux/amd64', () => {
      expect(b.image.Config).toEqual({
        Labels: { ...baseLabels, ...uruncValues },
        Entrypoint: null,
        Cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
        Env: ['UKARCH=x86_64', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        WorkingDir: '',
        User: '',
      });
      expectUruncImage(b);
    });
  });

  describe('examples/rumprun-hvt-build-stage (a build stage RUN makes the unikernel)', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/unikernel/hello.hvt',
      [`${URUNC}cmdline`]: 'hello --greeting hi',
      [`${URUNC}hypervisor`]: 'hvt',
      [`${URUNC}unikernelType`]: 'rumprun',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('rumprun-hvt-build-stage', 'punch-e2e/examples:rumprun-hvt-build-stage', { BASE: e2e().busyboxImage });
    });

    test("holds only the unikernel build.sh wrote (from hello.c, at ARG VERSION's default) and /urunc.json", () => {
      const source = readFileSync(join(e2e().repoRoot, 'examples', 'rumprun-hvt-build-stage', 'hello.c'));
      const kernel = `stand-in rumprun hvt unikernel 1.0\nsource hello.c sha256 ${createHash('sha256').update(source).digest('hex')}\n`;
      expect(tree(b.fs)).toEqual(expectTree({ '/unikernel/hello.hvt': fileNode(kernel, 0o755), '/urunc.json': uruncJsonNode(uruncValues) }));
    });

    test('has the urunc labels and CMD of the scratch stage, nothing of the build stage', () => {
      expect(b.image.Config).toEqual({ Labels: uruncValues, Entrypoint: null, Cmd: ['hello', '--greeting', 'hi'], Env: [], WorkingDir: '/', User: '' });
      expectUruncImage(b);
    });
  });

  describe('examples/linux-qemu-busybox-rootfs (the image is the Linux guest rootfs)', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/boot/vmlinux',
      [`${URUNC}cmdline`]: '/bin/cat /etc/app/motd',
      [`${URUNC}hypervisor`]: 'qemu',
      [`${URUNC}mountRootfs`]: 'true',
      [`${URUNC}unikernelType`]: 'linux',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('linux-qemu-busybox-rootfs', 'punch-e2e/examples:linux-qemu-busybox-rootfs', { BASE: e2e().busyboxImage });
    });

    test("is the base's userland plus what RUN made and the kernel", () => {
      expect(b.fs.get('/bin/busybox')?.type).toBe('file');
      expect(b.fs.get('/etc/app/motd')).toEqual(fileNode("hello from the guest's root filesystem\n"));
      expect(b.fs.get('/sbin/init')).toMatchObject({ type: 'symlink', linkname: '/bin/busybox' });
      expect(b.fs.get('/boot/vmlinux')).toEqual(exampleFile('linux-qemu-busybox-rootfs', 'vmlinux'));
      expect(b.fs.get('/urunc.json')).toEqual(uruncJsonNode(uruncValues));
    });

    test("has the urunc labels, the base's Env (the setup's busybox sets PATH) and the CMD urunc runs in the guest", () => {
      const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
      expect(b.image.Config).toEqual({ Labels: uruncValues, Entrypoint: null, Cmd: ['/bin/cat', '/etc/app/motd'], Env: env, WorkingDir: '', User: '' });
      expectUruncImage(b);
    });
  });

  // The urunc tutorial cases as bunnyfiles (`docker build -f bunnyfile .`): bunny's paths, the same
  // metadata a Containerfile gives, and an initrd whose bytes are punch build's.
  describe('examples/bunnyfile-unikraft-nginx', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/.boot/kernel',
      [`${URUNC}cmdline`]: 'nginx -c /nginx/conf/nginx.conf',
      [`${URUNC}hypervisor`]: 'qemu',
      [`${URUNC}initrd`]: '/.boot/rootfs',
      [`${URUNC}mountRootfs`]: 'false',
      [`${URUNC}unikernelType`]: 'unikraft',
      [`${URUNC}unikernelVersion`]: '0.17.0',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('bunnyfile-unikraft-nginx', 'punch-e2e/examples:bunnyfile-unikraft-nginx', {}, 'bunnyfile');
    });

    test('holds the kernel, the initrd and /urunc.json, and nothing else', () => {
      const initrd = b.fs.get('/.boot/rootfs');
      expect(initrd).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/.boot/kernel': exampleFile('bunnyfile-unikraft-nginx', 'build/app-nginx_qemu-x86_64'),
          '/.boot/rootfs': initrd!,
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('the initrd lists the included file and its parents (GNU cpio), owned by root', () => {
      const archive = (b.fs.get('/.boot/rootfs') as { content: Buffer }).content;
      const r = spawnSync('cpio', ['-tv', '--quiet', '--numeric-uid-gid'], { input: archive });
      expect(r.status).toBe(0);
      const members = r.stdout.toString().trim().split('\n').map((l) => { const f = l.trim().split(/\s+/); return `${f[0]} ${f[2]}:${f[3]} ${f[f.length - 1]}`; });
      expect(members).toEqual(['drwxr-xr-x 0:0 nginx', 'drwxr-xr-x 0:0 nginx/conf', '-rw-r--r-- 0:0 nginx/conf/nginx.conf']);
    });

    test('the initrd bytes are the ones punch build writes', async () => {
      const dir = exampleContext('bunnyfile-unikraft-nginx', undefined, 'bunnyfile');
      const layout = join(dir, 'out');
      const r = await punch(['build', '-f', join(dir, 'bunnyfile'), dir, '-t', 'x:1', '--progress', 'quiet', '--output', `type=oci-layout,dest=${layout}`], { env: { SOURCE_DATE_EPOCH: '' } });
      expect(r.code, r.stderr).toBe(0);
      const embedded = fileContent(await umociRootfs(layout, '1'), '/.boot/rootfs');
      expect(embedded.equals((b.fs.get('/.boot/rootfs') as { content: Buffer }).content)).toBe(true);
    });

    test('has the urunc labels, CMD and the cmdline derived from it', () => {
      expect(b.image.Config).toMatchObject({ Labels: uruncValues, Entrypoint: null, Cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'] });
      expectUruncImage(b);
    });
  });

  describe('examples/bunnyfile-rumprun-redis', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/.boot/kernel',
      [`${URUNC}cmdline`]: 'redis-server /data/conf/redis.conf',
      [`${URUNC}hypervisor`]: 'hvt',
      [`${URUNC}mountRootfs`]: 'true',
      [`${URUNC}unikernelType`]: 'rumprun',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('bunnyfile-rumprun-redis', 'punch-e2e/examples:bunnyfile-rumprun-redis', {}, 'bunnyfile');
    });

    test('holds the unikernel, the included config file and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/.boot/kernel': exampleFile('bunnyfile-rumprun-redis', 'redis.hvt'),
          '/data/conf/redis.conf': exampleFile('bunnyfile-rumprun-redis', 'redis.conf'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('the legacy cmdline becomes Cmd; mountRootfs is true for the raw rootfs', () => {
      expect(b.image.Config).toMatchObject({ Labels: uruncValues, Entrypoint: null, Cmd: ['redis-server', '/data/conf/redis.conf'] });
      expectUruncImage(b);
    });
  });

  describe('examples/bunnyfile-linux-firecracker', () => {
    const uruncValues = {
      [`${URUNC}binary`]: '/.boot/kernel',
      [`${URUNC}cmdline`]: '/urunit /whoami',
      [`${URUNC}hypervisor`]: 'firecracker',
      [`${URUNC}initrd`]: '/.boot/rootfs',
      [`${URUNC}mountRootfs`]: 'false',
      [`${URUNC}unikernelType`]: 'linux',
    };
    let b: Built;
    beforeAll(async () => {
      b = await buildExample('bunnyfile-linux-firecracker', 'punch-e2e/examples:bunnyfile-linux-firecracker', {}, 'bunnyfile');
    });

    test('holds the kernel, the given initrd at /.boot/rootfs and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/.boot/kernel': exampleFile('bunnyfile-linux-firecracker', 'vmlinux'),
          '/.boot/rootfs': exampleFile('bunnyfile-linux-firecracker', 'rootfs.initrd'),
          '/urunc.json': uruncJsonNode(uruncValues),
        }),
      );
    });

    test('has the urunc labels and the cmdline as Cmd words', () => {
      expect(b.image.Config).toMatchObject({ Labels: uruncValues, Entrypoint: null, Cmd: ['/urunit', '/whoami'] });
      expectUruncImage(b);
    });
  });
});
