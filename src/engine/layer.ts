// A new layer as a deterministic tar blob (gzip, zstd or plain): entries in the given (walk) order,
// uid/gid as recorded, no user/group names, clamped mtimes; streamed from disk through the parallel
// compressor with both digests computed in the same pass, so memory stays bounded whatever the sizes.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto, nodeFsPromises } from '../builtins.js';
import { compressSync, DEFAULT_COMPRESSION, layerMediaType, ParallelCompressor, type Compression } from './compress/index.js';
import { sha256Digest } from '../sha256.js';
import { encodeHeader, END_OF_ARCHIVE, joinParts, padding, plainHeader, writeParts, type TarHeader, type TarPart, type TarSink } from './tar.js';
import type { ByteSink } from './archive-writer.js';
import { writeAllAt } from './fd-io.js';
import type { FsNode, LayerBlob, LayerEntry } from './types.js';

/** gzip level 1 by default: see DEFAULT_LEVELS in compress/spec.ts. */
export const DEFAULT_GZIP_LEVEL = DEFAULT_COMPRESSION.level;

export interface LayerWriteOptions {
  /** The `blobs/sha256` dir the blob is written to (via a temp name, renamed to its digest). */
  blobsDir: string;
  /** Default: gzip level 1. */
  compression?: Compression;
  /** Compression worker threads (default: the cores, at most 8); the bytes do not depend on it. */
  workers?: number;
  /**
   * SOURCE_DATE_EPOCH in seconds: every mtime is clamped to it (BuildKit's rewrite-timestamp), and
   * entries stamped with "build time" (mkfile/mkdir without a timestamp, dirs a copy created) get it.
   * Without it those entries get 0 (1970), so output never depends on the clock.
   */
  sourceDateEpoch?: number;
  /** Layers with at most this many bytes of file content are built in memory (default 1 MiB). */
  inMemoryBytes?: number;
  /**
   * fsync the blob before it gets its name (default true). Blobs staged for an archive skip it: they
   * are deleted once the archive, which is synced, is written.
   */
  durable?: boolean;
  /** Also gets the blob's bytes, in order, as they are written (an archive being written). */
  copyTo?: ByteSink;
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

/** The tar of `entries`: headers as bytes, file contents as references read when the tar is. */
export function* layerParts(entries: readonly LayerEntry[], epoch: number | undefined): Generator<TarPart> {
  for (const e of entries) {
    if ('whiteout' in e) {
      yield plainHeader(e.path, 'file', 0, 0, epoch ?? 0);
      continue;
    }
    const node = e.node;
    yield encodeHeader(headerOf(e.path, node, epoch));
    if (node.type !== 'file' || node.size === 0) continue;
    if (node.content.kind === 'bytes') {
      if (node.content.data.length !== node.size) throw new Error(`${e.path}: ${node.content.data.length} bytes of data for a ${node.size}-byte entry`);
      yield Buffer.from(node.content.data.buffer, node.content.data.byteOffset, node.content.data.byteLength);
    } else {
      yield { path: node.content.path, size: node.size, changed: `${node.content.path} changed during the build` };
    }
    yield padding(node.size);
  }
  yield END_OF_ARCHIVE;
}

/**
 * A temp name beside the file it becomes. Math.random, not node:crypto (whose first use costs
 * milliseconds): the pid tells processes apart, and every user of the name creates it exclusively.
 */
export function tempName(dir: string, what: string): string {
  return join(dir, `.punch-tmp-${what}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

export interface WrittenLayer extends LayerBlob {
  /** True when the blobs dir already held this exact blob. */
  reused: boolean;
}

/** Up to this many bytes of file content, a layer is built in memory in one go (same bytes as streamed). */
export const SMALL_LAYER_BYTES = 1 << 20;

/** The bytes of file content in a layer: what decides between the in-memory and the streamed path. */
export function layerContentBytes(entries: readonly LayerEntry[]): number {
  let n = 0;
  for (const e of entries) if (!('whiteout' in e) && e.node.type === 'file') n += e.node.size;
  return n;
}

/** Creates `path` (never overwriting) with `data`; with `durable`, flushed to disk before it returns. */
export function writeNewFile(path: string, data: Uint8Array, durable = true): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A layer built in memory: its blob and both digests. */
export interface LayerBytes {
  blob: Buffer;
  digest: string;
  diffID: string;
}

/** Builds a small layer in memory, synchronously; the bytes equal the streamed path's. */
export function buildLayerBytes(entries: readonly LayerEntry[], opts: { sourceDateEpoch?: number; compression?: Compression }): LayerBytes {
  const tar = joinParts(layerParts(entries, opts.sourceDateEpoch));
  // The same blocks and framing as the parallel stream, so this equals the streamed blob.
  const blob = compressSync(tar, opts.compression ?? DEFAULT_COMPRESSION);
  const diffID = sha256Digest(tar);
  return { blob, digest: blob === tar ? diffID : sha256Digest(blob), diffID };
}

/**
 * Puts `data` into the blobs dir `dir` under its digest's name, through a temp name (synced first
 * when `durable`). An identical blob already there is kept: `added` says whether this call wrote it.
 */
export function putBlob(dir: string, digest: string, data: Uint8Array, durable = true): { path: string; added: boolean } {
  const path = join(dir, digest.slice('sha256:'.length));
  if (existsSync(path)) return { path, added: false };
  const tmp = tempName(dir, 'blob');
  try {
    writeNewFile(tmp, data, durable);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { path, added: true };
}

function writeSmallLayer(entries: readonly LayerEntry[], opts: LayerWriteOptions): { layer: WrittenLayer; blob: Buffer } {
  const { blob, digest, diffID } = buildLayerBytes(entries, opts);
  const { path, added } = putBlob(opts.blobsDir, digest, blob, opts.durable ?? true);
  return { layer: { path, mediaType: layerMediaType((opts.compression ?? DEFAULT_COMPRESSION).type), digest, diffID, size: blob.length, reused: !added }, blob };
}

/** A blob compressed on the way to a sink: its digests and size. */
export interface CompressedBlob {
  digest: string;
  diffID: string;
  size: number;
}

/** What writeCompressedStream wrote: the blob's name and digests. */
export interface StreamedBlob extends CompressedBlob {
  path: string;
  reused: boolean;
}

/**
 * Compresses the tar that `feed` puts into its sink through the parallel compressor, handing the
 * blob's bytes to `out` in order and taking both digests on the way. Its modules load here, on first use.
 */
export async function compressStream(
  feed: (into: TarSink) => Promise<void>,
  out: ByteSink,
  opts: Pick<LayerWriteOptions, 'compression' | 'workers' | 'signal'>,
): Promise<CompressedBlob> {
  const compression = opts.compression ?? DEFAULT_COMPRESSION;
  // Uncompressed, the blob is the tar: one hash names both.
  const blobHash = compression.type === 'uncompressed' ? undefined : nodeCrypto().createHash('sha256');
  let size = 0;
  const compressor = new ParallelCompressor(compression, {
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    sink: async (bytes) => {
      blobHash?.update(bytes);
      size += bytes.length;
      await out.write(bytes);
    },
  });
  let diffHex: string;
  try {
    await feed(compressor);
    diffHex = await compressor.end();
  } catch (e) {
    await compressor.abandon();
    throw e;
  }
  return { digest: `sha256:${blobHash ? blobHash.digest('hex') : diffHex}`, diffID: `sha256:${diffHex}`, size };
}

/**
 * Compresses the tar that `feed` puts into its sink into a blob in `opts.blobsDir`, named by its
 * digest (the streamed path of new layers, and recompressed base layers); `opts.copyTo` gets the
 * same bytes.
 */
export async function writeCompressedStream(feed: (into: TarSink) => Promise<void>, opts: LayerWriteOptions): Promise<StreamedBlob> {
  const { rename, rm, stat } = nodeFsPromises();
  const copyTo = opts.copyTo;
  const tmp = tempName(opts.blobsDir, 'layer');
  const fd = openSync(tmp, 'wx', 0o644);
  let fdOpen = true;
  try {
    const sink: ByteSink = {
      write: async (bytes) => {
        await (copyTo ? Promise.all([writeAllAt(fd, bytes, null), copyTo.write(bytes)]) : writeAllAt(fd, bytes, null));
      },
    };
    const blob = await compressStream(feed, sink, opts);
    if (opts.durable ?? true) fsyncSync(fd);
    closeSync(fd);
    fdOpen = false;
    const path = join(opts.blobsDir, blob.digest.slice('sha256:'.length));
    const onDisk = (await stat(tmp)).size;
    if (onDisk !== blob.size) throw new Error(`layer blob ${tmp}: wrote ${blob.size} bytes but the file has ${onDisk}`);
    // An identical blob already there (same digest) is kept, so a failed export never removes it.
    const reused = await stat(path).then(() => true, () => false);
    if (reused) await rm(tmp, { force: true });
    else await rename(tmp, path);
    return { ...blob, path, reused };
  } catch (e) {
    if (fdOpen) closeSync(fd);
    await rm(tmp, { force: true });
    throw e;
  }
}

async function writeStreamedLayer(entries: readonly LayerEntry[], opts: LayerWriteOptions): Promise<WrittenLayer> {
  const blob = await writeCompressedStream((into) => writeParts(layerParts(entries, opts.sourceDateEpoch), into), opts);
  return { ...blob, mediaType: layerMediaType((opts.compression ?? DEFAULT_COMPRESSION).type) };
}

/** A new layer compressed into `out` and nowhere else (an archive that keeps no copy); returns its descriptor fields. */
export async function streamLayer(
  entries: readonly LayerEntry[],
  out: ByteSink,
  opts: Pick<LayerWriteOptions, 'compression' | 'workers' | 'signal' | 'sourceDateEpoch'>,
): Promise<Omit<LayerBlob, 'path'>> {
  opts.signal?.throwIfAborted();
  const blob = await compressStream((into) => writeParts(layerParts(entries, opts.sourceDateEpoch), into), out, opts);
  return { ...blob, mediaType: layerMediaType((opts.compression ?? DEFAULT_COMPRESSION).type) };
}

/** Writes `entries` as a layer blob into `opts.blobsDir`. */
export async function writeLayer(entries: readonly LayerEntry[], opts: LayerWriteOptions): Promise<WrittenLayer> {
  opts.signal?.throwIfAborted();
  if (layerContentBytes(entries) <= (opts.inMemoryBytes ?? SMALL_LAYER_BYTES)) {
    const { layer, blob } = writeSmallLayer(entries, opts);
    await opts.copyTo?.write(blob);
    return layer;
  }
  return writeStreamedLayer(entries, opts);
}
