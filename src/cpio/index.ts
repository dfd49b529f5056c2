// Reproducible cpio "newc" archives (initramfs images) from entries or a directory.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newcArchive, type CpioEntry } from './newc.js';
import { treeEntries, type TreeOptions } from './tree.js';

export { archiveMembers, CpioError, newcArchive, PATH_MAX, type CpioEntry, type CpioKind } from './newc.js';
export { treeEntries, type TreeOptions } from './tree.js';

/** Writes the archive of `entries` to `file` through a temporary name, so a failure leaves no half archive. */
export async function writeArchive(entries: Iterable<CpioEntry>, file: string, epoch = 0): Promise<void> {
  const tmp = `${file}.punch-tmp-${process.pid}`;
  try {
    await pipeline(Readable.from(newcArchive(entries, epoch)), createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** `punch initrd DIR -o FILE`: the directory's tree as one reproducible archive. */
export async function writeTreeArchive(dir: string, file: string, epoch = 0, opts: TreeOptions = {}): Promise<void> {
  await writeArchive(await treeEntries(dir, opts), file, epoch);
}
