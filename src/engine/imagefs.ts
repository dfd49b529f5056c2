// A base image's rootfs as a tree: its layers applied bottom first, with OCI whiteouts, file contents
// extracted once into the content store.
import { readArchive } from './archive.js';
import type { ContentStore } from './content.js';
import type { ParsedEntry } from './tar.js';
import { cleanComponents, emptyRoot, joinComponents, lookup, WorkTree } from './tree.js';
import type { DirNode, FsNode, LayerBlob, NodeMeta } from './types.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Applies archive entries to a tree the way an OCI layer is applied (also used for ADD unpacking). */
export class EntryApplier {
  readonly tree: WorkTree;
  readonly #store: ContentStore;
  readonly #whiteouts: boolean;
  /** Paths this layer created, so an opaque marker only hides what lower layers had. */
  readonly #added = new Set<string>();
  readonly #under: string[];
  readonly #parentMeta: NodeMeta;

  constructor(tree: WorkTree, store: ContentStore, opts: { whiteouts: boolean; under?: string[]; parentMeta?: NodeMeta }) {
    this.tree = tree;
    this.#store = store;
    this.#whiteouts = opts.whiteouts;
    this.#under = opts.under ?? [];
    this.#parentMeta = opts.parentMeta ?? { mode: 0o755, uid: 0, gid: 0, mtime: undefined };
  }

  apply(e: ParsedEntry): ReturnType<ContentStore['create']>['sink'] | undefined {
    const comps = [...this.#under, ...cleanComponents(e.path)];
    const meta: NodeMeta = { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
    const name = comps[comps.length - 1];
    if (this.#whiteouts && name?.startsWith(WHITEOUT)) {
      const dir = comps.slice(0, -1);
      const parent = this.tree.get(dir);
      if (parent?.type !== 'dir') return undefined;
      if (name === OPAQUE) {
        for (const child of [...parent.children.keys()]) {
          if (!this.#added.has(joinComponents([...dir, child]))) this.tree.remove([...dir, child]);
        }
      } else {
        this.tree.remove([...dir, name.slice(WHITEOUT.length)]);
      }
      return undefined;
    }
    if (comps.length === 0) {
      if (e.type === 'dir') this.tree.setDirMeta([], meta);
      return undefined;
    }
    this.#ensureParents(comps.slice(0, -1));
    this.#added.add(joinComponents(comps));
    const existing = this.tree.get(comps);
    switch (e.type) {
      case 'dir':
        if (existing?.type === 'dir') this.tree.setDirMeta(comps, meta);
        else this.tree.set(comps, { type: 'dir', meta, children: new Map() });
        return undefined;
      case 'file': {
        if (existing?.type === 'dir') this.tree.remove(comps);
        if (e.size === 0) {
          this.tree.set(comps, { type: 'file', meta, size: 0, content: { kind: 'bytes', data: new Uint8Array() } });
          return undefined;
        }
        const { sink, content } = this.#store.create();
        this.tree.set(comps, { type: 'file', meta, size: e.size, content });
        return sink;
      }
      case 'symlink':
        if (existing?.type === 'dir') this.tree.remove(comps);
        this.tree.set(comps, { type: 'symlink', meta, target: e.linkname });
        return undefined;
      case 'hardlink': {
        const targetComps = [...this.#under, ...cleanComponents(e.linkname)];
        const target = lookup(this.tree.root, targetComps);
        if (!target || target.type === 'dir') {
          throw new Error(`hard link ${e.path} points at ${e.linkname}, which is not in the archive before it`);
        }
        if (existing?.type === 'dir') this.tree.remove(comps);
        // Hard links become independent entries sharing the content (documented limitation).
        this.tree.set(comps, target);
        return undefined;
      }
      case 'char':
      case 'block':
      case 'fifo':
        if (existing?.type === 'dir') this.tree.remove(comps);
        this.tree.set(comps, { type: e.type, meta, devmajor: e.devmajor, devminor: e.devminor });
        return undefined;
      default:
        return undefined;
    }
  }

  #ensureParents(dir: string[]): void {
    for (let i = 1; i <= dir.length; i++) {
      const p = dir.slice(0, i);
      const node: FsNode | undefined = this.tree.get(p);
      if (!node) this.tree.set(p, { type: 'dir', meta: this.#parentMeta, children: new Map() });
      else if (node.type !== 'dir') {
        this.tree.remove(p);
        this.tree.set(p, { type: 'dir', meta: this.#parentMeta, children: new Map() });
      }
    }
  }
}

/** The merged rootfs of `layers` (bottom first). */
export async function loadImageTree(layers: readonly LayerBlob[], store: ContentStore, what: string, signal?: AbortSignal): Promise<DirNode> {
  let root = emptyRoot();
  for (const [i, layer] of layers.entries()) {
    const applier = new EntryApplier(new WorkTree(root), store, { whiteouts: true });
    await readArchive(layer.path, `${what}: layer ${i + 1} (${layer.digest})`, (e) => applier.apply(e), signal);
    root = applier.tree.root;
  }
  return root;
}
