// The embedded builder's way in (`punch build`): plan, execute in-process, check, export. The public face of src/embedded/.
export { buildImage, layoutRefInContext, type BuiltImage, type EmbeddedBuild, type ImageOutput } from './session.js';
export { compressionOf, LEVEL_RANGES, type Compression, type CompressionType } from '../engine/compress/index.js';
