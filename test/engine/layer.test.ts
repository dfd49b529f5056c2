// Layer blobs: deterministic tar.gz, the right digests, readable content, bounded memory.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeLayer } from '../../src/engine/index.js';
import type { FsNode, LayerEntry } from '../../src/engine/types.js';
import { copy, local, mkfile, scratch } from '../../src/llb/index.js';
import { readTar } from '../e2e/tar.js';
import { build, makeDir, readLayer, tempDir } from './helpers.js';

const meta = (mtime: number | undefined, mode = 0o644, uid = 0, gid = 0) => ({ mode, uid, gid, mtime });
const dir = (mtime: number | undefined): FsNode => ({ type: 'dir', meta: meta(mtime, 0o755), children: new Map() });
const data = (s: string, mtime: number | undefined = 1000, uid = 0, gid = 0): FsNode => {
  const bytes = new TextEncoder().encode(s);
  return { type: 'file', meta: meta(mtime, 0o644, uid, gid), size: bytes.length, content: { kind: 'bytes', data: bytes } };
};

const entries: LayerEntry[] = [
  { path: 'app', node: dir(1000) },
  { path: 'app/a.txt', node: data('hello', 2000, 1000, 1001) },
  { path: 'app/link', node: { type: 'symlink', meta: meta(1500, 0o777), target: 'a.txt' } },
  { path: '.wh.gone', whiteout: true },
];

describe('writeLayer', () => {
  it('writes the same blob twice for the same entries', async () => {
    const a = await writeLayer(entries, { blobsDir: tempDir() });
    const b = await writeLayer(entries, { blobsDir: tempDir() });
    expect(a.digest).toBe(b.digest);
    expect(a.diffID).toBe(b.diffID);
  });

  it('names the blob by the sha256 of its bytes and the diffID by the sha256 of the tar', async () => {
    const blob = await writeLayer(entries, { blobsDir: tempDir() });
    const raw = readFileSync(blob.path);
    expect(blob.path.endsWith(blob.digest.slice(7))).toBe(true);
    expect(blob.digest).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(blob.diffID).toBe(`sha256:${createHash('sha256').update(gunzipSync(raw)).digest('hex')}`);
    expect(blob.size).toBe(raw.length);
    expect(blob.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('writes entries in order with their owners, modes, links and no user names', async () => {
    const blob = await writeLayer(entries, { blobsDir: tempDir() });
    const tar = gunzipSync(readFileSync(blob.path));
    const read = readTar(tar);
    expect(read.map((e) => [e.path, e.type, e.mode, e.uid, e.gid, e.linkname, e.content.toString()])).toEqual([
      ['app', 'dir', 0o755, 0, 0, '', ''],
      ['app/a.txt', 'file', 0o644, 1000, 1001, '', 'hello'],
      ['app/link', 'symlink', 0o777, 0, 0, 'a.txt', ''],
      ['.wh.gone', 'file', 0, 0, 0, '', ''],
    ]);
    // uname/gname fields (offsets 265 and 297) are empty in every header.
    expect(tar.subarray(265, 265 + 64).every((b) => b === 0)).toBe(true);
    expect(tar.subarray(0, 100).toString('latin1').replace(/\0+$/, '')).toBe('app/');
  });

  it('keeps source mtimes without SOURCE_DATE_EPOCH, and stamps build-time entries with 0', async () => {
    const blob = await writeLayer([{ path: 'd', node: dir(undefined) }, { path: 'd/f', node: data('x', 2000) }], { blobsDir: tempDir() });
    expect(mtimes(blob.path)).toEqual([0, 2000]);
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH and gives it to build-time entries', async () => {
    const layer: LayerEntry[] = [{ path: 'd', node: dir(undefined) }, { path: 'd/old', node: data('x', 100) }, { path: 'd/new', node: data('y', 5000) }];
    const blob = await writeLayer(layer, { blobsDir: tempDir(), sourceDateEpoch: 1000 });
    expect(mtimes(blob.path)).toEqual([1000, 100, 1000]);
  });

  it('uses PAX records for names longer than 100 bytes', async () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(80)}`;
    const blob = await writeLayer([{ path: long, node: data('z') }], { blobsDir: tempDir() });
    expect(readLayer(blob.path).map((e) => e.path)).toEqual([long]);
  });

  it('builds a small layer in memory with exactly the bytes of the streamed one', async () => {
    const d = makeDir({ f: 'file on disk\n' });
    const onDisk: FsNode = { type: 'file', meta: meta(3000), size: 13, content: { kind: 'file', path: join(d, 'f') } };
    const all: LayerEntry[] = [...entries, { path: 'app/f', node: onDisk }];
    const inMemory = await writeLayer(all, { blobsDir: tempDir() });
    const streamed = await writeLayer(all, { blobsDir: tempDir(), inMemoryBytes: 0 });
    expect([inMemory.digest, inMemory.diffID, inMemory.size]).toEqual([streamed.digest, streamed.diffID, streamed.size]);
    expect(readFileSync(inMemory.path).equals(readFileSync(streamed.path))).toBe(true);
  });

  it('fails when a streamed file changed size since it was listed', async () => {
    const d = makeDir({ f: 'short' });
    const node: FsNode = { type: 'file', meta: meta(0), size: 100, content: { kind: 'file', path: join(d, 'f') } };
    await expect(writeLayer([{ path: 'f', node }], { blobsDir: tempDir(), inMemoryBytes: 0 })).rejects.toThrow(/changed during the build \(expected 100 bytes, read 5\)/);
  });

  it('fails when a file changed size since it was listed', async () => {
    const d = makeDir({ f: 'short' });
    const node: FsNode = { type: 'file', meta: meta(0), size: 100, content: { kind: 'file', path: join(d, 'f') } };
    await expect(writeLayer([{ path: 'f', node }], { blobsDir: tempDir() })).rejects.toThrow(/changed during the build \(expected 100 bytes, read 5\)/);
  });

  it('streams a 200 MiB file with bounded memory', async () => {
    const d = tempDir();
    const path = join(d, 'big');
    const size = 200 * 1024 * 1024;
    // Sparse-ish: a hole with a little data every 16 MiB.
    const fd = openSync(path, 'w');
    for (let off = 0; off < size; off += 16 * 1024 * 1024) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, off);
    writeSync(fd, Buffer.from('end'), 0, 3, size - 3);
    closeSync(fd);
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const node: FsNode = { type: 'file', meta: meta(0), size, content: { kind: 'file', path } };
    const blob = await writeLayer([{ path: 'big', node }], { blobsDir: d });
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(blob.size).toBeGreaterThan(0);
    expect(peak - base).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);
});

function mtimes(blobPath: string): number[] {
  // readTar does not expose mtime: read the octal field of each header directly.
  const tar = gunzipSync(readFileSync(blobPath));
  const out: number[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    out.push(parseInt(h.subarray(136, 148).toString('ascii'), 8));
    const size = parseInt(h.subarray(124, 136).toString('ascii'), 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('layers from a build', () => {
  it('are identical across two builds of the same context with SOURCE_DATE_EPOCH', async () => {
    const ctx = makeDir({ 'bin/app': 'APP', 'etc/conf': 'c' });
    const state = scratch().file(copy(local('context'), '/', '/', { dirCopyContents: true })).file(mkfile('/stamp', 0o644, 's'));
    const digests = async () => {
      const result = await build(state, { context: ctx });
      const out: string[] = [];
      for (const l of result.layers) if (l.kind === 'entries') out.push((await writeLayer(l.entries, { blobsDir: tempDir(), sourceDateEpoch: 1 })).digest);
      return out;
    };
    const first = await digests();
    expect(first).toHaveLength(2);
    expect(await digests()).toEqual(first);
  });
});
