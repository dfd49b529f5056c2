// punch's cache: the layer cache (`punch build` reuses what it packed before), leases on the base image blobs a build reads, and `punch cache du|prune` over both. The public face of src/cache/.
export { LayerCache, type CachedLayer, type CompressionKey, type StatInput } from './layers.js';
export { sameStat, statFile, type FileStat } from './files.js';
export { cacheUsage, pruneCache, type CacheUsage, type PruneResult } from './prune.js';
export { formatSize, parseSize } from './size.js';
export { BlobLease } from './leases.js';
