// Bunnyfiles beyond the examples, through the frontend (`docker build -f bunnyfile`) on every engine:
// a block rootfs used as given, and images as sources (a kernel taken from an image, an image's
// filesystem packed into the initrd), pulled from the loopback registry.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { imageInspect, imageRootfs, makeContext, onEachEngine, type ImageInspect, type Rootfs } from './engine.js';
import { URUNC, expectTree, fileNode, publishImage, punchBuildOk, syntaxLine, tree, uruncJsonNode } from './frontend-support.js';

interface Built {
  image: ImageInspect;
  fs: Rootfs;
  log: string;
}

async function buildBunnyfile(tag: string, bunnyfile: string, files: Record<string, string>): Promise<Built> {
  const context = makeContext({ bunnyfile: syntaxLine() + bunnyfile, ...files });
  const r = await punchBuildOk({ context, tag, file: 'bunnyfile' });
  const [image, fs] = await Promise.all([imageInspect(tag), imageRootfs(tag)]);
  return { image, fs, log: r.stdout + r.stderr + r.daemonLog };
}

/** `cpio -t` of an archive: its member names, in archive order. */
function cpioMembers(archive: Buffer): string[] {
  const r = spawnSync('cpio', ['-t', '--quiet'], { input: archive });
  expect(r.status).toBe(0);
  return r.stdout.toString().trim().split('\n');
}

onEachEngine(() => {
  describe('rootfs.type: block from a local file', () => {
    const values = {
      [`${URUNC}binary`]: '/.boot/kernel',
      [`${URUNC}blkMntPoint`]: '/data',
      [`${URUNC}block`]: '/.boot/rootfs',
      [`${URUNC}cmdline`]: 'app -v',
      [`${URUNC}hypervisor`]: 'hvt',
      [`${URUNC}mountRootfs`]: 'false',
      [`${URUNC}unikernelType`]: 'rumprun',
    };
    let b: Built;
    beforeAll(async () => {
      const bunnyfile = ['version: v0.1', 'platforms:', '  framework: rumprun', '  monitor: hvt', 'rootfs:', '  from: local', '  path: disk.img', '  type: block', 'kernel:', '  from: local', '  path: app.hvt', 'cmdline: "app -v"', ''].join('\n');
      b = await buildBunnyfile('punch-e2e/bunnyfile:block', bunnyfile, { 'app.hvt': 'rumprun kernel\n', 'disk.img': 'ext2 image bytes\n' });
    });

    test('holds the kernel, the block file as given and /urunc.json, and nothing else', () => {
      expect(tree(b.fs)).toEqual(
        expectTree({
          '/.boot/kernel': fileNode('rumprun kernel\n'),
          '/.boot/rootfs': fileNode('ext2 image bytes\n'),
          '/urunc.json': uruncJsonNode(values),
        }),
      );
    });

    test('names the block and its mount point for rumprun in the labels', () => {
      expect(b.image.Config).toMatchObject({ Labels: values, Cmd: ['app', '-v'] });
    });
  });

  describe('images as sources, pulled from the registry', () => {
    let kernelImage: string;
    let rootfsImage: string;
    beforeAll(async () => {
      kernelImage = await publishImage('punch-e2e/bunny-kernel:1', 'FROM scratch\nCOPY app.hvt /kernel/app.hvt\n', { 'app.hvt': 'kernel from an image\n' });
      rootfsImage = await publishImage('punch-e2e/bunny-rootfs:1', 'FROM scratch\nCOPY etc /etc\nCOPY bin /bin\n', { 'etc/hostname': 'guest\n', 'bin/init': '#!/bin/init\n' });
    });

    test('kernel.from an image under a raw rootfs: the kernel is copied from it to /.boot/kernel', async () => {
      const bunnyfile = ['version: v0.1', 'platforms:', '  framework: rumprun', '  monitor: hvt', 'rootfs:', '  from: scratch', '  type: raw', '  include:', '  - app.conf:/data/app.conf', 'kernel:', `  from: ${kernelImage}`, '  path: /kernel/app.hvt', 'cmdline: "app /data/app.conf"', ''].join('\n');
      const b = await buildBunnyfile('punch-e2e/bunnyfile:kernel-image', bunnyfile, { 'app.conf': 'setting=1\n' });
      expect(b.fs.get('/.boot/kernel')).toMatchObject({ type: 'file', content: Buffer.from('kernel from an image\n') });
      expect(b.fs.get('/data/app.conf')).toMatchObject({ type: 'file', content: Buffer.from('setting=1\n') });
      expect(b.image.Config?.Labels).toMatchObject({ [`${URUNC}binary`]: '/.boot/kernel', [`${URUNC}mountRootfs`]: 'true' });
    });

    test("rootfs.from an image with type initrd: the image's files are the initrd's members", async () => {
      const bunnyfile = ['version: v0.1', 'platforms:', '  framework: unikraft', '  monitor: qemu', 'rootfs:', `  from: ${rootfsImage}`, '  type: initrd', 'kernel:', '  from: local', '  path: kernel', 'cmd: ["/bin/init"]', ''].join('\n');
      const b = await buildBunnyfile('punch-e2e/bunnyfile:rootfs-image', bunnyfile, { kernel: 'unikraft kernel\n' });
      const initrd = b.fs.get('/.boot/rootfs') as { type: string; content: Buffer };
      expect(initrd.type).toBe('file');
      expect(cpioMembers(initrd.content)).toEqual(expect.arrayContaining(['bin', 'bin/init', 'etc', 'etc/hostname']));
      expect(b.image.Config?.Labels).toMatchObject({ [`${URUNC}initrd`]: '/.boot/rootfs', [`${URUNC}unikernelType`]: 'unikraft' });
    });
  });
});
