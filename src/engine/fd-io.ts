// File-descriptor I/O as promises, on the callback API: fs/promises' FileHandle costs more per
// call, and a GiB blob is a thousand calls.
import { close, fsync, open, read, write } from 'node:fs';

export const openFd = (path: string, flags: string, mode = 0o644): Promise<number> =>
  new Promise((resolve, reject) => open(path, flags, mode, (e, fd) => (e ? reject(e) : resolve(fd))));

/** Reads up to `into.length` bytes at `position`; 0 at the end of the file. */
export const readAt = (fd: number, into: Uint8Array, position: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, into, 0, into.length, position, (e, n) => (e ? reject(e) : resolve(n))));

/** Writes all of `data` at `position`, or at the file position when it is null (short writes retried). */
export async function writeAllAt(fd: number, data: Uint8Array, position: number | null): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const at = position === null ? null : position + off;
    off += await new Promise<number>((resolve, reject) => write(fd, data, off, data.length - off, at, (e, n) => (e ? reject(e) : resolve(n))));
  }
}

export const fsyncFd = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));

export const closeFd = (fd: number): Promise<void> => new Promise((resolve, reject) => close(fd, (e) => (e ? reject(e) : resolve())));
