// A layer's tar stream compressed on every core: cut into BLOCK_BYTES blocks, compressed in worker
// threads, joined in order into one valid stream (gzip: one member of sync-flushed deflate blocks,
// each primed with the previous 32 KiB, as pigz does; zstd: one frame per block). The bytes equal
// compressSync's for the same input, whatever the number of workers.
// Memory stays bounded: at most `2 × workers` blocks are in flight, and the source is not read
// while they are.
import { BLOCK_BYTES, DICT_BYTES } from './block.js';
import { crc32Combine } from './crc32.js';
import { gzipHeader, gzipTrailer } from './gzip-frame.js';
import { defaultWorkers, sharedPool, type PoolResult } from './pool.js';
import type { Compression } from './spec.js';
import { requireZstd } from './zstd-binding.js';

export interface StreamOptions {
  /** Worker threads (default: the cores, at most 8). The output does not depend on it. */
  workers?: number;
  signal?: AbortSignal;
}

export async function* compressStream(source: AsyncIterable<Uint8Array>, c: Compression, opts: StreamOptions = {}): AsyncGenerator<Uint8Array> {
  if (c.type === 'uncompressed') {
    yield* source;
    return;
  }
  const type = c.type;
  const workers = opts.workers ?? defaultWorkers();
  const pool = sharedPool(workers, type === 'zstd' ? requireZstd() : undefined);
  const inFlight: { result: Promise<PoolResult>; length: number }[] = [];
  const maxInFlight = 2 * workers;
  // Block buffers back from the workers, reused: at most maxInFlight + 1 exist.
  const free: ArrayBuffer[] = [];
  const newBlock = (): Uint8Array => new Uint8Array(free.pop() ?? new ArrayBuffer(DICT_BYTES + BLOCK_BYTES));
  let crc = 0;
  let total = 0;
  let dictLen = 0;
  let block = newBlock();
  let fill = 0;
  const dispatch = (last: boolean): void => {
    const next = newBlock();
    // The next block's dictionary: the last 32 KiB of this one's data, copied before it is sent.
    const keep = type === 'gzip' ? Math.min(DICT_BYTES, fill) : 0;
    next.set(block.subarray(DICT_BYTES + fill - keep, DICT_BYTES + fill), DICT_BYTES - keep);
    const result = pool.run({ type, level: c.level, buf: block.buffer as ArrayBuffer, dictLen, dataLen: fill, last });
    // Unhandled until awaited in order; a failure is seen there.
    result.catch(() => undefined);
    inFlight.push({ result, length: fill });
    block = next;
    dictLen = keep;
    fill = 0;
  };
  const take = async (): Promise<Uint8Array> => {
    const { result, length } = inFlight.shift()!;
    const r = await result;
    free.push(r.buf);
    crc = crc32Combine(crc, r.crc, length);
    total += length;
    return r.out;
  };
  let completed = false;
  try {
    if (type === 'gzip') yield gzipHeader(c.level);
    for await (const chunk of source) {
      for (let off = 0; off < chunk.length; ) {
        opts.signal?.throwIfAborted();
        if (fill === BLOCK_BYTES) {
          // A full block is sent once more input shows it is not the last.
          dispatch(false);
          while (inFlight.length >= maxInFlight) yield await take();
        }
        const n = Math.min(chunk.length - off, BLOCK_BYTES - fill);
        block.set(chunk.subarray(off, off + n), DICT_BYTES + fill);
        fill += n;
        off += n;
      }
    }
    dispatch(true);
    while (inFlight.length > 0) yield await take();
    if (type === 'gzip') yield gzipTrailer(crc, total);
    completed = true;
  } finally {
    // An abandoned stream (error, abort) may leave blocks in the workers: stop them rather than
    // let a build that is exiting wait for, or share, that work.
    if (!completed) {
      pool.forget();
      await pool.close();
    }
  }
}
