// `oci-layout://<dir>[:tag]` bases: the same PulledImage, read from a local OCI image layout in place.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LAYOUT_INDEX_FILE, LAYOUT_MARKER_FILE, OCI_LAYOUT_SCHEME, REF_NAME_ANNOTATION, parseOciLayoutRef } from '../oci/layout.js';
import type { Descriptor, Index } from '../oci/types.js';
import type { Platform } from '../platform.js';
import { blobPath, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { mapLimit, pairLayers, type PulledImage } from './image.js';
import { checkConfigPlatform, parseImageConfig, parseManifestDocument, selectManifest } from './manifests.js';

export { parseOciLayoutRef };

async function readBlob(dir: string, desc: Descriptor, what: string): Promise<Buffer> {
  const path = blobPath(dir, desc.digest, what);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new RegistryError('layout', `${what}: blob ${desc.digest} is missing (${path})`);
  }
  const got = sha256Digest(bytes);
  if (got !== desc.digest) throw new RegistryError('digest-mismatch', `digest mismatch for ${what} (${path}): expected ${desc.digest}, got ${got}`);
  return bytes;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new RegistryError('layout', `${what}: ${path} is missing: not an OCI image layout`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RegistryError('layout', `${what}: ${path} is not JSON: ${(err as Error).message}`);
  }
}

/** Which entry of index.json the tag names; with no tag, the only entry, or index.json itself as a platform index. */
function pickEntry(index: Index, tag: string | undefined, what: string): Descriptor | 'whole-index' {
  const named = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== undefined);
  if (tag !== undefined) {
    const hit = index.manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (hit) return hit;
  } else if (index.manifests.length === 1) {
    return index.manifests[0]!;
  } else if (named.length === 0) {
    return 'whole-index';
  }
  const tags = named.map((d) => d.annotations![REF_NAME_ANNOTATION]!);
  const wanted = tag === undefined ? 'no tag given' : `tag "${tag}" not found`;
  throw new RegistryError('not-found', `image not found: ${what}: ${wanted}; tags in the layout: ${tags.length > 0 ? tags.join(', ') : 'none'}`);
}

export async function readOciLayout(dir: string, tag: string | undefined, platform: Platform): Promise<PulledImage> {
  const root = resolve(dir);
  const what = `${OCI_LAYOUT_SCHEME}${root}${tag !== undefined ? `:${tag}` : ''}`;
  const marker = (await readJsonFile(`${root}/${LAYOUT_MARKER_FILE}`, what)) as { imageLayoutVersion?: unknown } | null;
  if (!marker || typeof marker.imageLayoutVersion !== 'string') {
    throw new RegistryError('layout', `${what}: ${root}/${LAYOUT_MARKER_FILE} lacks imageLayoutVersion`);
  }
  const top = (await readJsonFile(`${root}/${LAYOUT_INDEX_FILE}`, what)) as Index | null;
  if (!top || !Array.isArray(top.manifests)) throw new RegistryError('layout', `${what}: index.json lists no manifests`);

  const entry = pickEntry(top, tag, what);
  let indexDigest: string | undefined;
  let chosen: Descriptor;
  if (entry === 'whole-index') {
    chosen = selectManifest(top, platform, what);
  } else {
    const doc = parseManifestDocument(await readBlob(root, entry, what), entry.mediaType, what);
    if (doc.kind === 'index') {
      indexDigest = entry.digest;
      chosen = selectManifest(doc.index, platform, what);
    } else {
      chosen = entry;
    }
  }
  const doc = parseManifestDocument(await readBlob(root, chosen, what), chosen.mediaType, what);
  if (doc.kind !== 'manifest') throw new RegistryError('layout', `${what}: ${chosen.digest} is not an image manifest`);
  const manifest = doc.manifest;
  const config = parseImageConfig(await readBlob(root, manifest.config, what), `config of ${what}`);
  // A lone manifest (no index to pick from) must itself be for the platform.
  if (entry !== 'whole-index' && indexDigest === undefined) checkConfigPlatform(config, platform, what);

  // Layers are used in place: their size is checked here, their content by whoever unpacks them.
  const paths = await mapLimit(manifest.layers, 8, async (d) => {
    const path = blobPath(root, d.digest, what);
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new RegistryError('layout', `${what}: layer blob ${d.digest} is missing (${path})`);
    if (st.size !== d.size) throw new RegistryError('layout', `${what}: layer blob ${path} is ${st.size} bytes, its descriptor says ${d.size}`);
    return path;
  });
  const image: PulledImage = {
    ref: what,
    manifestDigest: chosen.digest,
    manifest,
    config,
    configDigest: manifest.config.digest,
    layers: pairLayers(manifest, config, paths, what),
  };
  if (indexDigest) image.indexDigest = indexDigest;
  return image;
}
