// A layer's tar stream compressed on every core: cut into BLOCK_BYTES blocks, compressed in worker
// threads, joined in order into one valid stream (gzip: one member of sync-flushed deflate blocks,
// each primed with the previous 32 KiB, as pigz does; zstd: one frame per block). The bytes equal
// compressSync's for the same input, whatever the number of workers.
// Memory stays bounded: at most `2 × workers` blocks are in flight, and no more input is taken
// while they are. The caller fills the block buffers in place (space/advance), so a file read
// lands in the buffer the worker compresses: no per-read buffers, no copy.
import { BLOCK_BYTES, DICT_BYTES } from './block.js';
import { crc32Combine } from './crc32.js';
import { gzipHeader, gzipTrailer } from './gzip-frame.js';
import { defaultWorkers, sharedPool, type BlockPool, type PoolResult } from './pool.js';
import type { Compression } from './spec.js';
import { requireZstd } from './zstd-binding.js';

export interface StreamOptions {
  /** Worker threads (default: the cores, at most 8). The output does not depend on it. */
  workers?: number;
  signal?: AbortSignal;
}

export interface CompressorOptions extends StreamOptions {
  /**
   * Takes the output, in order; awaited before more is produced. The bytes it gets are reused once
   * its promise resolves (they are views of the block buffers).
   */
  sink: (out: Uint8Array) => void | Promise<void>;
  /** Sees the input block by block, in order, before it is compressed: where the diff ID is hashed. */
  onInput?: (data: Uint8Array) => void;
}

/**
 * The parallel compressor of one stream. Feed it with `write`, or fill `space()` in place and
 * `advance`; then `end`. A stream given up (an error, an abort) must be `abandon`ed.
 */
export class ParallelCompressor {
  readonly #c: Compression;
  readonly #opts: CompressorOptions;
  readonly #pool: BlockPool | undefined;
  readonly #maxInFlight: number;
  readonly #inFlight: { result: Promise<PoolResult>; length: number }[] = [];
  // Block buffers back from the workers, reused: at most maxInFlight + 1 exist.
  readonly #free: ArrayBuffer[] = [];
  #block: Uint8Array;
  #fill = 0;
  #dictLen = 0;
  #crc = 0;
  #total = 0;
  #headerDue: boolean;

  constructor(c: Compression, opts: CompressorOptions) {
    this.#c = c;
    this.#opts = opts;
    const workers = opts.workers ?? defaultWorkers();
    this.#pool = c.type === 'uncompressed' ? undefined : sharedPool(workers, c.type === 'zstd' ? requireZstd() : undefined);
    this.#maxInFlight = 2 * workers;
    this.#block = this.#newBlock();
    this.#headerDue = c.type === 'gzip';
  }

  #newBlock(): Uint8Array {
    return new Uint8Array(this.#free.pop() ?? new ArrayBuffer(DICT_BYTES + BLOCK_BYTES));
  }

  /** Free room in the current block (never empty): put bytes at its start, then `advance`. */
  async space(): Promise<Uint8Array> {
    this.#opts.signal?.throwIfAborted();
    await this.#header();
    // A full block is sent once more input shows it is not the last (gzip ends the last one apart).
    if (this.#fill === BLOCK_BYTES) await this.#flush(false);
    return this.#block.subarray(DICT_BYTES + this.#fill);
  }

  /** `n` bytes were put at the start of the last `space()`. */
  advance(n: number): void {
    if (n < 0 || this.#fill + n > BLOCK_BYTES) throw new RangeError(`advance(${n}) past the block's room (${BLOCK_BYTES - this.#fill} bytes)`);
    this.#fill += n;
  }

  /** Copies `bytes` in. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; ) {
      const room = await this.space();
      const n = Math.min(room.length, bytes.length - off);
      room.set(bytes.subarray(off, off + n));
      this.advance(n);
      off += n;
    }
  }

  /** Sends the last block, waits for every output, and ends the stream's format. */
  async end(): Promise<void> {
    this.#opts.signal?.throwIfAborted();
    await this.#header();
    await this.#flush(true);
    while (this.#inFlight.length > 0) await this.#take();
    if (this.#c.type === 'gzip') await this.#opts.sink(gzipTrailer(this.#crc, this.#total));
  }

  /** Stops the workers that hold this stream's blocks rather than let an exiting build wait for them. */
  async abandon(): Promise<void> {
    if (!this.#pool) return;
    this.#pool.forget();
    await this.#pool.close();
  }

  async #header(): Promise<void> {
    if (!this.#headerDue) return;
    this.#headerDue = false;
    await this.#opts.sink(gzipHeader(this.#c.level));
  }

  async #flush(last: boolean): Promise<void> {
    const data = this.#block.subarray(DICT_BYTES, DICT_BYTES + this.#fill);
    this.#opts.onInput?.(data);
    if (!this.#pool || this.#c.type === 'uncompressed') {
      // Passed through: the block is written out and filled again.
      if (data.length > 0) await this.#opts.sink(data);
      this.#fill = 0;
      return;
    }
    const type = this.#c.type;
    const next = this.#newBlock();
    // The next block's dictionary: the last 32 KiB of this one's data, copied before it is sent.
    const keep = type === 'gzip' ? Math.min(DICT_BYTES, this.#fill) : 0;
    next.set(this.#block.subarray(DICT_BYTES + this.#fill - keep, DICT_BYTES + this.#fill), DICT_BYTES - keep);
    const result = this.#pool.run({ type, level: this.#c.level, buf: this.#block.buffer as ArrayBuffer, dictLen: this.#dictLen, dataLen: this.#fill, last });
    // Unhandled until awaited in order; a failure is seen there.
    result.catch(() => undefined);
    this.#inFlight.push({ result, length: this.#fill });
    this.#block = next;
    this.#dictLen = keep;
    this.#fill = 0;
    while (this.#inFlight.length >= this.#maxInFlight) await this.#take();
  }

  async #take(): Promise<void> {
    const { result, length } = this.#inFlight.shift()!;
    const r = await result;
    this.#crc = crc32Combine(this.#crc, r.crc, length);
    this.#total += length;
    await this.#opts.sink(r.out);
    // The output is most often a view of the block's buffer: reused only once written out.
    this.#free.push(r.buf);
  }
}
