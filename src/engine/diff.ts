// What a FileOp wrote: the difference between its base snapshot and its result, as layer entries in
// walk order (each dir before its contents, names in byte order), parents of every change included
// and removals as OCI whiteouts, like containerd's diff writer.
import { compareNames } from './tree.js';
import type { DirNode, LayerEntry, NodeMeta } from './types.js';

function sameMeta(a: NodeMeta, b: NodeMeta): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtime === b.mtime;
}

/** The layer entries turning `base` (undefined = empty) into `result`. Unchanged subtrees are shared nodes and skipped. */
export function diffTrees(base: DirNode | undefined, result: DirNode): LayerEntry[] {
  const out: LayerEntry[] = [];
  diffDir(base, result, '', out);
  return out;
}

function diffDir(a: DirNode | undefined, b: DirNode, prefix: string, out: LayerEntry[]): void {
  const names = new Set<string>(b.children.keys());
  if (a) for (const n of a.children.keys()) names.add(n);
  for (const name of [...names].sort(compareNames)) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const before = a?.children.get(name);
    const after = b.children.get(name);
    if (before === after) continue;
    if (!after) {
      const slash = path.lastIndexOf('/');
      out.push({ path: `${path.slice(0, slash + 1)}.wh.${name}`, whiteout: true });
      continue;
    }
    if (after.type !== 'dir') {
      out.push({ path, node: after });
      continue;
    }
    const prev = before?.type === 'dir' ? before : undefined;
    const mark = out.length;
    diffDir(prev, after, path, out);
    if (!prev || out.length > mark || !sameMeta(prev.meta, after.meta)) out.splice(mark, 0, { path, node: after });
  }
}
