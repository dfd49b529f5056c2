// An OCI or docker archive written front to back while the image is built: each blob goes into the
// tar when it is made (a big layer as it is compressed, its header filled in once its digest is
// known), so no blob is copied again at the end. The order is the order blobs are added, whatever
// is held in memory, so the bytes depend only on the image.
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { closeFd, fsyncFd, readAt, writeAllAt } from './fd-io.js';
import { END_OF_ARCHIVE, padding, plainHeader, sizeMismatch, type FileRef } from './tar.js';

/** Where a layer's compressed bytes are copied as they are made. */
export interface ByteSink {
  write(data: Uint8Array): Promise<void>;
}

/** One blob being streamed into the archive; its header is written by `commit`. */
export interface StreamedEntry extends ByteSink {
  /** Names the entry and writes its header and padding. */
  commit(name: string): void;
  /** Drops the bytes written so far (the blob is a duplicate, or making it failed). */
  discard(): void;
}

/** Ready bytes are held up to this many, then written: a small archive is one write. */
const PENDING_BYTES = 4 << 20;
const COPY_CHUNK = 1 << 20;
const HEADER = 512;

export class ArchiveWriter {
  /** Where the next entry starts; everything before it is written or pending. */
  #pos = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #streaming = false;
  #fd: number | undefined;
  readonly #mtime: number;

  /** Creates `path` (which must not exist) with the `blobs/sha256/` dirs as its first entries. */
  constructor(path: string, mtime: number) {
    this.#fd = openSync(path, 'wx', 0o644);
    this.#mtime = mtime;
    for (const name of ['blobs/', 'blobs/sha256/']) this.#queue(this.#header(name, 0, 'dir'));
  }

  #header(name: string, size: number, type: 'file' | 'dir' = 'file'): Buffer {
    return plainHeader(name, type, type === 'dir' ? 0o755 : 0o644, size, this.#mtime);
  }

  get #openFd(): number {
    if (this.#fd === undefined) throw new Error('archive writer: already closed');
    if (this.#streaming) throw new Error('archive writer: an entry is still being streamed');
    return this.#fd;
  }

  #queue(...bufs: Buffer[]): void {
    for (const b of bufs) {
      this.#pending.push(b);
      this.#pendingBytes += b.length;
    }
    if (this.#pendingBytes > PENDING_BYTES) this.#flush();
  }

  #flush(): void {
    const fd = this.#openFd;
    const data = Buffer.concat(this.#pending);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off, this.#pos + off);
    this.#pos += data.length;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** A file entry with bytes in memory. */
  addBytes(name: string, data: Buffer): void {
    this.#openFd;
    this.#queue(this.#header(name, data.length), data, padding(data.length));
  }

  /**
   * A file entry copied from `file.path`, which must hold `file.size` bytes. A missing file throws
   * before anything is written (its ENOENT code kept), so the caller can make the blob another way.
   */
  async addFile(name: string, file: FileRef): Promise<void> {
    const { size } = file;
    const src = openSync(file.path, 'r');
    try {
      this.#flush();
      const fd = this.#openFd;
      const body = this.#pos + HEADER;
      const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(size, 1)));
      for (let done = 0; done < size; ) {
        const n = await readAt(src, buf.subarray(0, Math.min(buf.length, size - done)), done);
        if (n === 0) throw sizeMismatch(file, done);
        await writeAllAt(fd, buf.subarray(0, n), body + done);
        done += n;
      }
      this.#pos = body + size;
      // The header goes in after the bytes, so a short file never leaves a header claiming them.
      await writeAllAt(fd, this.#header(name, size), body - HEADER);
      this.#queue(padding(size));
    } finally {
      closeSync(src);
    }
  }

  /** Starts an entry whose bytes arrive in pieces; nothing else may be added until it is committed or discarded. */
  stream(): StreamedEntry {
    this.#flush();
    const fd = this.#openFd;
    this.#streaming = true;
    const start = this.#pos;
    let size = 0;
    const done = (): void => {
      if (!this.#streaming) throw new Error('archive writer: the streamed entry was already ended');
      this.#streaming = false;
    };
    return {
      write: async (data) => {
        await writeAllAt(fd, data, start + HEADER + size);
        size += data.length;
      },
      commit: (name) => {
        done();
        for (let off = 0, h = this.#header(name, size); off < HEADER; ) off += writeSync(fd, h, off, HEADER - off, start + off);
        this.#pos = start + HEADER + size;
        this.#queue(padding(size));
      },
      discard: () => {
        done();
        // Later entries overwrite the bytes; finish() cuts off any that stay past the end.
      },
    };
  }

  /** Ends the archive and makes it durable; the caller then gives it its name. */
  async finish(): Promise<void> {
    this.#queue(END_OF_ARCHIVE);
    this.#flush();
    const fd = this.#openFd;
    if (fstatSync(fd).size > this.#pos) ftruncateSync(fd, this.#pos);
    await fsyncFd(fd);
    this.#fd = undefined;
    await closeFd(fd);
  }

  /** Closes the file after a failure (the caller removes it). */
  abandon(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already failing: the removal that follows matters, not this close.
    }
    this.#fd = undefined;
  }
}
