// Reading tar archives from disk, plain or gzip-compressed (what Node can decompress without help),
// streamed through the push parser.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { nodeStreamPromises } from '../builtins.js';
import { BLOCK, isTarHeader, TarParser, type EntrySink, type ParsedEntry } from './tar.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * What BuildKit's isArchivePath decides for ADD: a tar (plain or compressed) whose first header reads.
 * `unsupported` = compressed with a codec punch cannot decompress, so it cannot tell.
 */
export async function sniffArchive(path: string): Promise<'tar' | 'not-tar' | { unsupported: Compression }> {
  const head = readHead(path, 64 * 1024);
  const compression = detectCompression(head);
  if (compression === 'none') return isTarHeader(head.subarray(0, BLOCK)) ? 'tar' : 'not-tar';
  if (compression !== 'gzip') return { unsupported: compression };
  let first: Buffer;
  try {
    // A partial gzip stream: decompress what the head holds, tolerating the missing end.
    first = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  } catch {
    return 'not-tar';
  }
  return first.length >= BLOCK && isTarHeader(first.subarray(0, BLOCK)) ? 'tar' : 'not-tar';
}

/** Streams the archive at `path` through `onEntry`; `what` names it in errors. */
export async function readArchive(
  path: string,
  what: string,
  onEntry: (e: ParsedEntry) => EntrySink | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const compression = detectCompression(readHead(path, 8));
  if (compression !== 'none' && compression !== 'gzip') {
    throw new Error(`${what} is ${compression}-compressed; punch build can read plain and gzip tar only (use BuildKit for this image)`);
  }
  // Loaded here: a build that reads no archive (FROM scratch, no ADD of a tarball) never needs streams.
  const { pipeline } = nodeStreamPromises();
  const parser = new TarParser(onEntry);
  // pipeline reports a sink failure as an AbortError of the upstream streams: keep the real one.
  let failure: unknown;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const chunk of source) parser.push(chunk);
      parser.end();
    } catch (e) {
      failure = e;
      throw e;
    }
  };
  const opts = signal ? { signal } : {};
  try {
    if (compression === 'gzip') await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), createGunzip(), sink, opts);
    else await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), sink, opts);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new Error(`${what}: ${((failure ?? e) as Error).message}`);
  }
}
