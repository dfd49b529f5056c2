// Image bases for the embedded builder: resolved and pulled over the registry client (or read from
// an `oci-layout://` directory relative to the context).
import { resolve } from 'node:path';
import type { BaseImage } from '../engine/index.js';
import { isOciLayoutRef } from '../oci/reference.js';
import type { Platform } from '../platform.js';
import type { RegistryClient, RegistryOptions } from '../registry/index.js';

/** `oci-layout://dir[:tag]` with a relative dir is read relative to the build context, like COPY. */
export function layoutRefInContext(ref: string, contextDir: string): string {
  if (!isOciLayoutRef(ref)) return ref;
  const rest = ref.slice('oci-layout://'.length);
  return rest.startsWith('/') ? ref : `oci-layout://${resolve(contextDir, rest)}`;
}

/**
 * The registry client, created on first use: it brings node:crypto, streams and fetch with it, which
 * a FROM scratch build written to a file never needs (they would be a sixth of its run time).
 */
export function lazyRegistry(opts: () => RegistryOptions): () => Promise<RegistryClient> {
  let client: Promise<RegistryClient> | undefined;
  return () => (client ??= import('../registry/index.js').then((m) => m.createRegistryClient(opts())));
}

export function imageProvider(registry: () => Promise<RegistryClient>, contextDir: string): (ref: string, platform: Platform) => Promise<BaseImage> {
  return async (ref, platform) => {
    const pulled = await (await registry()).pull(layoutRefInContext(ref, contextDir), platform);
    return {
      config: pulled.config,
      layers: pulled.layers.map((l) => ({ path: l.path, mediaType: l.mediaType, digest: l.digest, diffID: l.diffId, size: l.size })),
    };
  };
}
