// Turns an OCI image layout (as `punch build` writes it) into what `RegistryClient.push` sends.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LAYOUT_INDEX_FILE, layoutBlobPath } from '../oci/layout.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../oci/types.js';
import type { BlobToPush, ManifestToPush, PushImage } from './push.js';

function blobPath(dir: string, digest: string): string {
  return join(dir, layoutBlobPath(digest));
}

async function blob(dir: string, d: Descriptor): Promise<BlobToPush> {
  const path = blobPath(dir, d.digest);
  const size = (await stat(path)).size;
  if (size !== d.size) throw new Error(`layout ${dir}: blob ${d.digest} has ${size} bytes, its descriptor says ${d.size}`);
  return { digest: d.digest, size, path };
}

async function manifestBlobs(dir: string, m: Manifest): Promise<BlobToPush[]> {
  return Promise.all([m.config, ...m.layers].map((d) => blob(dir, d)));
}

/** The image that index.json's only entry names: a manifest, or an index of per-platform manifests. */
export async function pushImageFromLayout(dir: string): Promise<PushImage> {
  const index = JSON.parse(await readFile(join(dir, LAYOUT_INDEX_FILE), 'utf8')) as Index;
  if (index.manifests.length !== 1) throw new Error(`layout ${dir}: expected one image in index.json, found ${index.manifests.length}`);
  const top = index.manifests[0]!;
  const rootBytes = await readFile(blobPath(dir, top.digest));
  const root: ManifestToPush = { mediaType: top.mediaType, bytes: rootBytes };
  if (top.mediaType === MediaType.ociIndex) {
    const child = JSON.parse(rootBytes.toString('utf8')) as Index;
    const manifests: ManifestToPush[] = [];
    const blobs: BlobToPush[] = [];
    for (const d of child.manifests) {
      const bytes = await readFile(blobPath(dir, d.digest));
      manifests.push({ mediaType: d.mediaType, bytes });
      blobs.push(...(await manifestBlobs(dir, JSON.parse(bytes.toString('utf8')) as Manifest)));
    }
    return { blobs, manifests, root };
  }
  return { blobs: await manifestBlobs(dir, JSON.parse(rootBytes.toString('utf8')) as Manifest), root };
}
