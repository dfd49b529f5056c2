// Scratch space for file contents that only exist inside archives (base image layers, ADD'ed tarballs):
// each is extracted once to its own file under the build's work dir, and the tree points at it.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Content } from './types.js';
import type { EntrySink } from './tar.js';

export class ContentStore {
  readonly #workDir: string | (() => string);
  #dir: string | undefined;
  #next = 0;

  constructor(workDir: string | (() => string)) {
    this.#workDir = workDir;
  }

  /** A sink that writes one file's bytes; `content` is where they end up. */
  create(): { sink: EntrySink; content: Content } {
    if (this.#dir === undefined) {
      const dir = join(typeof this.#workDir === 'string' ? this.#workDir : this.#workDir(), 'content');
      mkdirSync(dir, { recursive: true });
      this.#dir = dir;
    }
    const path = join(this.#dir, String(this.#next++));
    // Synchronous writes keep the push parser simple; the chunks are already in memory when they arrive.
    const fd = openSync(path, 'w', 0o600);
    let open = true;
    return {
      content: { kind: 'file', path },
      sink: {
        write: (chunk) => {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off);
        },
        end: () => {
          if (open) closeSync(fd);
          open = false;
        },
      },
    };
  }
}
