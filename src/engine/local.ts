// `local://NAME` sources: a directory on disk read into a tree the way fsutil's walker sends it to
// BuildKit (include patterns, dockerignore exclude patterns, follow paths). Like the docker CLI, files
// arrive owned by 0:0; modes and mtimes are kept.
// The walk is synchronous: a context is many small lstat/readdir calls, and each async one costs a
// thread-pool round trip (a small build spent more time waiting on those than doing them).
import { lstatSync, readdirSync, readlinkSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { cleanPath } from '../gopath.js';
import { PatternMatcher } from '../patterns/index.js';
import { compareNames } from './tree.js';
import type { DirNode, FsNode, NodeMeta } from './types.js';

export interface LocalOptions {
  includePatterns?: string[];
  excludePatterns?: string[];
  followPaths?: string[];
}

function metaOf(st: Stats): NodeMeta {
  return { mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: Math.floor(st.mtimeMs / 1000) };
}

function relPattern(p: string): string {
  return cleanPath(p).replace(/^\/+/, '') || '.';
}

/** fsutil FollowLinks: each follow path, plus the target of any that is a symlink inside the dir. */
function followLinks(root: string, paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of paths) {
    const p = relPattern(raw);
    out.add(p);
    try {
      const real = realpathSync(join(root, p));
      const rootReal = realpathSync(root);
      const rel = relative(rootReal, real);
      if (rel !== '' && !rel.startsWith('..')) out.add(rel.split(sep).join('/'));
    } catch {
      // A missing follow path is simply not sent (fsutil ignores it too).
    }
  }
  return [...out];
}

/** Reads `dir` as BuildKit receives it from the client session. */
export async function readLocalTree(dir: string, opts: LocalOptions): Promise<DirNode> {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    throw new Error(`local directory ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`local directory ${dir} is not a directory`);
  let includes = opts.includePatterns?.map(relPattern);
  if (opts.followPaths && opts.followPaths.length > 0) {
    includes = [...(includes ?? []), ...followLinks(dir, opts.followPaths)];
  }
  const include = includes && includes.length > 0 ? new PatternMatcher(includes) : undefined;
  const exclude = opts.excludePatterns && opts.excludePatterns.length > 0 ? new PatternMatcher(opts.excludePatterns) : undefined;

  /** Walks one dir; returns undefined when nothing under it is sent and `keepEmpty` is false. */
  const walk = (abs: string, rel: string, dirStat: Stats, keepEmpty: boolean): DirNode | undefined => {
    const node: DirNode = { type: 'dir', meta: metaOf(dirStat), children: new Map() };
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      throw new Error(`cannot read ${abs}: ${(e as Error).message}`);
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const ent of entries) {
      const childRel = rel === '' ? ent.name : `${rel}/${ent.name}`;
      const childAbs = join(abs, ent.name);
      const included = include ? include.matches(childRel) : true;
      const excluded = exclude ? exclude.matches(childRel) : false;
      const cst = lstatSync(childAbs);
      if (cst.isDirectory()) {
        // An excluded dir is only entered when a `!` pattern could bring something back (fsutil does the same).
        if (excluded && !exclude!.exclusions) continue;
        const child = walk(childAbs, childRel, cst, included && !excluded);
        if (child) node.children.set(ent.name, child);
        continue;
      }
      if (!included || excluded) continue;
      let child: FsNode | undefined;
      if (cst.isFile()) child = { type: 'file', meta: metaOf(cst), size: cst.size, content: { kind: 'file', path: childAbs } };
      else if (cst.isSymbolicLink()) child = { type: 'symlink', meta: { ...metaOf(cst), mode: 0o777 }, target: readlinkSync(childAbs) };
      // Sockets, fifos and devices in a build context are skipped.
      if (child) node.children.set(ent.name, child);
    }
    return node.children.size > 0 || keepEmpty ? node : undefined;
  };
  return walk(dir, '', st, true)!;
}
