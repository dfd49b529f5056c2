// Where punch's caches live and how big the layer cache may grow, from the environment:
//   PUNCH_CACHE_DIR   default $XDG_CACHE_HOME/punch, else ~/.cache/punch (base image blobs in blobs/,
//                     the layer cache in layers/, running builds' leases on base blobs in leases/)
//   PUNCH_CACHE_MAX   the cap on layers/ and blobs/ together (default 10GiB; 0 turns the layer cache
//                     off, and builds then prune nothing)
//   PUNCH_CACHE_REHASH=1  no stat fast path: every input of a cached layer is rehashed
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseSize } from '../cache/index.js';
import { UsageError } from './usage-error.js';

/** The cache's default cap: ten 1 GiB disk images in two compressions fit. */
export const DEFAULT_CACHE_MAX = 10 * 2 ** 30;

export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.PUNCH_CACHE_DIR) return env.PUNCH_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'punch');
}

export interface LayerCacheSettings {
  dir: string;
  maxBytes: number;
  trustStat: boolean;
}

/** The layer cache's settings; undefined when PUNCH_CACHE_MAX=0 turns it off. */
export function layerCacheSettings(env: NodeJS.ProcessEnv): LayerCacheSettings | undefined {
  let maxBytes = DEFAULT_CACHE_MAX;
  if (env.PUNCH_CACHE_MAX !== undefined && env.PUNCH_CACHE_MAX !== '') {
    const n = parseSize(env.PUNCH_CACHE_MAX);
    if (typeof n !== 'number') throw new UsageError(`PUNCH_CACHE_MAX=${env.PUNCH_CACHE_MAX}: ${n.error}; 0 turns the layer cache off`);
    maxBytes = n;
  }
  if (maxBytes === 0) return undefined;
  const rehash = env.PUNCH_CACHE_REHASH;
  if (rehash !== undefined && !['', '0', '1'].includes(rehash)) throw new UsageError(`PUNCH_CACHE_REHASH=${rehash}: expected 1 (rehash every input) or 0`);
  return { dir: join(cacheDir(env), 'layers'), maxBytes, trustStat: rehash !== '1' };
}
