// Starts one private dockerd: its own bridge, data root, exec root (so its own managed containerd,
// with its own root and socket under them), socket, pidfile and config file, and waits until it answers.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerClientEnv } from '../docker-env.js';
import { run, tail } from '../exec.js';
import { createBridge, type Bridge } from './bridge.js';
import { readText, sleep } from './log.js';
import { exited, spawnDaemon } from './processes.js';

const DOCKERD_START_TIMEOUT_MS = 60_000;

export interface DaemonSpec {
  readonly name: string;
  readonly dockerd: string;
  /** The client that talks to it (Debian 12's 20.10, or Debian 13's 26 with buildx). */
  readonly client: string;
  /** PATH of the daemon: where it finds containerd, runc, docker-proxy and docker-init. */
  readonly path: string;
  /** The engine's own folder under the state dir: data/, exec/, docker.sock, dockerd.pid. */
  readonly dir: string;
  readonly bridgeName: string;
  readonly bridgeSeed: number;
  /** daemon.json; never the machine's /etc/docker/daemon.json (mirrors, hosts). */
  readonly config: Record<string, unknown>;
  readonly logFile: string;
  readonly dockerConfig: string;
}

export interface RunningDaemon {
  readonly dockerHost: string;
  readonly pidFile: string;
  readonly bridge: Bridge;
  readonly serverVersion: string;
}

/** Where each engine's files go; also what the teardown and leftover cleanup read. */
export function daemonPaths(dir: string) {
  return {
    socket: join(dir, 'docker.sock'),
    pidFile: join(dir, 'dockerd.pid'),
    containerdPid: join(dir, 'exec', 'containerd', 'containerd.pid'),
  };
}

export async function startDockerd(spec: DaemonSpec, children: ChildProcess[]): Promise<RunningDaemon> {
  if (process.getuid?.() !== 0) throw new Error('the e2e suite starts its own dockerd and must run as root');
  mkdirSync(spec.dir, { recursive: true });
  mkdirSync(spec.dockerConfig, { recursive: true });
  const { socket, pidFile } = daemonPaths(spec.dir);
  const configFile = join(spec.dir, 'daemon.json');
  writeFileSync(configFile, `${JSON.stringify(spec.config)}\n`);
  const bridge = await createBridge(spec.bridgeName, spec.bridgeSeed);
  const args = [
    '--config-file', configFile,
    '--iptables=false', '--ip-masq=false', // not --bridge=none: gateway frontends need a bridge
    '--bridge', bridge.name,
    '--data-root', join(spec.dir, 'data'),
    '--exec-root', join(spec.dir, 'exec'),
    '--pidfile', pidFile,
    '-H', `unix://${socket}`,
  ];
  const child = spawnDaemon(spec.dockerd, args, spec.logFile, spec.path);
  children.push(child);
  const dockerHost = `unix://${socket}`;
  const env = dockerClientEnv(dockerHost, spec.dockerConfig);
  const deadline = Date.now() + DOCKERD_START_TIMEOUT_MS;
  for (;;) {
    if (exited(child)) {
      throw new Error(`${spec.name}: dockerd exited (${child.exitCode ?? child.signalCode}) while starting; ${spec.logFile} ends with:\n${tail(readText(spec.logFile), 30)}`);
    }
    const r = await run(spec.client, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 10_000 });
    if (r.code === 0) return { dockerHost, pidFile, bridge, serverVersion: r.stdout.trim() };
    if (Date.now() > deadline) {
      throw new Error(`${spec.name}: dockerd did not answer within ${DOCKERD_START_TIMEOUT_MS / 1000}s on ${socket}; last client error: ${r.stderr.trim()}\n${spec.logFile} ends with:\n${tail(readText(spec.logFile), 30)}`);
    }
    await sleep(250);
  }
}
