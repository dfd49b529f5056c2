// A bunnyfile (bunny's YAML build file, v0.1) as read: every value with the range it was written at,
// so the plan's labels and steps point back into the file. Pure data.
import type { SourceRange } from '../diagnostics.js';
import type { Located } from '../plan/types.js';

export type RootfsType = 'initrd' | 'raw' | 'block';

/** `local` (the build context) or an image reference as written. */
export type Source = { kind: 'local' } | { kind: 'image'; written: string };

export interface Include {
  from: Source;
  /** Path in the build context or the image. */
  source: Located<string>;
  /** Path inside the rootfs. */
  destination: Located<string>;
  /** The whole list item. */
  range: SourceRange;
}

export interface Bunnyfile {
  /** Parser directives of the leading comment block (`#syntax=…`), keys lower-cased. */
  directives: Record<string, string>;
  version: Located<string>;
  platforms: {
    range: SourceRange;
    framework: Located<string>;
    monitor: Located<string>;
    version?: Located<string>;
    /** Normalised like containerd (`x86` → amd64, `aarch64` → arm64). */
    architecture?: Located<string>;
  };
  kernel: { range: SourceRange; from: Located<Source>; path: Located<string> };
  rootfs?: {
    range: SourceRange;
    from?: Located<Source | { kind: 'scratch' }>;
    path?: Located<string>;
    type?: Located<RootfsType>;
    include: Include[];
  };
  cmd?: Located<string[]>;
  entrypoint?: Located<string[]>;
  envs: Located<[string, string]>[];
  /** Legacy: the command line as one string, used when `cmd` is absent. */
  cmdline?: Located<string>;
}

/** Keys of a bunnyfile by section, in bunny's README order (did-you-mean keeps this order on ties). */
export const TOP_KEYS = ['version', 'platforms', 'rootfs', 'kernel', 'envs', 'cmd', 'entrypoint', 'cmdline'] as const;
export const PLATFORM_KEYS = ['framework', 'version', 'monitor', 'architecture'] as const;
export const ROOTFS_KEYS = ['from', 'path', 'type', 'include'] as const;
export const KERNEL_KEYS = ['from', 'path'] as const;
export const INCLUDE_KEYS = ['from', 'source', 'destination'] as const;
export const ROOTFS_TYPES: readonly RootfsType[] = ['initrd', 'raw', 'block'];

/** The newest bunnyfile version punch reads (bunny's `hops.Version`). */
export const BUNNYFILE_VERSION = 'v0.1';
