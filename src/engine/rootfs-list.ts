// The final rootfs as a flat list of paths, for the artifact check, tests and parity checks against BuildKit.
import { joinComponents, sortedChildren } from './tree.js';
import type { Content, DirNode, FsNode } from './types.js';

/** One path of the final rootfs, for tests and parity checks against BuildKit. */
export interface RootfsEntry {
  /** Absolute path; `/` is the root. */
  path: string;
  type: FsNode['type'];
  mode: number;
  uid: number;
  gid: number;
  mtime: number | undefined;
  /** Regular files only. */
  size?: number;
  /** Symlinks only. */
  linkTarget?: string;
  /** Regular files only: where the bytes are. */
  content?: Content;
}

/** Every path of `root` in walk order (each dir before its contents, names in byte order). */
export function listRootfs(root: DirNode): RootfsEntry[] {
  const out: RootfsEntry[] = [];
  const visit = (node: FsNode, comps: string[]): void => {
    const e: RootfsEntry = { path: joinComponents(comps), type: node.type, mode: node.meta.mode, uid: node.meta.uid, gid: node.meta.gid, mtime: node.meta.mtime };
    if (node.type === 'file') {
      e.size = node.size;
      e.content = node.content;
    } else if (node.type === 'symlink') e.linkTarget = node.target;
    out.push(e);
    if (node.type === 'dir') for (const [name, child] of sortedChildren(node)) visit(child, [...comps, name]);
  };
  visit(root, []);
  return out;
}
