// The contract between the core (text → plan → graph) and the three ways in (llb emitter,
// gateway frontend, embedded builder). Implemented by src/convert/index.ts.
import type { Diagnostic } from '../diagnostics.js';
import type { Definition } from '../llb/index.js';
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';

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

export interface BuildInput {
  /** File name shown in diagnostics, e.g. `Containerfile` or `sub/Containerfile`. */
  file: string;
  text: string;
  buildArgs: Record<string, string>;
  /** `--label` / `label:*` values; they override the file's labels. */
  labels: Record<string, string>;
  target?: string;
  /** Target platform; undefined means `defaultPlatform` (or the Unikraft rule for catalog bases). */
  platform?: Platform;
  /** The builder's own platform (BuildKit worker or host). */
  defaultPlatform: Platform;
  context: ContextSource;
  /** Absent: bases are not resolved (`punch llb`), their config is not inherited and a warning says so. */
  resolveImage?: ImageResolver;
}

export interface BuildGraph {
  definition: Definition;
  platform: Platform;
  /** `containerimage.config`: the OCI image config, rootfs/history for the exporter to complete. */
  config: ImageConfig;
  /** Manifest annotations: every com.urunc.unikernel.* key with its raw value. */
  annotations: Record<string, string>;
  /** The com.urunc.unikernel.* values written to /urunc.json. */
  urunc: Record<string, string>;
  /** Absolute paths that must exist in the result (binary, initrd, block). */
  artifacts: string[];
  /** Warnings (errors are thrown as PunchError). */
  diagnostics: Diagnostic[];
}
