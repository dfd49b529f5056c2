// What the layer cache holds (`punch cache du`) and least-recently-used pruning to a size
// (`punch cache prune`, and after a build that added entries). Safe beside running builds: an entry
// is removed before its blob, and a build that loses an entry in between finds it gone and rebuilds.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord } from './files.js';
import { LayerCache } from './layers.js';

export interface CacheUsage {
  /** Entries (a layer's tar with one set of compression settings). */
  entries: number;
  /** Bytes of every file the cache holds (blobs, entries, the stat index). */
  bytes: number;
}

export interface PruneResult {
  removedEntries: number;
  freedBytes: number;
  left: CacheUsage;
}

/** Leftovers of a crashed build (temp files) and blobs no entry names are removed once this old. */
const STALE_MS = 60 * 60 * 1000;

interface Listed {
  key: string;
  digest: string;
  diffID: string;
  usedAt: number;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function sizeAndTime(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = statSync(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function bytesUnder(dir: string): number {
  let n = 0;
  for (const name of names(dir)) n += sizeAndTime(join(dir, name))?.size ?? 0;
  return n;
}

const isListed = (v: unknown): v is { digest: string; diffID: string } =>
  typeof v === 'object' && v !== null && typeof (v as { digest?: unknown }).digest === 'string' && typeof (v as { diffID?: unknown }).diffID === 'string';

function listEntries(cache: LayerCache): Listed[] {
  const out: Listed[] = [];
  for (const name of names(cache.entriesDir)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const key = name.slice(0, -'.json'.length);
    const rec = readRecord(join(cache.entriesDir, name), isListed);
    if (!rec) continue;
    const used = sizeAndTime(join(cache.entriesDir, `${key}.used`)) ?? sizeAndTime(join(cache.entriesDir, name));
    out.push({ key, digest: rec.digest, diffID: rec.diffID, usedAt: used?.mtimeMs ?? 0 });
  }
  return out;
}

export function cacheUsage(root: string): CacheUsage {
  const cache = new LayerCache(root);
  return {
    entries: listEntries(cache).length,
    bytes: bytesUnder(cache.blobsDir) + bytesUnder(cache.entriesDir) + bytesUnder(cache.statDir),
  };
}

/**
 * Removes the least recently used entries until the cache holds at most `keepBytes` (0: everything),
 * then the blobs no remaining entry names and the stat records of removed layers.
 */
export function pruneCache(root: string, keepBytes: number, now = Date.now()): PruneResult {
  const cache = new LayerCache(root);
  const before = cacheUsage(root);
  const entries = listEntries(cache).sort((a, b) => a.usedAt - b.usedAt || (a.key < b.key ? -1 : 1));
  const blobSize = (digest: string): number => sizeAndTime(join(cache.blobsDir, digest.slice('sha256:'.length)))?.size ?? 0;
  const refs = new Map<string, number>();
  for (const e of entries) refs.set(e.digest, (refs.get(e.digest) ?? 0) + 1);
  let bytes = before.bytes;
  const removedDigests = new Set<string>();
  let removed = 0;
  for (const e of entries) {
    if (bytes <= keepBytes && keepBytes > 0) break;
    bytes -= (sizeAndTime(join(cache.entriesDir, `${e.key}.json`))?.size ?? 0);
    rmSync(join(cache.entriesDir, `${e.key}.json`), { force: true });
    rmSync(join(cache.entriesDir, `${e.key}.used`), { force: true });
    removed++;
    const left = refs.get(e.digest)! - 1;
    refs.set(e.digest, left);
    if (left === 0) {
      bytes -= blobSize(e.digest);
      rmSync(join(cache.blobsDir, e.digest.slice('sha256:'.length)), { force: true });
      removedDigests.add(e.digest);
    }
  }
  const kept = new Set(entries.slice(removed).map((e) => e.diffID));
  const everything = keepBytes === 0;
  // Blobs no entry names (a crash between blob and entry), and temp files of crashed builds.
  for (const name of names(cache.blobsDir)) {
    const p = join(cache.blobsDir, name);
    const st = sizeAndTime(p);
    if (!st || (refs.get(`sha256:${name}`) ?? 0) > 0) continue;
    if (everything ? !name.startsWith('.punch-tmp-') || now - st.mtimeMs > STALE_MS : now - st.mtimeMs > STALE_MS) rmSync(p, { force: true });
  }
  for (const dir of [cache.entriesDir, cache.statDir]) {
    for (const name of names(dir)) {
      if (!name.startsWith('.punch-tmp-')) continue;
      const st = sizeAndTime(join(dir, name));
      if (st && now - st.mtimeMs > STALE_MS) rmSync(join(dir, name), { force: true });
    }
  }
  const diffIDOf = (v: unknown): v is { diffID: string } => typeof v === 'object' && v !== null && typeof (v as { diffID?: unknown }).diffID === 'string';
  for (const name of names(cache.statDir)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const rec = readRecord(join(cache.statDir, name), diffIDOf);
    if (everything || !rec || !kept.has(rec.diffID)) rmSync(join(cache.statDir, name), { force: true });
  }
  const left = cacheUsage(root);
  return { removedEntries: removed, freedBytes: Math.max(0, before.bytes - left.bytes), left };
}
