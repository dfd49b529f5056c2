// What a new layer is compressed with, spelled as BuildKit's image exporters spell it
// (`compression=gzip|zstd|uncompressed,compression-level=N,force-compression=true`), and the layer
// media type each gives.
import { MediaType } from '../../oci/types.js';

export type CompressionType = 'gzip' | 'zstd' | 'uncompressed';

export interface Compression {
  readonly type: CompressionType;
  /** gzip 0-9, zstd 1-22; ignored for uncompressed. */
  readonly level: number;
  /** Recompress base image layers whose compression differs (BuildKit's force-compression). */
  readonly force: boolean;
}

export const ZSTD_LAYER = 'application/vnd.oci.image.layer.v1.tar+zstd';

/**
 * Level 1 for both: a unikernel or disk layer is mostly one large binary, and gzip 6 (BuildKit's
 * default) or zstd 3 cost 2-3x the CPU for a few percent smaller blobs (see the benchmark).
 */
export const DEFAULT_LEVELS: Readonly<Record<CompressionType, number>> = { gzip: 1, zstd: 1, uncompressed: 0 };

export const LEVEL_RANGES: Readonly<Record<Exclude<CompressionType, 'uncompressed'>, readonly [number, number]>> = { gzip: [0, 9], zstd: [1, 22] };

export const DEFAULT_COMPRESSION: Compression = { type: 'gzip', level: DEFAULT_LEVELS.gzip, force: false };

export function compressionOf(type: CompressionType, level?: number, force = false): Compression {
  return { type, level: level ?? DEFAULT_LEVELS[type], force };
}

export function layerMediaType(type: CompressionType): string {
  if (type === 'gzip') return MediaType.ociLayerGzip;
  if (type === 'zstd') return ZSTD_LAYER;
  return MediaType.ociLayer;
}

/** The compression a layer media type names (OCI or Docker spelling), or undefined for one punch cannot tell. */
export function compressionOfMediaType(mediaType: string): CompressionType | undefined {
  switch (mediaType) {
    case MediaType.ociLayerGzip:
    case MediaType.dockerLayerGzip:
      return 'gzip';
    case ZSTD_LAYER:
      return 'zstd';
    case MediaType.ociLayer:
    case 'application/vnd.docker.image.rootfs.diff.tar':
      return 'uncompressed';
    default:
      return undefined;
  }
}
