// `punch cache du` and `punch cache prune`: what punch build's cache holds (layers, base blobs), and making room.
import { cacheUsage, formatSize, parseSize, pruneCache } from '../cache/index.js';
import { cacheDir, DEFAULT_CACHE_MAX, layerCacheSettings } from './cache-settings.js';
import { parseCommand } from './options.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';

export const cacheHelp = `Usage: punch cache du
       punch cache prune [--all | --keep-storage SIZE]
punch build's cache, in $PUNCH_CACHE_DIR (default ~/.cache/punch): the layer cache (layers/), each new
layer's compressed blob, reused when a later build packs the same tar with the same compression; and
the base image blobs pulled from registries (blobs/).
  du                         print where it is, what each part holds, and the limit
  prune                      remove least recently used layers and base blobs until it fits
                             PUNCH_CACHE_MAX (default 10GiB; builds prune to it too)
  prune --keep-storage SIZE  ... until it holds at most SIZE (512MiB, 2GiB, 10g: powers of 1024)
  prune --all                remove everything in it
Safe while builds run: a build that loses a layer packs it again, and the base blobs a running build
reads stay until it ends.`;

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
const entries = (n: number): string => count(n, 'layer entry', 'layer entries');
const blobs = (n: number): string => count(n, 'base blob', 'base blobs');

export async function runCache(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    all: { type: 'boolean' },
    'keep-storage': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await io.write(`${cacheHelp}\n`);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (sub === undefined) throw new UsageError('expected a subcommand: punch cache du, or punch cache prune [--all | --keep-storage SIZE]');
  if (sub !== 'du' && sub !== 'prune') throw new UsageError(`unknown cache subcommand "${sub}": expected du or prune (see punch cache --help)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" after punch cache ${sub}`);
  const root = cacheDir(io.env);
  if (sub === 'du') {
    if (values.all || values['keep-storage'] !== undefined) throw new UsageError('--all and --keep-storage are options of punch cache prune');
    const u = cacheUsage(root);
    const cap = layerCacheSettings(io.env)?.maxBytes;
    const limit = cap === undefined ? 'none: PUNCH_CACHE_MAX=0 turns the layer cache off' : `${formatSize(cap)}${cap === DEFAULT_CACHE_MAX ? ' (default)' : ' (PUNCH_CACHE_MAX)'}`;
    await io.write(
      `${root}\n` +
        `layers            ${count(u.layers.entries, 'entry', 'entries')}, ${formatSize(u.layers.bytes)}\n` +
        `base image blobs  ${count(u.baseBlobs.blobs, 'blob', 'blobs')}, ${formatSize(u.baseBlobs.bytes)}\n` +
        `total             ${formatSize(u.bytes)} (${u.bytes} bytes); limit ${limit}\n`,
    );
    return 0;
  }
  if (values.all && values['keep-storage'] !== undefined) throw new UsageError('--all and --keep-storage SIZE contradict each other: give one');
  let keep: number;
  if (values.all) keep = 0;
  else if (values['keep-storage'] !== undefined) {
    const n = parseSize(values['keep-storage']);
    if (typeof n !== 'number') throw new UsageError(`--keep-storage ${n.error}`);
    if (n === 0) throw new UsageError('--keep-storage 0 removes everything: say --all');
    keep = n;
  } else keep = layerCacheSettings(io.env)?.maxBytes ?? 0;
  const r = pruneCache(root, keep);
  await io.write(
    `removed ${entries(r.removedEntries)} and ${blobs(r.removedBlobs)}, freed ${formatSize(r.freedBytes)}; ` +
      `${entries(r.left.layers.entries)} and ${blobs(r.left.baseBlobs.blobs)} (${formatSize(r.left.bytes)}) left in ${root}\n`,
  );
  return 0;
}
