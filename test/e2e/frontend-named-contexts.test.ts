// `docker buildx build --build-context` through the punch frontend on Docker 26 (buildx 0.13.1): buildx
// sends context:NAME opts (and asks for the moby.buildkit.frontend.contexts cap, which the image
// advertises); a directory is sent through the session like the main context, with its own
// .dockerignore; docker-image:// replaces the FROM image of that name; a git URL or an http(s) URL is
// fetched by BuildKit (a repository served by `git http-backend` on loopback, a file beside it).
// Docker 20.10's client has no --build-context (and its build API carries no context:NAME opts): the
// test there shows that.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { docker, dockerBuild, e2e, imageInspect, imageRootfs, makeContext, onEachEngine } from './engine.js';
import { URUNC, punchBuildOk, punchContext, syntaxLine, tree } from './frontend-support.js';
import { makeGitRepo, startRemoteServer, type RemoteServer } from './remote-server.js';

const LABELS = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

onEachEngine(() => {
  test('kernel=<dir>: COPY --from=kernel reads that directory, without what its own .dockerignore excludes', async () => {
    const kernel = makeContext({ 'app.hvt': 'kernel from the named context\n', 'notes.txt': 'not wanted\n', '.dockerignore': 'notes.txt\n' });
    const context = punchContext(`FROM scratch\nCOPY --from=kernel . /unikernel/\n${LABELS}`, { 'app.hvt': 'the main context\n' });
    await punchBuildOk({ context, tag: 'punch-e2e/named:dir', extraArgs: ['--build-context', `kernel=${kernel}`] });
    const files = tree(await imageRootfs('punch-e2e/named:dir'));
    expect(Object.keys(files).filter((p) => p.startsWith('/unikernel/')).sort()).toEqual(['/unikernel/.dockerignore', '/unikernel/app.hvt']);
    expect(files['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('kernel from the named context\n') });
  });

  test('alpine=docker-image://<busybox>: FROM alpine builds on the loopback registry busybox image', async () => {
    const context = punchContext(`FROM alpine\nCOPY app.hvt /unikernel/app.hvt\n${LABELS}`, { 'app.hvt': 'app\n' });
    await punchBuildOk({ context, tag: 'punch-e2e/named:image', extraArgs: ['--build-context', `alpine=docker-image://${e2e().busyboxImage}`] });
    const files = tree(await imageRootfs('punch-e2e/named:image'));
    expect(files['/bin/busybox']).toBeDefined();
    expect(files['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('app\n') });
  });

  test('a stage of the context\'s name is replaced: its RUN never runs', async () => {
    const kernel = makeContext({ 'app.hvt': 'prebuilt\n' });
    const context = punchContext(`FROM alpine AS kernel\nRUN exit 1\nFROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${LABELS}`);
    await punchBuildOk({ context, tag: 'punch-e2e/named:stage', extraArgs: ['--build-context', `kernel=${kernel}`] });
    expect(tree(await imageRootfs('punch-e2e/named:stage'))['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('prebuilt\n') });
  });

  test("bake's target: context: COPY --from and FROM read the other target's result, with its image config", async () => {
    const dir = makeContext({
      'Dockerfile.kernel': `FROM ${e2e().busyboxImage}\nENV KERNEL_FLAVOUR=tiny\nCOPY app.hvt /out/app.hvt\n`,
      Containerfile: `${syntaxLine()}FROM kernel\nCOPY --from=kernel /out/app.hvt /unikernel/app.hvt\n${LABELS}`,
      'app.hvt': 'kernel from the bake target\n',
      'docker-bake.hcl': [
        'target "kernel" {\n  dockerfile = "Dockerfile.kernel"\n}',
        'target "app" {\n  dockerfile = "Containerfile"\n  contexts = { kernel = "target:kernel" }\n  tags = ["punch-e2e/named:bake"]\n}',
      ].join('\n'),
    });
    const r = await docker(['buildx', 'bake', '--progress=plain', 'app'], { cwd: dir, timeoutMs: 300_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const files = tree(await imageRootfs('punch-e2e/named:bake'));
    expect(files['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('kernel from the bake target\n') });
    expect(files['/bin/busybox']).toBeDefined();
    expect((await imageInspect('punch-e2e/named:bake')).Config.Env).toContain('KERNEL_FLAVOUR=tiny');
  });

  describe('remote named contexts', () => {
    let server: RemoteServer;
    beforeAll(async () => {
      const root = join(e2e().scratchDir, `named-remote-${process.pid}-${Date.now()}`);
      mkdirSync(root, { recursive: true });
      makeGitRepo(root, 'kernel', 'main', { v1: { 'out/app.hvt': 'kernel v1\n' }, v2: { 'out/app.hvt': 'kernel v2\n' } });
      writeFileSync(join(root, 'app.hvt'), 'downloaded kernel\n');
      server = await startRemoteServer(root);
    });
    afterAll(async () => {
      await server?.close();
    });

    test("kernel=<git URL>#v1:out: COPY --from=kernel reads that directory of the tag's checkout", async () => {
      const context = punchContext(`FROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${LABELS}`, { 'app.hvt': 'the main context\n' });
      const r = await punchBuildOk({ context, tag: 'punch-e2e/named:git', extraArgs: ['--build-context', `kernel=${server.url}/kernel.git#v1:out`] });
      expect(r.stderr).toContain(`load git source ${server.url}/kernel.git#v1:out`);
      expect(tree(await imageRootfs('punch-e2e/named:git'))['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('kernel v1\n') });
    });

    test('kernel=<http URL>: the download is one file named context', async () => {
      const context = punchContext(`FROM scratch\nCOPY --from=kernel context /unikernel/app.hvt\n${LABELS}`);
      const r = await punchBuildOk({ context, tag: 'punch-e2e/named:http', extraArgs: ['--build-context', `kernel=${server.url}/app.hvt`] });
      expect(r.stderr).toContain(`[context kernel] ${server.url}/app.hvt`);
      expect(tree(await imageRootfs('punch-e2e/named:http'))['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('downloaded kernel\n') });
    });
  });
}, (e) => e.info.buildx);

onEachEngine(() => {
  test("Docker 20.10's docker build has no --build-context: the client refuses it before any build", async () => {
    const context = punchContext(`FROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${LABELS}`);
    const r = await dockerBuild({ context, file: 'Containerfile', tag: 'punch-e2e/named:v20', extraArgs: ['--build-context', `kernel=${makeContext({})}`] });
    expect([r.code, r.stderr.trim().split('\n')[0]]).toEqual([125, 'unknown flag: --build-context']);
  });
}, (e) => !e.info.buildx);
