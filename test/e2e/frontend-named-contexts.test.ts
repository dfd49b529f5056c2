// `docker buildx build --build-context` through the punch frontend on Docker 26 (buildx 0.13.1): buildx
// sends context:NAME opts (and asks for the moby.buildkit.frontend.contexts cap, which the image
// advertises); a directory is sent through the session like the main context, with its own
// .dockerignore; docker-image:// replaces the FROM image of that name. Docker 20.10's client has no
// --build-context (and its build API carries no context:NAME opts): the test there shows that.
import { expect, test } from 'vitest';
import { dockerBuild, e2e, imageRootfs, makeContext, onEachEngine } from './engine.js';
import { URUNC, punchBuildOk, punchContext, tree } from './frontend-support.js';

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
}, (e) => e.info.buildx);

onEachEngine(() => {
  test("Docker 20.10's docker build has no --build-context: the client refuses it before any build", async () => {
    const context = punchContext(`FROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${LABELS}`);
    const r = await dockerBuild({ context, file: 'Containerfile', tag: 'punch-e2e/named:v20', extraArgs: ['--build-context', `kernel=${makeContext({})}`] });
    expect([r.code, r.stderr.trim().split('\n')[0]]).toEqual([125, 'unknown flag: --build-context']);
  });
}, (e) => !e.info.buildx);
