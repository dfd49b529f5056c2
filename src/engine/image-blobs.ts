// The image's JSON blobs: each platform's layers, config and manifest, and an index for several.
import { MediaType, type Descriptor, type Index, type Manifest } from '../oci/types.js';
import type { Platform } from '../platform.js';
import { sortedRecord } from '../order.js';
import { describe, jsonBytes, type BlobSet, type ExportedLayer } from './blobs.js';
import { CREATED, finalConfig, rfc3339 } from './history.js';
import type { ExportOptions, PlatformImage } from './oci.js';

export interface Built {
  root: Descriptor;
  manifests: { platform: Platform; digest: string; configDigest: string; layers: string[]; config: string }[];
}

/** Writes layers, configs, manifests (and an index for several platforms) into `blobs`. */
export async function buildBlobs(images: readonly PlatformImage[], blobs: BlobSet, opts: ExportOptions): Promise<Built> {
  const created = opts.sourceDateEpoch !== undefined ? rfc3339(opts.sourceDateEpoch) : undefined;
  const manifests: Built['manifests'] = [];
  const descriptors: Descriptor[] = [];
  for (const img of images) {
    const layers: ExportedLayer[] = [];
    const descriptions: string[] = [];
    for (const spec of img.layers) {
      opts.signal?.throwIfAborted();
      if (spec.kind === 'blob') {
        layers.push(await blobs.addBase(spec.blob, opts));
        descriptions.push('');
      } else {
        const layer = await blobs.addLayer(spec.entries, opts);
        opts.onLayer?.({ description: spec.description, size: layer.size, digest: layer.digest, ...(layer.cache ? { cache: layer.cache } : {}) });
        layers.push({ mediaType: layer.mediaType, digest: layer.digest, diffID: layer.diffID, size: layer.size });
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

