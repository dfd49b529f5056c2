// Remote build contexts through the punch frontend: `docker build <url>` where the URL is a git
// repository (smart HTTP, served by `git http-backend` on loopback) or an HTTP download (a tarball, or
// the Containerfile itself). The Containerfile comes from the remote context, and its #syntax= line
// selects punch; the image must hold the files of the ref or archive asked for.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { daemonLog, docker, e2e, imageInspect, imageRootfs, onEachEngine, type RunResult } from './engine.js';
import { URUNC, expectTree, fileNode, frontendLines, syntaxLine, tree, uruncJsonNode } from './frontend-support.js';
import { makeGitRepo, startRemoteServer, type RemoteServer } from './remote-server.js';

const VALUES = {
  [`${URUNC}binary`]: '/unikernel/app.hvt',
  [`${URUNC}hypervisor`]: 'hvt',
  [`${URUNC}unikernelType`]: 'rumprun',
};
const LABELS = `LABEL ${Object.entries(VALUES).map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
const containerfile = (): string => `${syntaxLine()}FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${LABELS}`;

let server: RemoteServer;

beforeAll(async () => {
  const root = join(e2e().scratchDir, `remote-${process.pid}-${Date.now()}`);
  mkdirSync(root, { recursive: true });
  // Tag v1 and v2 differ in app.hvt; v2 adds a subdirectory with its own Containerfile and kernel.
  makeGitRepo(root, 'repo', 'main', {
    v1: { Containerfile: containerfile(), 'app.hvt': 'app v1\n' },
    v2: { Containerfile: containerfile(), 'app.hvt': 'app v2\n', 'guest/Containerfile': containerfile(), 'guest/app.hvt': 'guest app\n' },
  });
  const tarDir = join(root, 'tar');
  mkdirSync(tarDir);
  writeFileSync(join(tarDir, 'Containerfile'), containerfile());
  writeFileSync(join(tarDir, 'app.hvt'), 'app from the tarball\n');
  execFileSync('tar', ['-C', tarDir, '--owner=0', '--group=0', '-czf', join(root, 'ctx.tar.gz'), 'Containerfile', 'app.hvt']);
  // A download that is no archive is the build file, and the context is that one file, named `context`.
  writeFileSync(join(root, 'Containerfile'), `${syntaxLine()}FROM scratch\nCOPY context /unikernel/app.hvt\n${LABELS}`);
  server = await startRemoteServer(root);
});

afterAll(async () => {
  await server?.close();
});

/** `docker build -f Containerfile <url>` (buildx on Docker 26), from no directory at all. */
async function remoteBuild(url: string, tag: string, extra: readonly string[] = []): Promise<RunResult> {
  const before = daemonLog().length;
  const r = await docker(['build', '--progress=plain', '-f', 'Containerfile', '-t', tag, ...extra, url], { cwd: e2e().scratchDir, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`docker build ${url} failed (${r.code}):\n${r.stderr.slice(-4000)}\n--- daemon log ---\n${frontendLines(daemonLog().slice(before))}`);
  return r;
}

const imageWith = (app: string) => expectTree({ '/unikernel/app.hvt': fileNode(app), '/urunc.json': uruncJsonNode(VALUES) });

onEachEngine((engine) => {
  describe('a git repository as the build context', () => {
    test('builds the Containerfile of the tag named in the fragment, with that tag\'s files', async () => {
      const r = await remoteBuild(`${server.url}/repo.git#v1`, 'punch-e2e/remote:git-v1');
      expect(r.stderr).toContain(`load git source ${server.url}/repo.git#v1`);
      expect(tree(await imageRootfs('punch-e2e/remote:git-v1'))).toEqual(imageWith('app v1\n'));
      expect((await imageInspect('punch-e2e/remote:git-v1')).Config.Labels).toMatchObject(VALUES);
    });

    test('a branch gives its newest commit', async () => {
      await remoteBuild(`${server.url}/repo.git#main`, 'punch-e2e/remote:git-main');
      expect(tree(await imageRootfs('punch-e2e/remote:git-main'))).toEqual(imageWith('app v2\n'));
    });

    // BuildKit v0.8's git source refuses `#ref:dir` ("subdir not supported yet"), and Docker 20.10's
    // Dockerfile frontend reads the Containerfile through it before punch runs: nothing punch can change.
    test.skipIf(engine.name === 'docker20')('#ref:dir makes that directory of the repository the context (BuildKit v0.9+)', async () => {
      await remoteBuild(`${server.url}/repo.git#v2:guest`, 'punch-e2e/remote:git-subdir');
      expect(tree(await imageRootfs('punch-e2e/remote:git-subdir'))).toEqual(imageWith('guest app\n'));
    });
  });

  describe('an HTTP download as the build context', () => {
    test('a gzipped tarball is unpacked: its Containerfile builds, COPY reads its files', async () => {
      const r = await remoteBuild(`${server.url}/ctx.tar.gz`, 'punch-e2e/remote:tarball');
      expect(r.stderr).toContain('load remote build context');
      expect(tree(await imageRootfs('punch-e2e/remote:tarball'))).toEqual(imageWith('app from the tarball\n'));
    });

    test('a download that is no archive is the Containerfile, and the only file of the context (named context)', async () => {
      await remoteBuild(`${server.url}/Containerfile`, 'punch-e2e/remote:file');
      const fs = await imageRootfs('punch-e2e/remote:file');
      const app = fs.get('/unikernel/app.hvt');
      expect(app?.type === 'file' ? app.content.toString('utf8') : '').toContain('COPY context /unikernel/app.hvt');
    });
  });
});
