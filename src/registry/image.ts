// The shape every image source (registry pull, OCI layout) returns, and the pieces both need.
import type { ImageConfig, Manifest } from '../oci/types.js';
import { RegistryError } from './errors.js';

export interface PulledLayer {
  digest: string;
  /** The uncompressed digest, from the config's rootfs.diff_ids. */
  diffId: string;
  mediaType: string;
  size: number;
  /** The blob's file: in the cache for a pull, in the layout for `oci-layout://`. */
  path: string;
  annotations?: Record<string, string>;
}

export interface PulledImage {
  /** Normalised reference, e.g. `docker.io/library/alpine:latest` or `oci-layout:///dir:tag`. */
  ref: string;
  /** Digest of the index the manifest was chosen from, when there was one. */
  indexDigest?: string;
  manifestDigest: string;
  manifest: Manifest;
  config: ImageConfig;
  configDigest: string;
  layers: PulledLayer[];
}

/** Pairs each layer descriptor with its diff ID; the two lists must be the same length. */
export function pairLayers(manifest: Manifest, config: ImageConfig, paths: string[], what: string): PulledLayer[] {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new RegistryError(
      'protocol',
      `${what}: the manifest lists ${manifest.layers.length} layers but the config lists ${diffIds.length} diff_ids`,
    );
  }
  return manifest.layers.map((d, i) => {
    const layer: PulledLayer = { digest: d.digest, diffId: diffIds[i]!, mediaType: d.mediaType, size: d.size, path: paths[i]! };
    if (d.annotations) layer.annotations = d.annotations;
    return layer;
  });
}

/** Runs `fn` over items with at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
