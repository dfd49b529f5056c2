// The blob store of one export: layers, configs and manifests by digest, written durably into a
// layout's blobs dir, or (for an archive) written into the tar as they are made.
import { closeSync, constants, copyFile, fsyncSync, linkSync, lstatSync, mkdir, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MediaType, type Descriptor } from '../oci/types.js';
import { sha256Digest } from '../sha256.js';
import { layoutBlobPath } from '../oci/layout.js';
import type { ArchiveWriter, ByteSink } from './archive-writer.js';
import { buildLayerBytes, layerContentBytes, putBlob, SMALL_LAYER_BYTES, streamLayer, tempName, writeLayer } from './layer.js';
import { DEFAULT_COMPRESSION, layerMediaType, type Compression } from './compress/index.js';
import { consultCache, entryKey, recordInputs, type CacheOutcome, type LayerCacheOptions } from './layer-cache.js';
import type { ExportOptions } from './oci.js';
import { needsRecompression, recompressBlob, recompressInto } from './recompress.js';
import type { LayerBlob, LayerEntry } from './types.js';

export function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

export function describe(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length };
}

/** mkdir -p through the async call: Node 20's mkdirSync({ recursive }) can loop forever on some paths. */
export function makeDirs(dir: string): Promise<void> {
  return new Promise((resolve, reject) => mkdir(dir, { recursive: true }, (e) => (e ? reject(e) : resolve())));
}

export function copyBlob(from: string, to: string): Promise<void> {
  // A reflink when the filesystem can, else a copy; the cache's file is never moved.
  return new Promise((resolve, reject) => copyFile(from, to, constants.COPYFILE_FICLONE, (e) => (e ? reject(e) : resolve())));
}

/** fsync of a file or directory by path. */
export function syncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDir(dir: string): void {
  try {
    syncPath(dir, 'r');
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

export function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a blob's bytes are: a file, or (archives only) in the tar and nowhere else. Every blob of an
 * archive is in its tar; a `path` there is a staged copy the layer cache can link.
 */
export type BlobSource = { readonly path: string } | { readonly archived: true };

/** A layer as the manifest and config see it (its bytes are in the BlobSet). */
export type ExportedLayer = Pick<LayerBlob, 'mediaType' | 'digest' | 'diffID' | 'size'>;

/** A new layer, and how the layer cache served it (undefined: not through the cache). */
export type NewLayer = ExportedLayer & { cache?: CacheOutcome };

/**
 * The blobs of one export, by digest.
 * - `layout`: every blob is a file in `dir`, synced before it is named (base blobs are copied in);
 *   `added` lists the ones this export created, for removal if it fails.
 * - `archive`: each blob goes into the tar as it is added, in that order (base blobs copied from
 *   the cache, large new layers and recompressed base layers as they are compressed). A layer the
 *   layer cache will keep also lands in `dir` (made on first use, not synced) for the cache to link;
 *   the caller deletes `dir` afterwards.
 */
export class BlobSet {
  readonly blobs = new Map<string, BlobSource>();
  readonly added: string[] = [];
  readonly kind: 'layout' | 'archive';
  readonly #archive: ArchiveWriter | undefined;
  #dirMade: boolean;

  constructor(
    readonly dir: string,
    target: 'layout' | ArchiveWriter,
  ) {
    this.kind = target === 'layout' ? 'layout' : 'archive';
    this.#archive = target === 'layout' ? undefined : target;
    this.#dirMade = target === 'layout';
  }

  async #makeDir(): Promise<void> {
    if (this.#dirMade) return;
    await makeDirs(this.dir);
    this.#dirMade = true;
  }

  /** True once `dir` exists (always for a layout): an archive's staging dir to remove afterwards. */
  get dirMade(): boolean {
    return this.#dirMade;
  }

  addBytes(desc: Descriptor, data: Buffer): void {
    if (this.blobs.has(desc.digest)) return;
    if (this.#archive) {
      this.#archive.addBytes(layoutBlobPath(desc.digest), data);
      this.blobs.set(desc.digest, { archived: true });
      return;
    }
    const { path, added } = putBlob(this.dir, desc.digest, data);
    if (added) this.added.push(path);
    this.blobs.set(desc.digest, { path });
  }

  async addFile(blob: LayerBlob): Promise<void> {
    if (this.blobs.has(blob.digest)) return;
    if (this.#archive) {
      await this.#archive.addFile(layoutBlobPath(blob.digest), { path: blob.path, size: blob.size, changed: `blob ${blob.path} changed while the archive was written` });
      this.blobs.set(blob.digest, { archived: true });
      return;
    }
    const path = join(this.dir, blob.digest.slice('sha256:'.length));
    if (blob.path === path) {
      this.blobs.set(blob.digest, { path: blob.path });
      return;
    }
    if (!exists(path)) {
      const tmp = tempName(this.dir, 'blob');
      try {
        await copyBlob(blob.path, tmp);
        syncPath(tmp, 'r+');
        renameSync(tmp, path);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
      this.added.push(path);
    }
    this.blobs.set(blob.digest, { path });
  }

  /** A base image layer: kept as it is, or recompressed when force-compression asks. */
  async addBase(blob: LayerBlob, opts: ExportOptions): Promise<ExportedLayer> {
    const c = opts.compression ?? DEFAULT_COMPRESSION;
    if (!needsRecompression(blob, c)) {
      await this.addFile(blob);
      return blob;
    }
    const signal = opts.signal ? { signal: opts.signal } : {};
    if (this.#archive) return this.#streamIntoArchive(this.#archive, (sink) => recompressInto(blob, c, sink, signal));
    const out = await recompressBlob(blob, c, { blobsDir: this.dir, durable: true, ...signal });
    if (!out.reused && !this.blobs.has(out.digest)) this.added.push(out.path);
    this.blobs.set(out.digest, { path: out.path });
    return out;
  }

  /** Writes a new layer from its entries (or takes it from the layer cache) and records it. */
  async addLayer(entries: readonly LayerEntry[], opts: ExportOptions): Promise<NewLayer> {
    const lc = opts.layerCache;
    if (lc && layerContentBytes(entries) > (lc.minBytes ?? SMALL_LAYER_BYTES)) {
      const cached = await this.#throughCache(entries, opts, lc);
      if (cached) return cached;
    }
    return this.#pack(entries, opts);
  }

  /**
   * A layer through the cache: a verified hit is linked in (no copy); a miss is packed and added to
   * the cache. A cache that cannot be read or written is a warning, never a failed build.
   */
  async #throughCache(entries: readonly LayerEntry[], opts: ExportOptions, lc: LayerCacheOptions): Promise<NewLayer | undefined> {
    const c = opts.compression ?? DEFAULT_COMPRESSION;
    let consulted;
    try {
      consulted = await consultCache(entries, c, lc, opts.sourceDateEpoch, opts.signal);
      const hit = consulted.hit;
      if (hit && (await this.#addCached(hit))) {
        lc.cache.touch(entryKey(hit.diffID, c));
        if (hit.outcome === 'hash') recordInputs(lc, consulted, hit.diffID);
        return { mediaType: hit.mediaType, digest: hit.digest, diffID: hit.diffID, size: hit.size, cache: hit.outcome };
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      opts.warn?.(`layer cache ${lc.cache.root}: ${(e as Error).message}; packing the layer`);
      return undefined;
    }
    const layer = await this.#pack(entries, opts, true);
    const src = this.blobs.get(layer.digest);
    try {
      if (src && 'path' in src) {
        lc.cache.insert(entryKey(layer.diffID, c), src.path, layer, this.kind === 'layout');
        recordInputs(lc, consulted, layer.diffID);
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      opts.warn?.(`layer cache ${lc.cache.root}: ${(e as Error).message}; the layer was not cached`);
    }
    return { ...layer, cache: 'miss' };
  }

  /**
   * Puts a cache blob into the output: a hard link (same filesystem), else a reflink or copy for a
   * layout; an archive copies it in. False when the blob vanished meanwhile (a concurrent prune):
   * the caller packs the layer.
   */
  async #addCached(hit: { path: string; digest: string; size: number }): Promise<boolean> {
    if (this.blobs.has(hit.digest)) return true;
    if (this.#archive) {
      try {
        await this.#archive.addFile(layoutBlobPath(hit.digest), { path: hit.path, size: hit.size, changed: `layer cache blob ${hit.path} changed while the archive was written` });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
      this.blobs.set(hit.digest, { archived: true });
      return true;
    }
    await this.#makeDir();
    const path = join(this.dir, hit.digest.slice('sha256:'.length));
    if (exists(path)) {
      this.blobs.set(hit.digest, { path });
      return true;
    }
    const tmp = tempName(this.dir, 'blob');
    try {
      try {
        linkSync(hit.path, tmp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        await copyBlob(hit.path, tmp);
        syncPath(tmp, 'r+');
      }
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.added.push(path);
    this.blobs.set(hit.digest, { path });
    return true;
  }

  /** Packs a new layer; `onDisk` keeps it in a file in `dir` too (the cache links it). */
  async #pack(entries: readonly LayerEntry[], opts: ExportOptions, onDisk = false): Promise<ExportedLayer> {
    const limit = opts.inMemoryBytes ?? SMALL_LAYER_BYTES;
    const compression = opts.compression ?? DEFAULT_COMPRESSION;
    const layerOpts = {
      compression,
      ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    if (this.#archive && !onDisk) return this.#packIntoArchive(this.#archive, entries, layerOpts, limit);
    await this.#makeDir();
    // An archive takes the compressed bytes as they come; the file in `dir` is for the layer cache.
    const entry = this.#archive?.stream();
    let blob;
    try {
      blob = await writeLayer(entries, { blobsDir: this.dir, ...layerOpts, inMemoryBytes: limit, durable: this.kind === 'layout', ...(entry ? { copyTo: entry } : {}) });
    } catch (e) {
      entry?.discard();
      throw e;
    }
    if (this.blobs.has(blob.digest)) {
      entry?.discard();
      return blob;
    }
    entry?.commit(layoutBlobPath(blob.digest));
    if (!blob.reused) this.added.push(blob.path);
    this.blobs.set(blob.digest, { path: blob.path });
    return blob;
  }

  /** A new layer that only the archive keeps: built in memory when small, else compressed straight into the tar. */
  async #packIntoArchive(
    archive: ArchiveWriter,
    entries: readonly LayerEntry[],
    layerOpts: { compression: Compression; sourceDateEpoch?: number; signal?: AbortSignal },
    limit: number,
  ): Promise<ExportedLayer> {
    if (layerContentBytes(entries) <= limit) {
      const { blob, digest, diffID } = buildLayerBytes(entries, layerOpts);
      const mediaType = layerMediaType(layerOpts.compression.type);
      this.addBytes({ mediaType, digest, size: blob.length }, blob);
      return { mediaType, digest, diffID, size: blob.length };
    }
    return this.#streamIntoArchive(archive, (sink) => streamLayer(entries, sink, layerOpts));
  }

  /** A blob made straight into the tar by `make`; a duplicate's bytes, or a failed one's, are dropped. */
  async #streamIntoArchive(archive: ArchiveWriter, make: (sink: ByteSink) => Promise<ExportedLayer>): Promise<ExportedLayer> {
    const entry = archive.stream();
    let layer;
    try {
      layer = await make(entry);
    } catch (e) {
      entry.discard();
      throw e;
    }
    if (this.blobs.has(layer.digest)) {
      entry.discard();
      return layer;
    }
    entry.commit(layoutBlobPath(layer.digest));
    this.blobs.set(layer.digest, { archived: true });
    return layer;
  }
}
