// Global setup of the e2e project: installs the real engines when missing (Debian 12's Docker 20.10
// with BuildKit v0.8; Docker 26 with buildx 0.13 from Debian 13's packages, unpacked into a cache),
// starts each as a private dockerd on its own bridge, roots, socket and pidfile, starts a loopback
// registry, makes a Node base image without pulling, builds and pushes the punch frontend image, and
// hands all of that to the tests through `inject('e2e')`. PUNCH_E2E_ENGINES=docker20,docker26 (the
// default: both) selects the engines. The teardown stops only what this run started and removes the
// state, also when setup fails half-way. Any failure throws: the e2e suite never skips silently.
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { dockerClientEnv, DOCKER_CLI } from './docker-env.js';
import { commandFailed, run, tail, type RunOptions } from './exec.js';
import { removeBridge } from './setup/bridge.js';
import { daemonPaths, startDockerd, type DaemonSpec } from './setup/dockerd.js';
import { ENGINE_NAMES, selectedEngines, type EngineInfo, type EngineName } from './setup/engines.js';
import { ensureDebianTools, ensureDocker26 } from './setup/install.js';
import { log, readText, seconds, sleep } from './setup/log.js';
import { cmdline, exited, isAlive, readPid, spawnDaemon, stopOurs, unmountUnder } from './setup/processes.js';

export type { EngineCaps, EngineInfo, EngineName } from './setup/engines.js';

export interface E2eEnvironment {
  readonly repoRoot: string;
  /** The engines of this run, by name; PUNCH_E2E_ENGINES chooses which (default: all). */
  readonly engines: Readonly<Partial<Record<EngineName, EngineInfo>>>;
  /** The engine the fields below describe: docker20 when selected, else the first selected. */
  readonly primary: EngineName;
  /** `unix://<socket>` of the primary engine's dockerd. */
  readonly dockerHost: string;
  /** The primary engine's DOCKER_CONFIG: empty (the user's ~/.docker stays out) but for CLI plugins. */
  readonly dockerConfig: string;
  /** The primary engine's dockerd log: gateway frontends' stderr ends up here. */
  readonly dockerdLog: string;
  /** `127.0.0.1:<port>` of the loopback registry (plain HTTP), shared by all engines. */
  readonly registry: string;
  readonly registryLog: string;
  /** Local Node base image in the primary engine's store, e.g. `punch-e2e/node:20`. */
  readonly nodeImage: string;
  /** A busybox base (static /bin/busybox, its applets, /tmp) in the loopback registry, for RUN tests on every engine. */
  readonly busyboxImage: string;
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

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Daemons get Debian 12's containerd and runc first, never a newer one that happens to be in /usr/local.
const DAEMON_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const REGISTRY_START_TIMEOUT_MS = 30_000;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TMP = '/tmp';
/** State folders are `<prefix>-<pid of the vitest process>`: concurrent runs in one checkout don't collide. */
const STATE_PREFIX = `punch-e2e-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 10)}`;

interface Layout {
  readonly repoRoot: string;
  /** This run's logs; teardown copies them to `keptLogDir` for post-mortems. */
  readonly logDir: string;
  /** The gitignored .e2e/ folder: the last run's logs (and apt's) stay there. */
  readonly keptLogDir: string;
  /** All state lives here; short so sockets fit, named so a later run finds it if this one dies. */
  readonly stateDir: string;
  /** The vitest pid in the state dir's name: it names the bridges too. */
  readonly owner: number | undefined;
  readonly registryPid: string;
}

function layout(stateDir: string): Layout {
  const m = /-(\d+)$/.exec(stateDir);
  return {
    repoRoot: REPO_ROOT,
    logDir: join(stateDir, 'logs'),
    keptLogDir: join(REPO_ROOT, '.e2e'),
    stateDir,
    owner: m ? Number(m[1]) : undefined,
    registryPid: join(stateDir, 'registry.pid'),
  };
}

/**
 * `p20-<3 hex of the checkout>-<vitest pid>`: names another checkout's run never uses, within the 15
 * bytes an interface name may have (pids have at most 7 digits).
 */
function bridgeName(engine: EngineName, owner: number): string {
  return `p${engine.slice('docker'.length)}-${STATE_PREFIX.slice(-3)}-${owner}`;
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
    const names = selectedEngines(process.env['PUNCH_E2E_ENGINES']);
    await step('leftovers', cleanLeftovers);
    requireBundle(l);
    mkdirSync(l.logDir, { recursive: true });
    mkdirSync(l.keptLogDir, { recursive: true });
    const aptLog = join(l.keptLogDir, 'apt.log');
    writeFileSync(aptLog, '');
    await step('install', () => ensureDebianTools(aptLog));

    const engines: Partial<Record<EngineName, EngineInfo>> = {};
    for (const name of names) {
      engines[name] = await step(name, () => startEngine(l, name, aptLog, children));
    }
    const primary = names[0]!;
    const main = engines[primary]!;
    const docker = dockerRunner(main);

    const registry = await step('registry', () => startRegistry(l, children));
    const nodeImage = await step('node image', () => importNodeImage(l, docker));
    const frontendImage = `${registry}/punch:test`;
    await step('frontend image', () => buildFrontendImage(l, docker, nodeImage, frontendImage));
    await step('push', () => pushImage(docker, frontendImage));
    const busyboxImage = `${registry}/busybox:e2e`;
    await step('busybox image', () => importBusyboxImage(l, docker, busyboxImage));

    const scratchDir = join(l.stateDir, 'scratch');
    mkdirSync(scratchDir, { recursive: true });
    project.provide('e2e', {
      repoRoot: l.repoRoot,
      engines,
      primary,
      dockerHost: main.dockerHost,
      dockerConfig: main.dockerConfig,
      dockerdLog: main.dockerdLog,
      registry,
      registryLog: join(l.logDir, 'registry.log'),
      nodeImage,
      busyboxImage,
      frontendImage,
      scratchDir,
    });
    log(`engines: ${names.map((n) => `${n} ${engines[n]!.serverVersion} on ${engines[n]!.bridge.name} ${engines[n]!.bridge.address}`).join('; ')}`);
    log(`setup done in ${seconds(Date.now() - started)} (${timings.join(', ')})`);
  } catch (e) {
    await teardown().catch((te: unknown) => log(`teardown after failed setup also failed: ${String(te)}`));
    throw new Error(`e2e setup failed (logs in ${l.keptLogDir}):\n${e instanceof Error ? e.message : String(e)}`);
  }
  return teardown;
}

type Docker = (args: readonly string[], opts?: RunOptions) => Promise<{ code: number; stdout: string; stderr: string }>;

function dockerRunner(engine: EngineInfo): Docker {
  const env = dockerClientEnv(engine.dockerHost, engine.dockerConfig);
  return (args, opts = {}) => run(engine.dockerCli, args, { env, ...opts });
}

// --- engines ---------------------------------------------------------------------------------------

async function startEngine(l: Layout, name: EngineName, aptLog: string, children: ChildProcess[]): Promise<EngineInfo> {
  const dir = join(l.stateDir, name);
  const dockerConfig = join(dir, 'config');
  const dockerdLog = join(l.logDir, `${name}.log`);
  const common = { name, dir, dockerConfig, logFile: dockerdLog, bridgeName: bridgeName(name, process.pid), bridgeSeed: process.pid + ENGINE_NAMES.indexOf(name) };
  let spec: DaemonSpec;
  let packages: readonly string[];
  if (name === 'docker20') {
    spec = { ...common, dockerd: '/usr/sbin/dockerd', client: DOCKER_CLI, path: DAEMON_PATH, config: {} };
    packages = [];
  } else {
    const d26 = await ensureDocker26(aptLog);
    // The 26 client runs `docker build` through buildx, found in its DOCKER_CONFIG's cli-plugins.
    mkdirSync(join(dockerConfig, 'cli-plugins'), { recursive: true });
    symlinkSync(d26.buildx, join(dockerConfig, 'cli-plugins', 'docker-buildx'));
    spec = {
      ...common,
      dockerd: d26.dockerd,
      client: d26.docker,
      // docker-proxy and docker-init of 26; containerd and runc of Debian 12 (26 needs containerd >= 1.4).
      path: `${join(d26.root, 'usr', 'sbin')}:${join(d26.root, 'usr', 'bin')}:${DAEMON_PATH}`,
      // The containerd image store keeps indexes, attestations and manifest annotations.
      config: { features: { 'containerd-snapshotter': true } },
    };
    packages = d26.packages;
  }
  const daemon = await startDockerd(spec, children);
  const is26 = name === 'docker26';
  return {
    name,
    serverVersion: daemon.serverVersion,
    packages,
    dockerHost: daemon.dockerHost,
    dockerConfig,
    dockerCli: spec.client,
    dockerdLog,
    dockerdPidFile: daemon.pidFile,
    bridge: daemon.bridge,
    buildx: is26,
    caps: { annotations: is26, containerdStore: is26, provenance: is26, multiPlatformImages: is26 },
  };
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
    const child = spawnDaemon('/usr/bin/docker-registry', ['serve', config], logFile, DAEMON_PATH);
    children.push(child);
    writeFileSync(l.registryPid, `${child.pid}\n`);
    const deadline = Date.now() + REGISTRY_START_TIMEOUT_MS;
    for (;;) {
      if (exited(child)) {
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
  // /usr/bin/env too, as every Node image has it: the bundle's `#!/usr/bin/env node` (punch on PATH).
  const envBin = realpathSync('/usr/bin/env');
  mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true });
  copyFileSync(envBin, join(rootfs, 'usr', 'bin', 'env'));
  chmodSync(join(rootfs, 'usr', 'bin', 'env'), 0o755);
  for (const bin of [nodeBin, envBin]) {
    const ldd = await run('ldd', [bin]);
    if (ldd.code !== 0) throw commandFailed(`listing the libraries ${bin} needs failed`, 'ldd', [bin], ldd);
    for (const lib of sharedLibraries(ldd.stdout)) {
      const dest = join(rootfs, lib);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(lib, dest); // follows symlinks: the image gets the real file at the listed path
    }
  }
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  const tarball = join(l.stateDir, 'node-rootfs.tar');
  const tarArgs = ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', tarball, '.'];
  const tar = await run('tar', tarArgs);
  if (tar.code !== 0) throw commandFailed('packing the Node base image failed', 'tar', tarArgs, tar);
  const importArgs = ['import', '--change', `ENV PATH=${SYSTEM_PATH}`, tarball, tag];
  const r = await docker(importArgs);
  if (r.code !== 0) throw commandFailed('importing the Node base image failed', 'docker', importArgs, r);
  await rm(rootfs, { recursive: true, force: true });
  await rm(tarball, { force: true });
  return tag;
}

/**
 * Nothing can be pulled here, so the shell base for RUN tests is Debian's static busybox with its
 * applets as symlinks in /bin, and a /tmp; pushed so every engine can build `FROM` it.
 */
async function importBusyboxImage(l: Layout, docker: Docker, tag: string): Promise<void> {
  const rootfs = join(l.stateDir, 'busybox-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  // Relative links, as `busybox --install -s` would make them inside the image: its own links point
  // at the host's real path (/usr/bin/busybox on a merged-/usr system), absent from the image.
  const list = await run('/bin/busybox', ['--list']);
  if (list.code !== 0) throw commandFailed('listing the busybox applets failed', '/bin/busybox', ['--list'], list);
  for (const applet of list.stdout.split('\n').filter((a) => a !== '' && a !== 'busybox')) symlinkSync('busybox', join(rootfs, 'bin', applet));
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  const tarball = join(l.stateDir, 'busybox-rootfs.tar');
  const tarArgs = ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', tarball, '.'];
  const tar = await run('tar', tarArgs);
  if (tar.code !== 0) throw commandFailed('packing the busybox base image failed', 'tar', tarArgs, tar);
  const importArgs = ['import', '--change', `ENV PATH=${SYSTEM_PATH}`, tarball, tag];
  const r = await docker(importArgs);
  if (r.code !== 0) throw commandFailed('importing the busybox base image failed', 'docker', importArgs, r);
  await rm(rootfs, { recursive: true, force: true });
  await rm(tarball, { force: true });
  await pushImage(docker, tag);
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
  if (r.code !== 0) throw commandFailed('building the frontend image failed', 'docker', args, r);
}

async function pushImage(docker: Docker, tag: string): Promise<void> {
  const r = await docker(['push', tag], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw commandFailed('pushing the frontend image failed', 'docker', ['push', tag], r);
}

// --- teardown --------------------------------------------------------------------------------------

/**
 * Stops whatever this checkout's e2e setup started (now or in a run that died), by pid, and only
 * processes whose command line names our state folder; then unmounts leftovers, deletes the bridges
 * named after that run and removes the state.
 */
async function stopAll(l: Layout, children: readonly ChildProcess[], keepLogs: boolean): Promise<void> {
  const childPids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
  // Registry first, then the dockerds (each stops its own containerd), then containerds left orphaned.
  const engineDirs = [...ENGINE_NAMES.map((n) => join(l.stateDir, n)), l.stateDir /* layout before engines had folders */];
  const paths = engineDirs.map(daemonPaths);
  await stopOurs([readPid(l.registryPid), ...childPids.reverse(), ...paths.map((p) => readPid(p.pidFile)), ...paths.map((p) => readPid(p.containerdPid))], l.stateDir);
  await unmountUnder(l.stateDir);
  if (l.owner !== undefined) {
    for (const name of ENGINE_NAMES) {
      await removeBridge(bridgeName(name, l.owner)).catch((e: unknown) => log(`could not delete bridge ${bridgeName(name, l.owner!)}: ${String(e)}`));
    }
  }
  if (keepLogs && existsSync(l.logDir)) {
    await cp(l.logDir, l.keptLogDir, { recursive: true, force: true }).catch((e: unknown) => log(`could not keep the logs: ${String(e)}`));
  }
  try {
    await rm(l.stateDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    throw new Error(`cannot remove e2e state ${l.stateDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
