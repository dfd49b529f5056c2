// The contract between the core (text → plan → graph) and the three ways in (llb emitter,
// gateway frontend, embedded builder). Implemented by src/convert/index.ts.
import type { Diagnostic, SourceRange } from '../diagnostics.js';
import type { Definition, HostIP, OciStore, State, Ulimit } from '../llb/index.js';
export type { OciStore } from '../llb/index.js';
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';
import type { NamedContextLookup, Planner } from '../plan/types.js';
import type { UruncRelease } from '../urunc/releases.js';
import type { RemoteContext } from './remote-context.js';

export interface ResolvedImage {
  /** Manifest-list or manifest digest the base was resolved to (pins the LLB source), if known. */
  digest?: string;
  /** The base image's config (Env, Cmd, Entrypoint, WorkingDir, Labels are inherited). */
  config?: ImageConfig;
}

/** Looks up an image base for a platform: ResolveImageConfig in the frontend, a registry pull when embedded. */
export type ImageResolver = (ref: string, platform: Platform) => Promise<ResolvedImage>;

export interface ContextSource {
  /** Session dir name of the build context (`context`, or the `contextkey` opt). */
  name: string;
  /** `local.session` (the frontend's BUILDKIT_SESSION_ID). */
  sessionId?: string;
  /** Stable `local.unique` where Go would put a random one (no session). */
  unique?: string;
  /** .dockerignore patterns. */
  excludePatterns: string[];
}

/** A named context that is a directory: a local source like the main context, under its own shared key. */
export interface NamedLocal extends ContextSource {
  /** The opt key it was given under: `NAME` or `NAME::PLATFORM`. */
  key: string;
  /** `sharedkey:localdir:<key>` (buildx's hint for the dir); empty when not given. */
  sharedKey: string;
}

/** The named contexts of a build (`--build-context`, `context:NAME` opts), read once by src/session. */
export interface NamedContexts {
  lookup: NamedContextLookup;
  /** The directories, by opt key. */
  locals: ReadonlyMap<string, NamedLocal>;
  /** The client's OCI stores (BuildKit's `oci.session`/`oci.store`), by `oci-layout://` reference. */
  ociStores?: ReadonlyMap<string, OciStore>;
  /** The git repositories and HTTP downloads BuildKit fetches itself, by opt key. */
  remotes?: ReadonlyMap<string, RemoteContext>;
  /** Frontend inputs (bake's `target:` contexts), by opt key. */
  inputs?: ReadonlyMap<string, NamedInput>;
}

/** A frontend input as a named context: the Definition it builds, and its image config if it has one. */
export interface NamedInput {
  /** The encoded pb.Definition, as the bridge's Inputs call gave it. */
  definition: Uint8Array;
  config?: ImageConfig;
}

/**
 * A context BuildKit fetches itself (a git checkout, an HTTP download or its unpacked archive): COPY
 * reads this state whole, and no ignore file applies (as in BuildKit's Dockerfile frontend).
 */
export interface RemoteContextSource {
  remote: State;
}

/** Where COPY and RUN mounts read the build context from. */
export type BuildContext = ContextSource | RemoteContextSource;

/** The engine's settings for every RUN (the frontend opts `add-hosts`, `force-network-mode`, …) and its caps. */
export interface RunEngineOptions {
  extraHosts?: HostIP[];
  /** `force-network-mode`: the network of every RUN without its own --network. */
  network?: 'host' | 'none';
  hostname?: string;
  /** `/dev/shm` size in bytes. */
  shmSize?: number;
  ulimits?: Ulimit[];
  cgroupParent?: string;
  /** The LLB caps the engine announced; RUN features it lacks are errors at their flag. */
  llbCaps?: { has(cap: string): boolean };
}

export interface BuildInput {
  /** File name shown in diagnostics, e.g. `Containerfile` or `sub/Containerfile`. */
  file: string;
  /** The build file's text (Warn shows it; planned as a Containerfile when `planner` is absent). */
  text: string;
  /** The build file, already read (src/session parses it once for all platforms). */
  planner?: Planner;
  buildArgs: Record<string, string>;
  /** `--label` / `label:*` values; they override the file's labels. */
  labels: Record<string, string>;
  target?: string;
  /** Target platform; undefined means `defaultPlatform` (or the Unikraft rule for catalog bases). */
  platform?: Platform;
  /** The builder's own platform (BuildKit worker or host). */
  defaultPlatform: Platform;
  context: BuildContext;
  /** Named contexts replacing stages and images of their names. */
  namedContexts?: NamedContexts;
  /** Absent: bases are not resolved (`punch llb`), their config is not inherited and a warning says so. */
  resolveImage?: ImageResolver;
  /** `--no-cache`: BuildKit re-runs every op (true), or the ops of the named stages. */
  noCache?: true | string[];
  /**
   * The urunc release to check against and write for (`--urunc`, the `urunc-version` frontend opt);
   * when absent, the `PUNCH_URUNC_VERSION` build argument, then the newest known release.
   */
  uruncVersion?: string;
  /** Settings for RUN steps from the engine (the frontend); none for `punch llb`. */
  run?: RunEngineOptions;
  /** The image initrd steps run on: `--tools-image`, the frontend's `tools-image` opt (see tools-image.ts for the order). */
  toolsImage?: string;
  /** The frontend's `source` opt: the punch image BuildKit runs this frontend from. */
  frontendImage?: string;
  /**
   * Resolve the tools image (with `resolveImage`, for the build platform) and pin it by digest, so the
   * cache key is stable. The frontend does; `punch build` runs the op in-process and needs no pull.
   */
  pinToolsImage?: boolean;
}

export interface BuildGraph {
  definition: Definition;
  platform: Platform;
  /** `containerimage.config`: the OCI image config, rootfs/history for the exporter to complete. */
  config: ImageConfig;
  /**
   * Manifest annotations: every com.urunc.unikernel.* key, its value raw for the 2026 line and
   * standard base64 for the 2025 line (which base64-decodes runtime-spec annotations).
   */
  annotations: Record<string, string>;
  /** The urunc release the image was checked against and written for. */
  uruncRelease: UruncRelease;
  /** The com.urunc.unikernel.* values written to /urunc.json. */
  urunc: Record<string, string>;
  /** Files that must exist in the result (binary, initrd, block), checked after the build. */
  artifacts: Artifact[];
  /** Where each step (known by its progress name) was written, to place build failures. */
  steps: Array<{ description: string; range: SourceRange; kind: 'copy' | 'run' | 'initrd' | 'workdir' }>;
  /**
   * The image reference (pinned when resolved) the graph's initrd ExecOps run on, when it has any:
   * `punch build` runs exactly those ops in-process, and only on this image.
   */
  toolsImage?: string;
  /** Warnings (errors are thrown as PunchError). */
  diagnostics: Diagnostic[];
}

/** A file a urunc label names, and where to point when the built image lacks it. */
export interface Artifact {
  /** `com.urunc.unikernel.binary`, `…initrd` or `…block`. */
  key: string;
  /** Absolute path inside the image. */
  path: string;
  /** The label's value, or the final FROM when `--label` or the base image set it. */
  range: SourceRange;
  /** Who set the label: a diagnostic about a `--label` or base value says so. */
  origin: 'file' | 'cli' | 'base';
}

/** The message for an artifact the built image lacks (or holds as a non-file). */
export function missingArtifactMessage(a: Artifact, found: string | undefined, platform = ''): string {
  const image = platform ? `the built image for ${platform}` : 'the built image';
  const what = found ? `which is a ${found} in ${image}, not a file` : `but ${image} has no such file: COPY it there or fix the path`;
  const note = a.origin === 'cli' ? ` (set by --label ${a.key})` : a.origin === 'base' ? ' (inherited from the base image)' : '';
  return `${a.key} names ${a.path}, ${what}${note}`;
}
