// punch build with the layer cache, and `punch cache du|prune`, as the user runs them: a rebuild
// with only CMD changed reuses the disk's layer, two builds at once share the cache, and prune makes
// room least-recently-used first.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cache/index.js';
import { main } from '../../src/cli/main.js';
import { writeAll } from '../../src/cli/output.js';
import type { CliIO } from '../../src/cli/io.js';
import { FakeRegistry } from '../registry/fake-registry.js';
import { buildImage, seedImage, tarLayer } from '../registry/fixtures.js';
import { bundle } from './run.js';

const U = 'com.urunc.unikernel.';
const LABELS = `LABEL ${U}binary=/unikernel/app.hvt ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;
const MiB = 1 << 20;

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A context with a random `disk.img` (larger than the 1 MiB layers packed in memory) and a Containerfile. */
function project(diskBytes = 2 * MiB, cmd = 'app'): string {
  const dir = mkdtempSync(join(tmpdir(), 'punch-cli-cache-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'disk.img'), randomBytes(diskBytes));
  writeFileSync(join(dir, 'Containerfile'), containerfile(cmd));
  return dir;
}

function containerfile(cmd: string, src = 'disk.img'): string {
  return `FROM scratch\nCOPY ${src} /unikernel/app.hvt\n${LABELS}CMD ["${cmd}"]\n`;
}

async function punchIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const io: CliIO = {
    stdin: new PassThrough(),
    stdout,
    write: (d) => writeAll(stdout, d),
    stderr,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { PUNCH_CACHE_DIR: join(cwd, '.cache'), SOURCE_DATE_EPOCH: '1700000000', ...env },
    cwd,
    arch: 'x64',
    report: () => undefined,
  };
  const code = await main(args, io);
  return { code, stdout: out, stderr: err };
}

function build(dir: string, dest: string, env: NodeJS.ProcessEnv = {}, file = 'Containerfile') {
  return punchIn(dir, ['build', '-f', file, '-t', 'disk:1', '--progress', 'plain', '--output', `type=oci,dest=${dest}`, '.'], env);
}

/** A base image blob as a pull leaves it in the cache, last used `ageMs` ago. */
function baseBlob(dir: string, bytes: number, ageMs = 0): string {
  const data = randomBytes(bytes);
  const blobs = join(dir, '.cache', 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const path = join(blobs, createHash('sha256').update(data).digest('hex'));
  writeFileSync(path, data);
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
  return path;
}

const cachedLine = (stderr: string) => stderr.split('\n').filter((l) => l.includes(' layer ') && /\((\[[^\]]*\] )?COPY /.test(l));

describe('punch build with the layer cache', () => {
  it('reuses the disk layer when only CMD changed: CACHED, and the image an uncached build makes', async () => {
    const dir = project();
    const first = await build(dir, 'a.tar');
    writeFileSync(join(dir, 'Containerfile'), containerfile('app --verbose'));
    const second = await build(dir, 'b.tar');
    const uncached = await build(dir, 'c.tar', { PUNCH_CACHE_MAX: '0' });
    expect([first.code, second.code, uncached.code]).toEqual([0, 0, 0]);
    expect(cachedLine(first.stderr)[0]).not.toContain('CACHED');
    expect(cachedLine(second.stderr)[0]).toContain('CACHED');
    expect(second.stdout).not.toBe(first.stdout);
    expect(readFileSync(join(dir, 'b.tar')).equals(readFileSync(join(dir, 'c.tar')))).toBe(true);
  });

  it('keeps no layer cache with PUNCH_CACHE_MAX=0', async () => {
    const dir = project();
    await build(dir, 'a.tar', { PUNCH_CACHE_MAX: '0' });
    const again = await build(dir, 'b.tar', { PUNCH_CACHE_MAX: '0' });
    expect(cachedLine(again.stderr)[0]).not.toContain('CACHED');
    expect(existsSync(join(dir, '.cache', 'layers'))).toBe(false);
  });

  it('builds with a warning when the layer cache cannot be written', async () => {
    const dir = project();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const r = await build(dir, 'a.tar', { PUNCH_CACHE_DIR: join(dir, 'not-a-dir') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`punch: warning: layer cache ${join(dir, 'not-a-dir', 'layers')}: `);
    expect(r.stderr).toContain('; packing the layer\n');
  });

  it('refuses a PUNCH_CACHE_MAX that is not a size, before building', async () => {
    const dir = project();
    const r = await build(dir, 'a.tar', { PUNCH_CACHE_MAX: '10 apples' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('punch: PUNCH_CACHE_MAX=10 apples: "10 apples" is not a size');
    expect(existsSync(join(dir, 'a.tar'))).toBe(false);
  });

  it('prunes after a build to PUNCH_CACHE_MAX, least recently used first', async () => {
    const dir = project();
    writeFileSync(join(dir, 'other.img'), randomBytes(2 * MiB));
    writeFileSync(join(dir, 'Other'), containerfile('app', 'other.img'));
    const cap = { PUNCH_CACHE_MAX: '3MiB' };
    await build(dir, 'a.tar', cap);
    await build(dir, 'b.tar', cap, 'Other');
    // disk.img's entry was used least recently: it made room for other.img's.
    expect((await punchIn(dir, ['cache', 'du'])).stdout).toContain('\nlayers            1 entry, 2.0 MiB\n');
    expect(cachedLine((await build(dir, 'c.tar', cap)).stderr)[0]).not.toContain('CACHED');
  });

  it('two concurrent builds (two processes) sharing one cache write the same correct image', async () => {
    const dir = project(16 * MiB);
    const env = { ...process.env, PUNCH_CACHE_DIR: join(dir, '.cache'), SOURCE_DATE_EPOCH: '1700000000' };
    const run = (dest: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bundle, 'build', '-t', 'disk:1', '--progress', 'plain', '--output', `type=oci,dest=${dest}`, '.'], { cwd: dir, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const [a, b] = await Promise.all([run('a.tar'), run('b.tar')]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const uncached = await build(dir, 'u.tar', { PUNCH_CACHE_MAX: '0' });
    expect(a.stdout).toBe(uncached.stdout);
    expect(b.stdout).toBe(uncached.stdout);
    expect(readFileSync(join(dir, 'a.tar')).equals(readFileSync(join(dir, 'u.tar')))).toBe(true);
    expect(readFileSync(join(dir, 'b.tar')).equals(readFileSync(join(dir, 'u.tar')))).toBe(true);
    const leftovers = ['blobs/sha256', 'entries', 'stat'].flatMap((d) => readdirSync(join(dir, '.cache', 'layers', d)).filter((n) => n.startsWith('.punch-tmp-')));
    expect(leftovers).toEqual([]);
    const after = await run('c.tar');
    expect(cachedLine(after.stderr)[0]).toContain('CACHED');
    expect(readFileSync(join(dir, 'c.tar')).equals(readFileSync(join(dir, 'u.tar')))).toBe(true);
  }, 120_000);
});

describe('punch cache du and prune', () => {
  it('du prints the cache folder, what its layers and base blobs hold, the total and the limit', async () => {
    const dir = project();
    const empty = await punchIn(dir, ['cache', 'du']);
    expect(empty).toEqual({
      code: 0,
      stderr: '',
      stdout: `${join(dir, '.cache')}\nlayers            0 entries, 0 B\nbase image blobs  0 blobs, 0 B\ntotal             0 B (0 bytes); limit 10.00 GiB (default)\n`,
    });
    await build(dir, 'a.tar');
    baseBlob(dir, 1 * MiB);
    const du = await punchIn(dir, ['cache', 'du'], { PUNCH_CACHE_MAX: '5g' });
    expect(du.stdout).toMatch(/\nlayers            1 entry, 2\.0 MiB\nbase image blobs  1 blob, 1\.0 MiB\ntotal             3\.0 MiB \(\d+ bytes\); limit 5\.00 GiB \(PUNCH_CACHE_MAX\)\n$/);
  });

  it('prune --all empties the cache, and the next build packs again', async () => {
    const dir = project();
    await build(dir, 'a.tar');
    const r = await punchIn(dir, ['cache', 'prune', '--all']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^removed 1 layer entry and 0 base blobs, freed 2\.0 MiB; 0 layer entries and 0 base blobs \(0 B\) left in /);
    expect(cachedLine((await build(dir, 'b.tar')).stderr)[0]).not.toContain('CACHED');
  });

  it('prune --keep-storage keeps the most recently used entries that fit', async () => {
    const dir = project();
    writeFileSync(join(dir, 'other.img'), randomBytes(2 * MiB));
    writeFileSync(join(dir, 'Other'), containerfile('app', 'other.img'));
    await build(dir, 'a.tar');
    await build(dir, 'b.tar', {}, 'Other');
    await build(dir, 'c.tar'); // disk.img's entry is used again: other.img's is now the oldest
    const r = await punchIn(dir, ['cache', 'prune', '--keep-storage', '3MiB']);
    expect(r.stdout).toMatch(/^removed 1 layer entry and 0 base blobs, freed 2\.0 MiB; 1 layer entry and 0 base blobs \(2\.0 MiB\) left/);
    expect(cachedLine((await build(dir, 'd.tar')).stderr)[0]).toContain('CACHED');
    expect(cachedLine((await build(dir, 'e.tar', {}, 'Other')).stderr)[0]).not.toContain('CACHED');
  });

  it('prune --all removes base image blobs too', async () => {
    const dir = project();
    const blob = baseBlob(dir, 1 * MiB);
    const r = await punchIn(dir, ['cache', 'prune', '--all']);
    expect(r.stdout).toMatch(/^removed 0 layer entries and 1 base blob, freed 1\.0 MiB; 0 layer entries and 0 base blobs \(0 B\) left in /);
    expect(existsSync(blob)).toBe(false);
  });

  it('prune --keep-storage weighs layers and base blobs by last use together', async () => {
    const dir = project();
    const old = baseBlob(dir, 1 * MiB, 3_600_000);
    await build(dir, 'a.tar');
    const recent = baseBlob(dir, 1 * MiB);
    // 4 MiB and a few bytes (the entry's records): the oldest, the first base blob, has to go.
    const r = await punchIn(dir, ['cache', 'prune', '--keep-storage', '4MiB']);
    expect(r.stdout).toMatch(/^removed 0 layer entries and 1 base blob, freed 1\.0 MiB; 1 layer entry and 1 base blob \(3\.0 MiB\) left/);
    expect([existsSync(old), existsSync(recent)]).toEqual([false, true]);
  });

  it.each([
    [['cache'], 'punch: expected a subcommand: punch cache du, or punch cache prune [--all | --keep-storage SIZE]\n'],
    [['cache', 'clean'], 'punch: unknown cache subcommand "clean": expected du or prune (see punch cache --help)\n'],
    [['cache', 'prune', '--all', '--keep-storage', '1g'], 'punch: --all and --keep-storage SIZE contradict each other: give one\n'],
    [['cache', 'prune', '--keep-storage', '2 GB of it'], 'punch: --keep-storage "2 GB of it" is not a size: write a number of bytes with an optional unit, e.g. 512MiB, 10GB or 2g (units are powers of 1024)\n'],
    [['cache', 'du', '--all'], 'punch: --all and --keep-storage are options of punch cache prune\n'],
  ])('punch %j is a usage error (exit 2)', async (args, message) => {
    const dir = project(1);
    expect(await punchIn(dir, args)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('--help explains both subcommands and where the cache lives', async () => {
    const r = await punchIn(tmpdir(), ['cache', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('punch cache prune [--all | --keep-storage SIZE]');
    expect(r.stdout).toContain('$PUNCH_CACHE_DIR (default ~/.cache/punch): the layer cache (layers/)');
    expect(r.stdout).toContain('the base image blobs pulled from registries (blobs/)');
  });
});

describe('sizes (PUNCH_CACHE_MAX, --keep-storage)', () => {
  it.each([
    ['1048576', 2 ** 20],
    ['512k', 512 * 2 ** 10],
    ['512KiB', 512 * 2 ** 10],
    ['10GB', 10 * 2 ** 30],
    ['10g', 10 * 2 ** 30],
    ['1.5 GiB', 1.5 * 2 ** 30],
    ['0', 0],
  ])('reads %s as %d bytes (units are powers of 1024, as docker reads them)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'ten', '-1g', '10x', '1ib'])('refuses %j', (text) => {
    expect(parseSize(text)).toHaveProperty('error');
  });
});

describe('base image blobs in the cache', () => {
  const registry = new FakeRegistry();
  let base = '';

  beforeAll(async () => {
    // A Unikraft-like base whose one file is its kernel.
    const host = await registry.start();
    seedImage(registry, 'base', buildImage({ os: 'qemu', architecture: 'amd64', layers: [tarLayer([{ name: 'kernel', mode: 0o755, data: 'kernel\n' }])] }), '1');
    base = `${host}/base:1`;
  });
  afterAll(() => registry.stop());

  function fromBase(): string {
    const dir = project(1);
    writeFileSync(join(dir, 'Containerfile'), `FROM ${base}\nLABEL ${U}binary=/kernel ${U}unikernelType=unikraft ${U}hypervisor=qemu\n`);
    return dir;
  }

  it('a build counts in du with the blobs it pulled, and holds no lease once it ended', async () => {
    const dir = fromBase();
    expect((await build(dir, 'a.tar')).code).toBe(0);
    expect((await punchIn(dir, ['cache', 'du'])).stdout).toContain('\nbase image blobs  2 blobs, ');
    expect(readdirSync(join(dir, '.cache', 'leases'))).toEqual([]);
  });

  it('prune --all removes the pulled blobs, and the next build pulls them again', async () => {
    const dir = fromBase();
    await build(dir, 'a.tar');
    expect((await punchIn(dir, ['cache', 'prune', '--all'])).stdout).toMatch(/^removed 0 layer entries and 2 base blobs, /);
    const again = await build(dir, 'b.tar');
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b.tar')).equals(readFileSync(join(dir, 'a.tar')))).toBe(true);
  });
});
