// RUN mounts through the punch frontend on every engine, from the busybox base the setup pushes: a cache
// mount that outlives the build (and behaves under --no-cache as with Docker's own frontend), a secret
// that reaches the command and nothing else, an SSH agent socket, and what BuildKit v0.8 lacks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2e, imageInspect, imageRootfs, makeContext, onEachEngine } from './engine.js';
import { URUNC, buildError, definitionLoggingFrontend, fileNode, frontendLines, punchBuild, punchBuildOk, punchContext, solveError, solvedDefinition, syntaxLine } from './frontend-support.js';

const busybox = (): string => e2e().busyboxImage;
const LABELS = `LABEL ${URUNC}binary=/bin/busybox ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

/** A file whose RUN appends the build arg N to a cache mount and copies the log into the image. */
const cacheFile = (id: string): string =>
  [`FROM ${busybox()}`, 'ARG N', `RUN --mount=type=cache,id=${id},target=/cache echo "$N" >> /cache/log && cp /cache/log /seen`, LABELS].join('\n');

/** The `/seen` file of image `tag`. */
async function seen(tag: string): Promise<string> {
  const node = (await imageRootfs(tag)).get('/seen');
  if (node?.type !== 'file') throw new Error(`${tag} has no /seen file`);
  return node.content.toString('utf8');
}

onEachEngine((engine) => {
  const unique = `${engine.name}-${process.pid}-${Date.now()}`;

  describe('RUN --mount=type=cache', () => {
    test('a second build whose build arg changed sees what the first wrote to the cache', async () => {
      const context = punchContext(cacheFile(`punch-${unique}`));
      const tag = `punch-e2e/run-cache:arg-${engine.name}`;
      await punchBuildOk({ context, tag, buildArgs: { N: '1' } });
      expect(await seen(tag)).toBe('1\n');
      await punchBuildOk({ context, tag, buildArgs: { N: '2' } });
      expect(await seen(tag)).toBe('1\n2\n');
    });

    test("under --no-cache, starts from a fresh cache exactly as Docker's own frontend does", async () => {
      const ours = punchContext(cacheFile(`punch-nocache-${unique}`));
      const theirs = makeContext({ Dockerfile: cacheFile(`docker-nocache-${unique}`) });
      const [ourTag, theirTag] = [`punch-e2e/run-cache:nocache-punch-${engine.name}`, `punch-e2e/run-cache:nocache-docker-${engine.name}`];
      for (const n of ['1', '2']) {
        await punchBuildOk({ context: ours, tag: ourTag, buildArgs: { N: n }, noCache: true });
        await engine.build({ context: theirs, tag: theirTag, buildArgs: { N: n }, noCache: true, check: true });
      }
      // Seen on BuildKit v0.8 and Docker 26 alike, with either frontend: a --no-cache build's RUN gets
      // a fresh cache mount, so the second build sees only what it wrote itself.
      expect(await seen(theirTag)).toBe('2\n');
      expect(await seen(ourTag)).toBe(await seen(theirTag));
    });
  });

  describe('RUN --mount=type=secret', () => {
    const value = `punch-secret-${randomBytes(12).toString('hex')}`;
    const file = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'punch-secret-'));
      writeFileSync(join(dir, 'tok'), value);
      return join(dir, 'tok');
    };
    const text = [
      `FROM ${busybox()}`,
      'RUN --mount=type=secret,id=tok,required=true wc -c < /run/secrets/tok > /len && sha256sum /run/secrets/tok | cut -d" " -f1 > /hash',
      LABELS,
    ].join('\n');

    test('reaches the command, and is in no layer, config, history, log line or the LLB', async () => {
      const tag = `punch-e2e/run-secret:${engine.name}`;
      const context = makeContext({ Containerfile: syntaxLine(await definitionLoggingFrontend()) + text });
      const r = await punchBuildOk({ context, tag, extraArgs: ['--secret', `id=tok,src=${file()}`] });
      const fs = await imageRootfs(tag);
      expect(fs.get('/len')).toEqual(fileNode(`${value.length}\n`));
      expect(fs.get('/hash')).toEqual(fileNode(`${createHash('sha256').update(value).digest('hex')}\n`));
      const saved = (await engine.dockerRaw(['save', tag], { check: true })).stdout;
      expect(saved.includes(Buffer.from(value))).toBe(false);
      expect(JSON.stringify(await imageInspect(tag))).not.toContain(value);
      expect(r.stderr).not.toContain(value);
      expect(frontendLines(r.daemonLog)).not.toContain(value);
      expect(solvedDefinition(r).includes(Buffer.from(value))).toBe(false);
    });

    test('a required secret the client did not send fails the build', async () => {
      // --no-cache: the same RUN built with the secret just before would otherwise come from the cache.
      const r = await punchBuild({ context: punchContext(text), tag: `punch-e2e/run-secret:missing-${engine.name}`, noCache: true });
      expect(r.code).not.toBe(0);
      // v0.8 says `secret tok not found: not found`, newer BuildKit `secret tok: not found`.
      expect(buildError(r)).toMatch(/Containerfile:3:1: RUN .*secret tok:? not found/);
    });
  });

  describe('RUN --mount=type=ssh', () => {
    let agent: ChildProcess | undefined;
    const socket = join(mkdtempSync(join(tmpdir(), 'punch-ssh-')), 'agent.sock');
    beforeAll(async () => {
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(socket)) throw new Error(`ssh-agent did not create ${socket}`);
    });
    afterAll(() => {
      if (agent?.pid !== undefined) process.kill(agent.pid);
    });

    test('--ssh default gives the command an agent socket at SSH_AUTH_SOCK', async () => {
      // busybox has no ssh-add: the command checks that the socket BuildKit forwards is there.
      const text = [`FROM ${busybox()}`, 'RUN --mount=type=ssh,required=true test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /ssh', LABELS].join('\n');
      const tag = `punch-e2e/run-ssh:${engine.name}`;
      await punchBuildOk({ context: punchContext(text), tag, extraArgs: ['--ssh', `default=${socket}`] });
      expect((await imageRootfs(tag)).get('/ssh')).toEqual(fileNode('/run/buildkit/ssh_agent.0\n'));
    });
  });

  describe('RUN --mount=type=tmpfs,size=…', () => {
    const text = [`FROM ${busybox()}`, 'RUN --mount=type=tmpfs,target=/scratch,size=64m grep " /scratch " /proc/mounts | cut -d" " -f3,4 > /mounts', LABELS].join('\n');
    const tag = `punch-e2e/run-tmpfs:${engine.name}`;
    if (engine.name === 'docker20') {
      test('BuildKit v0.8 has no tmpfs size: an error at the flag, before anything runs', async () => {
        const r = await punchBuild({ context: punchContext(text), tag });
        expect(r.code).not.toBe(0);
        expect(buildError(r)).toBe(
          solveError(
            "Containerfile:3:5: error: RUN --mount=type=tmpfs,size=… needs the engine's LLB cap exec.mount.tmpfs.size, added in BuildKit v0.10 (Docker 23), which this engine lacks: drop it or build on a newer BuildKit",
          ),
        );
        expect(r.stderr).not.toContain('/proc/mounts');
      });
    } else {
      test('the tmpfs gets the size asked for', async () => {
        await punchBuildOk({ context: punchContext(text), tag });
        const node = (await imageRootfs(tag)).get('/mounts');
        expect(node?.type === 'file' ? node.content.toString('utf8') : node).toMatch(/^tmpfs rw,.*size=65536k/);
      });
    }
  });

  describe('RUN --network=host and --security=insecure (entitlements)', () => {
    const file = (flag: string): string => [`FROM ${busybox()}`, `RUN ${flag} ls /sys/class/net > /net.txt`, LABELS].join('\n');

    test('--network=host without the entitlement names its line and how to grant it', async () => {
      const r = await punchBuild({ context: punchContext(file('--network=host')), tag: `punch-e2e/run-net:refused-${engine.name}` });
      expect(r.code).not.toBe(0);
      expect(buildError(r)).toMatch(/Containerfile:3:1: RUN .*: failed to load LLB: network\.host is not allowed: RUN --network=host needs the network\.host entitlement: build with `docker build --network=host` \(Docker 20\.10\), `docker buildx build --allow network\.host`/);
    });

    test('--network=host with the entitlement (docker build --network=host on 20.10, --allow network.host with buildx) sees the host interfaces', async () => {
      const tag = `punch-e2e/run-net:host-${engine.name}`;
      const grant = engine.info.buildx ? ['--allow', 'network.host'] : ['--network=host'];
      await punchBuildOk({ context: punchContext(file('--network=host')), tag, extraArgs: grant });
      const node = (await imageRootfs(tag)).get('/net.txt');
      const names = node?.type === 'file' ? node.content.toString('utf8').trim().split('\n') : [];
      expect(names).toContain('lo');
      expect(names.length).toBeGreaterThan(1);
    });

    test('--security=insecure on a daemon that does not allow it names its line and what to allow', async () => {
      const r = await punchBuild({ context: punchContext(file('--security=insecure')), tag: `punch-e2e/run-insecure:${engine.name}` });
      expect(r.code).not.toBe(0);
      expect(buildError(r)).toMatch(/Containerfile:3:1: RUN .*security\.insecure is not allowed: RUN --security=insecure needs the security\.insecure entitlement, which the daemon must allow/);
    });
  });
});
