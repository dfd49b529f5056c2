// The layer cache as `punch build` uses it: an unchanged layer reuses its blob and diff ID (found by
// stat or by hash), anything that enters the tar or the compression misses, and a bad entry is
// rebuilt, never exported. Images are byte-identical with and without the cache.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, rmSync, openSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LayerCache } from '../../src/cache/index.js';
import { exportImage, type CacheOutcome, type Compression, type NodeMeta, type OutputSpec, type PlatformImage } from '../../src/engine/index.js';
import { compressionOf } from '../../src/engine/compress/index.js';
import type { ImageConfig, Manifest } from '../../src/oci/types.js';
import { tempDir } from './helpers.js';

const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/disk'] }, rootfs: { type: 'layers', diff_ids: [] }, history: [{ created_by: 'COPY disk /disk' }] };
const MTIME = 1_700_000_000;
const META: NodeMeta = { mode: 0o644, uid: 0, gid: 0, mtime: MTIME };

interface Fixture {
  dir: string;
  file: string;
  cache: LayerCache;
}

/** A random input file and an empty cache (minBytes 0 below: the cache takes layers of any size). */
function fixture(bytes = 256 << 10): Fixture {
  const dir = tempDir();
  const file = join(dir, 'disk.img');
  writeFileSync(file, randomBytes(bytes));
  utimesSync(file, MTIME, MTIME);
  // A user's file was written ticks before the build: a build in utimes' own tick would see it racy.
  fsClockPast(dir, statSync(file, { bigint: true }).ctimeNs);
  return { dir, file, cache: new LayerCache(join(dir, 'cache')) };
}

/**
 * Waits until a file created in `dir` gets an mtime after `ns` (the coarse kernel clock has moved on),
 * so a stat record dated after this is not racy against the change that set `ns`.
 */
function fsClockPast(dir: string, ns: bigint): void {
  const probe = join(dir, 'clock-probe');
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    writeFileSync(probe, '');
    const now = statSync(probe, { bigint: true }).mtimeNs;
    rmSync(probe);
    if (now > ns) return;
    Atomics.wait(tick, 0, 0, 2);
  }
}

function imageOf(file: string, meta: NodeMeta = META): PlatformImage {
  const size = statSync(file).size;
  const node = { type: 'file' as const, meta, size, content: { kind: 'file' as const, path: file } };
  return { platform: { os: 'linux', architecture: 'amd64' }, config, layers: [{ kind: 'entries', entries: [{ path: 'disk', node }], description: 'COPY disk /disk' }] };
}

interface Built {
  digest: string;
  outcome: CacheOutcome | undefined;
  layer: string;
  dest: string;
}

let n = 0;
async function exportWith(f: Fixture, o: { meta?: NodeMeta; compression?: Compression; cache?: boolean; trustStat?: boolean; output?: 'oci-layout' | 'oci' } = {}): Promise<Built> {
  const type = o.output ?? 'oci-layout';
  const dest = join(f.dir, `out-${n++}${type === 'oci' ? '.tar' : ''}`);
  let outcome: CacheOutcome | undefined;
  let layer = '';
  const res = await exportImage([imageOf(f.file, o.meta)], { type, dest } as OutputSpec, {
    ...(o.compression ? { compression: o.compression } : {}),
    ...(o.cache === false ? {} : { layerCache: { cache: f.cache, minBytes: 0, ...(o.trustStat === false ? { trustStat: false } : {}) } }),
    onLayer: (l) => {
      outcome = l.cache;
      layer = l.digest;
    },
  });
  return { digest: res.digest, outcome, layer, dest };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const cacheBlob = (f: Fixture, digest: string) => join(f.cache.blobsDir, digest.slice(7));

/** Rewrites `file` with other bytes of the same size and mtime (the tar headers stay the same). */
function rewriteSameStat(file: string): void {
  const size = statSync(file).size;
  writeFileSync(file, randomBytes(size));
  utimesSync(file, MTIME, MTIME);
}

describe('layer cache hits', () => {
  it('reuses the layer by stat when nothing changed, with the image digest of an uncached build', async () => {
    const f = fixture();
    const first = await exportWith(f);
    const again = await exportWith(f);
    const uncached = await exportWith(f, { cache: false });
    expect([first.outcome, again.outcome]).toEqual(['miss', 'stat']);
    expect(again.digest).toBe(first.digest);
    expect(uncached.digest).toBe(first.digest);
  });

  it('writes an OCI archive byte-identical to an uncached one from a cache hit', async () => {
    const f = fixture();
    await exportWith(f, { output: 'oci' });
    const hit = await exportWith(f, { output: 'oci' });
    const uncached = await exportWith(f, { output: 'oci', cache: false });
    expect(hit.outcome).toBe('stat');
    expect(readFileSync(hit.dest).equals(readFileSync(uncached.dest))).toBe(true);
  });

  it('hard-links the cached blob into an OCI layout instead of copying it', async () => {
    const f = fixture();
    await exportWith(f);
    const hit = await exportWith(f);
    expect(statSync(join(hit.dest, 'blobs', 'sha256', hit.layer.slice(7))).ino).toBe(statSync(cacheBlob(f, hit.layer)).ino);
  });

  it('rehashes instead of trusting the stat when the stat fast path is off', async () => {
    const f = fixture();
    const first = await exportWith(f);
    const again = await exportWith(f, { trustStat: false });
    expect(again).toMatchObject({ outcome: 'hash', digest: first.digest });
  });
});

describe('layer cache misses', () => {
  it('misses when the contents change but size and mtime do not (the rehash sees it)', async () => {
    const f = fixture();
    const first = await exportWith(f);
    rewriteSameStat(f.file);
    const changed = await exportWith(f);
    const uncached = await exportWith(f, { cache: false });
    expect(changed.outcome).toBe('miss');
    expect(changed.digest).not.toBe(first.digest);
    expect(changed.digest).toBe(uncached.digest);
  });

  it.each([
    ['mode', { ...META, mode: 0o755 }],
    ['mtime as written', { ...META, mtime: MTIME + 1 }],
    ['owner (--chown)', { ...META, uid: 1000, gid: 1000 }],
  ])('misses when the %s that enters the tar changes', async (_what, meta) => {
    const f = fixture();
    const first = await exportWith(f);
    const changed = await exportWith(f, { meta });
    expect(changed.outcome).toBe('miss');
    expect(changed.digest).not.toBe(first.digest);
    expect(changed.digest).toBe((await exportWith(f, { meta, cache: false })).digest);
  });

  it.each([
    ['level', compressionOf('gzip', 6)],
    ['algorithm', compressionOf('zstd')],
    ['force-compression', compressionOf('gzip', 1, true)],
  ])('misses when the compression %s changes, then hits with it', async (_what, compression) => {
    const f = fixture();
    await exportWith(f);
    const changed = await exportWith(f, { compression });
    const again = await exportWith(f, { compression });
    expect([changed.outcome, again.outcome]).toEqual(['miss', 'stat']);
    expect(again.digest).toBe((await exportWith(f, { compression, cache: false })).digest);
  });
});

describe('the stat fast path (git index rules)', () => {
  it('rehashes a file with a new inode, even with the same size and times', async () => {
    const f = fixture();
    const first = await exportWith(f);
    copyFileSync(f.file, `${f.file}.new`);
    renameSync(`${f.file}.new`, f.file);
    utimesSync(f.file, MTIME, MTIME);
    expect(await exportWith(f)).toMatchObject({ outcome: 'hash', digest: first.digest });
  });

  it('rehashes a file whose ctime changed (a chmod to the same mode)', async () => {
    const f = fixture();
    await exportWith(f);
    chmodSync(f.file, 0o644);
    chmodSync(f.file, statSync(f.file).mode & 0o777);
    expect((await exportWith(f)).outcome).toBe('hash');
  });

  it('rehashes a file whose mtime moved by less than a second (the tar keeps whole seconds)', async () => {
    const f = fixture();
    await exportWith(f);
    utimesSync(f.file, MTIME + 0.5, MTIME + 0.5);
    expect((await exportWith(f)).outcome).toBe('hash');
  });

  it('uses the stat again once a rehash has recorded it', async () => {
    const f = fixture();
    await exportWith(f);
    chmodSync(f.file, 0o644);
    // The rehash's record is dated by the fs clock; one read in the chmod's own tick stays racy.
    fsClockPast(f.dir, statSync(f.file, { bigint: true }).ctimeNs);
    await exportWith(f);
    expect((await exportWith(f)).outcome).toBe('stat');
  });

  it('always rehashes a racy file: one whose mtime is not older than the stat index record', async () => {
    const f = fixture();
    const future = Date.now() / 1000 + 3600;
    const meta = { ...META, mtime: Math.floor(future) };
    utimesSync(f.file, future, future);
    await exportWith(f, { meta });
    expect((await exportWith(f, { meta })).outcome).toBe('hash');
    expect((await exportWith(f, { meta })).outcome).toBe('hash');
  });
});

describe('bad cache entries are rebuilt, never exported', () => {
  function overwriteByte(path: string, at: number): void {
    const fd = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    b[0] = readFileSync(path)[at]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
  }

  it('rebuilds a corrupted blob (same size, one byte changed)', async () => {
    const f = fixture();
    const first = await exportWith(f);
    overwriteByte(cacheBlob(f, first.layer), 1000);
    const rebuilt = await exportWith(f);
    expect(rebuilt).toMatchObject({ outcome: 'miss', digest: first.digest });
    expect(sha(readFileSync(join(rebuilt.dest, 'blobs', 'sha256', first.layer.slice(7))))).toBe(first.layer);
    expect(sha(readFileSync(cacheBlob(f, first.layer)))).toBe(first.layer);
  });

  it('rebuilds a truncated blob', async () => {
    const f = fixture();
    const first = await exportWith(f, { output: 'oci' });
    truncateSync(cacheBlob(f, first.layer), 4096);
    const rebuilt = await exportWith(f, { output: 'oci' });
    expect(rebuilt.outcome).toBe('miss');
    expect(readFileSync(rebuilt.dest).equals(readFileSync(first.dest))).toBe(true);
  });

  const onlyKey = (f: Fixture) => readdirSync(f.cache.entriesDir).filter((x) => x.endsWith('.json')).map((x) => x.slice(0, -5))[0]!;

  it('trusts a blob by stat after outputs linked to it were removed (its ctime moved, its bytes did not)', async () => {
    const f = fixture();
    const first = await exportWith(f);
    await exportWith(f);
    rmSync(first.dest, { recursive: true });
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('stat');
  });

  it('trusts a blob a layout build added by stat at once (the layout writer synced it)', async () => {
    const f = fixture();
    await exportWith(f);
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('stat');
  });

  it('rehashes and syncs a blob an archive build added (not synced then) on its first use, then trusts its stat', async () => {
    const f = fixture();
    await exportWith(f, { output: 'oci' });
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('hash');
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('stat');
  });

  it('rehashes a blob whose mtime moved, and keeps it when its bytes still match', async () => {
    const f = fixture();
    const first = await exportWith(f);
    utimesSync(cacheBlob(f, first.layer), MTIME, MTIME);
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('hash');
    expect(f.cache.lookup(onlyKey(f))?.verified).toBe('stat');
  });

  it('rebuilds when an entry record is unreadable', async () => {
    const f = fixture();
    await exportWith(f);
    const [record] = readdirSync(f.cache.entriesDir).filter((x) => x.endsWith('.json'));
    writeFileSync(join(f.cache.entriesDir, record!), '{"v":1,');
    expect((await exportWith(f)).outcome).toBe('miss');
    expect((await exportWith(f)).outcome).toBe('stat');
  });

  it('rebuilds when the blob is gone', async () => {
    const f = fixture();
    const first = await exportWith(f);
    truncateSync(cacheBlob(f, first.layer), 0);
    renameSync(cacheBlob(f, first.layer), join(f.dir, 'moved'));
    expect((await exportWith(f)).outcome).toBe('miss');
  });
});
