// Global setup of the e2e project: installs the real engines when missing, starts a private dockerd
// and a loopback registry, makes a Node base image without pulling, builds and pushes the punch
// frontend image, and hands all of that to the tests through `inject('e2e')`. The teardown stops
// everything and removes the state, also when setup fails half-way. Any failure throws: the e2e
// suite never skips silently.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { commandFailed, run, tail, type RunOptions } from './exec.js';
import { dockerClientEnv, DOCKER_CLI } from './docker-env.js';

export interface E2eEnvironment {
  readonly repoRoot: string;
  /** `unix://<socket>` of the private dockerd. */
  readonly dockerHost: string;
  /** An empty DOCKER_CONFIG folder, so the user's ~/.docker (proxies, credential helpers) stays out. */
  readonly dockerConfig: string;
  /** The private dockerd's log: gateway frontends' stderr ends up here. */
  readonly dockerdLog: string;
  /** `127.0.0.1:<port>` of the loopback registry (plain HTTP). */
  readonly registry: string;
  /** Local Node base image, e.g. `punch-e2e/node:20`. */
  readonly nodeImage: string;
  /** The punch frontend image, built from frontend.Dockerfile and pushed: `127.0.0.1:<port>/punch:test`. */
  readonly frontendImage: string;
  /** Folder for tests' build contexts and outputs; removed at teardown. */
  readonly scratchDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eEnvironment;
  }
}

const REQUIRED_TOOLS = ['/usr/bin/docker', '/usr/sbin/dockerd', '/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/umoci'];
const APT_PACKAGES = ['docker.io', 'docker-registry', 'skopeo', 'umoci'];
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Daemons get Debian's tools first, never a newer containerd/runc that happens to be in /usr/local.
const DAEMON_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const DOCKERD_START_TIMEOUT_MS = 60_000;
const REGISTRY_START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

interface Layout {
  readonly repoRoot: string;
  /** This run's logs; teardown copies them to `keptLogDir` for post-mortems. */
  readonly logDir: string;
  /** The gitignored .e2e/ folder: the last run's logs (and apt's) stay there. */
  readonly keptLogDir: string;
  /** All state lives here; short so sockets fit, named so a later run finds it if this one dies. */
  readonly stateDir: string;
  readonly dockerSock: string;
  readonly dockerdPid: string;
  readonly containerdPid: string;
  readonly registryPid: string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TMP = '/tmp';
/** State folders are `<prefix>-<pid of the vitest process>`: concurrent runs in one checkout don't collide. */
const STATE_PREFIX = `punch-e2e-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 10)}`;

function layout(stateDir: string): Layout {
  return {
    repoRoot: REPO_ROOT,
    logDir: join(stateDir, 'logs'),
    keptLogDir: join(REPO_ROOT, '.e2e'),
    stateDir,
    dockerSock: join(stateDir, 'docker.sock'),
    dockerdPid: join(stateDir, 'dockerd.pid'),
    containerdPid: join(stateDir, 'exec', 'containerd', 'containerd.pid'),
    registryPid: join(stateDir, 'registry.pid'),
  };
}

/** Cleans up after earlier runs of this checkout whose vitest process is gone (killed, crashed). */
async function cleanLeftovers(): Promise<void> {
  const pattern = new RegExp(`^${STATE_PREFIX}(?:-(\\d+))?$`);
  for (const name of readdirSync(TMP)) {
    const m = pattern.exec(name);
    if (!m) continue;
    const owner = m[1] === undefined ? undefined : Number(m[1]);
    const ownerRuns = owner !== undefined && owner !== process.pid && isAlive(owner) && cmdline(owner).includes('vitest');
    if (ownerRuns) continue;
    log(`cleaning up ${join(TMP, name)} left by an earlier run`);
    await stopAll(layout(join(TMP, name)), [], false);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const l = layout(join(TMP, `${STATE_PREFIX}-${process.pid}`));
  const children: ChildProcess[] = [];
  const teardown = async (): Promise<void> => {
    const started = Date.now();
    await stopAll(l, children, true);
    log(`teardown done in ${seconds(Date.now() - started)}`);
  };
  const timings: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await fn();
    timings.push(`${name} ${seconds(Date.now() - started)}`);
    log(`${name}: ${seconds(Date.now() - started)}`);
    return result;
  };

  const started = Date.now();
  try {
    await step('leftovers', cleanLeftovers);
    requireBundle(l);
    mkdirSync(l.logDir, { recursive: true });
    mkdirSync(l.keptLogDir, { recursive: true });
    await step('install', () => ensureTools(l));
    const dockerHost = `unix://${l.dockerSock}`;
    const dockerConfig = join(l.stateDir, 'docker-config');
    mkdirSync(dockerConfig, { recursive: true });
    const docker = dockerRunner(dockerHost, dockerConfig);

    await step('dockerd', () => startDockerd(l, children, docker));
    const registry = await step('registry', () => startRegistry(l, children));
    const nodeImage = await step('node image', () => importNodeImage(l, docker));
    const frontendImage = `${registry}/punch:test`;
    await step('frontend image', () => buildFrontendImage(l, docker, nodeImage, frontendImage));
    await step('push', () => pushImage(docker, frontendImage));

    const scratchDir = join(l.stateDir, 'scratch');
    mkdirSync(scratchDir, { recursive: true });
    project.provide('e2e', {
      repoRoot: l.repoRoot,
      dockerHost,
      dockerConfig,
      dockerdLog: join(l.logDir, 'dockerd.log'),
      registry,
      nodeImage,
      frontendImage,
      scratchDir,
    });
    log(`setup done in ${seconds(Date.now() - started)} (${timings.join(', ')})`);
  } catch (e) {
    await teardown().catch((te: unknown) => log(`teardown after failed setup also failed: ${String(te)}`));
    throw new Error(`e2e setup failed (logs in ${l.keptLogDir}):\n${e instanceof Error ? e.message : String(e)}`);
  }
  return teardown;
}

type Docker = (args: readonly string[], opts?: RunOptions) => Promise<{ code: number; stdout: string; stderr: string }>;

function dockerRunner(dockerHost: string, dockerConfig: string): Docker {
  const env = dockerClientEnv(dockerHost, dockerConfig);
  return (args, opts = {}) => run(DOCKER_CLI, args, { env, ...opts });
}

// --- install ---------------------------------------------------------------------------------------

async function ensureTools(l: Layout): Promise<void> {
  const missing = () => REQUIRED_TOOLS.filter((t) => !existsSync(t));
  if (missing().length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing().join(', ')} and not root: install them with \`apt-get install -y ${APT_PACKAGES.join(' ')}\``);
  }
  log(`installing ${APT_PACKAGES.join(' ')} (missing: ${missing().join(', ')})`);
  // NEEDRESTART_MODE=l: the recommended needrestart only lists, never restarts or asks.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'l', PATH: SYSTEM_PATH };
  const aptLog = join(l.keptLogDir, 'apt.log');
  writeFileSync(aptLog, '');
  // Keep the package from starting a system dockerd: it would share docker0 with ours.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# written by punch test/e2e/global-setup.ts during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    for (const args of [['update'], ['install', '-y', ...APT_PACKAGES]]) {
      const r = await run('apt-get', args, { env, timeoutMs: 30 * 60_000 });
      writeFileSync(aptLog, `$ apt-get ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`, { flag: 'a' });
      if (r.code !== 0) throw commandFailed('installing the engines failed', 'apt-get', args, r);
    }
  } finally {
    if (ownPolicy) await rm(policy, { force: true });
  }
  if (missing().length > 0) throw new Error(`still missing after apt-get install: ${missing().join(', ')} (see ${aptLog})`);
}

// --- dockerd ---------------------------------------------------------------------------------------

async function startDockerd(l: Layout, children: ChildProcess[], docker: Docker): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the e2e suite starts its own dockerd and must run as root');
  const configFile = join(l.stateDir, 'daemon.json');
  // An empty config of our own: the machine's /etc/docker/daemon.json (mirrors, hosts) must not apply.
  writeFileSync(configFile, '{}\n');
  const logFile = join(l.logDir, 'dockerd.log');
  const args = [
    '--config-file', configFile,
    '--iptables=false', '--ip-masq=false', // not --bridge=none: gateway frontends need the bridge
    '--data-root', join(l.stateDir, 'data'),
    '--exec-root', join(l.stateDir, 'exec'),
    '--pidfile', l.dockerdPid,
    '-H', `unix://${l.dockerSock}`,
  ];
  const child = spawnDaemon('/usr/sbin/dockerd', args, logFile);
  children.push(child);
  const deadline = Date.now() + DOCKERD_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) while starting; ${logFile} ends with:\n${tail(readText(logFile), 30)}`);
    }
    const r = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 });
    if (r.code === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`dockerd did not answer within ${DOCKERD_START_TIMEOUT_MS / 1000}s on ${l.dockerSock}; last client error: ${r.stderr.trim()}\n${logFile} ends with:\n${tail(readText(logFile), 30)}`);
    }
    await sleep(250);
  }
}

// --- registry --------------------------------------------------------------------------------------

async function startRegistry(l: Layout, children: ChildProcess[]): Promise<string> {
  const logFile = join(l.logDir, 'registry.log');
  // The free port may be taken between probing and binding; a few tries make that harmless.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const config = join(l.stateDir, 'registry.yml');
    writeFileSync(config, [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(l.stateDir, 'registry')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${addr}`,
      '',
    ].join('\n'));
    const child = spawnDaemon('/usr/bin/docker-registry', ['serve', config], logFile);
    children.push(child);
    writeFileSync(l.registryPid, `${child.pid}\n`);
    const deadline = Date.now() + REGISTRY_START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const logText = readText(logFile);
        if (attempt < 3 && /address already in use/.test(logText)) break;
        throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) while starting on ${addr}; ${logFile} ends with:\n${tail(logText, 30)}`);
      }
      if (await answers(`http://${addr}/v2/`)) return addr;
      if (Date.now() > deadline) {
        throw new Error(`docker-registry did not answer on http://${addr}/v2/ within ${REGISTRY_START_TIMEOUT_MS / 1000}s; ${logFile} ends with:\n${tail(readText(logFile), 30)}`);
      }
      await sleep(100);
    }
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// --- images ----------------------------------------------------------------------------------------

/**
 * Nothing can be pulled here, so the Node base image is the machine's own node binary plus the
 * shared libraries it links, at their paths, and a /tmp.
 */
async function importNodeImage(l: Layout, docker: Docker): Promise<string> {
  const nodeBin = realpathSync(process.execPath);
  const tag = `punch-e2e/node:${process.versions.node.split('.')[0]}`;
  const rootfs = join(l.stateDir, 'node-rootfs');
  mkdirSync(join(rootfs, 'usr', 'local', 'bin'), { recursive: true });
  copyFileSync(nodeBin, join(rootfs, 'usr', 'local', 'bin', 'node'));
  chmodSync(join(rootfs, 'usr', 'local', 'bin', 'node'), 0o755);
  const ldd = await run('ldd', [nodeBin]);
  if (ldd.code !== 0) throw commandFailed('listing the libraries node needs failed', 'ldd', [nodeBin], ldd);
  for (const lib of sharedLibraries(ldd.stdout)) {
    const dest = join(rootfs, lib);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(lib, dest); // follows symlinks: the image gets the real file at the listed path
  }
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  const tarball = join(l.stateDir, 'node-rootfs.tar');
  const tarArgs = ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', tarball, '.'];
  const tar = await run('tar', tarArgs);
  if (tar.code !== 0) throw commandFailed('packing the Node base image failed', 'tar', tarArgs, tar);
  const importArgs = ['import', '--change', `ENV PATH=${SYSTEM_PATH}`, tarball, tag];
  const r = await docker(importArgs);
  if (r.code !== 0) throw commandFailed('importing the Node base image failed', DOCKER_CLI, importArgs, r);
  await rm(rootfs, { recursive: true, force: true });
  await rm(tarball, { force: true });
  return tag;
}

/** Absolute library paths from `ldd` output (the vDSO has none and is skipped). */
export function sharedLibraries(lddOutput: string): string[] {
  const libs: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/** The frontend image needs the bundle; checked first so a missing build fails fast and clearly. */
function requireBundle(l: Layout): void {
  const bundle = join(l.repoRoot, 'dist', 'punch.cjs');
  if (!existsSync(bundle)) {
    throw new Error(`${bundle} is missing: run \`npm run build\` first (\`npm test\` does it before vitest)`);
  }
}

async function buildFrontendImage(l: Layout, docker: Docker, nodeImage: string, tag: string): Promise<void> {
  const args = ['build', '--progress=plain', '-f', 'frontend.Dockerfile', '--build-arg', `NODE_IMAGE=${nodeImage}`, '-t', tag, '.'];
  const r = await docker(args, { cwd: l.repoRoot, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw commandFailed('building the frontend image failed', DOCKER_CLI, args, r);
}

async function pushImage(docker: Docker, tag: string): Promise<void> {
  const r = await docker(['push', tag], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw commandFailed('pushing the frontend image failed', DOCKER_CLI, ['push', tag], r);
}

// --- processes -------------------------------------------------------------------------------------

function spawnDaemon(cmd: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(cmd, args, {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, PATH: DAEMON_PATH },
    });
    child.on('error', () => {}); // reported through exitCode / the start-up wait
    child.unref(); // never keep vitest alive; teardown (or the next run) stops it by pid
    return child;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops whatever this checkout's e2e setup started (now or in a run that died), by pid, and only
 * processes whose command line names our state folder; then unmounts leftovers and removes the state.
 */
async function stopAll(l: Layout, children: readonly ChildProcess[], keepLogs: boolean): Promise<void> {
  const childPids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
  // Registry first, then dockerd (which stops its own containerd), then a containerd left orphaned.
  const order = [readPid(l.registryPid), ...childPids.reverse(), readPid(l.dockerdPid), readPid(l.containerdPid)];
  const seen = new Set<number>();
  for (const pid of order) {
    if (pid === undefined || seen.has(pid)) continue;
    seen.add(pid);
    if (!isOurs(pid, l.stateDir)) continue;
    await stopProcess(pid);
  }
  await unmountUnder(l.stateDir);
  if (keepLogs && existsSync(l.logDir)) {
    await cp(l.logDir, l.keptLogDir, { recursive: true, force: true }).catch((e: unknown) => log(`could not keep the logs: ${String(e)}`));
  }
  try {
    await rm(l.stateDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    throw new Error(`cannot remove e2e state ${l.stateDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isOurs(pid: number, stateDir: string): boolean {
  return isAlive(pid) && cmdline(pid).includes(stateDir);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Alive and not a zombie (a zombie cannot be signalled away, only reaped by its parent). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) return;
  log(`pid ${pid} did not stop within ${STOP_TIMEOUT_MS / 1000}s of SIGTERM; sending SIGKILL`);
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(100);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function unmountUnder(dir: string): Promise<void> {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return;
  }
  const points = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length); // children before parents
  for (const point of points) {
    const r = await run('umount', ['-l', point]);
    if (r.code !== 0) log(`could not unmount ${point}: ${r.stderr.trim()}`);
  }
}

// --- small helpers ---------------------------------------------------------------------------------

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function log(message: string): void {
  process.stderr.write(`[e2e] ${message}\n`);
}
