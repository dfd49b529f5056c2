// The cpio "newc" format (magic 070701) that the Linux kernel unpacks as an initramfs, written
// reproducibly: the archive depends only on the entries' names, types, modes, owners, clamped mtimes
// and contents, never on the machine (no st_dev, no st_ino, no wall clock).
import { compareBytes } from '../order.js';

export type CpioKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** The file-type bits of st_mode, as the kernel's initramfs unpacker reads them. */
const TYPE_BITS: Record<CpioKind, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
  socket: 0o140000,
};

/** Where a regular file's bytes come from: read only when the archive reaches it (large files stream). */
export type CpioContent = () => AsyncIterable<Uint8Array>;

export interface CpioEntry {
  /** Relative path, '/'-separated, no '.' or '..' parts (`bin/sh`); leading '/' or './' is dropped. */
  readonly path: string;
  readonly kind: CpioKind;
  /** Permission bits (07777: setuid, setgid, sticky, rwx); the type bits come from `kind`. */
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since 1970; clamped to the archive's epoch. */
  readonly mtime?: number;
  /** `file`: the size in bytes, and `content` yields exactly that many bytes. */
  readonly size?: number;
  readonly content?: CpioContent;
  /** `symlink`: the target, stored as the entry's data. */
  readonly target?: string;
  /** `char` / `block`: the device the node names (part of the content, not the build machine). */
  readonly rdevMajor?: number;
  readonly rdevMinor?: number;
}

export class CpioError extends Error {}

/** The kernel rejects names longer than PATH_MAX (4096 bytes with the NUL) in an initramfs. */
export const PATH_MAX = 4096;
const MAX_U32 = 0xffffffff;
const encoder = new TextEncoder();

/** `./a//b/` → `a/b`; '' for the root itself. Rejects '..' so nothing unpacks outside the root. */
export function cleanEntryPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new CpioError(`${path}: a cpio member may not contain ".."`);
  return parts.join('/');
}

/**
 * The archive's members in the order they are written: paths cleaned, every missing parent
 * directory added (0755, root-owned), sorted by the bytes of their names (so a directory always
 * precedes what it holds), mtimes clamped to `epoch`. Two entries for one path are an error.
 */
export function archiveMembers(entries: Iterable<CpioEntry>, epoch = 0): CpioEntry[] {
  const byPath = new Map<string, CpioEntry>();
  for (const e of entries) {
    const path = cleanEntryPath(e.path);
    if (path === '') continue; // the root exists before unpacking; its entry would chmod it
    if (byPath.has(path)) throw new CpioError(`${path}: listed twice`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const found = byPath.get(parent);
      if (!found) byPath.set(parent, { path: parent, kind: 'dir', mode: 0o755 });
      else if (found.kind !== 'dir') throw new CpioError(`${path}: its parent ${parent} is a ${found.kind}, not a directory`);
    }
  }
  const members = [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
  return members.map((e) => ({ ...e, mtime: Math.min(Math.max(0, Math.floor(e.mtime ?? 0)), epoch) }));
}

function hex8(n: number, what: string, path: string): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_U32) throw new CpioError(`${path}: ${what} ${n} does not fit cpio newc's 32-bit field`);
  return n.toString(16).padStart(8, '0');
}

/** Bytes of zero padding that bring `n` to a multiple of 4. */
export const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export interface HeaderFields {
  readonly ino: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly mtime: number;
  readonly filesize: number;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/** One header, its name, the NUL and the padding to 4 bytes: `070701` and 13 hex fields. */
export function encodeHeader(name: string, f: HeaderFields): Uint8Array {
  const nameBytes = encoder.encode(name);
  const namesize = nameBytes.length + 1;
  if (namesize > PATH_MAX) throw new CpioError(`${name.slice(0, 60)}...: the name is ${namesize} bytes with its NUL; the kernel's limit is ${PATH_MAX}`);
  if (nameBytes.includes(0)) throw new CpioError(`${name}: a name may not contain NUL`);
  const fields = [f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime, f.filesize, 0, 0, f.rdevMajor, f.rdevMinor, namesize, 0];
  const what = ['inode', 'mode', 'uid', 'gid', 'link count', 'mtime', 'size', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'name size', 'check'];
  const head = `070701${fields.map((n, i) => hex8(n, what[i]!, name)).join('')}`;
  const out = new Uint8Array(110 + namesize + pad4(110 + namesize));
  out.set(encoder.encode(head), 0);
  out.set(nameBytes, 110);
  return out;
}

/** The header of member number `index` (inodes count from 1 in archive order: the machine's never leak). */
export function memberHeader(e: CpioEntry, index: number): Uint8Array {
  const size = e.kind === 'file' ? (e.size ?? 0) : e.kind === 'symlink' ? encoder.encode(e.target ?? '').length : 0;
  if (e.kind === 'symlink' && !e.target) throw new CpioError(`${e.path}: a symlink needs a target`);
  if (e.kind === 'file' && size > 0 && !e.content) throw new CpioError(`${e.path}: ${size} bytes but no content`);
  const device = e.kind === 'char' || e.kind === 'block';
  return encodeHeader(e.path, {
    ino: index + 1,
    mode: TYPE_BITS[e.kind] | (e.mode & 0o7777),
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    nlink: e.kind === 'dir' ? 2 : 1,
    mtime: e.mtime ?? 0,
    filesize: size,
    rdevMajor: device ? (e.rdevMajor ?? 0) : 0,
    rdevMinor: device ? (e.rdevMinor ?? 0) : 0,
  });
}

/** The `TRAILER!!!` member that ends every archive (link count 1, everything else 0, as the kernel's own tools write it). */
export const trailer = (): Uint8Array =>
  encodeHeader('TRAILER!!!', { ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, filesize: 0, rdevMajor: 0, rdevMinor: 0 });

/**
 * The archive as a stream of chunks: each member's header, then its data padded to 4 bytes, then the
 * trailer. File contents are pulled one member at a time, so memory stays flat for large files.
 */
export async function* newcArchive(entries: Iterable<CpioEntry>, epoch = 0): AsyncGenerator<Uint8Array> {
  const members = archiveMembers(entries, epoch);
  for (const [i, e] of members.entries()) {
    yield memberHeader(e, i);
    let written = 0;
    if (e.kind === 'symlink') {
      const data = encoder.encode(e.target!);
      yield data;
      written = data.length;
    } else if (e.kind === 'file' && e.content) {
      const size = e.size ?? 0;
      for await (const chunk of e.content()) {
        written += chunk.length;
        if (written > size) throw new CpioError(`${e.path}: grew past its ${size} bytes while being archived`);
        yield chunk;
      }
      if (written !== size) throw new CpioError(`${e.path}: ${written} bytes read, ${size} expected (it changed while being archived)`);
    }
    if (pad4(written) > 0) yield new Uint8Array(pad4(written));
  }
  yield trailer();
}
