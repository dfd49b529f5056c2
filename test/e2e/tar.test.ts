// The e2e suite's own tar reader and layer flattener, checked against archives GNU tar writes.
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeContext } from './engine.js';
import { applyLayers } from './rootfs.js';
import { readTar, type TarEntry } from './tar.js';

const LONG_DIR = `${'d'.repeat(60)}/${'e'.repeat(60)}`; // 121 chars: beyond the 100-byte name field
const LONG_TARGET = `../${'t'.repeat(120)}`;

/** A folder with a file, an executable, a long path, a long symlink, a hardlink and a UTF-8 name. */
function sampleTree(): string {
  const dir = makeContext({
    'top/a.txt': 'alpha\n',
    'top/run.sh': '#!/bin/sh\n',
    [`top/${LONG_DIR}/deep.txt`]: 'deep\n',
    'top/grüße.txt': 'utf8\n',
  });
  chmodSync(join(dir, 'top', 'run.sh'), 0o750);
  symlinkSync(LONG_TARGET, join(dir, 'top', 'link'));
  linkSync(join(dir, 'top', 'a.txt'), join(dir, 'top', 'hard.txt'));
  return dir;
}

function tarOf(dir: string, format: 'gnu' | 'pax' | 'ustar', owner = 1234, group = 5678): Buffer {
  return execFileSync('tar', [
    '-C', dir, `--format=${format}`, '--sort=name', '--numeric-owner', `--owner=${owner}`, `--group=${group}`, '-cf', '-', 'top',
  ]);
}

function byPath(entries: TarEntry[]): Map<string, TarEntry> {
  return new Map(entries.map((e) => [e.path, e]));
}

describe('readTar', () => {
  for (const format of ['gnu', 'pax'] as const) {
    describe(`on a ${format} archive`, () => {
      const entries = () => byPath(readTar(tarOf(sampleTree(), format)));

      test('reads a path longer than 100 bytes whole', () => {
        const deep = entries().get(`top/${LONG_DIR}/deep.txt`);
        expect(deep?.content.toString()).toBe('deep\n');
      });

      test('reads a symlink target longer than 100 bytes whole', () => {
        expect(entries().get('top/link')).toMatchObject({ type: 'symlink', linkname: LONG_TARGET });
      });

      test('reads a UTF-8 file name', () => {
        expect(entries().get('top/grüße.txt')?.content.toString()).toBe('utf8\n');
      });

      test('reads mode, owner and content of a regular file', () => {
        expect(entries().get('top/run.sh')).toEqual({
          path: 'top/run.sh', type: 'file', typeflag: '0', mode: 0o750, uid: 1234, gid: 5678, linkname: '', content: Buffer.from('#!/bin/sh\n'),
        });
      });

      test('reads a hardlink as a link to the first name', () => {
        expect(entries().get('top/hard.txt')).toMatchObject({ type: 'hardlink', linkname: 'top/a.txt', content: Buffer.alloc(0) });
      });

      test('reads directories without a trailing slash', () => {
        expect(entries().get('top')).toMatchObject({ type: 'dir', content: Buffer.alloc(0) });
      });
    });
  }

  test('joins the ustar prefix and name fields of a long path', () => {
    const dir = makeContext({ [`top/${LONG_DIR}/deep.txt`]: 'deep\n' });
    const deep = byPath(readTar(tarOf(dir, 'ustar'))).get(`top/${LONG_DIR}/deep.txt`);
    expect(deep?.content.toString()).toBe('deep\n');
  });

  test('takes a uid too large for the octal field from the pax header', () => {
    const dir = makeContext({ 'top/a.txt': 'a' });
    expect(byPath(readTar(tarOf(dir, 'pax', 3_000_000, 4_000_000))).get('top/a.txt')).toMatchObject({ uid: 3_000_000, gid: 4_000_000 });
  });

  test('rejects a header whose checksum does not match', () => {
    const archive = Buffer.from(tarOf(makeContext({ 'top/a.txt': 'a' }), 'ustar'));
    archive[0] = archive[0]! ^ 0x01;
    expect(() => readTar(archive)).toThrow(/checksum mismatch at byte 0/);
  });

  test('rejects an entry cut short by the end of the archive', () => {
    const dir = makeContext({ 'top/a.txt': 'x'.repeat(2000) });
    const archive = tarOf(dir, 'ustar');
    expect(() => readTar(archive.subarray(0, 512 * 3))).toThrow(/claims 2000 bytes/);
  });
});

describe('applyLayers', () => {
  const file = (path: string, text: string, mode = 0o644): TarEntry => ({
    path, type: 'file', typeflag: '0', mode, uid: 0, gid: 0, linkname: '', content: Buffer.from(text),
  });
  const dir = (path: string): TarEntry => ({ path, type: 'dir', typeflag: '5', mode: 0o755, uid: 0, gid: 0, linkname: '', content: Buffer.alloc(0) });
  const marker = (path: string): TarEntry => file(path, '');

  test('a .wh. entry deletes the named file and everything below a named folder', () => {
    const fs = applyLayers([
      [dir('etc'), file('etc/a', 'a'), file('etc/b', 'b'), dir('etc/sub'), file('etc/sub/c', 'c')],
      [marker('etc/.wh.a'), marker('etc/.wh.sub')],
    ]);
    expect([...fs.keys()]).toEqual(['/etc', '/etc/b']);
  });

  test('an opaque marker empties its folder of lower layers but keeps its own layer\'s entries', () => {
    const fs = applyLayers([
      [dir('etc'), file('etc/old', 'old'), file('keep', 'k')],
      [dir('etc'), marker('etc/.wh..wh..opq'), file('etc/new', 'new')],
    ]);
    expect([...fs.keys()].sort()).toEqual(['/etc', '/etc/new', '/keep']);
  });

  test('a file replacing a folder hides the folder\'s contents', () => {
    const fs = applyLayers([[dir('x'), file('x/y', 'y')], [file('x', 'now a file')]]);
    expect([...fs.keys()]).toEqual(['/x']);
  });

  test('a hardlink gets the content of its target and its own mode', () => {
    const link: TarEntry = { path: 'b', type: 'hardlink', typeflag: '1', mode: 0o600, uid: 0, gid: 0, linkname: 'a', content: Buffer.alloc(0) };
    const fs = applyLayers([[file('a', 'same'), link]]);
    expect(fs.get('/b')).toEqual({ type: 'file', mode: 0o600, uid: 0, gid: 0, content: Buffer.from('same') });
  });

  test('flattens a real GNU tar archive: every file readable at its absolute path', () => {
    const tree = sampleTree();
    const fs = applyLayers([readTar(tarOf(tree, 'gnu'))]);
    const hard = fs.get('/top/hard.txt');
    expect(hard?.type === 'file' ? hard.content : undefined).toEqual(readFileSync(join(tree, 'top', 'a.txt')));
  });
});
