// Helpers for e2e tests of `punch build`: run the built CLI, read its outputs back with the standard
// tools (umoci, skopeo).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commandFailed, run, type RunResult } from './exec.js';
import { e2e, skopeo, type FsNode, type Rootfs } from './engine.js';

/** `node dist/punch.cjs ARGS`, with the test's environment plus `env`; never throws for a non-zero exit. */
export function punch(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return run(process.execPath, [punchBundle(), ...args], {
    cwd: opts.cwd ?? e2e().repoRoot,
    env: { ...cleanEnv(), ...opts.env },
    timeoutMs: 5 * 60_000,
  });
}

/** The same command as a child process the test can signal; stderr is collected into `stderr()`. */
export function spawnPunch(args: readonly string[], opts: { cwd: string; env?: Record<string, string> }): { child: ChildProcess; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [punchBundle(), ...args], { cwd: opts.cwd, env: { ...cleanEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString('utf8'); });
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, exit };
}

function punchBundle(): string {
  return join(e2e().repoRoot, 'dist', 'punch.cjs');
}

/** The test process's environment without what would change punch's output or reach the user's files. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: e2e().dockerConfig };
  delete env['SOURCE_DATE_EPOCH'];
  delete env['PUNCH_CACHE_DIR'];
  return env;
}

/** A fresh folder under the e2e scratch dir. */
export function scratch(prefix: string): string {
  const { scratchDir } = e2e();
  mkdirSync(scratchDir, { recursive: true });
  return mkdtempSync(join(scratchDir, `${prefix}-`));
}

/** The stdout of `skopeo ARGS` parsed as JSON; throws with skopeo's stderr when it fails. */
export async function skopeoJson<T>(args: readonly string[]): Promise<T> {
  const r = await skopeo(args, { check: true });
  return JSON.parse(r.stdout) as T;
}

/** `umoci unpack --image LAYOUT:TAG` into a fresh bundle; returns the bundle's rootfs as a Rootfs. */
export async function umociRootfs(layout: string, tag: string): Promise<Rootfs> {
  const bundle = join(scratch('bundle'), 'b');
  const args = ['unpack', '--image', `${layout}:${tag}`, bundle];
  const r = await run('/usr/bin/umoci', args, { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw commandFailed('umoci unpack failed', '/usr/bin/umoci', args, r);
  return rootfsFromDir(join(bundle, 'rootfs'));
}

/** A directory tree (not following symlinks) as a Rootfs: "/a/b" keys, the root itself not listed. */
export function rootfsFromDir(root: string): Rootfs {
  const fs: Rootfs = new Map();
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = `${prefix}/${name}`;
      const st = lstatSync(path);
      const meta = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        fs.set(key, { type: 'dir', ...meta });
        walk(path, key);
      } else if (st.isFile()) {
        fs.set(key, { type: 'file', ...meta, content: readFileSync(path) });
      } else if (st.isSymbolicLink()) {
        fs.set(key, { type: 'symlink', ...meta, linkname: readlinkSync(path) });
      }
    }
  };
  walk(root, '');
  return fs;
}

/**
 * A Rootfs as sorted lines `PATH TYPE MODE UID:GID DETAIL` (files: size and sha256), so a mismatch
 * shows as a readable diff. Symlink modes are left out: Linux ignores them and tools differ.
 */
export function describeRootfs(fs: Rootfs): string[] {
  return [...fs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, n]) => `${path} ${n.type} ${n.type === 'symlink' ? '-' : n.mode.toString(8).padStart(4, '0')} ${n.uid}:${n.gid} ${detail(n)}`);
}

function detail(n: FsNode): string {
  switch (n.type) {
    case 'file': return `${n.content.length} sha256:${sha256(n.content)}`;
    case 'symlink': return `-> ${n.linkname}`;
    case 'dir': return '';
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every file and dir under `dir` with its content hash (files), for "left unchanged" checks. */
export function treeSnapshot(dir: string): string[] {
  return describeRootfs(rootfsFromDir(dir));
}

/** A file's content from a Rootfs, or a clear failure. */
export function fileContent(fs: Rootfs, path: string): Buffer {
  const n = fs.get(path);
  if (n?.type !== 'file') throw new Error(`${path} is ${n ? `a ${n.type}` : 'missing'} in the image rootfs`);
  return n.content;
}

/** Lines of the loopback registry's access log: it sits next to dockerd's log in the harness's log folder. */
export function registryLog(): string {
  return readFileSync(e2e().registryLog, 'utf8');
}
