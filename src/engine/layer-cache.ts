// A new layer through the layer cache (src/cache/): what identifies its tar, and the three ways to
// find its diff ID. The tar's bytes are a function of its entries (headers with every metadata field
// as written, link targets, in-memory data) and the bytes of its on-disk files; so
//   - the skeleton hashes everything but those bytes, and the stat index maps skeleton + each
//     file's stat identity to the diff ID it had (the fast path: no file is read);
//   - a skeleton seen before with a file whose stat differs is hashed (one read, no compression),
//     and its diff ID looked up;
//   - an unseen skeleton is a tar never packed before: built straight away, no hash pass first.
// The entry key is the diff ID plus the compression settings; the blob it names is verified first.
import { LayerCache, sameStat, statFile, type CachedLayer, type StatInput } from '../cache/index.js';
import { nodeCrypto } from '../builtins.js';
import type { Compression } from './compress/index.js';
import { layerParts } from './layer.js';
import { streamParts } from './tar.js';
import type { LayerEntry } from './types.js';

export interface LayerCacheOptions {
  cache: LayerCache;
  /** false: the stat fast path is off and every input is rehashed (the stat index is still kept). */
  trustStat?: boolean;
  /**
   * Layers with at most this many bytes of file content bypass the cache (default: the in-memory
   * limit, 1 MiB): packing them in memory is quicker than the cache's synced writes.
   */
  minBytes?: number;
}

/** How a cached layer's blob was found: `stat` (no input read), `hash` (inputs rehashed), or `miss` (packed). */
export type CacheOutcome = 'stat' | 'hash' | 'miss';

export interface Skeleton {
  /** sha256 hex of the tar without on-disk file bytes (each such file stands as its size). */
  key: string;
  /** The on-disk files, in tar order, with the size their header gives. */
  files: { path: string; size: number }[];
}

export function layerSkeleton(entries: readonly LayerEntry[], epoch: number | undefined): Skeleton {
  const hash = nodeCrypto().createHash('sha256').update('punch-layer-skeleton-v1\0');
  const files: Skeleton['files'] = [];
  for (const part of layerParts(entries, epoch)) {
    if (Buffer.isBuffer(part)) {
      hash.update(part);
    } else {
      hash.update(`\0file ${part.size}\0`);
      files.push({ path: part.path, size: part.size });
    }
  }
  return { key: hash.digest('hex'), files };
}

/** The files' stat identities, or undefined when one is gone or not the size its header says (the build reports it). */
export function statInputs(files: Skeleton['files']): StatInput[] | undefined {
  const out: StatInput[] = [];
  for (const f of files) {
    const stat = statFile(f.path);
    if (!stat || stat.size !== String(f.size)) return undefined;
    out.push({ path: f.path, stat });
  }
  return out;
}

/** Still the same files (by stat) as before they were read: only then may the stat index record them. */
export function unchanged(before: readonly StatInput[]): boolean {
  const now = statInputs(before.map((f) => ({ path: f.path, size: Number(f.stat.size) })));
  return now !== undefined && now.every((f, i) => sameStat(f.stat, before[i]!.stat));
}

/** The diff ID of the layer's tar, reading its files once (no compression). */
export async function tarDiffID(entries: readonly LayerEntry[], epoch: number | undefined, signal?: AbortSignal): Promise<string> {
  const hash = nodeCrypto().createHash('sha256');
  for await (const chunk of streamParts(layerParts(entries, epoch))) {
    signal?.throwIfAborted();
    hash.update(chunk);
  }
  return `sha256:${hash.digest('hex')}`;
}

export function entryKey(diffID: string, c: Compression): string {
  // uncompressed ignores the level: any level names the same bytes.
  return LayerCache.entryKey(diffID, { type: c.type, level: c.type === 'uncompressed' ? 0 : c.level, force: c.force });
}

/** What the cache says about a layer before it is built: a verified hit, or what to record after the build. */
export interface Consulted {
  hit?: CachedLayer & { outcome: 'stat' | 'hash' };
  skeleton: Skeleton;
  /** The inputs' stat identities (undefined: a file is missing or resized; no stat record then). */
  stats: StatInput[] | undefined;
  /** The fs clock before the inputs were stat'ed. */
  readAt: string;
}

export async function consultCache(entries: readonly LayerEntry[], c: Compression, o: LayerCacheOptions, epoch: number | undefined, signal?: AbortSignal): Promise<Consulted> {
  const skeleton = layerSkeleton(entries, epoch);
  const readAt = o.cache.clock();
  const stats = statInputs(skeleton.files);
  const known = stats ? o.cache.statLookup(skeleton.key, stats) : { seen: false };
  let diffID = o.trustStat === false ? undefined : known.diffID;
  let outcome: 'stat' | 'hash' = 'stat';
  if (diffID === undefined && known.seen) {
    diffID = await tarDiffID(entries, epoch, signal);
    outcome = 'hash';
  }
  const found = diffID !== undefined ? o.cache.lookup(entryKey(diffID, c)) : undefined;
  return { ...(found ? { hit: { ...found, outcome } } : {}), skeleton, stats, readAt };
}

/** After a hit by hash or a build: the stat index learns the inputs' diff ID (when they did not change meanwhile). */
export function recordInputs(o: LayerCacheOptions, consulted: Consulted, diffID: string): void {
  if (consulted.stats && unchanged(consulted.stats)) o.cache.statRecord(consulted.skeleton.key, consulted.stats, diffID, consulted.readAt);
}
