// `punch llb` bytes solved by BuildKit as they are, the way `punch llb | buildctl build --local
// context=.` would (no buildctl is packaged for Debian: see llb-frontend.ts), on every engine. The
// image BuildKit makes from them holds the same files and config as the frontend's build of the
// same example, the files urunc's labels name among them, and /urunc.json. Bunnyfiles too: an
// initrd built from rootfs.include is an ExecOp of `punch initrd` on the tools image `punch llb`
// picks from the #syntax= line (here the frontend image under test, in the loopback registry), so
// BuildKit runs it and the archive's bytes must be the frontend build's.
import { describe, expect, test } from 'vitest';
import { imageInspect, imageRootfs, onEachEngine } from './engine.js';
import { URUNC, exampleContext, punchBuildOk, tree } from './frontend-support.js';
import { llbBuild } from './llb-frontend.js';

// [example, its build file]
const EXAMPLES: ReadonlyArray<readonly [string, 'Containerfile' | 'bunnyfile']> = [
  ['unikraft-qemu-nginx', 'Containerfile'],
  ['rumprun-hvt-redis', 'Containerfile'],
  ['linux-firecracker-block', 'Containerfile'],
  // rootfs.type initrd from rootfs.include: the initrd step's ExecOp on the tools image.
  ['bunnyfile-unikraft-nginx', 'bunnyfile'],
  // rootfs.type raw: the included file copied in, mountRootfs=true.
  ['bunnyfile-rumprun-redis', 'bunnyfile'],
  // rootfs.type initrd from a local file: copied as it is, no ExecOp.
  ['bunnyfile-linux-firecracker', 'bunnyfile'],
];

onEachEngine(() => {
  describe.each(EXAMPLES)('examples/%s/%s', (example, file) => {
    test('the image BuildKit solves from `punch llb` equals the frontend-built one: files, labels, command', async () => {
      const context = exampleContext(example, undefined, file);
      const fromLlb = `punch-e2e/llb-solve:${example}`;
      const fromFrontend = `punch-e2e/llb-solve:${example}-frontend`;
      const r = await llbBuild(context, fromLlb, ['-f', file]);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      await punchBuildOk({ context, tag: fromFrontend, file });
      const [a, b] = await Promise.all([imageInspect(fromLlb), imageInspect(fromFrontend)]);
      expect(a.Config).toEqual(b.Config);
      const [fa, fb] = await Promise.all([imageRootfs(fromLlb), imageRootfs(fromFrontend)]);
      expect(tree(fa)).toEqual(tree(fb));
      // Not two empty images alike: the kernel, initrd or block the labels name is a file in it.
      const named = ['binary', 'initrd', 'block'].flatMap((k) => a.Config.Labels[`${URUNC}${k}`] ?? []);
      expect(named.length).toBeGreaterThan(0);
      for (const path of ['/urunc.json', ...named]) expect(fa.get(path)?.type, path).toBe('file');
    });
  });
});
