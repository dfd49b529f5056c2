// The content-addressed layer cache. An entry maps a layer's tar (its diff ID) and compression
// settings to the compressed blob punch made for it; the blob is verified before every use. The stat
// index maps a layer's skeleton (its tar without the bytes of on-disk files) to the diff ID it had,
// with each file's stat identity, so an unchanged layer is found without reading its files.
//   <root>/blobs/sha256/<hex>   compressed layer blobs, by digest
//   <root>/entries/<key>.json   diff ID + compression → blob digest, size, media type, verified stat
//   <root>/entries/<key>.used   its mtime is the entry's last use (least-recently-used pruning)
//   <root>/stat/<skeleton>.json the stat index: files' stat identities → diff ID
import { closeSync, copyFileSync, constants, linkSync, mkdirSync, openSync, readSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto } from '../builtins.js';
import { sha256Hex } from '../sha256.js';
import { fsClockAfter, racy, readRecord, sameContentStat, sameStat, statFile, syncPath, tempName, writeFileAtomic, type FileStat } from './files.js';

/** The compression settings that enter an entry's key. */
export interface CompressionKey {
  readonly type: string;
  readonly level: number;
  readonly force: boolean;
}

/** A cache hit: a verified blob (`verified` says whether its stat sufficed or it was rehashed). */
export interface CachedLayer {
  readonly path: string;
  readonly digest: string;
  readonly diffID: string;
  readonly size: number;
  readonly mediaType: string;
  readonly verified: 'stat' | 'hash';
}

/** An input file of a layer as the stat index sees it. */
export interface StatInput {
  readonly path: string;
  readonly stat: FileStat;
}

interface EntryRecord {
  v: 1;
  diffID: string;
  digest: string;
  size: number;
  mediaType: string;
  /** The blob's stat when it was last verified, and the fs clock just after. */
  blob: FileStat;
  verifiedAt: string;
}

interface StatRecord {
  v: 1;
  diffID: string;
  files: Array<{ path: string } & FileStat>;
  /** The fs clock before the files were stat'ed and read. */
  readAt: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function isStat(v: unknown): v is FileStat {
  const s = v as Record<string, unknown>;
  return typeof v === 'object' && v !== null && ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'].every((k) => typeof s[k] === 'string');
}

function isEntry(v: unknown): v is EntryRecord {
  const e = v as EntryRecord;
  return (
    typeof v === 'object' && v !== null && e.v === 1 && DIGEST.test(String(e.diffID)) && DIGEST.test(String(e.digest)) &&
    Number.isSafeInteger(e.size) && e.size >= 0 && typeof e.mediaType === 'string' && isStat(e.blob) && typeof e.verifiedAt === 'string'
  );
}

function isStatRecord(v: unknown): v is StatRecord {
  const r = v as StatRecord;
  return (
    typeof v === 'object' && v !== null && r.v === 1 && DIGEST.test(String(r.diffID)) && typeof r.readAt === 'string' &&
    Array.isArray(r.files) && r.files.every((f) => isStat(f) && typeof f.path === 'string')
  );
}

/** sha256 of a file's bytes, read in 4 MiB steps; undefined when it cannot be read. */
function hashFile(path: string): { digest: string; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const hash = nodeCrypto().createHash('sha256');
    const buf = Buffer.allocUnsafe(4 << 20);
    let size = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; size += n) hash.update(buf.subarray(0, n));
    return { digest: `sha256:${hash.digest('hex')}`, size };
  } finally {
    closeSync(fd);
  }
}

export class LayerCache {
  readonly blobsDir: string;
  readonly entriesDir: string;
  readonly statDir: string;
  #made = false;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.entriesDir = join(root, 'entries');
    this.statDir = join(root, 'stat');
  }

  #dirs(): void {
    if (this.#made) return;
    for (const d of [this.blobsDir, this.entriesDir, this.statDir]) mkdirSync(d, { recursive: true });
    this.#made = true;
  }

  /** The entry key of a tar (by diff ID) compressed with `c`. */
  static entryKey(diffID: string, c: CompressionKey): string {
    return sha256Hex(Buffer.from(JSON.stringify(['punch-layer-cache-v1', diffID, c.type, c.level, c.force])));
  }

  /** The fs clock now: taken before a layer's files are stat'ed, it dates the stat index record. */
  clock(): string {
    this.#dirs();
    return fsClockAfter(this.statDir, 0n);
  }

  /**
   * The stat index's answer for `skeleton`: `seen` when a layer with this skeleton was recorded (its
   * files may be unchanged: worth hashing), and its diff ID when every file's path and stat identity
   * match the record and none was racy when recorded.
   */
  statLookup(skeleton: string, files: readonly StatInput[]): { seen: boolean; diffID?: string } {
    const rec = readRecord(join(this.statDir, `${skeleton}.json`), isStatRecord);
    if (!rec) return { seen: false };
    const match =
      rec.files.length === files.length &&
      rec.files.every((f, i) => f.path === files[i]!.path && sameStat(f, files[i]!.stat) && !racy(f, rec.readAt));
    return match ? { seen: true, diffID: rec.diffID } : { seen: true };
  }

  /** Records that `files`, stat'ed after the fs clock read `readAt`, made the tar `diffID`. */
  statRecord(skeleton: string, files: readonly StatInput[], diffID: string, readAt: string): void {
    this.#dirs();
    const rec: StatRecord = { v: 1, diffID, files: files.map((f) => ({ path: f.path, ...f.stat })), readAt };
    writeFileAtomic(join(this.statDir, `${skeleton}.json`), Buffer.from(JSON.stringify(rec)), this.statDir);
  }

  /**
   * The verified entry `key`, or undefined. A blob whose device, inode, size and mtime are as
   * verified (and was not racy then) is used as is; otherwise (or when it was added unsynced) it is
   * rehashed, and synced before it is trusted by stat. A missing, truncated or corrupted blob removes
   * the entry (and the blob), so the caller rebuilds the layer: a bad entry is never handed out.
   */
  lookup(key: string): CachedLayer | undefined {
    const recPath = join(this.entriesDir, `${key}.json`);
    const rec = readRecord(recPath, isEntry);
    if (!rec) {
      rmSync(recPath, { force: true });
      return undefined;
    }
    const path = join(this.blobsDir, rec.digest.slice('sha256:'.length));
    const st = statFile(path);
    const hit = (verified: 'stat' | 'hash'): CachedLayer => ({ path, digest: rec.digest, diffID: rec.diffID, size: rec.size, mediaType: rec.mediaType, verified });
    if (st && sameContentStat(st, rec.blob) && !racy(st, rec.verifiedAt, false)) return hit('stat');
    if (st && st.size === String(rec.size)) {
      const read = hashFile(path);
      const after = statFile(path);
      if (read && read.digest === rec.digest && read.size === rec.size && after && sameContentStat(after, st)) {
        syncPath(path);
        this.#writeEntry(key, { ...rec, blob: st, verifiedAt: fsClockAfter(this.entriesDir, BigInt(st.mtimeNs)) });
        return hit('hash');
      }
    }
    this.#drop(key, path, st);
    return undefined;
  }

  /** A bad blob goes with its entry (other entries naming it will find it missing and rebuild too). */
  #drop(key: string, blobPath: string, st: FileStat | undefined): void {
    rmSync(join(this.entriesDir, `${key}.json`), { force: true });
    rmSync(join(this.entriesDir, `${key}.used`), { force: true });
    // Only the file that failed: a concurrent build may have renamed a good one over it since.
    const now = statFile(blobPath);
    if (st && now && sameContentStat(now, st)) rmSync(blobPath, { force: true });
  }

  /**
   * Adds the blob at `src` (just written, `layer` its digests) as entry `key`: hard-linked into the
   * cache when it is on the same filesystem (no copy), else copied (a reflink where the filesystem
   * can); named before the entry that points at it is written. `synced` says `src` is already on
   * disk (a layout's blob); otherwise the blob is not synced here (an archive's output is the tar,
   * whose sync would then be paid twice) and the entry says so: its first use rehashes and syncs it.
   */
  insert(key: string, src: string, layer: Omit<CachedLayer, 'path' | 'verified'>, synced = true): CachedLayer {
    this.#dirs();
    const path = join(this.blobsDir, layer.digest.slice('sha256:'.length));
    const tmp = tempName(this.blobsDir, 'blob');
    try {
      try {
        linkSync(src, tmp);
      } catch {
        copyFileSync(src, tmp, constants.COPYFILE_FICLONE);
      }
      if (synced) syncPath(tmp);
      const st = statFile(tmp);
      if (!st || st.size !== String(layer.size)) throw new Error(`layer cache: ${src} has ${st?.size ?? 'no'} bytes, expected ${layer.size}`);
      renameSync(tmp, path);
      syncPath(this.blobsDir);
      const blob = statFile(path) ?? st;
      // verifiedAt 0: every stat is racy against it, so an unsynced blob is rehashed before any use.
      const verifiedAt = synced ? fsClockAfter(this.entriesDir, BigInt(blob.mtimeNs)) : '0';
      this.#writeEntry(key, { v: 1, diffID: layer.diffID, digest: layer.digest, size: layer.size, mediaType: layer.mediaType, blob, verifiedAt });
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return { ...layer, path, verified: 'hash' };
  }

  #writeEntry(key: string, rec: EntryRecord): void {
    writeFileAtomic(join(this.entriesDir, `${key}.json`), Buffer.from(JSON.stringify(rec)), this.entriesDir);
    syncPath(this.entriesDir);
    this.touch(key);
  }

  /** Records a use of entry `key` (the mtime of its `.used` file), for least-recently-used pruning. */
  touch(key: string): void {
    const used = join(this.entriesDir, `${key}.used`);
    const now = new Date();
    try {
      utimesSync(used, now, now);
    } catch {
      writeFileSync(used, '');
    }
  }
}
