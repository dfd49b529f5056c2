// The exporters: the built image (its blobs from image-blobs.ts, history from history.ts) as an OCI
// layout dir, an OCI archive tar, or a docker-load tar.
// The output is staged under a temp name next to the destination, fsynced, and renamed at the end;
// a failure or an abort (SIGINT/SIGTERM through `signal`) removes what was staged.
// Small steps use synchronous fs calls: an export is a handful of them, and each async one costs a
// thread-pool round trip (and node:fs/promises its load time). Copies of base blobs stay async.
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LAYOUT_INDEX_FILE, LAYOUT_MARKER, LAYOUT_MARKER_FILE, REF_NAME_ANNOTATION, layoutBlobPath } from '../oci/layout.js';
import { formatReference, isReferenceError, parseReference, withDefaultTag } from '../oci/reference.js';
import { MediaType, type Descriptor, type ImageConfig, type Index } from '../oci/types.js';
import type { Platform } from '../platform.js';
import type { Compression } from './compress/index.js';
import { BlobSet, exists, jsonBytes, makeDirs, syncDir } from './blobs.js';
import { makeParentDirs, removeMadeDirs } from './dest.js';
import { buildBlobs, type Built } from './image-blobs.js';
import { tempName, writeNewFile } from './layer.js';
import { ArchiveWriter } from './archive-writer.js';
import type { CacheOutcome, LayerCacheOptions } from './layer-cache.js';
import type { LayerSpec } from './types.js';

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
  /** Compression of new layers (and, with `force`, of base layers): default gzip level 1. */
  compression?: Compression;
  /** Layers up to this many bytes of content are built in memory (default 1 MiB). */
  inMemoryBytes?: number;
  /** Called after each new layer is written, with its step's progress name, compressed size and how the cache served it. */
  onLayer?: (layer: { description: string | undefined; size: number; digest: string; cache?: CacheOutcome }) => void;
  /** The layer cache (`punch build`): unchanged layers reuse the blob packed before. */
  layerCache?: LayerCacheOptions;
  /** A problem that does not stop the export (a layer cache that cannot be written). */
  warn?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ExportResult {
  /** Digest of what index.json points at: the manifest (one platform) or the image index. */
  digest: string;
  mediaType: string;
  manifests: { platform: Platform; digest: string; configDigest: string }[];
}

const IMAGE_NAME = 'io.containerd.image.name';

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
  return { ...root, annotations: { [IMAGE_NAME]: name.full, [REF_NAME_ANNOTATION]: name.tag } };
}


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
  return exists(join(dir, LAYOUT_MARKER_FILE)) && exists(join(dir, LAYOUT_INDEX_FILE));
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
    writeNewFile(join(staging, LAYOUT_MARKER_FILE), LAYOUT_MARKER);
    writeNewFile(join(staging, LAYOUT_INDEX_FILE), jsonBytes(index));
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
    if (exists(join(dest, LAYOUT_INDEX_FILE))) {
      try {
        index = JSON.parse(readFileSync(join(dest, LAYOUT_INDEX_FILE), 'utf8')) as Index;
      } catch (e) {
        throw new Error(`${join(dest, LAYOUT_INDEX_FILE)} is not valid JSON: ${(e as Error).message}`);
      }
    }
    const keep = (index.manifests ?? []).filter((m) => !name || m.annotations?.[REF_NAME_ANNOTATION] !== name.tag);
    const next: Index = { ...index, schemaVersion: 2, manifests: [...keep, rootEntry(built.root, name)] };
    if (!exists(join(dest, LAYOUT_MARKER_FILE))) writeNewFile(join(dest, LAYOUT_MARKER_FILE), LAYOUT_MARKER);
    writeNewFile(indexTmp, jsonBytes(next));
    opts.signal?.throwIfAborted();
    renameSync(indexTmp, join(dest, LAYOUT_INDEX_FILE));
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
  const tarTmp = tempName(dir, basename(output.dest));
  // Blobs go into the tar as they are made; the index and markers, known last, end it (the order
  // containerd's exporter gives: blobs, index.json, manifest.json, oci-layout).
  const archive = new ArchiveWriter(tarTmp, opts.sourceDateEpoch ?? 0);
  const blobs = new BlobSet(tempName(dir, `${basename(output.dest)}-blobs`), archive);
  try {
    const built = await buildBlobs(images, blobs, opts);
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [rootEntry(built.root, name)] };
    archive.addBytes(LAYOUT_INDEX_FILE, jsonBytes(index));
    if (output.type === 'docker') {
      const m = built.manifests[0]!;
      const entry: Record<string, unknown> = { Config: layoutBlobPath(m.config), RepoTags: name ? [name.full] : [], Layers: m.layers.map((d) => layoutBlobPath(d)) };
      archive.addBytes('manifest.json', jsonBytes([entry]));
    }
    archive.addBytes(LAYOUT_MARKER_FILE, LAYOUT_MARKER);
    await archive.finish();
    opts.signal?.throwIfAborted();
    renameSync(tarTmp, output.dest);
    syncDir(dir);
    return result(built);
  } catch (e) {
    archive.abandon();
    rmSync(tarTmp, { force: true });
    throw e;
  } finally {
    if (blobs.dirMade) rmSync(blobs.dir, { recursive: true, force: true });
  }
}
