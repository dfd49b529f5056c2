// The one ExecOp punch build runs: `punch initrd` on punch's own image (src/initrd-builtin.ts). Nothing
// runs in a container: the op is recognised by its exact shape, the /in tree is read from the snapshot
// and the same cpio writer `punch initrd` uses writes /out/initrd, so the archive has the same bytes.
import { createReadStream } from 'node:fs';
import { newcArchive, type CpioEntry, type CpioKind } from '../cpio/index.js';
import { pb } from '../gen/pb.js';
import { INITRD_IN, INITRD_NAME, INITRD_OUT, initrdEpoch, isInitrdArgs } from '../initrd-builtin.js';
import type { DecodedOp } from '../llb/definition.js';
import { int64ToNumber } from '../llb/int64.js';
import type { ContentStore } from './content.js';
import { sortedChildren } from './tree.js';
import type { DirNode, FsNode } from './types.js';

export interface InitrdOp {
  epoch: number;
  /** The op's input mounted at /in; undefined for an empty tree (scratch). */
  tree: { digest: string; index: number } | undefined;
}

/**
 * The op as punch's initrd builtin, or why it is not one. `toolsImage` is the only image it may run
 * on (the reference the graph chose, as in the source identifier): a look-alike on any other image
 * is an ordinary RUN.
 */
export function recogniseInitrd(d: DecodedOp, ops: ReadonlyMap<string, DecodedOp>, toolsImage: string | undefined): InitrdOp | string {
  const exec = d.op.exec!;
  const meta = exec.meta;
  const inputs = d.op.inputs ?? [];
  if (!toolsImage) return 'the graph names no punch tools image';
  if (!meta || !isInitrdArgs(meta.args ?? [])) return 'its command is not punch initrd';
  const epoch = initrdEpoch(meta.env ?? []);
  if (epoch === undefined) return 'its environment is not the builtin’s';
  if ((meta.cwd ?? '') !== '/' || meta.user || meta.hostname || meta.extraHosts?.length || meta.ulimit?.length || meta.proxy_env || meta.cgroupParent) return 'its process settings are not the builtin’s';
  if (exec.network !== pb.NetMode.NONE || (exec.security ?? 0) !== pb.SecurityMode.SANDBOX || exec.secretenv?.length) return 'its network or security is not the builtin’s';
  const mounts = exec.mounts ?? [];
  const [root, tin, tout] = mounts;
  const plain = (m: pb.Mount.$Properties): boolean => (m.mountType ?? 0) === pb.MountType.BIND && !m.selector;
  if (mounts.length !== 3 || !root || !tin || !tout || !mounts.every(plain)) return 'its mounts are not the builtin’s';
  const rootInput = inputs[int64ToNumber(root.input)];
  const rootOp = rootInput ? ops.get(rootInput.digest ?? '') : undefined;
  if (root.dest !== '/' || root.readonly || rootOp?.op.source?.identifier !== `docker-image://${toolsImage}`) return `it does not run on punch's image ${toolsImage}`;
  const inIdx = int64ToNumber(tin.input);
  if (tin.dest !== INITRD_IN || !tin.readonly || int64ToNumber(tin.output) !== -1 || inIdx >= inputs.length || inIdx < -1) return `its ${INITRD_IN} mount is not the builtin’s`;
  if (tout.dest !== INITRD_OUT || tout.readonly || int64ToNumber(tout.input) !== -1 || int64ToNumber(tout.output) !== 1) return `its ${INITRD_OUT} mount is not the builtin’s`;
  const t = inIdx === -1 ? undefined : inputs[inIdx]!;
  return { epoch, tree: t ? { digest: t.digest ?? '', index: int64ToNumber(t.index) } : undefined };
}

const KIND: Record<FsNode['type'], CpioKind> = { file: 'file', dir: 'dir', symlink: 'symlink', char: 'char', block: 'block', fifo: 'fifo' };

/**
 * The members `punch initrd --keep-owner --epoch-dirs` reads from the tree once it is on disk: every
 * path below the root, mode, owner and mtime as the snapshot holds them, directories at the epoch. A
 * time the snapshot leaves to the build (BuildKit stamps it with the clock, later than the epoch) is
 * the epoch after clamping.
 */
export function treeMembers(root: DirNode, epoch: number): CpioEntry[] {
  const out: CpioEntry[] = [];
  const visit = (dir: DirNode, prefix: string): void => {
    for (const [name, node] of sortedChildren(dir)) {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      // `--epoch-dirs`: every directory gets the epoch.
      const mtime = node.type === 'dir' ? epoch : (node.meta.mtime ?? epoch);
      const base = { path, kind: KIND[node.type], mode: node.meta.mode & 0o7777, uid: node.meta.uid, gid: node.meta.gid, mtime };
      if (node.type === 'file') {
        const c = node.content;
        out.push({ ...base, size: node.size, content: c.kind === 'file' ? () => createReadStream(c.path, { highWaterMark: 1 << 20 }) : async function* () { yield c.data; } });
      } else if (node.type === 'symlink') out.push({ ...base, target: node.target });
      else if (node.type === 'char' || node.type === 'block') out.push({ ...base, rdevMajor: node.devmajor, rdevMinor: node.devminor });
      else out.push(base);
      if (node.type === 'dir') visit(node, path);
    }
  };
  visit(root, '');
  return out;
}

/** Writes the archive of `tree` into the store; the /out mount's result: one root-owned 0644 file. */
export async function runInitrd(tree: DirNode, epoch: number, store: ContentStore, signal?: AbortSignal): Promise<DirNode> {
  const { sink, content } = store.create();
  let size = 0;
  try {
    for await (const chunk of newcArchive(treeMembers(tree, epoch), epoch)) {
      signal?.throwIfAborted();
      sink.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      size += chunk.length;
    }
  } finally {
    sink.end();
  }
  const file: FsNode = { type: 'file', meta: { mode: 0o644, uid: 0, gid: 0, mtime: undefined }, size, content };
  return { type: 'dir', meta: { mode: 0o755, uid: 0, gid: 0, mtime: undefined }, children: new Map([[INITRD_NAME, file]]) };
}
