// What punch's cache holds (`punch cache du`) and least-recently-used pruning to a size (`punch cache
// prune`, and after a build that added layers), over both of its parts: the layer cache (layers/) and
// the base image blobs pulled from registries (blobs/). Safe beside running builds: a layer entry is
// removed before its blob, and a build that loses one finds it gone and packs the layer again; a base
// blob a build uses is held by its lease (leases.ts), so removing the cache's name leaves its file.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord } from './files.js';
import { LayerCache } from './layers.js';
import { removeDeadLeases } from './leases.js';

export interface CacheUsage {
  /** Layer cache entries (a layer's tar with one set of compression settings) and the bytes of its files (blobs, entries, the stat index). */
  layers: { entries: number; bytes: number };
  /** Base image blobs (layers, configs) pulled from registries. */
  baseBlobs: { blobs: number; bytes: number };
  /** Both together: what PUNCH_CACHE_MAX caps. */
  bytes: number;
}

export interface PruneResult {
  removedEntries: number;
  removedBlobs: number;
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

const layersOf = (root: string): LayerCache => new LayerCache(join(root, 'layers'));
const baseBlobsDir = (root: string): string => join(root, 'blobs', 'sha256');
const HEX = /^[0-9a-f]{64}$/;

interface BaseBlob {
  name: string;
  size: number;
  /** Its mtime: set by the download, and by every build that uses it. */
  usedAt: number;
}

function listBaseBlobs(root: string): BaseBlob[] {
  const dir = baseBlobsDir(root);
  return names(dir).flatMap((name) => {
    const st = HEX.test(name) ? sizeAndTime(join(dir, name)) : undefined;
    return st ? [{ name, size: st.size, usedAt: st.mtimeMs }] : [];
  });
}

/** What the cache under `root` (PUNCH_CACHE_DIR) holds. */
export function cacheUsage(root: string): CacheUsage {
  const cache = layersOf(root);
  const layers = { entries: listEntries(cache).length, bytes: bytesUnder(cache.blobsDir) + bytesUnder(cache.entriesDir) + bytesUnder(cache.statDir) };
  const base = listBaseBlobs(root);
  const baseBlobs = { blobs: base.length, bytes: base.reduce((n, b) => n + b.size, 0) };
  return { layers, baseBlobs, bytes: layers.bytes + baseBlobs.bytes };
}

type Victim = { usedAt: number; name: string } & ({ kind: 'entry'; entry: Listed } | { kind: 'base'; blob: BaseBlob });

/**
 * Removes the least recently used layer entries and base blobs until the cache holds at most
 * `keepBytes` (0: everything), then the layer blobs no remaining entry names, the stat records of
 * removed layers, crashed builds' leftovers and the leases of builds no longer running.
 */
export function pruneCache(root: string, keepBytes: number, now = Date.now()): PruneResult {
  removeDeadLeases(root);
  const cache = layersOf(root);
  const before = cacheUsage(root);
  const entries = listEntries(cache);
  const victims: Victim[] = [
    ...entries.map((e): Victim => ({ kind: 'entry', usedAt: e.usedAt, name: e.key, entry: e })),
    ...listBaseBlobs(root).map((b): Victim => ({ kind: 'base', usedAt: b.usedAt, name: b.name, blob: b })),
  ].sort((a, b) => a.usedAt - b.usedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blobSize = (digest: string): number => sizeAndTime(join(cache.blobsDir, digest.slice('sha256:'.length)))?.size ?? 0;
  const refs = new Map<string, number>();
  for (const e of entries) refs.set(e.digest, (refs.get(e.digest) ?? 0) + 1);
  let bytes = before.bytes;
  const removedKeys = new Set<string>();
  let removedBlobs = 0;
  for (const v of victims) {
    if (bytes <= keepBytes && keepBytes > 0) break;
    if (v.kind === 'base') {
      rmSync(join(baseBlobsDir(root), v.blob.name), { force: true });
      bytes -= v.blob.size;
      removedBlobs++;
      continue;
    }
    const e = v.entry;
    bytes -= sizeAndTime(join(cache.entriesDir, `${e.key}.json`))?.size ?? 0;
    rmSync(join(cache.entriesDir, `${e.key}.json`), { force: true });
    rmSync(join(cache.entriesDir, `${e.key}.used`), { force: true });
    removedKeys.add(e.key);
    const left = refs.get(e.digest)! - 1;
    refs.set(e.digest, left);
    if (left === 0) {
      bytes -= blobSize(e.digest);
      rmSync(join(cache.blobsDir, e.digest.slice('sha256:'.length)), { force: true });
    }
  }
  const kept = new Set(entries.filter((e) => !removedKeys.has(e.key)).map((e) => e.diffID));
  const everything = keepBytes === 0;
  // Blobs no entry names (a crash between blob and entry), and temp files of crashed builds.
  for (const name of names(cache.blobsDir)) {
    const p = join(cache.blobsDir, name);
    const st = sizeAndTime(p);
    if (!st || (refs.get(`sha256:${name}`) ?? 0) > 0) continue;
    if (everything ? !name.startsWith('.punch-tmp-') || now - st.mtimeMs > STALE_MS : now - st.mtimeMs > STALE_MS) rmSync(p, { force: true });
  }
  for (const dir of [cache.entriesDir, cache.statDir, baseBlobsDir(root)]) {
    for (const name of names(dir)) {
      // `.punch-tmp-…` in the layer cache, `<hex>.tmp-…` for a base blob being downloaded.
      if (!name.startsWith('.punch-tmp-') && !name.includes('.tmp-')) continue;
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
  return { removedEntries: removedKeys.size, removedBlobs, freedBytes: Math.max(0, before.bytes - left.bytes), left };
}
