// A new layer as a deterministic tar.gz blob: entries in the given (walk) order, uid/gid as recorded,
// no user/group names, clamped mtimes; streamed from disk through gzip with both digests computed in
// the same pass, so memory stays bounded whatever the file sizes.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { MediaType } from '../oci/types.js';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from './tar.js';
import type { FsNode, LayerBlob, LayerEntry } from './types.js';

/**
 * gzip level 1: a unikernel layer is mostly one large binary, and level 6 (BuildKit's default) costs
 * ~3x the CPU for a few percent smaller blobs; level 1 keeps `punch build` within 1.5x of
 * `tar | gzip -1` (see the benchmark).
 */
export const DEFAULT_GZIP_LEVEL = 1;

export interface LayerWriteOptions {
  /** The `blobs/sha256` dir the blob is written to (via a temp name, renamed to its digest). */
  blobsDir: string;
  level?: number;
  /**
   * SOURCE_DATE_EPOCH in seconds: every mtime is clamped to it (BuildKit's rewrite-timestamp), and
   * entries stamped with "build time" (mkfile/mkdir without a timestamp, dirs a copy created) get it.
   * Without it those entries get 0 (1970), so output never depends on the clock.
   */
  sourceDateEpoch?: number;
  /** Layers with at most this many bytes of file content are built in memory (default 1 MiB). */
  inMemoryBytes?: number;
  signal?: AbortSignal;
}

function mtimeOf(mtime: number | undefined, epoch: number | undefined): number {
  const m = mtime ?? epoch ?? 0;
  return epoch !== undefined && m > epoch ? epoch : m;
}

function headerOf(path: string, node: FsNode, epoch: number | undefined): TarHeader {
  const h: TarHeader = {
    name: path,
    type: 'file',
    mode: node.meta.mode,
    uid: node.meta.uid,
    gid: node.meta.gid,
    size: 0,
    mtime: mtimeOf(node.meta.mtime, epoch),
    linkname: '',
    devmajor: 0,
    devminor: 0,
  };
  switch (node.type) {
    case 'dir':
      return { ...h, type: 'dir', name: `${path}/` };
    case 'file':
      return { ...h, size: node.size };
    case 'symlink':
      return { ...h, type: 'symlink', linkname: node.target };
    default:
      return { ...h, type: node.type, devmajor: node.devmajor, devminor: node.devminor };
  }
}

/** The tar stream of `entries`, chunk by chunk; file bytes are read from disk as the consumer pulls. */
export async function* tarChunks(entries: readonly LayerEntry[], epoch: number | undefined): AsyncGenerator<Buffer> {
  for (const e of entries) {
    if ('whiteout' in e) {
      const m = epoch ?? 0;
      yield encodeHeader({ name: e.path, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: m, linkname: '', devmajor: 0, devminor: 0 });
      continue;
    }
    const node = e.node;
    yield encodeHeader(headerOf(e.path, node, epoch));
    if (node.type !== 'file' || node.size === 0) continue;
    if (node.content.kind === 'bytes') {
      if (node.content.data.length !== node.size) throw new Error(`${e.path}: ${node.content.data.length} bytes of data for a ${node.size}-byte entry`);
      yield Buffer.from(node.content.data.buffer, node.content.data.byteOffset, node.content.data.byteLength);
    } else {
      let read = 0;
      for await (const chunk of createReadStream(node.content.path, { highWaterMark: 1 << 20, end: node.size - 1 })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (read !== node.size) {
        throw new Error(`${node.content.path} changed during the build (expected ${node.size} bytes, read ${read})`);
      }
    }
    yield padding(node.size);
  }
  yield END_OF_ARCHIVE;
}

/** A pass-through stream feeding every byte into `hash` and counting them. */
export function hashTap(hash: Hash, counter?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      if (counter) counter.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

export function tempName(dir: string, what: string): string {
  return join(dir, `.punch-tmp-${what}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export interface WrittenLayer extends LayerBlob {
  /** True when the blobs dir already held this exact blob. */
  reused: boolean;
}

/** Up to this many bytes of file content, a layer is built in memory in one go (same bytes as streamed). */
const SMALL_LAYER_BYTES = 1 << 20;

function contentBytes(entries: readonly LayerEntry[]): number {
  let n = 0;
  for (const e of entries) if (!('whiteout' in e) && e.node.type === 'file') n += e.node.size;
  return n;
}

/** All of an async byte stream in one buffer (for inputs known to be small). */
export async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** Creates `path` (never overwriting) with `data`, flushed to disk before it returns. */
export function writeNewFileSynced(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function writeSmallLayer(entries: readonly LayerEntry[], opts: LayerWriteOptions): Promise<WrittenLayer> {
  // The same tar the streamed path writes, gathered in memory: no gzip/hash stream set-up.
  const tar = await collect(tarChunks(entries, opts.sourceDateEpoch));
  // zlib's output does not depend on how its input is split, so this equals the streamed blob.
  const blob = gzipSync(tar, { level: opts.level ?? DEFAULT_GZIP_LEVEL });
  const hex = createHash('sha256').update(blob).digest('hex');
  const path = join(opts.blobsDir, hex);
  const written = { path, mediaType: MediaType.ociLayerGzip, digest: `sha256:${hex}`, diffID: `sha256:${createHash('sha256').update(tar).digest('hex')}`, size: blob.length };
  if (existsSync(path)) return { ...written, reused: true };
  const tmp = tempName(opts.blobsDir, 'layer');
  try {
    writeNewFileSynced(tmp, blob);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { ...written, reused: false };
}

/** Writes `entries` as a gzip layer blob into `opts.blobsDir`. */
export async function writeLayer(entries: readonly LayerEntry[], opts: LayerWriteOptions): Promise<WrittenLayer> {
  opts.signal?.throwIfAborted();
  if (contentBytes(entries) <= (opts.inMemoryBytes ?? SMALL_LAYER_BYTES)) return writeSmallLayer(entries, opts);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const counter = { bytes: 0 };
  const tmp = tempName(opts.blobsDir, 'layer');
  try {
    await pipeline(
      Readable.from(tarChunks(entries, opts.sourceDateEpoch), { objectMode: false, highWaterMark: 1 << 20 }),
      hashTap(diffHash),
      createGzip({ level: opts.level ?? DEFAULT_GZIP_LEVEL, chunkSize: 1 << 16 }),
      hashTap(blobHash, counter),
      createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true }),
      opts.signal ? { signal: opts.signal } : {},
    );
    const hex = blobHash.digest('hex');
    const path = join(opts.blobsDir, hex);
    const size = (await stat(tmp)).size;
    if (size !== counter.bytes) throw new Error(`layer blob ${tmp}: wrote ${counter.bytes} bytes but the file has ${size}`);
    // An identical blob already there (same digest) is kept, so a failed export never removes it.
    const reused = await stat(path).then(() => true, () => false);
    if (reused) await rm(tmp, { force: true });
    else await rename(tmp, path);
    return { path, mediaType: MediaType.ociLayerGzip, digest: `sha256:${hex}`, diffID: `sha256:${diffHash.digest('hex')}`, size, reused };
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
