// Daemons of the e2e setup: started detached with their output in a log, stopped by pid only when
// their command line names our state folder (another dockerd on the machine is never touched), and
// the mounts they leave under that folder undone.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { run } from '../exec.js';
import { log, sleep } from './log.js';

const STOP_TIMEOUT_MS = 30_000;

export function spawnDaemon(cmd: string, args: readonly string[], logFile: string, path: string): ChildProcess {
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, PATH: path } });
    child.on('error', () => {}); // reported through exitCode / the start-up wait
    child.unref(); // never keep vitest alive; teardown (or the next run) stops it by pid
    return child;
  } finally {
    closeSync(fd);
  }
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Alive and not a zombie (a zombie cannot be signalled away, only reaped by its parent). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Stops each pid, in order, that is alive and whose command line names `stateDir`. */
export async function stopOurs(pids: readonly (number | undefined)[], stateDir: string): Promise<void> {
  const seen = new Set<number>();
  for (const pid of pids) {
    if (pid === undefined || seen.has(pid)) continue;
    seen.add(pid);
    if (isAlive(pid) && cmdline(pid).includes(stateDir)) await stopProcess(pid);
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

export async function unmountUnder(dir: string): Promise<void> {
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
