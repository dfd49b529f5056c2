// Writes the built image: config (rootfs/history completed like BuildKit's exporter), manifest(s),
// index, and the output container: an OCI layout dir, an OCI archive tar, or a docker-load tar.
// The output is staged under a temp name next to the destination, fsynced, and renamed at the end;
// a failure or an abort (SIGINT/SIGTERM through `signal`) removes what was staged.
// Small steps use synchronous fs calls: an export is a handful of them, and each async one costs a
// thread-pool round trip (and node:fs/promises its load time). Copies of base blobs stay async.
import { closeSync, constants, copyFile, createWriteStream, fsyncSync, lstatSync, mkdir, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatReference, isReferenceError, parseReference, withDefaultTag } from '../oci/reference.js';
import { MediaType, type Descriptor, type HistoryEntry, type ImageConfig, type Index, type Manifest } from '../oci/types.js';
import type { Platform } from '../platform.js';
import { nodeStream, nodeStreamPromises } from '../builtins.js';
import { sha256Digest } from '../sha256.js';
import { makeParentDirs, removeMadeDirs } from './dest.js';
import { buildLayerBytes, layerContentBytes, putBlob, SMALL_LAYER_BYTES, tempName, writeLayer, writeNewFile } from './layer.js';
import { encodeHeader, END_OF_ARCHIVE, joinParts, padding, streamParts, type TarPart } from './tar.js';
import type { LayerBlob, LayerEntry, LayerSpec } from './types.js';
import { sortedRecord } from '../order.js';

export type OutputSpec =
  | { type: 'oci-layout'; dest: string }
  | { type: 'oci'; dest: string }
  | { type: 'docker'; dest: string };

export interface PlatformImage {
  platform: Platform;
  /** The core's image config; rootfs and history are completed here. */
  config: ImageConfig;
  /** From executeDefinition: base blobs, then new layers to write. */
  layers: readonly LayerSpec[];
  /** Manifest annotations (e.g. the com.urunc.unikernel.* keys). */
  annotations?: Record<string, string>;
}

export interface ExportOptions {
  /** Image name, e.g. `docker.io/me/app:1.0`: index.json gets it (and its tag as ref.name), docker tars a RepoTag. */
  name?: string;
  /** Seconds: config/history `created` and the manifest's created annotation; layer mtimes are clamped to it. */
  sourceDateEpoch?: number;
  /** gzip level of new layers. */
  level?: number;
  /** Layers and archives up to this many bytes are built in memory (defaults: 1 MiB, 4 MiB). */
  inMemoryBytes?: number;
  /** Called after each new layer is written, with its step's progress name and compressed size. */
  onLayer?: (layer: { description: string | undefined; size: number; digest: string }) => void;
  signal?: AbortSignal;
}

export interface ExportResult {
  /** Digest of what index.json points at: the manifest (one platform) or the image index. */
  digest: string;
  mediaType: string;
  manifests: { platform: Platform; digest: string; configDigest: string }[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';
const IMAGE_NAME = 'io.containerd.image.name';
const CREATED = 'org.opencontainers.image.created';
const HISTORY_COMMENT = 'buildkit.exporter.image.v0';

/** Go's time.RFC3339 in UTC for whole seconds: `2024-01-02T03:04:05Z`. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * BuildKit's normalizeLayersAndHistory: non-empty history entries are matched to layers; surplus ones
 * are marked empty, missing ones appended (created_by = the op's description); `created` filled in.
 */
export function reconcileHistory(history: readonly HistoryEntry[], layerDescriptions: readonly string[], created: string | undefined): HistoryEntry[] {
  let out = history.map((h) => ({ ...h }));
  const nonEmpty = out.filter((h) => !h.empty_layer).length;
  const layers = layerDescriptions.length;
  if (nonEmpty > layers) {
    let seen = 0;
    out = out.map((h) => {
      if (seen >= layers) return { ...h, empty_layer: true };
      if (!h.empty_layer) seen++;
      return h;
    });
  }
  for (let i = Math.min(nonEmpty, layers); i < layers; i++) {
    const h: HistoryEntry = {};
    if (created) h.created = created;
    h.created_by = layerDescriptions[i]!;
    h.comment = HISTORY_COMMENT;
    out.push(h);
  }
  if (created) for (const h of out) if (!h.empty_layer && h.created === undefined) h.created = created;
  // Key order as Go's ocispec History: created, created_by, author, comment, empty_layer.
  return out.map((h) => {
    const o: HistoryEntry = {};
    if (h.created !== undefined) o.created = h.created;
    if (h.created_by !== undefined) o.created_by = h.created_by;
    if (h.author !== undefined) o.author = h.author;
    if (h.comment !== undefined) o.comment = h.comment;
    if (h.empty_layer) o.empty_layer = true;
    return o;
  });
}

/** The final config: diff_ids from the layers, history reconciled, `created` only when known (reproducible). */
export function finalConfig(base: ImageConfig, layers: readonly Pick<LayerBlob, 'diffID'>[], descriptions: readonly string[], created: string | undefined): ImageConfig {
  const out: ImageConfig = {
    ...(created ? { created } : {}),
    ...(base.author !== undefined ? { author: base.author } : {}),
    architecture: base.architecture,
    os: base.os,
    ...(base.variant !== undefined ? { variant: base.variant } : {}),
    config: base.config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: reconcileHistory(base.history ?? [], descriptions, created),
  };
  return out;
}

function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

function describe(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length };
}

/** mkdir -p through the async call: Node 20's mkdirSync({ recursive }) can loop forever on some paths. */
function makeDirs(dir: string): Promise<void> {
  return new Promise((resolve, reject) => mkdir(dir, { recursive: true }, (e) => (e ? reject(e) : resolve())));
}

function copyBlob(from: string, to: string): Promise<void> {
  // A reflink when the filesystem can, else a copy; the cache's file is never moved.
  return new Promise((resolve, reject) => copyFile(from, to, constants.COPYFILE_FICLONE, (e) => (e ? reject(e) : resolve())));
}

/** fsync of a file or directory by path. */
function syncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    syncPath(dir, 'r');
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** An archive keeps small new layers in memory up to this many bytes in all; more go to its staging dir. */
const ARCHIVE_MEMORY_BYTES = 16 << 20;

/** Where a blob's bytes are: a file, or (archives only) memory. */
type BlobSource = { readonly path: string } | { readonly data: Buffer };

/** A layer as the manifest and config see it (its bytes are in the BlobSet). */
type ExportedLayer = Pick<LayerBlob, 'mediaType' | 'digest' | 'diffID' | 'size'>;

/**
 * The blobs of one export, by digest.
 * - `layout`: every blob is a file in `dir`, synced before it is named (base blobs are copied in);
 *   `added` lists the ones this export created, for removal if it fails.
 * - `archive`: the tar is the only output, so blobs stay where they are: base blobs in the cache,
 *   small new layers and the JSON blobs in memory, large layers in `dir` (made on first use, not
 *   synced: the caller deletes it once the synced archive is written).
 */
class BlobSet {
  readonly blobs = new Map<string, BlobSource>();
  readonly added: string[] = [];
  #dirMade: boolean;
  /** Bytes of new layers an archive holds in memory. */
  #memoryBytes = 0;

  constructor(
    readonly dir: string,
    readonly kind: 'layout' | 'archive',
  ) {
    this.#dirMade = kind === 'layout';
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
    if (this.kind === 'archive') {
      this.blobs.set(desc.digest, { data });
      return;
    }
    if (this.blobs.has(desc.digest)) return;
    const { path, added } = putBlob(this.dir, desc.digest, data);
    if (added) this.added.push(path);
    this.blobs.set(desc.digest, { path });
  }

  async addFile(blob: LayerBlob): Promise<void> {
    if (this.blobs.has(blob.digest)) return;
    const path = join(this.dir, blob.digest.slice('sha256:'.length));
    if (blob.path === path || this.kind === 'archive') {
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

  /** Writes a new layer from its entries and records it. */
  async addLayer(entries: readonly LayerEntry[], opts: ExportOptions): Promise<ExportedLayer> {
    const limit = opts.inMemoryBytes ?? SMALL_LAYER_BYTES;
    const layerOpts = {
      ...(opts.level !== undefined ? { level: opts.level } : {}),
      ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
    };
    if (this.kind === 'archive' && layerContentBytes(entries) <= limit) {
      const { blob, digest, diffID } = buildLayerBytes(entries, layerOpts);
      const layer = { mediaType: MediaType.ociLayerGzip, digest, diffID, size: blob.length };
      if (this.blobs.has(digest)) return layer;
      if (this.#memoryBytes + blob.length <= ARCHIVE_MEMORY_BYTES) {
        this.#memoryBytes += blob.length;
        this.blobs.set(digest, { data: blob });
        return layer;
      }
      // Many small layers: past the memory budget they wait on disk like large ones.
      await this.#makeDir();
      this.blobs.set(digest, { path: putBlob(this.dir, digest, blob, false).path });
      return layer;
    }
    await this.#makeDir();
    const blob = await writeLayer(entries, {
      blobsDir: this.dir,
      ...layerOpts,
      inMemoryBytes: limit,
      durable: this.kind === 'layout',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!blob.reused) this.added.push(blob.path);
    this.blobs.set(blob.digest, { path: blob.path });
    return blob;
  }
}

interface Built {
  root: Descriptor;
  manifests: { platform: Platform; digest: string; configDigest: string; layers: string[]; config: string }[];
}

/** Writes layers, configs, manifests (and an index for several platforms) into `blobs`. */
async function buildBlobs(images: readonly PlatformImage[], blobs: BlobSet, opts: ExportOptions): Promise<Built> {
  const created = opts.sourceDateEpoch !== undefined ? rfc3339(opts.sourceDateEpoch) : undefined;
  const manifests: Built['manifests'] = [];
  const descriptors: Descriptor[] = [];
  for (const img of images) {
    const layers: ExportedLayer[] = [];
    const descriptions: string[] = [];
    for (const spec of img.layers) {
      opts.signal?.throwIfAborted();
      if (spec.kind === 'blob') {
        await blobs.addFile(spec.blob);
        layers.push(spec.blob);
        descriptions.push('');
      } else {
        const layer = await blobs.addLayer(spec.entries, opts);
        opts.onLayer?.({ description: spec.description, size: layer.size, digest: layer.digest });
        layers.push(layer);
        descriptions.push(spec.description ?? '');
      }
    }
    const config = finalConfig(img.config, layers, descriptions, created);
    const configBytes = jsonBytes(config);
    const configDesc = describe(MediaType.ociConfig, configBytes);
    blobs.addBytes(configDesc, configBytes);
    const annotations = { ...(img.annotations ?? {}) };
    if (created) annotations[CREATED] = created;
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: configDesc,
      layers: layers.map((l) => ({ mediaType: ociLayerType(l.mediaType), digest: l.digest, size: l.size })),
    };
    if (Object.keys(annotations).length > 0) manifest.annotations = sortedRecord(annotations);
    const manifestBytes = jsonBytes(manifest);
    const manifestDesc = describe(MediaType.ociManifest, manifestBytes);
    blobs.addBytes(manifestDesc, manifestBytes);
    const platform = img.platform.variant
      ? { architecture: img.platform.architecture, os: img.platform.os, variant: img.platform.variant }
      : { architecture: img.platform.architecture, os: img.platform.os };
    descriptors.push({ ...manifestDesc, platform });
    manifests.push({
      platform: img.platform,
      digest: manifestDesc.digest,
      configDigest: configDesc.digest,
      layers: layers.map((l) => l.digest),
      config: configDesc.digest,
    });
  }
  // One platform: index.json points at the manifest itself, as BuildKit's oci exporter does.
  if (images.length === 1) return { root: stripPlatform(descriptors[0]!), manifests };
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: descriptors };
  const indexBytes = jsonBytes(index);
  const indexDesc = describe(MediaType.ociIndex, indexBytes);
  blobs.addBytes(indexDesc, indexBytes);
  return { root: indexDesc, manifests };
}

/** Docker layer media types in an OCI manifest become their OCI twins (same bytes), as BuildKit converts them. */
function ociLayerType(t: string): string {
  if (t === MediaType.dockerLayerGzip) return MediaType.ociLayerGzip;
  if (t === 'application/vnd.docker.image.rootfs.diff.tar') return MediaType.ociLayer;
  return t;
}

function stripPlatform(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/** `docker.io/me/app:1.0` → full name and its tag (`latest` when none). */
function nameAnnotations(name: string | undefined): { full: string; tag: string } | undefined {
  if (name === undefined || name === '') return undefined;
  const parsed = parseReference(name);
  if (isReferenceError(parsed)) throw new Error(`invalid image name "${name}": ${parsed.error}`);
  const ref = withDefaultTag(parsed);
  return { full: formatReference(ref), tag: ref.tag ?? 'latest' };
}

function rootEntry(root: Descriptor, name: ReturnType<typeof nameAnnotations>): Descriptor {
  if (!name) return root;
  return { ...root, annotations: { [IMAGE_NAME]: name.full, [REF_NAME]: name.tag } };
}

const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));

/** Builds the image and writes it to `output`. Nothing is left at the destination unless it all succeeded. */
export async function exportImage(images: readonly PlatformImage[], output: OutputSpec, opts: ExportOptions = {}): Promise<ExportResult> {
  if (images.length === 0) throw new Error('nothing to export: no platform was built');
  if (output.type === 'docker' && images.length > 1) {
    throw new Error('type=docker cannot hold several platforms (docker load takes one image); use type=oci or type=oci-layout');
  }
  const name = nameAnnotations(opts.name);
  opts.signal?.throwIfAborted();
  const made = makeParentDirs(output.dest);
  try {
    if (output.type === 'oci-layout') return await exportLayout(images, output.dest, name, opts);
    return await exportArchive(images, output, name, opts);
  } catch (e) {
    removeMadeDirs(made);
    throw e;
  }
}

function result(built: Built): ExportResult {
  return {
    digest: built.root.digest,
    mediaType: built.root.mediaType,
    manifests: built.manifests.map((m) => ({ platform: m.platform, digest: m.digest, configDigest: m.configDigest })),
  };
}

function isLayout(dir: string): boolean {
  return exists(join(dir, 'oci-layout')) && exists(join(dir, 'index.json'));
}

async function exportLayout(images: readonly PlatformImage[], dest: string, name: ReturnType<typeof nameAnnotations>, opts: ExportOptions): Promise<ExportResult> {
  if (exists(dest)) {
    const st = statSync(dest);
    const empty = st.isDirectory() && readdirSync(dest).length === 0;
    if (!st.isDirectory() || (!empty && !isLayout(dest))) {
      throw new Error(`output ${dest} exists and is not an OCI layout; remove it or choose another dest`);
    }
    return updateLayout(images, dest, name, opts);
  }
  // A new layout is built beside its destination and renamed into place in one step.
  const staging = tempName(dirname(dest), basename(dest));
  try {
    await makeDirs(join(staging, 'blobs', 'sha256'));
    const blobs = new BlobSet(join(staging, 'blobs', 'sha256'), 'layout');
    const built = await buildBlobs(images, blobs, opts);
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [rootEntry(built.root, name)] };
    writeNewFile(join(staging, 'oci-layout'), OCI_LAYOUT);
    writeNewFile(join(staging, 'index.json'), jsonBytes(index));
    syncDir(staging);
    opts.signal?.throwIfAborted();
    renameSync(staging, dest);
    syncDir(dirname(dest));
    return result(built);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Adds the image to an existing layout: new blobs, then index.json replaced atomically (same tag replaced). */
async function updateLayout(images: readonly PlatformImage[], dest: string, name: ReturnType<typeof nameAnnotations>, opts: ExportOptions): Promise<ExportResult> {
  const blobsDir = join(dest, 'blobs', 'sha256');
  await makeDirs(blobsDir);
  const blobs = new BlobSet(blobsDir, 'layout');
  const indexTmp = tempName(dest, 'index');
  try {
    const built = await buildBlobs(images, blobs, opts);
    let index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    if (exists(join(dest, 'index.json'))) {
      try {
        index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as Index;
      } catch (e) {
        throw new Error(`${join(dest, 'index.json')} is not valid JSON: ${(e as Error).message}`);
      }
    }
    const keep = (index.manifests ?? []).filter((m) => !name || m.annotations?.[REF_NAME] !== name.tag);
    const next: Index = { ...index, schemaVersion: 2, manifests: [...keep, rootEntry(built.root, name)] };
    if (!exists(join(dest, 'oci-layout'))) writeNewFile(join(dest, 'oci-layout'), OCI_LAYOUT);
    writeNewFile(indexTmp, jsonBytes(next));
    opts.signal?.throwIfAborted();
    renameSync(indexTmp, join(dest, 'index.json'));
    syncDir(dest);
    return result(built);
  } catch (e) {
    rmSync(indexTmp, { force: true });
    for (const p of blobs.added) rmSync(p, { force: true });
    throw e;
  }
}

async function exportArchive(
  images: readonly PlatformImage[],
  output: { type: 'oci' | 'docker'; dest: string },
  name: ReturnType<typeof nameAnnotations>,
  opts: ExportOptions,
): Promise<ExportResult> {
  // Checked first: the rename at the end would fail with a bare EISDIR after all the work.
  if ((exists(output.dest)) && (statSync(output.dest)).isDirectory()) {
    throw new Error(`output ${output.dest} is a directory; type=${output.type} writes one tar file: name a file (e.g. ${join(output.dest, 'image.tar')})${output.type === 'oci' ? ', or use type=oci-layout for a directory' : ''}`);
  }
  const dir = dirname(output.dest);
  const blobs = new BlobSet(tempName(dir, `${basename(output.dest)}-blobs`), 'archive');
  const tarTmp = tempName(dir, basename(output.dest));
  try {
    const built = await buildBlobs(images, blobs, opts);
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [rootEntry(built.root, name)] };
    const files: ArchiveFile[] = [
      { name: 'oci-layout', data: OCI_LAYOUT },
      { name: 'index.json', data: jsonBytes(index) },
    ];
    if (output.type === 'docker') {
      const m = built.manifests[0]!;
      const blobPath = (d: string): string => `blobs/sha256/${d.slice('sha256:'.length)}`;
      const entry: Record<string, unknown> = { Config: blobPath(m.config), RepoTags: name ? [name.full] : [], Layers: m.layers.map(blobPath) };
      files.push({ name: 'manifest.json', data: jsonBytes([entry]) });
    }
    files.push({ name: 'blobs/', dir: true }, { name: 'blobs/sha256/', dir: true });
    for (const digest of [...blobs.blobs.keys()].sort()) {
      const src = blobs.blobs.get(digest)!;
      const entryName = `blobs/sha256/${digest.slice('sha256:'.length)}`;
      files.push('data' in src ? { name: entryName, data: src.data } : { name: entryName, path: src.path, size: statSync(src.path).size });
    }
    const onDisk = files.reduce((n, f) => n + ('size' in f ? f.size : 0), 0);
    const parts = archiveParts(files, opts.sourceDateEpoch ?? 0);
    if (onDisk <= (opts.inMemoryBytes ?? SMALL_ARCHIVE_BYTES)) {
      // Stream set-up costs more than a small image's bytes: the same tar, written in one go.
      writeNewFile(tarTmp, joinParts(parts));
    } else {
      const { Readable } = nodeStream();
      const { pipeline } = nodeStreamPromises();
      await pipeline(
        Readable.from(streamParts(parts)),
        createWriteStream(tarTmp, { flags: 'wx', mode: 0o644, flush: true }),
        opts.signal ? { signal: opts.signal } : {},
      );
    }
    opts.signal?.throwIfAborted();
    renameSync(tarTmp, output.dest);
    syncDir(dir);
    return result(built);
  } catch (e) {
    rmSync(tarTmp, { force: true });
    throw e;
  } finally {
    if (blobs.dirMade) rmSync(blobs.dir, { recursive: true, force: true });
  }
}

type ArchiveFile = { name: string; data: Buffer } | { name: string; path: string; size: number } | { name: string; dir: true };

/** Archives whose blobs add up to at most this many bytes are built in memory. */
const SMALL_ARCHIVE_BYTES = 4 << 20;

/** The archive as tar parts: blobs on disk are read when the tar is written. */
function* archiveParts(files: readonly ArchiveFile[], mtime: number): Generator<TarPart> {
  const base = { uid: 0, gid: 0, mtime, linkname: '', devmajor: 0, devminor: 0 };
  for (const f of files) {
    if ('dir' in f) {
      yield encodeHeader({ ...base, name: f.name, type: 'dir', mode: 0o755, size: 0 });
    } else if ('data' in f) {
      yield encodeHeader({ ...base, name: f.name, type: 'file', mode: 0o644, size: f.data.length });
      yield f.data;
      yield padding(f.data.length);
    } else {
      yield encodeHeader({ ...base, name: f.name, type: 'file', mode: 0o644, size: f.size });
      yield { path: f.path, size: f.size, changed: `blob ${f.path} changed while the archive was written` };
      yield padding(f.size);
    }
  }
  yield END_OF_ARCHIVE;
}
