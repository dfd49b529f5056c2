// The SHA-256 of a stream's input (a layer's diff ID), taken on a thread of its own. A SHA-256 pass
// is sequential and cannot be split across the compression workers; on the main thread it stood
// between reading one block and sending the next, so the workers waited on it. Off it, the main
// thread reads, dispatches and writes (hashing only the smaller compressed output). Blocks are SharedArrayBuffers, read in place: the caller must not
// reuse a block until its `update` has resolved.
import { Worker } from 'node:worker_threads';

// One thread for the process, shared by every stream (each has an id); messages are handled in
// order, so a stream's acknowledgements come back in the order its blocks were sent.
const HASH_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', (m) => {
  let h = streams.get(m.id);
  if (!h) streams.set(m.id, (h = createHash('sha256')));
  if (m.end) {
    streams.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') });
    return;
  }
  h.update(new Uint8Array(m.buf, m.off, m.len));
  parentPort.postMessage({ id: m.id });
});
`;

interface Waiter {
  resolve: (hex: string | undefined) => void;
  reject: (e: Error) => void;
}

class HashThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter[]>();
  #pending = 0;
  #failure: Error | undefined;
  #closing = false;

  constructor() {
    this.#worker = new Worker(HASH_SOURCE, { eval: true });
    // Idle, the thread does not keep the process alive; with blocks in hand it does.
    this.#worker.unref();
    this.#worker.on('message', (m: { id: number; hex?: string }) => {
      // Closing, the thread stays ref'd: an acknowledgement that arrives between terminate() and the
      // exit would otherwise unref it, and with nothing else to wait for, the process would end
      // (exit code 0) before the exit event resolves terminate().
      if (--this.#pending === 0 && !this.#closing) this.#worker.unref();
      this.#waiting.get(m.id)?.shift()?.resolve(m.hex);
      if (m.hex !== undefined) this.#waiting.delete(m.id);
    });
    this.#worker.on('error', (e) => this.#fail(e));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the input hashing thread exited with code ${code}`)));
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  send(id: number, msg: { buf: SharedArrayBuffer; off: number; len: number } | { end: true }): Promise<string | undefined> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      let q = this.#waiting.get(id);
      if (!q) this.#waiting.set(id, (q = []));
      q.push({ resolve, reject });
      if (this.#pending++ === 0) this.#worker.ref();
      this.#worker.postMessage({ id, ...msg });
    });
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    for (const q of this.#waiting.values()) for (const w of q.splice(0)) w.reject(e);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#fail(new Error('the input hashing thread was stopped'));
    // An idle thread is unref'd: without this, nothing would keep the process alive until its exit
    // event, and an interrupted build could end with exit code 0 before reporting the interruption.
    this.#worker.ref();
    await this.#worker.terminate();
  }
}

let shared: HashThread | undefined;
let nextId = 0;

/** The SHA-256 of one stream's input, hashed block by block on the shared hash thread. */
export class InputHasher {
  readonly #id = nextId++;
  readonly #thread: HashThread;

  constructor() {
    if (!shared || shared.failed) shared = new HashThread();
    this.#thread = shared;
  }

  /** Hashes `len` bytes of `buf` from `off`, after every earlier update; resolves once they are read. */
  async update(buf: SharedArrayBuffer, off: number, len: number): Promise<void> {
    await this.#thread.send(this.#id, { buf, off, len });
  }

  /** The hex digest, after every update. */
  async digest(): Promise<string> {
    const hex = await this.#thread.send(this.#id, { end: true });
    if (hex === undefined) throw new Error('the input hashing thread sent no digest');
    return hex;
  }

  /** Ends a stream given up, so the thread drops its state. */
  abandon(): void {
    void this.#thread.send(this.#id, { end: true }).catch(() => undefined);
  }
}

/** Stops the shared hash thread (when a build ends). */
export async function closeHashThread(): Promise<void> {
  const t = shared;
  shared = undefined;
  await t?.close();
}
