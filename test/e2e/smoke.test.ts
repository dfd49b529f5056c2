// Proves the e2e harness itself: the private dockerd builds with BuildKit, images can be read back
// file by file, and the punch frontend image sits in the loopback registry as BuildKit needs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { docker, dockerBuild, e2e, imageInspect, imageRootfs, makeContext, skopeo, type Rootfs } from './engine.js';

describe('a plain Dockerfile built with the built-in frontend', () => {
  const tag = 'punch-e2e/smoke:plain';

  beforeAll(async () => {
    const context = makeContext({
      Dockerfile: 'FROM scratch\nCOPY hello.txt /greeting/hello.txt\nLABEL org.example.kind="smoke"\n',
      'hello.txt': 'hello\n',
    });
    await dockerBuild({ context, tag, labels: { 'org.example.extra': 'yes' }, check: true });
  });

  test('its filesystem holds exactly the copied file and its parent folder', async () => {
    const fs = await imageRootfs(tag);
    expect([...fs.keys()].sort()).toEqual(['/greeting', '/greeting/hello.txt']);
    expect(fs.get('/greeting/hello.txt')).toEqual({ type: 'file', mode: 0o644, uid: 0, gid: 0, content: Buffer.from('hello\n') });
    expect(fs.get('/greeting')).toEqual({ type: 'dir', mode: 0o755, uid: 0, gid: 0 });
  });

  test('its config has the LABEL and the --label labels', async () => {
    const image = await imageInspect(tag);
    expect(image.Config.Labels).toEqual({ 'org.example.kind': 'smoke', 'org.example.extra': 'yes' });
    expect(image.Os).toBe('linux');
  });
});

describe('an image whose RUN step deletes files of a lower layer', () => {
  const tag = 'punch-e2e/smoke:whiteout';

  test('reads back without the deleted file and folder', async () => {
    const context = makeContext({
      Dockerfile: [
        `FROM ${e2e().nodeImage}`,
        'COPY data/ /data/',
        `RUN ["node", "-e", "const fs = require('fs'); fs.rmSync('/data/gone.txt'); fs.rmSync('/data/sub', { recursive: true })"]`,
        '',
      ].join('\n'),
      'data/kept.txt': 'kept\n',
      'data/gone.txt': 'gone\n',
      'data/sub/deep.txt': 'deep\n',
    });
    await dockerBuild({ context, tag, check: true });
    const data = [...(await imageRootfs(tag)).keys()].filter((k) => k.startsWith('/data')).sort();
    expect(data).toEqual(['/data', '/data/kept.txt']);
  });
});

describe('the punch frontend image', () => {
  test('is in the loopback registry with the frontend labels and entrypoint', async () => {
    const r = await skopeo(['inspect', '--config', '--tls-verify=false', `docker://${e2e().frontendImage}`], { check: true });
    const config = JSON.parse(r.stdout) as { config: { Labels: Record<string, string>; Entrypoint: string[] } };
    expect(config.config.Labels).toEqual({
      'moby.buildkit.frontend.network.none': 'true',
      'moby.buildkit.frontend.caps': 'moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.inputs',
    });
    expect(config.config.Entrypoint).toEqual(['node', '/punch/punch.cjs', 'frontend']);
  });

  test('adds only /punch/punch.cjs, the built bundle, its compile cache and a punch link on PATH to its Node base', async () => {
    const { frontendImage, nodeImage, repoRoot } = e2e();
    const [frontend, base] = await Promise.all([imageRootfs(frontendImage), imageRootfs(nodeImage)]);
    // The RUN that bakes the cache leaves runc's empty mount points where the (imported) base has none.
    const runStubs = ['/dev', '/etc', '/proc', '/sys'];
    const paths = added(frontend, base).filter((p) => !(runStubs.includes(p) && frontend.get(p)?.type === 'dir'));
    expect(paths.filter((p) => !p.startsWith('/punch/cache/'))).toEqual(['/punch', '/punch/cache', '/punch/punch.cjs', '/usr/local/bin/punch']);
    expect(frontend.get('/usr/local/bin/punch')).toMatchObject({ type: 'symlink', linkname: '/punch/punch.cjs' });
    expect(paths.filter((p) => p.startsWith('/punch/cache/'))).toEqual([
      expect.stringMatching(new RegExp(`^/punch/cache/[0-9.]+-[0-9a-f]{16}-${process.version}-${process.arch}-frontend\\.v8cache$`)),
    ]);
    const bundle = frontend.get('/punch/punch.cjs');
    expect(bundle?.type === 'file' ? bundle.content : undefined).toEqual(readFileSync(join(repoRoot, 'dist', 'punch.cjs')));
  });

  // The budget: the minified bundle (~0.7 MiB) and V8's code cache of it (~1.9 MiB, which grows with the
  // code it caches), small beside the Node base itself.
  test('adds less than 3 MiB to its Node base', async () => {
    const { frontendImage, nodeImage } = e2e();
    const [frontend, base] = await Promise.all([imageInspect(frontendImage), imageInspect(nodeImage)]);
    expect(frontend.Size - base.Size).toBeLessThan(3 * 1024 * 1024);
  });

  test('starts from its baked compile cache (V8 accepts it)', async () => {
    const r = await docker(['run', '--rm', '--network', 'none', '-e', 'PUNCH_COMPILE_CACHE_REPORT=1', e2e().frontendImage]);
    expect(r.stderr).toMatch(/^punch: compile cache hit: \/punch\/cache\/\S+-frontend\.v8cache$/m);
  });

  test('runs node from its base: the Node base image works as a container', async () => {
    const r = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', e2e().frontendImage, '-e', 'console.log(process.version)']);
    expect(r).toMatchObject({ code: 0, stdout: `${process.version}\n` });
  });
});

function added(image: Rootfs, base: Rootfs): string[] {
  return [...image.keys()].filter((k) => !base.has(k)).sort();
}
