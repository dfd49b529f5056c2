// Blobs on disk by digest: streamed in, sha256-verified, published by rename so readers never see half a file.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { blobPath } from './digest.js';
import { RegistryError } from './errors.js';

export class BlobCache {
  /** Downloads of this process in flight, so two pulls of one blob share one download. */
  private readonly inflight = new Map<string, Promise<string>>();

  /**
   * `use` turns a cached blob's path into the one the build reads (the embedded builder's lease,
   * which keeps it from a concurrent prune and marks it used); by default the path itself.
   */
  constructor(
    readonly root: string,
    private readonly use: (path: string) => string = (p) => p,
    /** Told of each blob this process adds to the cache. */
    private readonly added: (digest: string, size: number) => void = () => undefined,
  ) {}

  path(digest: string): string {
    return blobPath(this.root, digest, 'blob');
  }

  async #find(digest: string, size: number): Promise<string | undefined> {
    const path = this.path(digest);
    try {
      const st = await stat(path);
      return size < 0 || st.size === size ? path : undefined;
    } catch {
      return undefined;
    }
  }

  /** The cached file when present with the expected size (size < 0: any). */
  async lookup(digest: string, size: number): Promise<string | undefined> {
    const found = await this.#find(digest, size);
    return found === undefined ? undefined : this.use(found);
  }

  /**
   * Returns the blob's path, calling `open` for its bytes only when it is not cached. `what` names the
   * blob and its source in errors.
   */
  async ensure(digest: string, size: number, what: string, open: () => Promise<WebReadableStream<Uint8Array>>): Promise<string> {
    const cached = await this.#find(digest, size);
    if (cached) return this.use(cached);
    let job = this.inflight.get(digest);
    if (!job) {
      job = this.download(digest, size, what, open).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, job);
    }
    return this.use(await job);
  }

  async readBytes(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  private async download(
    digest: string,
    size: number,
    what: string,
    open: () => Promise<WebReadableStream<Uint8Array>>,
  ): Promise<string> {
    const path = this.path(digest);
    await mkdir(dirname(path), { recursive: true });
    // Unique per writer: other processes may be fetching the same blob into the same cache.
    const temp = `${path}.tmp-${process.pid}-${randomUUID()}`;
    const hash = createHash('sha256');
    let written = 0;
    try {
      const body = await open();
      await pipeline(
        Readable.fromWeb(body),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            written += chunk.length;
            if (size >= 0 && written > size) {
              throw new RegistryError('digest-mismatch', `${what}: more than the ${size} bytes its descriptor declares`);
            }
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: 'wx' }),
      );
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new RegistryError('digest-mismatch', `digest mismatch for ${what}: expected ${digest}, got ${got}`);
      if (size >= 0 && written !== size) {
        throw new RegistryError('digest-mismatch', `${what}: got ${written} bytes, its descriptor declares ${size}`);
      }
      await rename(temp, path);
      this.added(digest, written);
      return path;
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      if (err instanceof RegistryError) throw err;
      throw new RegistryError('network', `downloading ${what}: ${(err as Error).message}`);
    }
  }
}
