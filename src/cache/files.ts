// The cache's file primitives: stat identities in nanoseconds, the filesystem's own clock, and
// atomic writes (temp name + fsync + rename), so a concurrent reader sees a whole file or none.
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What git's index compares: identity (device, inode), size and both timestamps in nanoseconds. */
export interface FileStat {
  readonly dev: string;
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

function statOfBig(st: import('node:fs').BigIntStats): FileStat {
  return { dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
}

/** The stat identity of `path` (following symlinks), or undefined when it is gone. */
export function statFile(path: string): FileStat | undefined {
  try {
    return statOfBig(statSync(path, { bigint: true }));
  } catch {
    return undefined;
  }
}

export function sameStat(a: FileStat, b: FileStat): boolean {
  return sameContentStat(a, b) && a.ctimeNs === b.ctimeNs;
}

/**
 * The stat check of a cache blob: as sameStat without ctime. Every hit hard-links the blob into an
 * output (and removing that output unlinks it), which moves ctime though no byte changed; a write
 * through either name moves mtime, a truncation the size.
 */
export function sameContentStat(a: FileStat, b: FileStat): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/**
 * git's "racy" rule: a stat taken at `at` (the filesystem's clock) proves nothing about a file
 * changed in the same clock tick or later, since a further change in that tick leaves it as is.
 */
export function racy(st: FileStat, at: string, withCtime = true): boolean {
  return BigInt(st.mtimeNs) >= BigInt(at) || (withCtime && BigInt(st.ctimeNs) >= BigInt(at));
}

/** A temp name beside the file it becomes; the pid tells processes apart, creation is exclusive. */
export function tempName(dir: string, what: string): string {
  return join(dir, `.punch-tmp-${what}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/**
 * The filesystem's current time in ns, as it stamps files (a coarse kernel clock that can lag
 * Date.now()): the mtime of a file created in `dir` now.
 */
export function fsClock(dir: string): string {
  const probe = tempName(dir, 'clock');
  const fd = openSync(probe, 'wx', 0o600);
  try {
    return String(fstatSync(fd, { bigint: true }).mtimeNs);
  } finally {
    closeSync(fd);
    rmSync(probe, { force: true });
  }
}

/** The fs clock once it is past `after` (waits up to ~100 ms for the next tick, then returns what it has). */
export function fsClockAfter(dir: string, after: bigint): string {
  const wait = new Int32Array(new SharedArrayBuffer(4));
  let now = fsClock(dir);
  for (let i = 0; i < 50 && BigInt(now) <= after; i++) {
    Atomics.wait(wait, 0, 0, 2);
    now = fsClock(dir);
  }
  return now;
}

/** fsync of an existing file or directory by path. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on directories; a rename in them is still atomic.
    if (!statSync(path).isDirectory()) throw e;
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically and durably. */
export function writeFileAtomic(path: string, data: Uint8Array, dir: string): void {
  const tmp = tempName(dir, 'rec');
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A JSON record, or undefined when it is missing or unreadable (a record is only ever replaced whole). */
export function readRecord<T>(path: string, valid: (v: unknown) => v is T): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    return valid(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
