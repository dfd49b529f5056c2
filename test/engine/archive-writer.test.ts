// The archive writer: entries in the order they are added, streamed entries named once complete,
// and no trace of an entry that was discarded or could not be read.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../src/engine/archive-writer.js';
import { readTar } from '../e2e/tar.js';
import { tempDir } from './helpers.js';

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

async function written(fill: (w: ArchiveWriter, dir: string) => Promise<void> | void): Promise<Buffer> {
  const dir = tempDir();
  const path = join(dir, 'out.tar');
  const w = new ArchiveWriter(path, 0);
  await fill(w, dir);
  await w.finish();
  return readFileSync(path);
}

const listing = (tar: Buffer) => readTar(tar).map((e) => [e.path, e.type === 'dir' ? 'dir' : e.content.toString('hex')]);

describe('ArchiveWriter', () => {
  it('writes the blobs dirs first, then entries in the order they were added', async () => {
    const tar = await written(async (w, dir) => {
      writeFileSync(join(dir, 'f'), bytes(700, 1));
      w.addBytes('b', bytes(3, 2));
      await w.addFile('a', { path: join(dir, 'f'), size: 700, changed: 'f changed' });
      const s = w.stream();
      await s.write(bytes(100, 3));
      await s.write(bytes(5000, 4));
      s.commit('c');
    });
    expect(listing(tar)).toEqual([
      ['blobs', 'dir'],
      ['blobs/sha256', 'dir'],
      ['b', bytes(3, 2).toString('hex')],
      ['a', bytes(700, 1).toString('hex')],
      ['c', Buffer.concat([bytes(100, 3), bytes(5000, 4)]).toString('hex')],
    ]);
  });

  it('writes a tar that the system tar reads', async () => {
    const tar = await written(async (w) => {
      const s = w.stream();
      await s.write(bytes(1 << 20, 5));
      s.commit('blobs/sha256/big');
      w.addBytes('index.json', Buffer.from('{}'));
    });
    const path = join(tempDir(), 'x.tar');
    writeFileSync(path, tar);
    expect(execFileSync('tar', ['-tvf', path], { encoding: 'utf8' })).toMatch(/ 1048576 .*blobs\/sha256\/big\n.* 2 .*index\.json\n$/);
  });

  it('leaves no trace of a discarded streamed entry, even the last one', async () => {
    const plain = await written((w) => w.addBytes('a', bytes(10, 1)));
    const middle = await written(async (w) => {
      const s = w.stream();
      await s.write(bytes(3000, 2));
      s.discard();
      w.addBytes('a', bytes(10, 1));
    });
    const last = await written(async (w) => {
      w.addBytes('a', bytes(10, 1));
      const s = w.stream();
      await s.write(bytes(3000, 2));
      s.discard();
    });
    expect(middle.equals(plain)).toBe(true);
    expect(last.equals(plain)).toBe(true);
  });

  it('refuses another entry while one is being streamed', async () => {
    const w = new ArchiveWriter(join(tempDir(), 'x.tar'), 0);
    w.stream();
    expect(() => w.addBytes('a', bytes(1, 1))).toThrow('an entry is still being streamed');
    w.abandon();
  });

  it('throws ENOENT for a missing file before writing anything', async () => {
    let code: string | undefined;
    const tar = await written(async (w) => {
      await w.addFile('gone', { path: '/nonexistent/punch/blob', size: 10, changed: 'gone changed' }).catch((e: NodeJS.ErrnoException) => (code = e.code));
      w.addBytes('a', bytes(10, 1));
    });
    expect(code).toBe('ENOENT');
    expect(tar.equals(await written((w) => w.addBytes('a', bytes(10, 1))))).toBe(true);
  });

  it('names the file and both sizes when a file is shorter than its entry', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), bytes(100, 1));
    const w = new ArchiveWriter(join(dir, 'x.tar'), 0);
    await expect(w.addFile('f', { path: join(dir, 'f'), size: 200, changed: `blob ${join(dir, 'f')} changed` })).rejects.toThrow(`blob ${join(dir, 'f')} changed (expected 200 bytes, read 100)`);
    w.abandon();
  });
});
