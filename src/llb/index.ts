// LLB: build a graph of immutable States and marshal it to a BuildKit pb.Definition, byte-compatible
// with Go's client/llb (test/fixtures/llb-golden*.txt hold Go's bytes for the cases tests check).
export { ExecState, State, scratch } from './state.js';
export type { MountSpec, RunOptions, SSHSpec, SecretSpec } from './exec.js';
export { DEFAULT_PATH } from './execop.js';
export { image, local, ociLayout, type ImageOptions, type LocalOptions, type OciStore } from './source.js';
export { git, http, parseGitRemote, type GitOptions, type GitRemote, type HTTPOptions } from './remote.js';
export { FileAction, copy, mkfile, mkdir, rm } from './fileaction.js';
export type {
  CacheSharing,
  ChownSpec,
  CopyInfo,
  HostIP,
  MkdirInfo,
  MkfileInfo,
  NetworkMode,
  ProxyEnv,
  RmInfo,
  SecurityMode,
  Ulimit,
  UserSpec,
} from './vertex.js';
export { marshal, type MarshalOptions } from './marshal.js';
export { definitionState } from './definition-state.js';
export { sourceMap, type SourceLocation, type SourceMap, type SourcePosition } from './sourcemap.js';
export {
  decodeDefinition,
  encodeDefinition,
  type DecodedDefinition,
  type DecodedOp,
  type Definition,
} from './definition.js';
export type { OpMetadataValue } from './metadata.js';
export { definitionToJSONLines, metadataToJSON, opToJSON } from './json.js';
export { digestOf } from './digest.js';
export { int64ToBigInt, int64ToNumber, type Int64 } from './int64.js';
export { Caps, CUSTOM_NAME_KEY } from './caps.js';
export type { Platform } from '../platform.js';
