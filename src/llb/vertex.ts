// The graph behind a State: immutable vertices, each marshalled to one pb.Op. Only this package builds them.
import type { Platform } from '../platform.js';
import type { OpMetadataValue } from './metadata.js';
import type { SourceLocation } from './sourcemap.js';

/** One output of a vertex (source and file ops have one, index 0; exec numbers its mounts' outputs). */
export interface Output {
  readonly vertex: Vertex;
  readonly index: number;
}

export type Vertex = SourceVertex | FileVertex | ExecVertex | DefinitionVertex;

/**
 * An op of a Definition made elsewhere (Go's DefinitionOp), such as a frontend input: marshalled as
 * the very bytes it came in, so its digest, and every digest that names it, stay as they were.
 */
export interface DefinitionVertex {
  readonly kind: 'definition';
  readonly bytes: Uint8Array;
  /** The ops its inputs name, in the op's input order. */
  readonly inputs: readonly Output[];
  readonly metadata: OpMetadataValue;
  readonly locations?: readonly SourceLocation[];
}

export interface SourceVertex {
  readonly kind: 'source';
  readonly identifier: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly caps: readonly string[];
  /** Only image sources carry a platform on their op (`platformSpecificSource`). */
  readonly platformSpecific: boolean;
  /** Platform given to the source itself; else the marshal default. */
  readonly platform: Platform | undefined;
  readonly customName: string | undefined;
  /** `--no-cache`: the solver re-runs this op instead of using its cache (OpMetadata.ignore_cache). */
  readonly ignoreCache?: boolean;
  /** Where in the build file the op comes from (Definition.Source); never part of the op's digest. */
  readonly locations?: readonly SourceLocation[];
}

export interface FileVertex {
  readonly kind: 'file';
  /** The state the actions apply to; undefined for scratch. */
  readonly base: Output | undefined;
  /** Working directory of the base state: relative action paths resolve against it. */
  readonly baseDir: string;
  readonly platform: Platform | undefined;
  /** The action chain in execution order (first action applies to `base`, each next one to the previous result). */
  readonly actions: readonly FileActionSpec[];
  readonly customName: string | undefined;
  /** `--no-cache`: the solver re-runs this op instead of using its cache (OpMetadata.ignore_cache). */
  readonly ignoreCache?: boolean;
  /** Where in the build file the op comes from (Definition.Source); never part of the op's digest. */
  readonly locations?: readonly SourceLocation[];
}

export interface ExecVertex {
  readonly kind: 'exec';
  readonly platform: Platform | undefined;
  readonly meta: ExecMeta;
  /** Every filesystem mount, the root (`/`) included, sorted by target as Go sorts them before marshalling. */
  readonly mounts: readonly ExecMount[];
  readonly secrets: readonly ExecSecret[];
  readonly ssh: readonly ExecSSH[];
  readonly network: NetworkMode;
  readonly security: SecurityMode;
  readonly proxyEnv: Readonly<ProxyEnv> | undefined;
  readonly customName: string | undefined;
  /** Description entries besides the custom name (Docker's `com.docker.dockerfile.v1.command`). */
  readonly description?: Readonly<Record<string, string>>;
  /** `--no-cache`: the solver re-runs this op instead of using its cache (OpMetadata.ignore_cache). */
  readonly ignoreCache?: boolean;
  /** Where in the build file the op comes from (Definition.Source); never part of the op's digest. */
  readonly locations?: readonly SourceLocation[];
}

export interface ExecMeta {
  readonly args: readonly string[];
  /** `KEY=value` entries in order (Go's EnvList order: first set wins the position). */
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: string;
  readonly hostname: string;
  readonly cgroupParent: string;
  readonly extraHosts: readonly HostIP[];
  readonly ulimits: readonly Ulimit[];
}

export type NetworkMode = 'sandbox' | 'host' | 'none';
export type SecurityMode = 'sandbox' | 'insecure';
export type CacheSharing = 'shared' | 'private' | 'locked';

export interface HostIP {
  readonly host: string;
  readonly ip: string;
}

export interface Ulimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

/** Proxy settings given to the command without entering the cache key (pb.ProxyEnv). */
export interface ProxyEnv {
  httpProxy?: string;
  httpsProxy?: string;
  ftpProxy?: string;
  noProxy?: string;
  allProxy?: string;
}

export interface ExecMount {
  readonly target: string;
  /** The mounted filesystem; undefined for scratch (an empty directory). */
  readonly source: Output | undefined;
  readonly readonly: boolean;
  /** Path inside the source that is mounted (llb.SourcePath). */
  readonly selector: string;
  readonly cache: { readonly id: string; readonly sharing: CacheSharing } | undefined;
  readonly tmpfs: { readonly size: number } | undefined;
  /** A writable mount whose changes are thrown away (llb.ForceNoOutput). */
  readonly noOutput: boolean;
  /** This mount's output index, or undefined when it has none (read-only, cache, tmpfs, no-output). */
  readonly output: number | undefined;
}

export type ExecSecret =
  | { readonly id: string; readonly optional: boolean; readonly env: string }
  | {
      readonly id: string;
      readonly optional: boolean;
      readonly target: string;
      readonly uid: number;
      readonly gid: number;
      readonly mode: number;
    };

export interface ExecSSH {
  readonly id: string;
  readonly target: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
  readonly optional: boolean;
}

/** A numeric id, or a name looked up in the base state's /etc/passwd or /etc/group (`root` means 0). */
export type UserSpec = { readonly id: number } | { readonly name: string };

export interface ChownSpec {
  readonly user: UserSpec;
  readonly group?: UserSpec;
}

export interface CopyInfo {
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  /** Copy the contents of a source directory, not the directory itself. */
  dirCopyContents?: boolean;
  followSymlinks?: boolean;
  /** Unpack a source archive (ADD semantics). */
  attemptUnpack?: boolean;
  /** Full file mode to set on copied files; unset keeps the source modes. */
  mode?: number;
  chown?: ChownSpec;
  /** Modification time in nanoseconds since the epoch; unset keeps the source times. */
  timestamp?: bigint;
  includePatterns?: string[];
  excludePatterns?: string[];
}

export interface MkfileInfo {
  chown?: ChownSpec;
  timestamp?: bigint;
}

export interface MkdirInfo {
  makeParents?: boolean;
  chown?: ChownSpec;
  timestamp?: bigint;
}

export interface RmInfo {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

export type FileActionSpec =
  | {
      readonly kind: 'copy';
      /** Copy source; undefined when copying out of scratch. */
      readonly src: Output | undefined;
      readonly srcDir: string;
      readonly srcPath: string;
      readonly dest: string;
      readonly info: Readonly<CopyInfo>;
    }
  | { readonly kind: 'mkfile'; readonly path: string; readonly mode: number; readonly data: Uint8Array; readonly info: Readonly<MkfileInfo> }
  | { readonly kind: 'mkdir'; readonly path: string; readonly mode: number; readonly info: Readonly<MkdirInfo> }
  | { readonly kind: 'rm'; readonly path: string; readonly info: Readonly<RmInfo> };
