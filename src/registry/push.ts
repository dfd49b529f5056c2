// Pushing: blobs the registry lacks (monolithic upload streamed from file), then manifests, then tags.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { digestHex, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { manifestReference, type RegistryRef } from './ref.js';
import { errorText, type Transport } from './transport.js';

export interface BlobToPush {
  digest: string;
  size: number;
  /** The file holding exactly the blob's bytes. */
  path: string;
}

export interface ManifestToPush {
  mediaType: string;
  /** The exact bytes: the digest is computed over them, so they are sent unchanged. */
  bytes: Uint8Array;
}

export interface PushImage {
  /** Every config and layer the manifests refer to (duplicates are pushed once). */
  blobs: BlobToPush[];
  /** Manifests the root index refers to; pushed by digest before the root. Empty for a lone manifest. */
  manifests?: ManifestToPush[];
  /** The manifest or index the reference names (its tag, or its digest when the reference pins one). */
  root: ManifestToPush;
  /** More tags for the root in the same repository. */
  tags?: string[];
}

export async function pushImage(t: Transport, ref: RegistryRef, image: PushImage, log: (msg: string) => void): Promise<{ digest: string }> {
  const rootDigest = sha256Digest(image.root.bytes);
  if (ref.digest && ref.digest !== rootDigest) {
    throw new RegistryError('digest-mismatch', `cannot push to ${ref.text}: the manifest's digest is ${rootDigest}`);
  }
  const seen = new Set<string>();
  for (const blob of image.blobs) {
    if (seen.has(blob.digest)) continue;
    seen.add(blob.digest);
    await pushBlob(t, ref, blob, log);
  }
  for (const m of image.manifests ?? []) await putManifest(t, ref, sha256Digest(m.bytes), m);
  await putManifest(t, ref, manifestReference(ref), image.root);
  for (const tag of image.tags ?? []) await putManifest(t, ref, tag, image.root);
  return { digest: rootDigest };
}

async function pushBlob(t: Transport, ref: RegistryRef, blob: BlobToPush, log: (msg: string) => void): Promise<void> {
  digestHex(blob.digest, `blob for ${ref.text}`);
  const head = await t.request({ method: 'HEAD', url: t.path(`blobs/${blob.digest}`), actions: 'pull,push' });
  if (head.ok) return;
  if (head.status !== 404) {
    throw new RegistryError('protocol', `checking blob ${blob.digest} in ${ref.text}: HTTP ${head.status}`);
  }
  const size = (await stat(blob.path)).size;
  if (size !== blob.size) {
    throw new RegistryError('digest-mismatch', `${blob.path} is ${size} bytes but blob ${blob.digest} is declared as ${blob.size}`);
  }
  log(`registry: pushing blob ${blob.digest} (${blob.size} bytes) to ${ref.text}`);
  const start = await t.request({ method: 'POST', url: t.path('blobs/uploads/'), actions: 'pull,push' });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) {
    throw new RegistryError('protocol', `starting upload of ${blob.digest} to ${ref.text}: HTTP ${start.status}: ${await errorText(start)}`);
  }
  await start.body?.cancel();
  const url = new URL(location, t.base);
  url.searchParams.set('digest', blob.digest);
  const put = await t.request({
    method: 'PUT',
    url: url.toString(),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body: () => Readable.toWeb(createReadStream(blob.path)) as unknown as NonNullable<RequestInit['body']>,
    actions: 'pull,push',
  });
  if (put.status !== 201) {
    throw new RegistryError('protocol', `uploading blob ${blob.digest} to ${ref.text}: HTTP ${put.status}: ${await errorText(put)}`);
  }
  await put.body?.cancel();
}

async function putManifest(t: Transport, ref: RegistryRef, reference: string, m: ManifestToPush): Promise<void> {
  const res = await t.request({
    method: 'PUT',
    url: t.path(`manifests/${reference}`),
    headers: { 'content-type': m.mediaType },
    body: () => m.bytes,
    actions: 'pull,push',
  });
  if (res.status !== 201) {
    throw new RegistryError('protocol', `pushing manifest ${reference} to ${ref.text}: HTTP ${res.status}: ${await errorText(res)}`);
  }
  await res.body?.cancel();
}
