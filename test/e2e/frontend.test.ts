// The punch frontend on every engine (Docker 20.10's BuildKit v0.8; Docker 26 through buildx), driven by `docker build` options: -f with the
// context elsewhere, --build-arg, --target, --label, .dockerignore, several stages, an image base from
// the loopback registry, BUILDKIT_SYNTAX, and what the user sees when a build fails.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { e2e, imageInspect, imageRootfs, makeContext, onEachEngine } from './engine.js';
import {
  URUNC,
  buildError,
  buildErrorLines,
  decodeUruncJson,
  expectTree,
  fileNode,
  frontendLines,
  missingSourceError,
  publishImage,
  punchBuild,
  punchBuildOk,
  punchContext,
  punchStdout,
  solveError,
  syntaxLine,
  tree,
  uruncJsonNode,
} from './frontend-support.js';

const RUMPRUN = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;
const rumprunValues = (cmdline?: string) => ({
  [`${URUNC}binary`]: '/unikernel/app.hvt',
  ...(cmdline ? { [`${URUNC}cmdline`]: cmdline } : {}),
  [`${URUNC}hypervisor`]: 'hvt',
  [`${URUNC}unikernelType`]: 'rumprun',
});

onEachEngine((engine) => {
  describe('where the Containerfile and the context are', () => {
    test('-f names a Containerfile in another folder than the context', async () => {
      const context = makeContext({ 'app.hvt': 'app\n', 'unused.txt': 'unused\n' });
      const elsewhere = makeContext({ 'sub/Containerfile': `${syntaxLine()}FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}` });
      const tag = 'punch-e2e/frontend:file-elsewhere';
      await punchBuildOk({ context, file: join(elsewhere, 'sub', 'Containerfile'), tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });

    test('-f sub/Containerfile inside the context reads sources from the context root', async () => {
      const context = makeContext({
        'sub/Containerfile': `${syntaxLine()}FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`,
        'app.hvt': 'root app\n',
        'sub/app.hvt': 'sub app\n',
      });
      const tag = 'punch-e2e/frontend:file-sub';
      await punchBuildOk({ context, file: 'sub/Containerfile', tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('root app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });
  });

  describe('build options', () => {
    test('--build-arg sets an ARG used in a COPY source, a LABEL and ENV', async () => {
      const context = punchContext(
        `ARG FLAVOUR=small\nFROM scratch\nARG FLAVOUR\nCOPY app-\${FLAVOUR}.hvt /unikernel/app.hvt\nENV FLAVOUR=\${FLAVOUR}\nLABEL org.example.flavour=\${FLAVOUR}\n${RUMPRUN}`,
        { 'app-small.hvt': 'small\n', 'app-large.hvt': 'large\n' },
      );
      const tag = 'punch-e2e/frontend:build-arg';
      await punchBuildOk({ context, tag, buildArgs: { FLAVOUR: 'large' } });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('large\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
      const image = await imageInspect(tag);
      expect(image.Config.Env).toEqual(['FLAVOUR=large']);
      expect(image.Config.Labels).toEqual({ 'org.example.flavour': 'large', ...rumprunValues() });
    });

    test('--target builds the named stage and the stages it needs, not the later ones', async () => {
      const context = punchContext(
        [
          'FROM scratch AS parts',
          'COPY kernel.hvt /out/app.hvt',
          'FROM scratch AS release',
          'COPY --from=parts /out/app.hvt /unikernel/app.hvt',
          RUMPRUN.trimEnd(),
          'CMD ["serve"]',
          'FROM scratch AS broken',
          'COPY no-such-file /x',
          '',
        ].join('\n'),
        { 'kernel.hvt': 'kernel\n' },
      );
      const tag = 'punch-e2e/frontend:target';
      await punchBuildOk({ context, tag, target: 'release' });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('kernel\n'), '/urunc.json': uruncJsonNode(rumprunValues('serve')) }),
      );
      expect((await imageInspect(tag)).Config.Cmd).toEqual(['serve']);
    });

    test('--label adds a label and overrides a urunc label, in the config and in /urunc.json', async () => {
      const context = punchContext(`FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      const tag = 'punch-e2e/frontend:label';
      await punchBuildOk({ context, tag, labels: { 'org.example.team': 'kernel', [`${URUNC}hypervisor`]: 'spt' } });
      const values = { ...rumprunValues(), [`${URUNC}hypervisor`]: 'spt' };
      const [image, fs] = await Promise.all([imageInspect(tag), imageRootfs(tag)]);
      expect(image.Config.Labels).toEqual({ 'org.example.team': 'kernel', ...values });
      expect(decodeUruncJson(fs)).toEqual(values);
    });

    test('BUILDKIT_SYNTAX selects the frontend instead of #syntax=, and punch does not warn about it', async () => {
      const context = makeContext({ Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, 'app.hvt': 'app\n' });
      const tag = 'punch-e2e/frontend:buildkit-syntax';
      const r = await punchBuildOk({ context, tag, buildArgs: { BUILDKIT_SYNTAX: e2e().frontendImage } });
      expect(r.stderr).toContain('[punch] write /urunc.json');
      expect(frontendLines(r.daemonLog)).toBe('');
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });
  });

  describe('.dockerignore', () => {
    test('files it excludes are left out of a folder COPY', async () => {
      const context = punchContext(`FROM scratch\nCOPY app/ /unikernel/\n${RUMPRUN}`, {
        '.dockerignore': '# build leftovers\napp/*.o\n',
        'app/app.hvt': 'app\n',
        'app/main.o': 'object\n',
      });
      const tag = 'punch-e2e/frontend:dockerignore-folder';
      await punchBuildOk({ context, tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });

    test('<file>.dockerignore next to the Containerfile wins over the context’s .dockerignore', async () => {
      const context = makeContext({
        'build/Containerfile': `${syntaxLine()}FROM scratch\nCOPY app/ /unikernel/\n${RUMPRUN}`,
        'build/Containerfile.dockerignore': 'app/*.o\n',
        '.dockerignore': 'app/*.hvt\n',
        'app/app.hvt': 'app\n',
        'app/main.o': 'object\n',
      });
      const tag = 'punch-e2e/frontend:dockerignore-own';
      await punchBuildOk({ context, file: 'build/Containerfile', tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });

    test('a COPY of an excluded file fails and says that .dockerignore excludes it', async () => {
      const context = punchContext(`FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, {
        '.dockerignore': '*.hvt\n',
        'app.hvt': 'app\n',
      });
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:dockerignore-copy' });
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toContain('transferring context: 4B'); // app.hvt never left the client
      expect(buildError(r)).toBe(
        solveError(
          'Containerfile:3:6: error: COPY source app.hvt is excluded by the .dockerignore pattern "*.hvt", so it is not sent to the builder: ' +
            'remove it from .dockerignore or stop copying it',
        ),
      );
    });
  });

  describe('several stages and image bases', () => {
    test('COPY --from takes files from an earlier stage, whose own files stay out of the image', async () => {
      const context = punchContext(
        [
          'FROM scratch AS build',
          'COPY app.hvt /build/out/app.hvt',
          'COPY notes.txt /build/notes.txt',
          'FROM scratch',
          'COPY --from=build /build/out/ /unikernel/',
          RUMPRUN.trimEnd(),
          '',
        ].join('\n'),
        { 'app.hvt': 'app\n', 'notes.txt': 'notes\n' },
      );
      const tag = 'punch-e2e/frontend:multi-stage';
      await punchBuildOk({ context, tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(rumprunValues()) }),
      );
    });

    test('an image base from the registry: its files, Env and labels are inherited', async () => {
      const base = await publishImage(
        'punch-e2e/rumprun-base:1',
        `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nENV RUMP_VERBOSE=1\nLABEL org.example.base=rumprun ${URUNC}hypervisor=hvt\n`,
        { 'app.hvt': 'base app\n' },
      );
      const context = punchContext(
        `FROM ${base}\nCOPY app.conf /etc/app.conf\nENV MODE=prod\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun\n`,
        { 'app.conf': 'conf\n' },
      );
      const tag = 'punch-e2e/frontend:image-base';
      await punchBuildOk({ context, tag });
      expect(tree(await imageRootfs(tag))).toEqual(
        expectTree({
          '/unikernel/app.hvt': fileNode('base app\n'),
          '/etc/app.conf': fileNode('conf\n'),
          '/urunc.json': uruncJsonNode(rumprunValues()),
        }),
      );
      const image = await imageInspect(tag);
      // Docker's own frontend gives an image built FROM scratch this PATH; punch inherits it as it is.
      expect(image.Config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'RUMP_VERBOSE=1', 'MODE=prod']);
      expect(image.Config.Labels).toEqual({ 'org.example.base': 'rumprun', ...rumprunValues() });
    });
  });

  describe('failures the user sees in docker build output', () => {
    test('an unknown instruction: file, line and column, and a non-zero exit', async () => {
      const context = punchContext(`FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nFOO bar\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:invalid' });
      expect(r.code).toBe(1);
      expect(buildError(r)).toBe(solveError('Containerfile:4:1: error: unknown instruction: FOO'));
    });

    test('an invalid urunc label value: its position and a suggestion', async () => {
      const context = punchContext(
        `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvtt\n`,
        { 'app.hvt': 'app\n' },
      );
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:invalid-label' });
      expect(r.code).toBe(1);
      expect(buildError(r).startsWith(solveError('Containerfile:4:'))).toBe(true);
      expect(buildError(r)).toMatch(/Containerfile:4:\d+: error: .*"hvtt".*did you mean "hvt"/);
    });

    test('a Containerfile without FROM: every error, one per line, in file order', async () => {
      const context = punchContext(`COPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:no-from' });
      expect(r.code).toBe(1);
      expect(buildErrorLines(r, 3)).toEqual([
        solveError('Containerfile:1:1: error: no FROM instruction: a Containerfile needs at least one stage (FROM scratch or FROM <image>)'),
        'Containerfile:2:1: error: COPY comes before the first FROM: only ARG may appear there',
        'Containerfile:3:1: error: LABEL comes before the first FROM: only ARG may appear there',
      ]);
    });

    test('a labelled binary that the build does not produce: the message names the path', async () => {
      const context = punchContext(`FROM scratch\nCOPY *.hvt /unikernel/\n${RUMPRUN}`, { 'other.hvt': 'other\n' });
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:missing-artifact' });
      expect(r.code).toBe(1);
      expect(buildError(r)).toBe(
        solveError('Containerfile:4:7: error: com.urunc.unikernel.binary names /unikernel/app.hvt, but the built image has no such file: COPY it there or fix the path'),
      );
    });

    test('a COPY source missing from the context fails with BuildKit’s message naming it', async () => {
      const context = punchContext(`FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`);
      const r = await punchBuild({ context, tag: 'punch-e2e/frontend:missing-source' });
      expect(r.code).toBe(1);
      expect(buildError(r)).toMatch(missingSourceError('/app.hvt'));
    });
  });

  describe("large messages over the frontend's own HTTP/2 client", () => {
    test('a 1 MiB Containerfile read back, a 350 KiB definition solved and a 1 MiB label returned, all intact', async () => {
      // Each crosses BuildKit's 64 KiB initial flow-control window and 16 KiB frames: the ReadFile
      // answer (the Containerfile), the Solve request (its /urunc.json carries the 264 KiB cmdline,
      // base64) and the Return request (the config with both labels).
      //
      // The 300 context files travel as one folder source, not as 300 sources of one COPY: BuildKit
      // v0.8 (Docker 20.10) fails a file op with many sources on a busy machine with
      // `flightcontrol: exceeded retry timeout` (moby/buildkit#1822, a BuildKit bug, not a message
      // size matter). Measured on the 2-core CI machine with `stress-ng --cpu 2`: one COPY of 300 or
      // 200 files failed 3 builds of 3, 100 files 1 of 3, 50 files 0 of 7, 20 files 0 of 4, and one
      // folder of the same 300 files 0 of 3; 200 sources failed even without stress-ng while other
      // builds ran. Keep a COPY under 50 sources in e2e tests.
      const count = 300;
      const big = 'x'.repeat(1 << 20);
      // 264 KiB of cmdline: base64 in /urunc.json makes the Definition over 350 KiB.
      const cmdline = Array.from({ length: (264 << 10) / 4 }, (_, i) => `a${i % 10}x`).join(' ');
      const containerfile = `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nCOPY s/ /d/\nLABEL org.example.big=${big}\nLABEL ${URUNC}cmdline="${cmdline}"\n${RUMPRUN}`;
      const context = punchContext(containerfile, {
        'app.hvt': 'app\n',
        ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`s/f${i}`, `${i}\n`])),
      });
      expect(Buffer.byteLength(containerfile)).toBeGreaterThan(1 << 20);
      // The frontend solves the Definition `punch llb` prints (frontend-llb.test.ts shows they match).
      expect((await punchStdout(['llb', '-f', 'Containerfile', '.'], context)).length).toBeGreaterThan(350 << 10);
      const tag = 'punch-e2e/frontend:large-messages';
      await punchBuildOk({ context, tag });
      const image = await imageInspect(tag);
      expect(image.Config.Labels['org.example.big']).toBe(big);
      expect(image.Config.Cmd).toEqual(cmdline.split(' '));
      const fs = await imageRootfs(tag);
      expect(decodeUruncJson(fs)[`${URUNC}cmdline`]).toBe(cmdline);
      const files = tree(fs);
      expect(Object.keys(files).filter((p) => p.startsWith('/d/')).length).toBe(count);
      expect(files['/d/f299']).toEqual(fileNode('299\n'));
      expect(files['/unikernel/app.hvt']).toEqual(fileNode('app\n'));
    });
  });
});
