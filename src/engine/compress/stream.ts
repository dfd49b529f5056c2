// A layer's tar stream compressed on every core: cut into BLOCK_BYTES blocks, compressed in worker
// threads, joined in order into one valid stream (gzip: one member of sync-flushed deflate blocks,
// each primed with the previous 32 KiB, as pigz does; zstd: one frame per block). The bytes equal
// compressSync's for the same input, whatever the number of workers.
// Memory stays bounded: at most `2 × workers` blocks are in flight, and no more input is taken
// while they are; a block returns to use once both its compression and its hashing (the input's
// SHA-256, a layer's diff ID) are done. The caller fills the block buffers in place (space/advance), so a file read lands in
// the buffer the worker compresses and the hash thread reads: no per-read buffers, no copy.
import { BLOCK_BYTES, DICT_BYTES } from './block.js';
import { crc32Combine } from './crc32.js';
import { gzipHeader, gzipTrailer } from './gzip-frame.js';
import { defaultWorkers, sharedPool, type BlockPool, type PoolResult } from './pool.js';
import type { Compression } from './spec.js';
import { requireZstd } from './zstd-binding.js';
import { InputHasher } from './hash-thread.js';
import { nodeCrypto } from '../../builtins.js';
import type { Hash } from 'node:crypto';

export interface StreamOptions {
  /** Worker threads (default: the cores, at most 8). The output does not depend on it. */
  workers?: number;
  signal?: AbortSignal;
}

export interface CompressorOptions extends StreamOptions {
  /**
   * Takes the output, in order; awaited before more is produced. The bytes it gets are reused once
   * its promise resolves (they are views of the compressor's buffers).
   */
  sink: (out: Uint8Array) => void | Promise<void>;
}

interface Block {
  buf: SharedArrayBuffer;
  view: Uint8Array;
}

// Output room per job: a block's worth, which bounds either format's output for one block.
const OUT_BYTES = DICT_BYTES + BLOCK_BYTES;

/**
 * The parallel compressor of one stream. Feed it with `write`, or fill `space()` in place and
 * `advance`; then `end`. A stream given up (an error, an abort) must be `abandon`ed.
 */
export class ParallelCompressor {
  readonly #c: Compression;
  readonly #opts: CompressorOptions;
  readonly #pool: BlockPool | undefined;
  readonly #maxInFlight: number;
  // Blocks at most: those in flight, the one being filled, and a few the hash thread still reads.
  readonly #maxBlocks: number;
  readonly #inFlight: { result: Promise<PoolResult>; length: number; block: Block; hashed: Promise<void> }[] = [];
  readonly #free: Block[] = [];
  readonly #freeOut: ArrayBuffer[] = [];
  // Blocks compressed and written out whose hashing is not done yet: each frees its block when it is.
  readonly #unhashed: Promise<void>[] = [];
  #blocks = 0;
  #block: Block;
  #fill = 0;
  #dictLen = 0;
  #crc = 0;
  #total = 0;
  #headerDue: boolean;
  // Where the input's digest is taken: on the hash thread beside the workers, or here when the
  // stream is passed through (no workers to keep fed).
  readonly #hasher: { on: 'thread'; hash: InputHasher } | { on: 'here'; hash: Hash };

  constructor(c: Compression, opts: CompressorOptions) {
    this.#c = c;
    this.#opts = opts;
    const workers = opts.workers ?? defaultWorkers();
    this.#pool = c.type === 'uncompressed' ? undefined : sharedPool(workers, c.type === 'zstd' ? requireZstd() : undefined);
    this.#maxInFlight = 2 * workers;
    this.#maxBlocks = this.#maxInFlight + 2;
    this.#hasher = this.#pool ? { on: 'thread', hash: new InputHasher() } : { on: 'here', hash: nodeCrypto().createHash('sha256') };
    this.#block = this.#makeBlock();
    this.#headerDue = c.type === 'gzip';
  }

  #makeBlock(): Block {
    this.#blocks++;
    const buf = new SharedArrayBuffer(DICT_BYTES + BLOCK_BYTES);
    return { buf, view: new Uint8Array(buf) };
  }

  /** A free block; past the cap, one the hash thread is done with. */
  async #nextBlock(): Promise<Block> {
    while (this.#free.length === 0 && this.#blocks >= this.#maxBlocks && this.#unhashed.length > 0) await this.#unhashed.shift();
    return this.#free.pop() ?? this.#makeBlock();
  }

  /** Free room in the current block (never empty): put bytes at its start, then `advance`. */
  async space(): Promise<Uint8Array> {
    this.#opts.signal?.throwIfAborted();
    await this.#header();
    // A full block is sent once more input shows it is not the last (gzip ends the last one apart).
    if (this.#fill === BLOCK_BYTES) await this.#flush(false);
    return this.#block.view.subarray(DICT_BYTES + this.#fill);
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

  /**
   * Sends the last block, waits for every output, and ends the stream's format. Returns the hex
   * SHA-256 of the input.
   */
  async end(): Promise<string> {
    this.#opts.signal?.throwIfAborted();
    await this.#header();
    await this.#flush(true);
    while (this.#inFlight.length > 0) await this.#take();
    if (this.#c.type === 'gzip') await this.#opts.sink(gzipTrailer(this.#crc, this.#total));
    await Promise.all(this.#unhashed.splice(0));
    const h = this.#hasher;
    return h.on === 'thread' ? h.hash.digest() : h.hash.digest('hex');
  }

  /** Stops the workers that hold this stream's blocks rather than let an exiting build wait for them. */
  async abandon(): Promise<void> {
    if (this.#hasher.on === 'thread') this.#hasher.hash.abandon();
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
    const block = this.#block;
    const data = block.view.subarray(DICT_BYTES, DICT_BYTES + this.#fill);
    const h = this.#hasher;
    if (h.on === 'here' || !this.#pool || this.#c.type === 'uncompressed') {
      // Passed through (no workers): the block is hashed, written out and filled again.
      if (h.on === 'here') h.hash.update(data);
      if (data.length > 0) await this.#opts.sink(data);
      this.#fill = 0;
      return;
    }
    const type = this.#c.type;
    const hashed = h.hash.update(block.buf, DICT_BYTES, this.#fill);
    // Unhandled until awaited once the block is written out; a failure is seen there.
    hashed.catch(() => undefined);
    const next = await this.#nextBlock();
    // The next block's dictionary: the last 32 KiB of this one's data.
    const keep = type === 'gzip' ? Math.min(DICT_BYTES, this.#fill) : 0;
    next.view.set(block.view.subarray(DICT_BYTES + this.#fill - keep, DICT_BYTES + this.#fill), DICT_BYTES - keep);
    const out = this.#freeOut.pop() ?? new ArrayBuffer(OUT_BYTES);
    const result = this.#pool.run({ type, level: this.#c.level, buf: block.buf, out, dictLen: this.#dictLen, dataLen: this.#fill, last });
    // Unhandled until awaited in order; a failure is seen there.
    result.catch(() => undefined);
    this.#inFlight.push({ result, length: this.#fill, block, hashed });
    this.#block = next;
    this.#dictLen = keep;
    this.#fill = 0;
    while (this.#inFlight.length >= this.#maxInFlight) await this.#take();
  }

  async #take(): Promise<void> {
    const { result, length, block, hashed } = this.#inFlight.shift()!;
    const r = await result;
    this.#crc = crc32Combine(this.#crc, r.crc, length);
    this.#total += length;
    await this.#opts.sink(r.out);
    // The output is most often a view of the output room: reused only once written out.
    this.#freeOut.push(r.outBuf);
    // The block is free once both its compression and its hashing are done.
    const freed = hashed.then(() => void this.#free.push(block));
    freed.catch(() => undefined);
    this.#unhashed.push(freed);
    while (this.#unhashed.length > this.#maxBlocks) await this.#unhashed.shift();
  }
}
