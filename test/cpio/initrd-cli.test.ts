// `punch initrd DIR -o FILE` run as a user runs it (the built bundle).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { punch } from '../cli/run.js';
import { readNewc } from './read.js';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'punch-initrd-'));
  const d = join(root, 'rootfs');
  mkdirSync(join(d, 'etc', 'nginx'), { recursive: true });
  writeFileSync(join(d, 'etc', 'nginx', 'nginx.conf'), 'worker_processes 1;\n');
  writeFileSync(join(d, 'init'), '#!/bin/sh\n');
  chmodSync(join(d, 'init'), 0o750);
  // Explicit modes: the test must not depend on the machine's umask.
  for (const dir of ['etc', 'etc/nginx']) chmodSync(join(d, dir), 0o755);
  chmodSync(join(d, 'etc', 'nginx', 'nginx.conf'), 0o644);
  symlinkSync('init', join(d, 'sbin-init'));
  utimesSync(join(d, 'init'), 1_600_000_000, 1_600_000_000);
  return root;
}

describe('punch initrd', () => {
  it('writes the tree as a newc archive: sorted, modes kept, owned by root, mtimes 0', () => {
    const root = tree();
    const r = punch(['initrd', 'rootfs', '-o', 'initrd.cpio'], { cwd: root, env: { SOURCE_DATE_EPOCH: '' } });
    expect([r.code, r.stderr, r.stdout.length]).toEqual([0, '', 0]);
    const ms = readNewc(readFileSync(join(root, 'initrd.cpio')));
    expect(ms.map((m) => [m.name, m.mode.toString(8), m.uid, m.gid, m.mtime])).toEqual([
      ['etc', '40755', 0, 0, 0],
      ['etc/nginx', '40755', 0, 0, 0],
      ['etc/nginx/nginx.conf', '100644', 0, 0, 0],
      ['init', '100750', 0, 0, 0],
      ['sbin-init', '120777', 0, 0, 0],
    ]);
    expect(ms[2]!.data.toString()).toBe('worker_processes 1;\n');
  });

  it('gives identical bytes for two copies of a tree made at different times', () => {
    const a = tree();
    const b = tree();
    utimesSync(join(b, 'rootfs', 'init'), 1_700_000_000, 1_700_000_000);
    punch(['initrd', 'rootfs', '-o', 'out'], { cwd: a });
    punch(['initrd', 'rootfs', '-o', 'out'], { cwd: b });
    expect(readFileSync(join(a, 'out')).equals(readFileSync(join(b, 'out')))).toBe(true);
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH', () => {
    const root = tree();
    punch(['initrd', 'rootfs', '-o', 'out'], { cwd: root, env: { SOURCE_DATE_EPOCH: '1650000000' } });
    const init = readNewc(readFileSync(join(root, 'out'))).find((m) => m.name === 'init')!;
    expect(init.mtime).toBe(1_600_000_000);
  });

  it('stamps every directory with the epoch with --epoch-dirs, files keeping their clamped times', () => {
    const root = tree();
    for (const d of ['etc', 'etc/nginx']) utimesSync(join(root, 'rootfs', d), 1_600_000_000, 1_600_000_000);
    punch(['initrd', '--epoch-dirs', 'rootfs', '-o', 'out'], { cwd: root, env: { SOURCE_DATE_EPOCH: '1650000000' } });
    const ms = readNewc(readFileSync(join(root, 'out')));
    expect(ms.filter((m) => m.name.startsWith('etc') || m.name === 'init').map((m) => [m.name, m.mtime])).toEqual([
      ['etc', 1_650_000_000],
      ['etc/nginx', 1_650_000_000],
      ['etc/nginx/nginx.conf', 1_650_000_000],
      ['init', 1_600_000_000],
    ]);
  });

  it('needs -o and one directory, and says so (exit 2)', () => {
    const root = tree();
    expect(punch(['initrd', 'rootfs'], { cwd: root })).toMatchObject({ code: 2, stderr: 'punch: -o FILE is required: where to write the archive\n' });
    expect(punch(['initrd', '-o', 'x'], { cwd: root })).toMatchObject({ code: 2, stderr: 'punch: expected one directory, got none (punch initrd DIR -o FILE)\n' });
  });

  it('fails on a missing directory and leaves no output behind', () => {
    const root = tree();
    const r = punch(['initrd', 'nope', '-o', 'out'], { cwd: root });
    expect([r.code, r.stderr]).toEqual([1, `punch: ${join(root, 'nope')}: no such directory\n`]);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });
});
