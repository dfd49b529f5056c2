// FileActionCopy on trees, as BuildKit's file backend (`docopy`) runs fsutil's copy.Copy: wildcard
// resolution, "into a directory" rules, dir-contents copies, chown/chmod/utime, ADD-style unpacking.
import type { ContentStore } from './content.js';
import { readArchive, sniffArchive } from './archive.js';
import { EntryApplier } from './imagefs.js';
import { PatternMatcher } from '../patterns/index.js';
import { globToRegex, splitWildcards } from './wildcards.js';
import { cleanComponents, joinComponents, lookup, resolvePath, resolveSource, sortedChildren, type WorkTree } from './tree.js';
import type { DirNode, FsNode, NodeMeta } from './types.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyParams {
  src: string;
  dest: string;
  /** Go os.FileMode to set, or -1 to keep the source modes. */
  mode: number;
  followSymlink: boolean;
  dirCopyContents: boolean;
  attemptUnpack: boolean;
  createDestPath: boolean;
  allowWildcard: boolean;
  allowEmptyWildcard: boolean;
  /** Seconds, or undefined to keep the source times. */
  mtime: number | undefined;
  includePatterns: string[];
  excludePatterns: string[];
  alwaysReplaceExistingDestPaths: boolean;
}

export interface CopyContext {
  store: ContentStore;
  /** Names the copy source in errors, e.g. `local context "context"` or `image docker.io/library/alpine:3`. */
  srcName: string;
  warn: (msg: string) => void;
  signal?: AbortSignal;
}

/** BuildKit's cleanPath: absolute and clean, but a trailing `/` or `/.` is kept (it means "a directory"). */
export function cleanActionPath(s: string): string {
  let out = joinComponents(cleanComponents(s));
  if (s.endsWith('/.')) {
    if (out !== '/') out += '/';
    out += '.';
  } else if (s.endsWith('/') && out !== '/') {
    out += '/';
  }
  return out;
}

/** An os.FileMode (as LLB carries it) as unix permission + special bits. */
export function goModeToUnix(m: number): number {
  let out = m & 0o777;
  if (m & (1 << 23)) out |= 0o4000;
  if (m & (1 << 22)) out |= 0o2000;
  if (m & (1 << 20)) out |= 0o1000;
  return out;
}

function isDir(n: FsNode | undefined): n is DirNode {
  return n?.type === 'dir';
}

/** fsutil's MkdirAll: creates missing dirs (0755, owner or 0:0, mtime or build time); existing ones are left alone. */
export function mkdirAll(tree: WorkTree, comps: readonly string[], owner: Owner | undefined, mtime: number | undefined): void {
  for (let i = 1; i <= comps.length; i++) {
    const p = comps.slice(0, i);
    const node = tree.get(p);
    if (isDir(node)) continue;
    if (node) throw new Error(`cannot create directory ${joinComponents(p)}: a file is in the way`);
    tree.set(p, { type: 'dir', meta: { mode: 0o755, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime }, children: new Map() });
  }
}

/** fsutil ResolveWildcards: matches of the wildcard part, walking (without following links) under the fixed part. */
function resolveWildcards(root: DirNode, src: string, followLinks: boolean, srcName: string): string[] {
  const { dir, rest } = splitWildcards(src);
  if (rest.length === 0) return [joinComponents(dir)];
  const base = resolveSource(root, joinComponents(dir), followLinks);
  const baseNode = lookup(root, base);
  if (!baseNode) throw new Error(`COPY failed: ${joinComponents(dir)} not found in ${srcName}`);
  const re = globToRegex(rest.join('/'));
  const out: string[] = [];
  const walk = (node: FsNode, rel: string[]): void => {
    if (rel.length > 0 && re.test(rel.join('/'))) {
      out.push(joinComponents([...base, ...rel]));
      return; // a matched dir is not descended into (filepath.SkipDir)
    }
    if (node.type !== 'dir') return;
    for (const [name, child] of sortedChildren(node)) walk(child, [...rel, name]);
  };
  walk(baseNode, []);
  return out;
}

/** One FileActionCopy from `srcRoot` onto `dst`. */
export async function copyAction(dst: WorkTree, srcRoot: DirNode, a: CopyParams, owner: Owner | undefined, ctx: CopyContext): Promise<void> {
  const srcPath = cleanActionPath(a.src);
  const destPath = cleanActionPath(a.dest);

  if (!a.createDestPath) {
    const p = resolvePath(dst.root, joinComponents(cleanComponents(a.dest)));
    if (p.length > 0 && !dst.get(p.slice(0, -1))) {
      throw new Error(
        `COPY failed: destination ${a.dest}: parent directory ${joinComponents(p.slice(0, -1))} does not exist (create it first, or let the copy create it)`,
      );
    }
  }

  let srcs: string[];
  if (!a.allowWildcard) {
    srcs = [srcPath];
  } else {
    srcs = resolveWildcards(srcRoot, srcPath, a.followSymlink, ctx.srcName);
    if (srcs.length === 0) {
      if (a.allowEmptyWildcard) return;
      throw new Error(`COPY failed: no source files were specified: ${srcPath} matches nothing in ${ctx.srcName}`);
    }
  }
  for (const s of srcs) {
    if (a.attemptUnpack && (await unpackIfArchive(dst, srcRoot, s, destPath, owner, a.mtime, ctx))) continue;
    copyOne(dst, srcRoot, s, destPath, a, owner, ctx);
  }
}

/** fsutil copy.Copy for one resolved source. */
function copyOne(dst: WorkTree, srcRoot: DirNode, src: string, destPath: string, a: CopyParams, owner: Owner | undefined, ctx: CopyContext): void {
  // The destination's directory part always exists afterwards; a trailing `/` makes dest itself a dir.
  const slash = destPath.lastIndexOf('/');
  const last = destPath.slice(slash + 1);
  const ensure = last !== '' && last !== '.' ? destPath.slice(0, slash + 1) : destPath;
  mkdirAll(dst, resolvePath(dst.root, ensure), owner, a.mtime);

  let target = resolvePath(dst.root, destPath);
  const srcComps = resolveSource(srcRoot, src, a.followSymlink);
  const srcNode = lookup(srcRoot, srcComps);
  if (!srcNode) throw new Error(`COPY failed: ${src} not found in ${ctx.srcName}`);

  // prepareTargetDir
  const destNode = lookup(dst.root, resolvePath(dst.root, joinComponents(target)));
  const srcIsDir = srcNode.type === 'dir';
  if ((!a.dirCopyContents && srcIsDir && destNode) || (!srcIsDir && isDir(destNode))) {
    const base = cleanComponents(src).pop();
    if (base !== undefined) target = [...target, base];
  }
  const parent = a.dirCopyContents && srcIsDir && !destNode ? target : target.slice(0, -1);
  mkdirAll(dst, parent, owner, a.mtime);

  const copier = new Copier(dst, a, owner);
  copier.copy(srcNode, '', target, false);
}

class Copier {
  readonly #dst: WorkTree;
  readonly #owner: Owner | undefined;
  readonly #mode: number | undefined;
  readonly #mtime: number | undefined;
  readonly #include: PatternMatcher | undefined;
  readonly #exclude: PatternMatcher | undefined;
  readonly #replace: boolean;
  /** Dirs not created yet because only some of their contents may match the include patterns. */
  readonly #pending: { node: DirNode; target: string[]; done: boolean }[] = [];

  constructor(dst: WorkTree, a: CopyParams, owner: Owner | undefined) {
    this.#dst = dst;
    this.#owner = owner;
    this.#mode = a.mode === -1 ? undefined : goModeToUnix(a.mode);
    this.#mtime = a.mtime;
    this.#include = a.includePatterns.length > 0 ? new PatternMatcher(a.includePatterns) : undefined;
    this.#exclude = a.excludePatterns.length > 0 ? new PatternMatcher(a.excludePatterns) : undefined;
    this.#replace = a.alwaysReplaceExistingDestPaths;
  }

  /** copyFileInfo: owner (or the source's), mode (or the source's; never on symlinks), time (or the source's). */
  #meta(src: FsNode): NodeMeta {
    const m = src.meta;
    return {
      mode: this.#mode !== undefined && src.type !== 'symlink' ? this.#mode : m.mode,
      uid: this.#owner?.uid ?? m.uid,
      gid: this.#owner?.gid ?? m.gid,
      mtime: this.#mtime ?? m.mtime,
    };
  }

  copy(src: FsNode, rel: string, target: string[], overwriteTargetMetadata: boolean): void {
    let include = true;
    if (rel !== '') {
      if (this.#include && !this.#include.matches(rel)) include = false;
      if (this.#exclude?.matches(rel)) include = false;
    }
    const existing = this.#dst.get(target);
    if (include) {
      if (this.#replace && existing && !(existing.type === 'dir' && src.type === 'dir')) this.#dst.remove(target);
      this.#createPending(overwriteTargetMetadata);
    }
    if (src.type !== 'dir') {
      if (!include) return;
      const now = this.#dst.get(target);
      if (now?.type === 'dir') throw new Error(`COPY failed: cannot replace directory ${joinComponents(target)} with a file`);
      this.#dst.set(target, { ...src, meta: this.#meta(src) } as FsNode);
      return;
    }
    let created = false;
    if (include) created = this.#dirOnly(src, target, overwriteTargetMetadata);
    const pending = { node: src, target, done: include };
    this.#pending.push(pending);
    for (const [name, child] of sortedChildren(src)) {
      this.copy(child, rel === '' ? name : `${rel}/${name}`, [...target, name], true);
    }
    this.#pending.pop();
    const copyInfo = overwriteTargetMetadata ? include : created;
    if (copyInfo) this.#dst.setDirMeta(target, this.#meta(src));
  }

  /** copyDirectoryOnly: creates the dir if missing (true), else requires a dir there. */
  #dirOnly(src: DirNode, target: string[], overwriteTargetMetadata: boolean): boolean {
    const existing = this.#dst.get(target);
    if (!existing) {
      this.#dst.set(target, { type: 'dir', meta: this.#meta(src), children: new Map() });
      return true;
    }
    if (existing.type !== 'dir') throw new Error(`COPY failed: cannot copy directory onto non-directory ${joinComponents(target)}`);
    if (overwriteTargetMetadata) this.#dst.setDirMeta(target, { ...existing.meta, mode: src.meta.mode });
    return false;
  }

  #createPending(overwriteTargetMetadata: boolean): void {
    for (const p of this.#pending) {
      if (p.done) continue;
      if (this.#dirOnly(p.node, p.target, overwriteTargetMetadata)) this.#dst.setDirMeta(p.target, this.#meta(p.node));
      p.done = true;
    }
  }
}

/** BuildKit's `unpack` for ADD: a local tar (plain or gzip) is extracted into the destination directory. */
async function unpackIfArchive(
  dst: WorkTree,
  srcRoot: DirNode,
  src: string,
  destPath: string,
  owner: Owner | undefined,
  mtime: number | undefined,
  ctx: CopyContext,
): Promise<boolean> {
  const node = lookup(srcRoot, resolvePath(srcRoot, src));
  if (node?.type !== 'file') return false;
  if (node.content.kind !== 'file') return false;
  const kind = await sniffArchive(node.content.path);
  if (kind === 'not-tar') return false;
  if (kind !== 'tar') {
    ctx.warn(
      `ADD ${src}: the file is ${kind.unsupported}-compressed; punch build cannot look inside it and copies it as a file ` +
        `(BuildKit would unpack it if it is a tar archive)`,
    );
    return false;
  }
  const destComps = resolvePath(dst.root, destPath);
  mkdirAll(dst, destComps, owner, mtime);
  // Docker's Untar: entries keep the archive's owners, modes and times; missing parents are 0755 root dirs.
  const applier = new EntryApplier(dst, ctx.store, { whiteouts: false, under: destComps });
  await readArchive(node.content.path, `ADD ${src}`, (e) => applier.apply(e), ctx.signal);
  return true;
}
