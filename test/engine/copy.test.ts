// FileActionCopy semantics, as BuildKit's file backend runs them (fsutil copy.Copy).
import { chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copy, local, mkdir, mkfile, scratch } from '../../src/llb/index.js';
import { build, contentOf, makeDir, rootfsMap } from './helpers.js';

const ctx = () => local('context');

function paths(m: Map<string, unknown>): string[] {
  return [...m.keys()];
}

describe('copy: destination rules', () => {
  it('copies a file to a new file name', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'a.txt', '/b.txt')), { context: dir }));
    expect(paths(fs)).toEqual(['/b.txt']);
    expect(contentOf(fs.get('/b.txt'))).toBe('A');
  });

  it('copies a file into a directory when dest ends with /', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'a.txt', '/out/', { createDestPath: true })), { context: dir }));
    expect(paths(fs)).toEqual(['/out', '/out/a.txt']);
    expect(fs.get('/out')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0, gid: 0 });
  });

  it('copies a file into an existing directory named without a trailing /', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(mkdir('/d', 0o750)).file(copy(ctx(), 'a.txt', '/d'));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/d', '/d/a.txt']);
  });

  it('copies a directory to a new path as that path', async () => {
    const dir = makeDir({ 'src/x': 'X', 'src/sub/y': 'Y' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'src', '/dst')), { context: dir }));
    expect(paths(fs)).toEqual(['/dst', '/dst/sub', '/dst/sub/y', '/dst/x']);
  });

  it('copies a directory into an existing directory under its own name', async () => {
    const dir = makeDir({ 'src/x': 'X' });
    const state = scratch().file(mkdir('/dst', 0o755)).file(copy(ctx(), 'src', '/dst'));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/dst', '/dst/src', '/dst/src/x']);
  });

  it('copies only the contents of a directory with dirCopyContents (Dockerfile COPY dir /dst/)', async () => {
    const dir = makeDir({ 'src/x': 'X', 'src/sub/y': 'Y' });
    const state = scratch().file(mkdir('/dst', 0o755)).file(copy(ctx(), 'src', '/dst/', { dirCopyContents: true }));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/dst', '/dst/sub', '/dst/sub/y', '/dst/x']);
  });

  it('copies the whole context with src / and dirCopyContents', async () => {
    const dir = makeDir({ a: 'A', 'b/c': 'C' });
    const state = scratch().file(copy(ctx(), '/', '/app/', { dirCopyContents: true, createDestPath: true }));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/app', '/app/a', '/app/b', '/app/b/c']);
  });

  it('fails when the destination parent is missing and createDestPath is not set', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    await expect(build(scratch().file(copy(ctx(), 'a.txt', '/no/such/b.txt')), { context: dir })).rejects.toThrow(
      /parent directory \/no\/such does not exist/,
    );
  });

  it('creates missing parents with createDestPath', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'a.txt', '/no/such/b.txt', { createDestPath: true })), { context: dir }));
    expect(paths(fs)).toEqual(['/no', '/no/such', '/no/such/b.txt']);
  });

  it('refuses to replace a directory with a file', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(mkdir('/d/a.txt', 0o755, { makeParents: true })).file(copy(ctx(), 'a.txt', '/d/'));
    await expect(build(state, { context: dir })).rejects.toThrow(/cannot replace directory \/d\/a.txt with a file/);
  });
});

describe('copy: sources', () => {
  it('fails clearly when the source does not exist', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    await expect(build(scratch().file(copy(ctx(), 'missing.bin', '/x')), { context: dir })).rejects.toThrow(
      'COPY failed: /missing.bin not found in local "context"',
    );
  });

  it('expands wildcards, each match copied into the destination dir', async () => {
    const dir = makeDir({ 'a.txt': 'A', 'b.txt': 'B', 'c.md': 'C' });
    const state = scratch().file(copy(ctx(), '*.txt', '/w/', { allowWildcard: true, createDestPath: true }));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/w', '/w/a.txt', '/w/b.txt']);
  });

  it('fails when a wildcard matches nothing', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(copy(ctx(), '*.bin', '/w/', { allowWildcard: true, createDestPath: true }));
    await expect(build(state, { context: dir })).rejects.toThrow(/\/\*\.bin matches nothing/);
  });

  it('copies nothing when a wildcard matches nothing and allowEmptyWildcard is set', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(copy(ctx(), '*.bin', '/w/', { allowWildcard: true, allowEmptyWildcard: true, createDestPath: true }));
    const result = await build(state, { context: dir });
    expect(paths(rootfsMap(result))).toEqual([]);
  });

  it('copies a symlink as a symlink unless followSymlinks is set', async () => {
    const dir = makeDir({ 'real.txt': 'R' });
    symlinkSync('real.txt', join(dir, 'link'));
    const plain = rootfsMap(await build(scratch().file(copy(ctx(), 'link', '/l')), { context: dir }));
    expect(plain.get('/l')).toMatchObject({ type: 'symlink', linkTarget: 'real.txt' });
    const followed = rootfsMap(await build(scratch().file(copy(ctx(), 'link', '/l', { followSymlinks: true })), { context: dir }));
    expect(followed.get('/l')).toMatchObject({ type: 'file', size: 1 });
  });

  it('sends only what the local source include and exclude patterns allow', async () => {
    const dir = makeDir({ 'a.md': 'x', 'keep.md': 'k', 'src/x.c': 'c', 'node_modules/m/i.js': 'j' });
    const context = local('context', { excludePatterns: ['*.md', '!keep.md', 'node_modules'] });
    const state = scratch().file(copy(context, '/', '/', { dirCopyContents: true }));
    expect(paths(rootfsMap(await build(state, { context: dir })))).toEqual(['/keep.md', '/src', '/src/x.c']);
  });
});

describe('copy: ownership, mode and time', () => {
  it('keeps the source mode, and 0:0 for context files', async () => {
    const dir = makeDir({ 'run.sh': '#!/bin/sh' });
    chmodSync(join(dir, 'run.sh'), 0o750);
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'run.sh', '/run.sh')), { context: dir }));
    expect(fs.get('/run.sh')).toMatchObject({ mode: 0o750, uid: 0, gid: 0 });
  });

  it('sets the mode given with the copy (chmod)', async () => {
    const dir = makeDir({ 'a/b': 'B' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'a', '/a', { mode: 0o700 })), { context: dir }));
    expect(fs.get('/a')).toMatchObject({ type: 'dir', mode: 0o700 });
    expect(fs.get('/a/b')).toMatchObject({ mode: 0o700 });
  });

  it('sets owner by id on copied files and on the dirs the copy created (chown)', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(copy(ctx(), 'a.txt', '/opt/app/', { createDestPath: true, chown: { user: { id: 1000 }, group: { id: 1001 } } }));
    const fs = rootfsMap(await build(state, { context: dir }));
    expect(fs.get('/opt')).toMatchObject({ uid: 1000, gid: 1001 });
    expect(fs.get('/opt/app/a.txt')).toMatchObject({ uid: 1000, gid: 1001 });
  });

  it('gives a user id without a group that id as gid', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const fs = rootfsMap(await build(scratch().file(copy(ctx(), 'a.txt', '/a', { chown: { user: { id: 7 } } })), { context: dir }));
    expect(fs.get('/a')).toMatchObject({ uid: 7, gid: 7 });
  });

  it('resolves a user name in the base /etc/passwd and /etc/group', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const base = scratch()
      .file(mkdir('/etc', 0o755))
      .file(mkfile('/etc/passwd', 0o644, 'root:x:0:0::/root:/bin/sh\napp:x:1234:2345::/home/app:/bin/sh\n'))
      .file(mkfile('/etc/group', 0o644, 'root:x:0:\nstaff:x:50:\n'));
    const state = base.file(copy(ctx(), 'a.txt', '/a', { chown: { user: { name: 'app' }, group: { name: 'staff' } } }));
    expect(rootfsMap(await build(state, { context: dir })).get('/a')).toMatchObject({ uid: 1234, gid: 50 });
  });

  it('fails clearly on a user name when the base has no /etc/passwd', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(copy(ctx(), 'a.txt', '/a', { chown: { user: { name: 'app' } } }));
    await expect(build(state, { context: dir })).rejects.toThrow('cannot resolve user "app": the image has no /etc/passwd');
  });

  it('stamps copied files with the copy timestamp when one is given', async () => {
    const dir = makeDir({ 'a.txt': 'A' });
    const state = scratch().file(copy(ctx(), 'a.txt', '/a', { timestamp: 1_700_000_000_500_000_000n }));
    expect(rootfsMap(await build(state, { context: dir })).get('/a')).toMatchObject({ mtime: 1_700_000_000 });
  });
});
