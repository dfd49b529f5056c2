// The in-memory rootfs snapshot: a tree of metadata whose file contents stay on disk. Snapshots share
// unchanged subtrees; a FileOp works on a WorkTree that clones a dir the first time it changes it, so
// node identity tells which paths an op touched (see diff.ts).
import type { DirNode, FsNode, NodeMeta } from './types.js';

export const ROOT_META: NodeMeta = { mode: 0o755, uid: 0, gid: 0, mtime: undefined };

export function emptyRoot(): DirNode {
  return { type: 'dir', meta: ROOT_META, children: new Map() };
}

/** Splits a slash path into its non-empty components, without resolving `.`/`..`. */
export function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '');
}

/** Go's path.Clean on components: drops `.`, resolves `..` (clamped at the root). */
export function cleanComponents(p: string): string[] {
  const out: string[] = [];
  for (const c of splitPath(p)) {
    if (c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

export function joinComponents(comps: readonly string[]): string {
  return `/${comps.join('/')}`;
}

/** The node at exactly these components (no symlink following); undefined if missing. */
export function lookup(root: DirNode, comps: readonly string[]): FsNode | undefined {
  let node: FsNode = root;
  for (const c of comps) {
    if (node.type !== 'dir') return undefined;
    const next: FsNode | undefined = node.children.get(c);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

const MAX_SYMLINK_HOPS = 255;

/**
 * continuity's fs.RootPath: resolves `p` inside the tree, following symlinks in every component
 * (the last one only when `followLast`), bounded at the root. Missing components are kept as they are.
 */
export function resolvePath(root: DirNode, p: string, followLast = true): string[] {
  const comps: string[] = [];
  const queue = splitPath(p);
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      comps.pop();
      continue;
    }
    const node = lookup(root, [...comps, c]);
    if (node?.type === 'symlink' && (queue.length > 0 || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new Error(`too many levels of symbolic links resolving ${p}`);
      if (node.target.startsWith('/')) comps.length = 0;
      queue.unshift(...splitPath(node.target));
      continue;
    }
    comps.push(c);
  }
  return comps;
}

/** fsutil's rootPath: the parent is always resolved, the last component only when following links. */
export function resolveSource(root: DirNode, p: string, followLinks: boolean): string[] {
  const clean = cleanComponents(p);
  if (clean.length === 0) return [];
  if (followLinks) return resolvePath(root, joinComponents(clean), true);
  return [...resolvePath(root, joinComponents(clean.slice(0, -1)), true), clean[clean.length - 1]!];
}

/** A mutable view of a snapshot for one FileOp: dirs are cloned on first write, the base is never touched. */
export class WorkTree {
  root: DirNode;
  readonly #owned = new WeakSet<DirNode>();

  constructor(base: DirNode) {
    this.root = base;
    this.root = this.#own(base);
  }

  #own(d: DirNode): DirNode {
    if (this.#owned.has(d)) return d;
    const copy: DirNode = { type: 'dir', meta: d.meta, children: new Map(d.children) };
    this.#owned.add(copy);
    return copy;
  }

  /** The (owned, writable) directory at `comps`; every component must already be a directory. */
  dir(comps: readonly string[]): DirNode {
    this.root = this.#own(this.root);
    let d = this.root;
    for (let i = 0; i < comps.length; i++) {
      const c = comps[i]!;
      const child = d.children.get(c);
      if (!child) throw new Error(`${joinComponents(comps.slice(0, i + 1))}: no such directory`);
      if (child.type !== 'dir') throw new Error(`${joinComponents(comps.slice(0, i + 1))}: not a directory`);
      const owned = this.#own(child);
      if (owned !== child) d.children.set(c, owned);
      d = owned;
    }
    return d;
  }

  get(comps: readonly string[]): FsNode | undefined {
    return lookup(this.root, comps);
  }

  /** Puts `node` at `comps` (the parent must exist), replacing what was there. */
  set(comps: readonly string[], node: FsNode): void {
    if (comps.length === 0) {
      if (node.type !== 'dir') throw new Error('cannot replace the root directory with a non-directory');
      this.root = this.#own(node);
      return;
    }
    const parent = this.dir(comps.slice(0, -1));
    parent.children.set(comps[comps.length - 1]!, node);
  }

  /** Marks a dir this op built from scratch as writable without cloning it. */
  fresh(meta: NodeMeta): DirNode {
    const d: DirNode = { type: 'dir', meta, children: new Map() };
    this.#owned.add(d);
    return d;
  }

  setDirMeta(comps: readonly string[], meta: NodeMeta): void {
    this.dir(comps).meta = meta;
  }

  remove(comps: readonly string[]): boolean {
    if (comps.length === 0) throw new Error('cannot remove the root directory');
    const parentNode = lookup(this.root, comps.slice(0, -1));
    if (parentNode?.type !== 'dir' || !parentNode.children.has(comps[comps.length - 1]!)) return false;
    this.dir(comps.slice(0, -1)).children.delete(comps[comps.length - 1]!);
    return true;
  }
}

/** Byte order of UTF-8 names, as Go sorts directory entries. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function sortedChildren(d: DirNode): [string, FsNode][] {
  return [...d.children.entries()].sort((x, y) => compareNames(x[0], y[0]));
}
