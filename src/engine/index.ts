// punch's embedded builder: run an LLB Definition in-process and write a standard OCI image, no daemon.
export { executeDefinition, FileOpError, UnsupportedOpError, type ExecEnv, type ExecResult } from './executor.js';
export { OwnerLookupError } from './users.js';
export { listRootfs, type RootfsEntry } from './rootfs-list.js';
export { DEFAULT_GZIP_LEVEL, writeLayer, type LayerWriteOptions, type WrittenLayer } from './layer.js';
export { exportImage, type ExportOptions, type ExportResult, type OutputSpec, type PlatformImage } from './oci.js';
export { finalConfig, reconcileHistory, rfc3339 } from './history.js';
export type { BaseImage, Content, DirNode, FsNode, ImageProvider, LayerBlob, LayerEntry, LayerSpec, NodeMeta } from './types.js';
export { closeSharedPools as stopCompressionWorkers, type Compression } from './compress/index.js';
export { type CacheOutcome, type LayerCacheOptions } from './layer-cache.js';
