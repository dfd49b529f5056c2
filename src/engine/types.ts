// Shared shapes of the embedded builder: base images coming in, the filesystem snapshot, layers going out.
import type { ImageConfig } from '../oci/types.js';
import type { Platform } from '../platform.js';

/** One compressed (or plain tar) layer blob already on disk. */
export interface LayerBlob {
  /** The blob's file (registry cache, an OCI layout, or punch's staging dir). */
  path: string;
  mediaType: string;
  /** sha256 of the blob bytes. */
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffID: string;
  size: number;
}

/** A base image for one platform: its layers bottom first, and its config. */
export interface BaseImage {
  layers: LayerBlob[];
  config: ImageConfig;
}

/**
 * Fetches `ref` for `platform`. `ref` is the source identifier without `docker-image://`
 * (e.g. `docker.io/library/alpine:latest@sha256:…`), or the whole `oci-layout://…` identifier.
 * Implemented by the registry code; tests inject fakes.
 */
export type ImageProvider = (ref: string, platform: Platform) => Promise<BaseImage>;

/** Where a regular file's bytes live. Content stays on disk; only mkfile data is held in memory. */
export type Content = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'bytes'; readonly data: Uint8Array };

export interface NodeMeta {
  /** Permission and special bits (`mode & 0o7777`), as in a tar header. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /**
   * Modification time in whole seconds. Undefined = "build time" (BuildKit stamps such entries with
   * the wall clock); the layer writer uses SOURCE_DATE_EPOCH, else 0, so output stays reproducible.
   */
  readonly mtime: number | undefined;
}

export interface DirNode {
  readonly type: 'dir';
  meta: NodeMeta;
  /** Copy-on-write: a dir is only mutated by the FileOp that created or cloned it (see tree.ts). */
  readonly children: Map<string, FsNode>;
}
export interface FileNode {
  readonly type: 'file';
  readonly meta: NodeMeta;
  readonly size: number;
  readonly content: Content;
}
export interface SymlinkNode {
  readonly type: 'symlink';
  readonly meta: NodeMeta;
  readonly target: string;
}
/** Character/block devices and fifos, which only base image layers can contain. */
export interface SpecialNode {
  readonly type: 'char' | 'block' | 'fifo';
  readonly meta: NodeMeta;
  readonly devmajor: number;
  readonly devminor: number;
}
export type FsNode = DirNode | FileNode | SymlinkNode | SpecialNode;

/** One entry of a new layer: a node at a path (dirs carry only their own metadata), or a whiteout. */
export type LayerEntry = { readonly path: string; readonly node: FsNode } | { readonly path: string; readonly whiteout: true };

/** A layer of the result: a base image blob passed through untouched, or one a FileOp (or local source) wrote. */
export type LayerSpec =
  | { readonly kind: 'blob'; readonly blob: LayerBlob }
  | { readonly kind: 'entries'; readonly entries: readonly LayerEntry[]; readonly description: string | undefined };
