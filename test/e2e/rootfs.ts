// Flattens image layers (tar entry lists, lowest first) into the filesystem a container would see,
// applying OCI whiteouts: ".wh.<name>" deletes <name> from lower layers, ".wh..wh..opq" empties its
// directory of everything lower layers put there.
import type { TarEntry } from './tar.js';

export type FsNode =
  | { readonly type: 'file'; readonly mode: number; readonly uid: number; readonly gid: number; readonly content: Buffer }
  | { readonly type: 'dir'; readonly mode: number; readonly uid: number; readonly gid: number }
  | { readonly type: 'symlink'; readonly mode: number; readonly uid: number; readonly gid: number; readonly linkname: string };

/** Keys are absolute paths ("/etc/passwd"); the root directory itself is not listed. */
export type Rootfs = Map<string, FsNode>;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export function applyLayers(layers: readonly (readonly TarEntry[])[]): Rootfs {
  const fs: Rootfs = new Map();
  for (const layer of layers) applyLayer(fs, layer);
  return fs;
}

function applyLayer(fs: Rootfs, entries: readonly TarEntry[]): void {
  // Whiteouts act on lower layers only, so apply them all before this layer's own entries.
  for (const e of entries) {
    if (e.path === '') continue;
    const { dir, base } = split(e.path);
    if (base === OPAQUE) removeChildren(fs, dir);
    else if (base.startsWith(WHITEOUT)) removeTree(fs, join(dir, base.slice(WHITEOUT.length)));
  }
  for (const e of entries) {
    if (e.path === '') continue;
    const { base } = split(e.path);
    if (base.startsWith(WHITEOUT)) continue;
    const path = `/${e.path}`;
    const node = toNode(fs, e);
    if (node === undefined) continue;
    const previous = fs.get(path);
    // A non-directory replacing a directory hides everything below it.
    if (previous?.type === 'dir' && node.type !== 'dir') removeChildren(fs, path);
    fs.set(path, node);
  }
}

function toNode(fs: Rootfs, e: TarEntry): FsNode | undefined {
  const { mode, uid, gid } = e;
  switch (e.type) {
    case 'file': return { type: 'file', mode, uid, gid, content: e.content };
    case 'dir': return { type: 'dir', mode, uid, gid };
    case 'symlink': return { type: 'symlink', mode, uid, gid, linkname: e.linkname };
    case 'hardlink': {
      const target = fs.get(`/${e.linkname}`);
      if (target?.type !== 'file') throw new Error(`layer: hardlink ${e.path} -> ${e.linkname}: target is not a regular file seen so far`);
      return { ...target, mode, uid, gid };
    }
    case 'other': return undefined; // devices and fifos: not part of what these tests look at
  }
}

function removeTree(fs: Rootfs, path: string): void {
  fs.delete(path);
  removeChildren(fs, path);
}

function removeChildren(fs: Rootfs, dir: string): void {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  for (const key of [...fs.keys()]) if (key.startsWith(prefix)) fs.delete(key);
}

function split(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '/', base: path } : { dir: `/${path.slice(0, slash)}`, base: path.slice(slash + 1) };
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
