// The blob set of one export: where a new layer's bytes end up for each kind of output.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../src/engine/archive-writer.js';
import { BlobSet } from '../../src/engine/blobs.js';
import type { LayerEntry } from '../../src/engine/types.js';
import { layoutBlobPath } from '../../src/oci/layout.js';
import { readTar } from '../e2e/tar.js';
import { makeDir, tempDir } from './helpers.js';

function bigFileEntry(): LayerEntry[] {
  const data = Buffer.alloc(3 << 20, 7);
  const ctx = makeDir({ big: data });
  return [{ path: 'big', node: { type: 'file', meta: { mode: 0o644, uid: 0, gid: 0, mtime: 5 }, size: data.length, content: { kind: 'file', path: join(ctx, 'big') } } }];
}

describe('BlobSet', () => {
  it('streams a large layer into an archive with no copy beside it when no layer cache is used', async () => {
    const dir = tempDir();
    const archive = new ArchiveWriter(join(dir, 'out.tar'), 0);
    const blobs = new BlobSet(join(dir, 'staging'), archive);
    const layer = await blobs.addLayer(bigFileEntry(), {});
    await archive.finish();
    expect(blobs.dirMade).toBe(false);
    expect(existsSync(join(dir, 'staging'))).toBe(false);
    expect(blobs.blobs.get(layer.digest)).toEqual({ archived: true });
    const entry = readTar(readFileSync(join(dir, 'out.tar'))).find((e) => e.path === layoutBlobPath(layer.digest));
    expect(`sha256:${createHash('sha256').update(entry!.content).digest('hex')}`).toBe(layer.digest);
    expect(entry!.content.length).toBe(layer.size);
  });

  it('writes a large layer of a layout as a file named by its digest', async () => {
    const dir = join(tempDir(), 'sha256');
    mkdirSync(dir);
    const blobs = new BlobSet(dir, 'layout');
    const layer = await blobs.addLayer(bigFileEntry(), {});
    expect(blobs.blobs.get(layer.digest)).toEqual({ path: join(dir, layer.digest.slice(7)) });
    expect(blobs.added).toEqual([join(dir, layer.digest.slice(7))]);
  });
});
