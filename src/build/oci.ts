// Writes the built image: config (rootfs/history completed like BuildKit's exporter), manifest(s),
// index, and the output container: an OCI layout dir, an OCI archive tar, or a docker-load tar.
// Everything is staged under temp names next to the destination, fsynced, and renamed at the end;
// a failure or an abort (SIGINT/SIGTERM through `signal`) removes what was staged.
import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatReference, isReferenceError, parseReference, withDefaultTag } from '../oci/reference.js';
import { MediaType, type Descriptor, type HistoryEntry, type ImageConfig, type Index, type Manifest } from '../oci/types.js';
import type { Platform } from '../platform.js';
import { collect, tempName, writeLayer, writeNewFileSynced } from './layer.js';
import { encodeHeader, END_OF_ARCHIVE, padding } from './tar.js';
import type { LayerBlob, LayerSpec } from './types.js';

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

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
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
export function finalConfig(base: ImageConfig, layers: readonly LayerBlob[], descriptions: readonly string[], created: string | undefined): ImageConfig {
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
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

async function writeSynced(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The blobs of one export: digest → file, and the ones this export added to an existing layout. */
class BlobSet {
  readonly dir: string;
  readonly files = new Map<string, string>();
  readonly added: string[] = [];
  /** When the blobs dir is a destination layout, base blobs are copied in; in a staging dir they are referenced. */
  readonly #copyBase: boolean;

  constructor(dir: string, copyBase: boolean) {
    this.dir = dir;
    this.#copyBase = copyBase;
  }

  async addBytes(desc: Descriptor, data: Buffer): Promise<void> {
    const path = join(this.dir, desc.digest.slice('sha256:'.length));
    if (!this.files.has(desc.digest) && !(await exists(path))) {
      const tmp = tempName(this.dir, 'blob');
      try {
        await writeSynced(tmp, data);
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      this.added.push(path);
    }
    this.files.set(desc.digest, path);
  }

  async addFile(blob: LayerBlob): Promise<void> {
    if (this.files.has(blob.digest)) return;
    const path = join(this.dir, blob.digest.slice('sha256:'.length));
    if (blob.path === path) {
      this.files.set(blob.digest, path);
      return;
    }
    if (!this.#copyBase) {
      this.files.set(blob.digest, blob.path);
      return;
    }
    if (!(await exists(path))) {
      const tmp = tempName(this.dir, 'blob');
      try {
        // A reflink when the filesystem can, else a copy; the cache's file is never moved.
        await copyFile(blob.path, tmp, constants.COPYFILE_FICLONE);
        const fh = await open(tmp, 'r+');
        await fh.sync();
        await fh.close();
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      this.added.push(path);
    }
    this.files.set(blob.digest, path);
  }

  /** Records a layer writeLayer just put in this dir. */
  track(blob: LayerBlob, existedBefore: boolean): void {
    if (!existedBefore) this.added.push(blob.path);
    this.files.set(blob.digest, blob.path);
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
    const layers: LayerBlob[] = [];
    const descriptions: string[] = [];
    for (const spec of img.layers) {
      opts.signal?.throwIfAborted();
      if (spec.kind === 'blob') {
        await blobs.addFile(spec.blob);
        layers.push(spec.blob);
        descriptions.push('');
      } else {
        const blob = await writeLayer(spec.entries, {
          blobsDir: blobs.dir,
          ...(opts.level !== undefined ? { level: opts.level } : {}),
          ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
          ...(opts.inMemoryBytes !== undefined ? { inMemoryBytes: opts.inMemoryBytes } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        blobs.track(blob, blob.reused);
        opts.onLayer?.({ description: spec.description, size: blob.size, digest: blob.digest });
        layers.push(blob);
        descriptions.push(spec.description ?? '');
      }
    }
    const config = finalConfig(img.config, layers, descriptions, created);
    const configBytes = jsonBytes(config);
    const configDesc = describe(MediaType.ociConfig, configBytes);
    await blobs.addBytes(configDesc, configBytes);
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
    await blobs.addBytes(manifestDesc, manifestBytes);
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
  await blobs.addBytes(indexDesc, indexBytes);
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
  if (output.type === 'oci-layout') return exportLayout(images, output.dest, name, opts);
  return exportArchive(images, output, name, opts);
}

function result(built: Built): ExportResult {
  return {
    digest: built.root.digest,
    mediaType: built.root.mediaType,
    manifests: built.manifests.map((m) => ({ platform: m.platform, digest: m.digest, configDigest: m.configDigest })),
  };
}

async function isLayout(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'oci-layout'))) && (await exists(join(dir, 'index.json')));
}

async function exportLayout(images: readonly PlatformImage[], dest: string, name: ReturnType<typeof nameAnnotations>, opts: ExportOptions): Promise<ExportResult> {
  if (await exists(dest)) {
    const st = await stat(dest);
    const empty = st.isDirectory() && (await readdir(dest)).length === 0;
    if (!st.isDirectory() || (!empty && !(await isLayout(dest)))) {
      throw new Error(`output ${dest} exists and is not an OCI layout; remove it or choose another dest`);
    }
    return updateLayout(images, dest, name, opts);
  }
  // A new layout is built beside its destination and renamed into place in one step.
  const staging = tempName(dirname(dest), basename(dest));
  try {
    await mkdir(join(staging, 'blobs', 'sha256'), { recursive: true });
    const blobs = new BlobSet(join(staging, 'blobs', 'sha256'), true);
    const built = await buildBlobs(images, blobs, opts);
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [rootEntry(built.root, name)] };
    await writeSynced(join(staging, 'oci-layout'), OCI_LAYOUT);
    await writeSynced(join(staging, 'index.json'), jsonBytes(index));
    await syncDir(staging);
    opts.signal?.throwIfAborted();
    await rename(staging, dest);
    await syncDir(dirname(dest));
    return result(built);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Adds the image to an existing layout: new blobs, then index.json replaced atomically (same tag replaced). */
async function updateLayout(images: readonly PlatformImage[], dest: string, name: ReturnType<typeof nameAnnotations>, opts: ExportOptions): Promise<ExportResult> {
  const blobsDir = join(dest, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const blobs = new BlobSet(blobsDir, true);
  const indexTmp = tempName(dest, 'index');
  try {
    const built = await buildBlobs(images, blobs, opts);
    let index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    if (await exists(join(dest, 'index.json'))) {
      try {
        index = JSON.parse(await readFile(join(dest, 'index.json'), 'utf8')) as Index;
      } catch (e) {
        throw new Error(`${join(dest, 'index.json')} is not valid JSON: ${(e as Error).message}`);
      }
    }
    const keep = (index.manifests ?? []).filter((m) => !name || m.annotations?.[REF_NAME] !== name.tag);
    const next: Index = { ...index, schemaVersion: 2, manifests: [...keep, rootEntry(built.root, name)] };
    if (!(await exists(join(dest, 'oci-layout')))) await writeSynced(join(dest, 'oci-layout'), OCI_LAYOUT);
    await writeSynced(indexTmp, jsonBytes(next));
    opts.signal?.throwIfAborted();
    await rename(indexTmp, join(dest, 'index.json'));
    await syncDir(dest);
    return result(built);
  } catch (e) {
    await rm(indexTmp, { force: true });
    for (const p of blobs.added) await rm(p, { force: true });
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
  if ((await exists(output.dest)) && (await stat(output.dest)).isDirectory()) {
    throw new Error(`output ${output.dest} is a directory; type=${output.type} writes one tar file: name a file (e.g. ${join(output.dest, 'image.tar')})${output.type === 'oci' ? ', or use type=oci-layout for a directory' : ''}`);
  }
  const dir = dirname(output.dest);
  const staging = tempName(dir, `${basename(output.dest)}-blobs`);
  const tarTmp = tempName(dir, basename(output.dest));
  try {
    await mkdir(join(staging, 'blobs', 'sha256'), { recursive: true });
    const blobs = new BlobSet(join(staging, 'blobs', 'sha256'), false);
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
    for (const digest of [...blobs.files.keys()].sort()) {
      const path = blobs.files.get(digest)!;
      files.push({ name: `blobs/sha256/${digest.slice('sha256:'.length)}`, path, size: (await stat(path)).size });
    }
    const total = files.reduce((n, f) => n + ('size' in f ? f.size : 0), 0);
    if (total <= (opts.inMemoryBytes ?? SMALL_ARCHIVE_BYTES)) {
      // Stream set-up costs more than a small image's bytes: the same tar, written in one go.
      writeNewFileSynced(tarTmp, await collect(archiveChunks(files, opts.sourceDateEpoch ?? 0)));
    } else {
      await pipeline(
        Readable.from(archiveChunks(files, opts.sourceDateEpoch ?? 0)),
        createWriteStream(tarTmp, { flags: 'wx', mode: 0o644, flush: true }),
        opts.signal ? { signal: opts.signal } : {},
      );
    }
    opts.signal?.throwIfAborted();
    await rename(tarTmp, output.dest);
    await syncDir(dir);
    return result(built);
  } catch (e) {
    await rm(tarTmp, { force: true });
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

type ArchiveFile = { name: string; data: Buffer } | { name: string; path: string; size: number } | { name: string; dir: true };

/** Archives whose blobs add up to at most this many bytes are built in memory. */
const SMALL_ARCHIVE_BYTES = 4 << 20;

async function* archiveChunks(files: readonly ArchiveFile[], mtime: number): AsyncGenerator<Buffer> {
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
      let read = 0;
      for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20 })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (read !== f.size) throw new Error(`blob ${f.path} changed while the archive was written`);
      yield padding(f.size);
    }
  }
  yield END_OF_ARCHIVE;
}
