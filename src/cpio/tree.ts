// A directory on disk → cpio entries. Symlinks are archived as links (never followed); a file's
// bytes are read only when the archive reaches it.
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CpioError, type CpioEntry, type CpioKind } from './newc.js';

export interface TreeOptions {
  /**
   * Keep the files' uid/gid: right for a tree unpacked from an image, whose owners are part of it.
   * Off (the default), every member is owned by 0:0, so a checkout's owner does not leak in.
   */
  readonly keepOwner?: boolean;
  /**
   * Stamp every directory with the epoch instead of its own clamped mtime: right for a tree a build
   * assembled, whose directory times say how it was copied (engines differ), not what the files are.
   */
  readonly epochDirs?: boolean;
}

function kindOf(st: Stats): CpioKind | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return undefined;
}

/** Linux's dev_t split (glibc's gnu_dev_major / gnu_dev_minor). */
const devMajor = (rdev: number): number => Number(((BigInt(rdev) >> 32n) & ~0xfffn) | ((BigInt(rdev) >> 8n) & 0xfffn));
const devMinor = (rdev: number): number => Number(((BigInt(rdev) >> 12n) & ~0xffn) | (BigInt(rdev) & 0xffn));

async function entryFor(abs: string, rel: string, st: Stats, opts: TreeOptions): Promise<CpioEntry> {
  const kind = kindOf(st);
  if (!kind) throw new CpioError(`${abs}: not a file type cpio can hold`);
  const base = {
    path: rel,
    kind,
    mode: st.mode & 0o7777,
    // Past any epoch, so the clamp makes it the epoch.
    mtime: kind === 'dir' && opts.epochDirs ? Number.MAX_SAFE_INTEGER : Math.floor(st.mtimeMs / 1000),
    ...(opts.keepOwner ? { uid: st.uid, gid: st.gid } : {}),
  };
  switch (kind) {
    case 'file':
      return { ...base, size: st.size, content: () => createReadStream(abs, { highWaterMark: 1 << 20 }) };
    case 'symlink':
      return { ...base, target: await readlink(abs) };
    case 'char':
    case 'block':
      return { ...base, rdevMajor: devMajor(st.rdev), rdevMinor: devMinor(st.rdev) };
    default:
      return base;
  }
}

/** Every member under `root` (the root itself excluded), in no particular order: the archive sorts. */
export async function treeEntries(root: string, opts: TreeOptions = {}): Promise<CpioEntry[]> {
  const top = await lstat(root).catch((e: NodeJS.ErrnoException) => {
    throw new CpioError(`${root}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`);
  });
  if (!top.isDirectory()) throw new CpioError(`${root}: not a directory`);
  const out: CpioEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const abs = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(abs);
      out.push(await entryFor(abs, path, st, opts));
      if (st.isDirectory()) await walk(abs, path);
    }
  };
  await walk(root, '');
  return out;
}
