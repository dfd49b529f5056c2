// Layer compression: gzip, zstd or none, in parallel blocks whose bytes do not depend on the core count.
export { compressSync } from './sync.js';
export { ParallelCompressor, type CompressorOptions, type StreamOptions } from './stream.js';
export { compressionOf, compressionOfMediaType, DEFAULT_COMPRESSION, DEFAULT_LEVELS, layerMediaType, LEVEL_RANGES, ZSTD_LAYER, type Compression, type CompressionType } from './spec.js';
export { closeSharedPools } from './pool.js';
