// `punch llb` bytes solved by BuildKit as they are, the way `punch llb | buildctl build --local
// context=.` would (no buildctl is packaged for Debian: see llb-frontend.ts), on every engine. The
// image BuildKit makes from them holds the same files and config as the frontend's build of the
// same example, and exactly the files the example asks for plus /urunc.json.
import { describe, expect, test } from 'vitest';
import { imageInspect, imageRootfs, onEachEngine } from './engine.js';
import { exampleContext, punchBuildOk, tree } from './frontend-support.js';
import { llbBuild } from './llb-frontend.js';

const EXAMPLES = ['unikraft-qemu-nginx', 'rumprun-hvt-redis', 'linux-firecracker-block'];

onEachEngine(() => {
  describe.each(EXAMPLES)('examples/%s', (example) => {
    test('the image BuildKit solves from `punch llb` equals the frontend-built one: files, labels, command', async () => {
      const context = exampleContext(example);
      const fromLlb = `punch-e2e/llb-solve:${example}`;
      const fromFrontend = `punch-e2e/llb-solve:${example}-frontend`;
      const r = await llbBuild(context, fromLlb, ['-f', 'Containerfile']);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      await punchBuildOk({ context, tag: fromFrontend });
      const [a, b] = await Promise.all([imageInspect(fromLlb), imageInspect(fromFrontend)]);
      expect(a.Config).toEqual(b.Config);
      expect(Object.keys(a.Config.Labels).length).toBeGreaterThan(0);
      const [fa, fb] = await Promise.all([imageRootfs(fromLlb), imageRootfs(fromFrontend)]);
      expect(tree(fa)).toEqual(tree(fb));
      expect(fa.has('/urunc.json')).toBe(true);
    });
  });
});
