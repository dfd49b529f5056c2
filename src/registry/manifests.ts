// Manifest documents: which kind a fetched document is, and which entry of an index fits a platform.
import { MediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../oci/types.js';
import { formatPlatform, normalizePlatform, samePlatform, type Platform } from '../platform.js';
import { RegistryError } from './errors.js';

export const manifestAccept = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

const indexTypes: ReadonlySet<string> = new Set([MediaType.ociIndex, MediaType.dockerManifestList]);
const manifestTypes: ReadonlySet<string> = new Set([MediaType.ociManifest, MediaType.dockerManifest]);

export type ManifestDocument =
  | { kind: 'index'; mediaType: string; index: Index }
  | { kind: 'manifest'; mediaType: string; manifest: Manifest };

/**
 * Classifies a manifest body. The body's own mediaType wins over the Content-Type header (registries
 * and layouts disagree on the header); with neither, the shape decides.
 */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | undefined, what: string): ManifestDocument {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new RegistryError('protocol', `${what}: manifest is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null) throw new RegistryError('protocol', `${what}: manifest is not a JSON object`);
  const doc = body as { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown; schemaVersion?: unknown };
  const header = contentType?.split(';')[0]?.trim();
  const declared = typeof doc.mediaType === 'string' && doc.mediaType ? doc.mediaType : header;
  const isIndex = declared ? indexTypes.has(declared) : Array.isArray(doc.manifests);
  const isManifest = declared ? manifestTypes.has(declared) : typeof doc.config === 'object';
  if (isIndex && Array.isArray(doc.manifests)) {
    return { kind: 'index', mediaType: declared ?? MediaType.ociIndex, index: body as Index };
  }
  if (isManifest && typeof doc.config === 'object' && doc.config !== null && Array.isArray(doc.layers)) {
    return { kind: 'manifest', mediaType: declared ?? MediaType.ociManifest, manifest: body as Manifest };
  }
  if (doc.schemaVersion === 1) {
    throw new RegistryError('protocol', `${what}: Docker schema 1 manifests are not supported; push the image again with a current client`);
  }
  throw new RegistryError('protocol', `${what}: unsupported manifest type ${declared ? `"${declared}"` : '(none declared)'}`);
}

function describe(p: Descriptor['platform']): string {
  if (!p) return '(no platform)';
  return formatPlatform(p.variant ? { os: p.os, architecture: p.architecture, variant: p.variant } : p);
}

/**
 * The first index entry whose platform equals the wanted one after containerd-like normalisation
 * (x86_64 ≡ amd64, arm64/v8 ≡ arm64). The os must match exactly: Unikraft indexes use `qemu`/`fc`/`xen`.
 */
export function selectManifest(index: Index, want: Platform, what: string): Descriptor {
  // Nested indexes are not followed: neither kraftkit nor BuildKit produce them.
  const found = index.manifests.find(
    (d) => d.platform && !indexTypes.has(d.mediaType) && samePlatform(toPlatform(d.platform), want),
  );
  if (found) return found;
  const available = index.manifests.filter((d) => d.platform).map((d) => describe(d.platform));
  throw new RegistryError(
    'no-platform',
    `no manifest for platform ${formatPlatform(normalizePlatform(want))} in ${what}; available: ${available.length > 0 ? available.join(', ') : 'none (the index lists no platforms)'}`,
  );
}

function toPlatform(p: NonNullable<Descriptor['platform']>): Platform {
  return p.variant ? { os: p.os, architecture: p.architecture, variant: p.variant } : { os: p.os, architecture: p.architecture };
}

/** A lone manifest is accepted only when its config says it is for the wanted platform. */
export function checkConfigPlatform(config: ImageConfig, want: Platform, what: string): void {
  const have: Platform = config.variant
    ? { os: config.os, architecture: config.architecture, variant: config.variant }
    : { os: config.os, architecture: config.architecture };
  if (!samePlatform(have, want)) {
    throw new RegistryError(
      'no-platform',
      `no manifest for platform ${formatPlatform(normalizePlatform(want))} in ${what}; available: ${formatPlatform(have)} (a single-platform image)`,
    );
  }
}

/** Parses and minimally checks an image config blob. */
export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new RegistryError('protocol', `${what}: image config is not JSON: ${(err as Error).message}`);
  }
  const c = body as Partial<ImageConfig> | null;
  if (!c || typeof c !== 'object' || typeof c.os !== 'string' || typeof c.architecture !== 'string') {
    throw new RegistryError('protocol', `${what}: image config lacks "os" or "architecture"`);
  }
  const diffIds = c.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string')) {
    throw new RegistryError('protocol', `${what}: image config lacks rootfs.diff_ids`);
  }
  // Some minimal images (scratch-like Unikraft bases) omit the runtime config entirely.
  return { ...(c as ImageConfig), config: c.config ?? {} };
}
