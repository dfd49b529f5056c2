// A build's lease on the base image blobs it reads: a prune may remove the cache's name, never the
// file the build is reading; the lease ends with the build, or with the next prune if the build died.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobLease, FOREIGN_LEASE_MS, leaseHost, removeDeadLeases } from '../../src/cache/leases.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length > 0) rmSync(roots.pop()!, { recursive: true, force: true });
});

function cacheWithBlob(): { root: string; blob: string } {
  const root = mkdtempSync(join(tmpdir(), 'punch-lease-'));
  roots.push(root);
  mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
  const blob = join(root, 'blobs', 'sha256', 'a'.repeat(64));
  writeFileSync(blob, 'layer bytes');
  return { root, blob };
}

describe('BlobLease', () => {
  it('hands out a name that still reads the blob after the cache removed its own', () => {
    const { root, blob } = cacheWithBlob();
    const held = new BlobLease(root).use(blob);
    rmSync(blob);
    expect(readFileSync(held, 'utf8')).toBe('layer bytes');
  });

  it('marks the blob used now, for least-recently-used pruning', () => {
    const { root, blob } = cacheWithBlob();
    const long = new Date(Date.now() - 86_400_000);
    utimesSync(blob, long, long);
    new BlobLease(root).use(blob);
    expect(Date.now() - statSync(blob).mtimeMs).toBeLessThan(60_000);
  });

  it('gives the same name for a blob used twice', () => {
    const { root, blob } = cacheWithBlob();
    const lease = new BlobLease(root);
    expect(lease.use(blob)).toBe(lease.use(blob));
  });

  it('removes its folder on release and leaves the cache blob', () => {
    const { root, blob } = cacheWithBlob();
    const lease = new BlobLease(root);
    lease.use(blob);
    lease.release();
    expect(readdirSync(join(root, 'leases'))).toEqual([]);
    expect(existsSync(blob)).toBe(true);
  });
});

describe('removeDeadLeases', () => {
  it('removes the lease of a build that is gone and keeps one whose build runs', () => {
    const { root, blob } = cacheWithBlob();
    const live = new BlobLease(root);
    live.use(blob);
    // A pid that surely is not running: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadDir = join(root, 'leases', `${leaseHost()}-${dead}-abcdefgh`);
    mkdirSync(deadDir);
    writeFileSync(join(deadDir, 'b'.repeat(64)), 'x');
    removeDeadLeases(root);
    expect(readdirSync(join(root, 'leases'))).toEqual([live.dir.split('/').pop()]);
  });

  it("keeps another host's lease, whose pid means nothing here, until it is a day old", () => {
    const { root } = cacheWithBlob();
    const foreign = (name: string, ageMs: number): void => {
      const dir = join(root, 'leases', name);
      mkdirSync(dir, { recursive: true });
      const at = new Date(Date.now() - ageMs);
      utimesSync(dir, at, at);
    };
    foreign(`${leaseHost()}x-1-fresh`, FOREIGN_LEASE_MS - 60_000);
    foreign(`${leaseHost()}x-1-stale`, FOREIGN_LEASE_MS + 60_000);
    removeDeadLeases(root);
    expect(readdirSync(join(root, 'leases'))).toEqual([`${leaseHost()}x-1-fresh`]);
  });

  it('removes a folder whose name is no lease', () => {
    const { root } = cacheWithBlob();
    mkdirSync(join(root, 'leases', 'stray'), { recursive: true });
    removeDeadLeases(root);
    expect(readdirSync(join(root, 'leases'))).toEqual([]);
  });

  it('writes a hostname with path separators as one folder name', () => {
    expect(leaseHost('a/b c-d')).toBe('a_b_c_d');
  });
});
