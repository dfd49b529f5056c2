// RUN through the punch frontend on every engine, from the busybox base the setup pushes (nothing is
// pulled): a build stage whose RUN makes the kernel a scratch image copies, the same file and config
// Docker's own Dockerfile frontend makes, a failing command and `--network=none`.
import { describe, expect, test } from 'vitest';
import { e2e, imageInspect, imageRootfs, makeContext, onEachEngine, type FsNode } from './engine.js';
import { URUNC, buildError, expectTree, fileNode, punchBuild, punchBuildOk, punchContext, tree, uruncJsonNode } from './frontend-support.js';

const busybox = (): string => e2e().busyboxImage;
/** punch needs urunc labels on the image it makes; for a busybox image, busybox plays the kernel. */
const LABELS = `LABEL ${URUNC}binary=/bin/busybox ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

const rumprun = {
  [`${URUNC}binary`]: '/unikernel/kernel',
  [`${URUNC}hypervisor`]: 'hvt',
  [`${URUNC}unikernelType`]: 'rumprun',
};

/** A build stage whose shell-form RUN writes the "kernel" from an ARG and an ENV; a scratch image copies it. */
const kernelStages = (): string =>
  [
    `FROM ${busybox()} AS build`,
    'WORKDIR /src',
    'ARG FLAVOUR=small',
    'ENV GREETING=hello',
    'RUN echo "$GREETING $FLAVOUR kernel" > kernel && chmod 0755 kernel',
    'FROM scratch',
    'COPY --from=build /src/kernel /unikernel/kernel',
    `LABEL ${Object.entries(rumprun).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    'CMD ["serve", "--port", "80"]',
    '',
  ].join('\n');

/** A single busybox stage with the config RUN sees and leaves: ENV, WORKDIR, RUN as root and as a user. */
const configStage = (): string =>
  [
    `FROM ${busybox()}`,
    'ENV MODE=release LEVEL=3',
    'WORKDIR /work',
    'RUN echo "$MODE $LEVEL $(pwd)" > out.txt && chmod 0640 out.txt',
    'USER 1000:1000',
    'RUN id -u > /tmp/uid',
    LABELS,
  ].join('\n');

const pick = (fs: Map<string, FsNode>, paths: readonly string[]): Record<string, FsNode | undefined> =>
  Object.fromEntries(paths.map((p) => [p, fs.get(p)]));

onEachEngine((engine) => {
  describe('RUN in a build stage', () => {
    test('a shell-form RUN writes a kernel from ARG and ENV values that a scratch image copies', async () => {
      const tag = `punch-e2e/run:kernel-${engine.name}`;
      await punchBuildOk({ context: punchContext(kernelStages()), tag, buildArgs: { FLAVOUR: 'large' } });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/kernel': fileNode('hello large kernel\n', 0o755), '/urunc.json': uruncJsonNode({ ...rumprun, [`${URUNC}cmdline`]: 'serve --port 80' }) }),
      );
      expect((await imageInspect(tag)).Config.Cmd).toEqual(['serve', '--port', '80']);
    });

    test("Docker's own Dockerfile frontend makes the same kernel bytes from the same file", async () => {
      const punchTag = `punch-e2e/run:kernel-punch-${engine.name}`;
      const dockerTag = `punch-e2e/run:kernel-docker-${engine.name}`;
      await punchBuildOk({ context: punchContext(kernelStages()), tag: punchTag });
      await engine.build({ context: makeContext({ Dockerfile: kernelStages() }), tag: dockerTag, check: true });
      const kernel = (await imageRootfs(punchTag)).get('/unikernel/kernel');
      expect(kernel).toEqual(fileNode('hello small kernel\n', 0o755));
      expect((await imageRootfs(dockerTag)).get('/unikernel/kernel')).toEqual(kernel);
    });
  });

  describe('RUN in the final stage, as Docker does it', () => {
    test("ENV, WORKDIR and USER reach the config and RUN's files as with Docker's own frontend", async () => {
      const punchTag = `punch-e2e/run:config-punch-${engine.name}`;
      const dockerTag = `punch-e2e/run:config-docker-${engine.name}`;
      await punchBuildOk({ context: punchContext(configStage()), tag: punchTag });
      await engine.build({ context: makeContext({ Dockerfile: configStage() }), tag: dockerTag, check: true });
      const [ours, theirs] = [await imageInspect(punchTag), await imageInspect(dockerTag)];
      expect(ours.Config.Env).toEqual(theirs.Config.Env);
      expect(ours.Config.WorkingDir).toBe('/work');
      expect(theirs.Config.WorkingDir).toBe('/work');
      expect(ours.Config.User).toBe('1000:1000');
      expect(theirs.Config.User).toBe('1000:1000');
      const paths = ['/work', '/work/out.txt', '/tmp/uid'];
      const files = pick(await imageRootfs(punchTag), paths);
      expect(files['/work/out.txt']).toEqual(fileNode('release 3 /work\n', 0o640));
      expect(files['/tmp/uid']).toEqual(fileNode('1000\n', 0o644, 1000, 1000));
      expect(files).toEqual(pick(await imageRootfs(dockerTag), paths));
    });
  });

  describe('RUN failures and options', () => {
    test('a RUN whose command exits 3 fails the build, naming its line, the command and its exit code', async () => {
      const text = `FROM ${busybox()}\nRUN echo fine > /fine\nRUN echo before-the-failure && exit 3\n${LABELS}`;
      const r = await punchBuild({ context: punchContext(text), tag: `punch-e2e/run:fails-${engine.name}` });
      expect(r.code).not.toBe(0);
      // Line 1 is the #syntax line: the failing RUN is on line 4.
      expect(buildError(r)).toContain('Containerfile:4:1: RUN echo before-the-failure && exit 3: ');
      expect(buildError(r)).toContain('/bin/sh -c echo before-the-failure && exit 3');
      expect(buildError(r)).toMatch(/exit code: 3$/);
      // The command's output, as the engine shows it (v0.8 in the progress log; buildx also before the error).
      expect(r.stderr).toContain('before-the-failure\n');
      // buildx prints the excerpt of the failing line from the source map the frontend sends.
      if (engine.info.buildx) expect(r.stderr).toContain('>>> RUN echo before-the-failure && exit 3');
    });

    test('RUN --network=none sees only the loopback interface', async () => {
      const tag = `punch-e2e/run:network-none-${engine.name}`;
      await punchBuildOk({ context: punchContext(`FROM ${busybox()}\nRUN --network=none ls /sys/class/net > /net.txt\n${LABELS}`), tag });
      expect((await imageRootfs(tag)).get('/net.txt')).toEqual(fileNode('lo\n'));
    });

  });
});
