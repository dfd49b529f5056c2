// Pulling: tag → (index → platform's manifest) → config → layers, every document checked against its digest.
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ImageConfig, Manifest } from '../oci/types.js';
import type { Platform } from '../platform.js';
import type { BlobCache } from './blob-cache.js';
import { digestHex, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { mapLimit, pairLayers, type PulledImage } from './image.js';
import {
  checkConfigPlatform,
  manifestAccept,
  parseImageConfig,
  parseManifestDocument,
  selectManifest,
  type ManifestDocument,
} from './manifests.js';
import { manifestReference, type RegistryRef } from './ref.js';
import { errorText, type Transport } from './transport.js';

/** Manifests are small; anything larger is not a manifest. */
const maxManifestBytes = 4 * 1024 * 1024;
const layerConcurrency = 3;

export interface FetchedManifest {
  digest: string;
  bytes: Uint8Array;
  doc: ManifestDocument;
}

export interface SelectedManifest {
  indexDigest?: string;
  manifestDigest: string;
  manifest: Manifest;
}

export async function fetchManifest(t: Transport, ref: RegistryRef, reference: string): Promise<FetchedManifest> {
  // Tags cannot hold a colon, digests always do.
  const byDigest = reference.includes(':');
  if (byDigest) digestHex(reference, `manifest of ${ref.text}`);
  const res = await t.request({
    method: 'GET',
    url: t.path(`manifests/${reference}`),
    headers: { accept: manifestAccept },
    actions: 'pull',
  });
  if (res.status === 404) {
    const detail = await errorText(res);
    const which = reference === manifestReference(ref) ? '' : ` (manifest ${reference})`;
    throw new RegistryError('not-found', `image not found: ${ref.text}${which}: ${detail}`);
  }
  if (!res.ok) {
    throw new RegistryError('protocol', `fetching manifest ${reference} of ${ref.text}: HTTP ${res.status}: ${await errorText(res)}`);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxManifestBytes) {
    throw new RegistryError('protocol', `manifest ${reference} of ${ref.text} is ${declared} bytes, more than a manifest can be`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const digest = sha256Digest(bytes);
  if (byDigest && digest !== reference) {
    throw new RegistryError('digest-mismatch', `digest mismatch for manifest of ${ref.text}: expected ${reference}, got ${digest}`);
  }
  const doc = parseManifestDocument(bytes, res.headers.get('content-type') ?? undefined, `manifest ${reference} of ${ref.text}`);
  return { digest, bytes, doc };
}

/** From the reference to the one manifest for the platform (a lone manifest's platform is checked later, on its config). */
export async function selectForPlatform(t: Transport, ref: RegistryRef, platform: Platform): Promise<SelectedManifest> {
  const top = await fetchManifest(t, ref, manifestReference(ref));
  if (top.doc.kind === 'manifest') return { manifestDigest: top.digest, manifest: top.doc.manifest };
  const chosen = selectManifest(top.doc.index, platform, ref.text);
  const child = await fetchManifest(t, ref, chosen.digest);
  if (child.doc.kind !== 'manifest') {
    throw new RegistryError('protocol', `${ref.text}: the index entry ${chosen.digest} for the platform is not an image manifest`);
  }
  return { indexDigest: top.digest, manifestDigest: child.digest, manifest: child.doc.manifest };
}

function openBlob(t: Transport, ref: RegistryRef, digest: string): () => Promise<WebReadableStream<Uint8Array>> {
  return async () => {
    const res = await t.request({ method: 'GET', url: t.path(`blobs/${digest}`), actions: 'pull' });
    if (res.status === 404) throw new RegistryError('not-found', `blob ${digest} of ${ref.text} not found: ${await errorText(res)}`);
    if (!res.ok || !res.body) {
      throw new RegistryError('protocol', `fetching blob ${digest} of ${ref.text}: HTTP ${res.status}: ${await errorText(res)}`);
    }
    return res.body as WebReadableStream<Uint8Array>;
  };
}

export async function fetchConfig(
  t: Transport,
  cache: BlobCache,
  ref: RegistryRef,
  selected: SelectedManifest,
  platform: Platform,
): Promise<ImageConfig> {
  const desc = selected.manifest.config;
  const what = `config ${desc.digest} of ${ref.text}`;
  await cache.ensure(desc.digest, desc.size, what, openBlob(t, ref, desc.digest));
  const config = parseImageConfig(await cache.readBytes(desc.digest), what);
  if (!selected.indexDigest) checkConfigPlatform(config, platform, ref.text);
  return config;
}

export async function pullImage(
  t: Transport,
  cache: BlobCache,
  ref: RegistryRef,
  platform: Platform,
  log: (msg: string) => void,
): Promise<PulledImage> {
  const selected = await selectForPlatform(t, ref, platform);
  const config = await fetchConfig(t, cache, ref, selected, platform);
  const paths = await mapLimit(selected.manifest.layers, layerConcurrency, async (d) => {
    const what = `layer ${d.digest} of ${ref.text}`;
    const cached = await cache.lookup(d.digest, d.size);
    if (cached) return cached;
    log(`registry: pulling ${what} (${d.size} bytes)`);
    return cache.ensure(d.digest, d.size, what, openBlob(t, ref, d.digest));
  });
  const image: PulledImage = {
    ref: ref.text,
    manifestDigest: selected.manifestDigest,
    manifest: selected.manifest,
    config,
    configDigest: selected.manifest.config.digest,
    layers: pairLayers(selected.manifest, config, paths, ref.text),
  };
  if (selected.indexDigest) image.indexDigest = selected.indexDigest;
  return image;
}
