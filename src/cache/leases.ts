// Base image blobs a running build reads, kept out of a prune's reach: each is hard-linked into the
// build's own lease folder, so removing the cache's name leaves the file until the build ends (what
// containerd's leases do for its content store). A use also marks the blob used, for LRU pruning.
//   <root>/leases/<pid>-<random>/<hex>   one folder per build, removed when it ends
import { linkSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';

export class BlobLease {
  readonly dir: string;
  #made = false;

  /** `root` is the punch cache folder (PUNCH_CACHE_DIR). */
  constructor(root: string) {
    // Math.random, not node:crypto: the pid tells builds apart, and the folder is made exclusively.
    this.dir = join(root, 'leases', `${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
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

/** Removes the lease folders of builds that are no longer running (killed before they could). */
export function removeDeadLeases(root: string): void {
  const dir = join(root, 'leases');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}
