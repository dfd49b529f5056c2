// punch's initramfs archives read by two independent cpio implementations (GNU cpio, libarchive's
// bsdcpio), which global-setup installs from Debian's packages.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { punch } from '../cli/run.js';

let archive: Buffer;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'punch-cpio-tools-'));
  const d = join(root, 'tree');
  mkdirSync(join(d, 'usr', 'share', 'nginx', 'html'), { recursive: true });
  writeFileSync(join(d, 'usr', 'share', 'nginx', 'html', 'index.html'), '<h1>punch</h1>\n');
  writeFileSync(join(d, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 3, 0xab));
  writeFileSync(join(d, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(d, 'run.sh'), 0o4755);
  symlinkSync('run.sh', join(d, 'init'));
  const r = punch(['initrd', 'tree', '-o', 'initrd.cpio'], { cwd: root });
  if (r.code !== 0) throw new Error(r.stderr);
  archive = readFileSync(join(root, 'initrd.cpio'));
});

const expected = ['big.bin', 'init', 'run.sh', 'usr', 'usr/share', 'usr/share/nginx', 'usr/share/nginx/html', 'usr/share/nginx/html/index.html'];

function list(tool: string, args: string[]): { lines: string[]; stderr: string; code: number | null } {
  const r = spawnSync(tool, args, { input: archive });
  return { lines: r.stdout.toString().split('\n').filter((l) => l !== ''), stderr: r.stderr.toString(), code: r.status };
}

describe('punch initrd archives in real cpio tools', () => {
  it('GNU cpio -t lists every member, in archive order', () => {
    const r = list('cpio', ['-t', '--quiet']);
    expect([r.code, r.lines]).toEqual([0, expected]);
  });

  it('bsdcpio -t lists every member, in archive order', () => {
    const r = list('bsdcpio', ['-t', '--quiet']);
    expect([r.code, r.lines]).toEqual([0, expected]);
  });

  it('bsdcpio reads modes, owners, the epoch mtime and the symlink target', () => {
    const r = list('bsdcpio', ['-tv', '--quiet', '--numeric-uid-gid']);
    expect(r.code).toBe(0);
    expect(r.lines.find((l) => l.startsWith('-') && l.endsWith(' run.sh'))).toMatch(/^-rwsr-xr-x +1 0 +0 +10 Jan +1 +1970 run\.sh$/);
    expect(r.lines.find((l) => l.includes(' init'))).toMatch(/^lrwxrwxrwx .* init -> run\.sh$/);
  });

  it('GNU cpio extracts the same bytes', () => {
    const out = join(root, 'extract');
    mkdirSync(out);
    const r = spawnSync('cpio', ['-id', '--quiet', '--no-absolute-filenames'], { input: archive, cwd: out });
    expect([r.status, r.stderr.toString()]).toEqual([0, '']);
    expect(readFileSync(join(out, 'big.bin')).equals(Buffer.alloc(3 * 1024 * 1024 + 3, 0xab))).toBe(true);
    expect(readFileSync(join(out, 'usr', 'share', 'nginx', 'html', 'index.html'), 'utf8')).toBe('<h1>punch</h1>\n');
  });
});
