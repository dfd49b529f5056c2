// `punch initrd DIR -o FILE`: a directory as a reproducible initramfs (cpio newc), the same
// archive on every machine for the same tree.
import { resolve } from 'node:path';
import { writeTreeArchive } from '../cpio/index.js';
import { parseCommand, sourceDateEpoch } from './options.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';

export const initrdHelp = `Usage: punch initrd DIR -o FILE [--keep-owner] [--epoch-dirs]
Writes DIR's tree (DIR itself excluded) as a cpio "newc" archive, the format the Linux kernel unpacks
as an initramfs. The archive is reproducible: members sorted by name, missing parent directories
added, modes kept, owners 0:0 (--keep-owner keeps each file's uid/gid, for a tree unpacked from an
image), mtimes clamped to SOURCE_DATE_EPOCH (0 when unset), inodes numbered in archive order, no
device numbers of the build machine (--epoch-dirs stamps every directory with the epoch: for a tree a
build assembled, whose directory times depend on the engine's copies). Symlinks are stored as links. FILE is replaced only when the
whole archive is written.
Environment: SOURCE_DATE_EPOCH (the latest mtime an entry may carry).`;

export async function runInitrd(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    output: { type: 'string', short: 'o' },
    'keep-owner': { type: 'boolean' },
    'epoch-dirs': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await io.write(`${initrdHelp}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one directory, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (punch initrd DIR -o FILE)`);
  if (values.output === undefined || values.output === '') throw new UsageError('-o FILE is required: where to write the archive');
  const epoch = sourceDateEpoch(io.env) ?? 0;
  // A CpioError (a file too large for newc, a name over PATH_MAX) reaches main as `punch: ...`, exit 1.
  await writeTreeArchive(resolve(io.cwd, positionals[0]!), resolve(io.cwd, values.output), epoch, { keepOwner: values['keep-owner'] === true, epochDirs: values['epoch-dirs'] === true });
  return 0;
}
