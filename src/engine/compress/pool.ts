// Worker threads that compress blocks. Jobs go to whichever worker is idle; results come back as
// promises the caller awaits in block order, so scheduling never reaches the output bytes.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DICT_BYTES, makeBlockCompressor, type BlockResult } from './block.js';
import { closeHashThread } from './hash-thread.js';

/** Past a handful of workers, memory grows (an isolate each) and a 2-core CI machine gains nothing. */
const MAX_DEFAULT_WORKERS = 8;

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_WORKERS));
}

/**
 * A block on its way to a worker: `buf`, a SharedArrayBuffer of DICT_BYTES + BLOCK_BYTES holding the
 * dictionary (right-aligned before DICT_BYTES) and the data (from DICT_BYTES), read in place (the
 * input hashing thread reads it too); and `out`, room for the output, transferred there and back and
 * reused. A worker keeps no garbage but the binding's own (see below), and the main thread none.
 */
export interface PoolJob {
  type: 'gzip' | 'zstd';
  level: number;
  buf: SharedArrayBuffer;
  out: ArrayBuffer;
  dictLen: number;
  dataLen: number;
  last: boolean;
}

export interface PoolResult extends BlockResult {
  /** The job's output room, back for reuse once `out` (most often a view of it) has been consumed. */
  outBuf: ArrayBuffer;
}

// The worker runs the same block compressor as the main thread, from its source text: the bundle is
// one file, so there is no worker module to point at.
// The zstd binding's outputs and zlib's per-call handles hold native memory that V8 does not count,
// so a worker's tiny heap seldom collects them: over a 1 GiB layer the process grew by ~230 MiB. A
// minor GC after each block (a fraction of a millisecond beside milliseconds of compression) frees
// them; the gc function comes from a context made once the flag is set (the flag is process-wide and
// only adds \`gc\` to contexts made later).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const compress = (${makeBlockCompressor.toString()})(require, workerData.zstdPath);
const DICT = ${DICT_BYTES};
require('node:v8').setFlagsFromString('--expose-gc');
const collect = require('node:vm').runInNewContext('gc');
parentPort.on('message', (job) => {
  const { buf, out } = job;
  let r;
  try {
    r = compress({ type: job.type, level: job.level, last: job.last, dict: new Uint8Array(buf, DICT - job.dictLen, job.dictLen), data: new Uint8Array(buf, DICT, job.dataLen) });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e), out }, [out]);
    return;
  }
  // The output goes back in the job's output room: the main thread then holds no per-block garbage,
  // only the buffers it reuses. (An output past the room, which the compressors' bounds rule out, is
  // sent in a copy.) The binding's buffer stays here, for the minor GC below.
  if (r.out.length <= out.byteLength) {
    new Uint8Array(out).set(r.out);
    parentPort.postMessage({ outLen: r.out.length, crc: r.crc, out }, [out]);
  } else {
    const own = new Uint8Array(r.out);
    parentPort.postMessage({ big: own, crc: r.crc, out }, [own.buffer, out]);
  }
  collect({ type: 'minor' });
});
`;

interface Pending {
  job: PoolJob;
  resolve: (r: PoolResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | undefined;
}

export class BlockPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #failure: Error | undefined;
  #closing = false;

  constructor(workers: number, zstdPath: string | undefined) {
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { zstdPath } });
      // Idle workers do not keep the process alive; a busy one does (see #next).
      worker.unref();
      const slot: Slot = { worker, current: undefined };
      worker.on('message', (m: { big?: Uint8Array; outLen?: number; crc?: number; error?: string; out: ArrayBuffer }) => {
        const p = slot.current;
        // A pool that failed or closed has already settled its jobs.
        if (!p) return;
        slot.current = undefined;
        // Closing, a worker stays ref'd until it exits (see HashThread's message handler).
        if (!this.#closing) slot.worker.unref();
        if (m.error !== undefined) p.reject(new Error(`compressing a block: ${m.error}`));
        else p.resolve({ out: m.big ?? new Uint8Array(m.out, 0, m.outLen), crc: m.crc!, outBuf: m.out });
        this.#next(slot);
      });
      worker.on('error', (e) => this.#fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`a compression worker exited with code ${code}`));
      });
      this.#slots.push(slot);
    }
  }

  /** Compresses `job`; its output room is transferred, and comes back in the result. */
  run(job: PoolJob): Promise<PoolResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      const idle = this.#slots.find((s) => s.current === undefined);
      if (idle) this.#next(idle);
    });
  }

  #next(slot: Slot): void {
    const p = this.#queue.shift();
    if (!p) return;
    slot.current = p;
    slot.worker.ref();
    slot.worker.postMessage(p.job, [p.job.out]);
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Drops a pool from the shared set (it is being closed). */
  forget(): void {
    for (const [k, p] of pools) if (p === this) pools.delete(k);
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    for (const s of this.#slots) {
      s.current?.reject(e);
      s.current = undefined;
    }
    for (const p of this.#queue.splice(0)) p.reject(e);
  }

  async close(): Promise<void> {
    this.#closing = true;
    // Idle workers are unref'd; each is ref'd again so its exit is waited for (see HashThread.close).
    await Promise.all(
      this.#slots.map((s) => {
        s.worker.ref();
        return s.worker.terminate();
      }),
    );
  }
}

const pools = new Map<string, BlockPool>();

/**
 * One pool per settings for the whole process: starting workers costs tens of milliseconds, which a
 * build of many layers would pay per layer. A pool that failed is replaced.
 */
export function sharedPool(workers: number, zstdPath: string | undefined): BlockPool {
  const key = `${workers}\0${zstdPath ?? ''}`;
  let pool = pools.get(key);
  if (!pool || pool.failed) {
    if (pool) void pool.close();
    pool = new BlockPool(workers, zstdPath);
    pools.set(key, pool);
  }
  return pool;
}

/** Stops every shared worker: when a build ends, or a stream was abandoned with blocks in flight. */
export async function closeSharedPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all([...all.map((p) => p.close()), closeHashThread()]);
}
