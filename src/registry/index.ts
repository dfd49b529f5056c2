// punch's OCI distribution client for the embedded builder: resolve, pull and push over Node's fetch.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';
import { BlobCache } from './blob-cache.js';
import { lookupCredentials, readDockerConfig, type CredentialLookup } from './credentials.js';
import type { PulledImage } from './image.js';
import { parseOciLayoutRef, readOciLayout } from './oci-layout.js';
import { fetchConfig, pullImage, selectForPlatform } from './pull.js';
import { pushImage, type PushImage } from './push.js';
import { isLoopbackHost, toRegistryRef, type RegistryRef } from './ref.js';
import { Transport, type TransportContext } from './transport.js';

export { RegistryError, type RegistryErrorKind } from './errors.js';
export type { PulledImage, PulledLayer } from './image.js';
export type { BlobToPush, ManifestToPush, PushImage } from './push.js';
export { parseOciLayoutRef, readOciLayout } from './oci-layout.js';
export { isLoopbackHost } from './ref.js';
export { pushImageFromLayout } from './layout-push.js';

export interface RegistryOptions {
  /** Blobs are kept under `<cacheDir>/blobs/sha256/<hex>`. */
  cacheDir: string;
  /** The path a pull hands out for a cached blob (the build's lease on it); default the cache's own. */
  useBlob?: (path: string) => string;
  /** Told of each blob a pull adds to the cache. */
  onBlobAdded?: (digest: string, size: number) => void;
  /** Default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** Hosts spoken to over plain HTTP. Default: loopback (127.0.0.0/8, ::1, localhost). */
  insecure?: (host: string) => boolean;
  fetch?: typeof fetch;
  log?: (msg: string) => void;
}

export interface RegistryClient {
  /** The digest the reference resolves to (the index's, when there is one) and the platform's config. */
  resolve(ref: string, platform: Platform): Promise<{ digest: string; config: ImageConfig }>;
  /** The platform's manifest, config and layers, with every blob in the cache (or in place for oci-layout://). */
  pull(ref: string, platform: Platform): Promise<PulledImage>;
  /** Uploads what the registry lacks, then the manifests; returns the root's digest. */
  push(ref: string, image: PushImage): Promise<{ digest: string }>;
}

export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(homedir(), '.docker', 'config.json');
}

export function createRegistryClient(opts: RegistryOptions): RegistryClient {
  const configPath = opts.dockerConfigPath ?? defaultDockerConfigPath();
  const log = opts.log ?? (() => undefined);
  const cache = new BlobCache(opts.cacheDir, opts.useBlob, opts.onBlobAdded);
  let dockerConfig: Promise<unknown> | undefined;
  const ctx: TransportContext = {
    fetch: opts.fetch ?? fetch,
    insecure: opts.insecure ?? isLoopbackHost,
    configPath,
    authCache: new Map(),
    log,
    // Read lazily: only a registry that asks for credentials makes punch look at config.json.
    credentials: async (domain: string): Promise<CredentialLookup> => {
      dockerConfig ??= readDockerConfig(configPath);
      return lookupCredentials(await dockerConfig, domain, configPath);
    },
  };
  const transport = (ref: RegistryRef): Transport => new Transport(ref, ctx);

  return {
    async resolve(text, platform) {
      const layout = parseOciLayoutRef(text);
      if (layout) {
        const image = await readOciLayout(layout.dir, layout.tag, platform);
        return { digest: image.indexDigest ?? image.manifestDigest, config: image.config };
      }
      const ref = toRegistryRef(text);
      const t = transport(ref);
      const selected = await selectForPlatform(t, ref, platform);
      const config = await fetchConfig(t, cache, ref, selected, platform);
      return { digest: selected.indexDigest ?? selected.manifestDigest, config };
    },
    async pull(text, platform) {
      const layout = parseOciLayoutRef(text);
      if (layout) return readOciLayout(layout.dir, layout.tag, platform);
      const ref = toRegistryRef(text);
      return pullImage(transport(ref), cache, ref, platform, log);
    },
    async push(text, image) {
      const ref = toRegistryRef(text);
      return pushImage(transport(ref), ref, image, log);
    },
  };
}
