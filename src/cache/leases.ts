// Base image blobs a running build reads, kept out of a prune's reach: each is hard-linked into the
// build's own lease folder, so removing the cache's name leaves the file until the build ends (what
// containerd's leases do for its content store). A use also marks the blob used, for LRU pruning.
//   <root>/leases/<host>-<pid>-<random>/<hex>   one folder per build, removed when it ends
// A pid tells whether a build still runs only on its own host (and pid namespace): a cache folder
// shared with containers also holds leases whose pid means nothing here. Those are judged by age.
import { linkSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';

/** A lease from another host is taken for dead once its folder is this old (no build runs a day). */
export const FOREIGN_LEASE_MS = 24 * 60 * 60 * 1000;

/** The host part of a lease's name: the hostname, with anything but [A-Za-z0-9._] as `_`. */
export function leaseHost(name = hostname()): string {
  return name.replace(/[^A-Za-z0-9._]/g, '_') || '_';
}

export class BlobLease {
  readonly dir: string;
  #made = false;

  /** `root` is the punch cache folder (PUNCH_CACHE_DIR). */
  constructor(root: string) {
    // Math.random, not node:crypto: host and pid tell builds apart; the suffix only guards pid reuse.
    this.dir = join(root, 'leases', `${leaseHost()}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  }

  /**
   * Marks the cache blob at `path` used and returns a name for it that lasts until `release`. Where
   * no hard link can be made (another filesystem), the cache's own name, unprotected.
   */
  use(path: string): string {
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // A read-only cache still serves the build; it only misses its LRU mark.
    }
    try {
      if (!this.#made) {
        mkdirSync(this.dir, { recursive: true });
        this.#made = true;
      }
      const held = join(this.dir, basename(path));
      try {
        linkSync(path, held);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      return held;
    } catch {
      return path;
    }
  }

  /** Ends the lease: the blobs it held are the cache's alone again. */
  release(): void {
    if (this.#made) rmSync(this.dir, { recursive: true, force: true });
    this.#made = false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but is not ours.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lease folder `name` in `dir` may belong to a build that still runs. */
function held(dir: string, name: string, host: string, now: number): boolean {
  const m = /^(.+)-(\d+)-[a-z0-9]+$/.exec(name);
  if (!m) return false;
  if (m[1] === host) {
    const pid = Number(m[2]);
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid);
  }
  try {
    return now - statSync(join(dir, name)).mtimeMs < FOREIGN_LEASE_MS;
  } catch {
    return false;
  }
}

/**
 * Removes the lease folders of builds that are no longer running (killed before they could): on
 * this host by pid, from other hosts once a day old.
 */
export function removeDeadLeases(root: string, now = Date.now()): void {
  const dir = join(root, 'leases');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const host = leaseHost();
  for (const name of names) {
    if (!held(dir, name, host, now)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
