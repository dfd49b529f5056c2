// `--build-context` for the three local commands: the flag's forms and errors, `punch build` reading
// a named directory from disk (its own .dockerignore honoured), `punch llb --print-buildctl` naming
// it as a buildctl --local, `punch check` accepting it.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readBuildContexts } from '../../src/cli/build-contexts.js';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeAll } from '../../src/cli/output.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { readTar } from '../e2e/tar.js';

const U = 'com.urunc.unikernel.';
const RUMPRUN = `LABEL ${U}binary=/unikernel/app.hvt ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'punch-cli-bctx-'));
  dirs.push(d);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(d, p)), { recursive: true });
    writeFileSync(join(d, p), content);
  }
  return d;
}

async function punchIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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
    env: { PUNCH_CACHE_DIR: join(cwd, '.cache'), PUNCH_CACHE_MAX: '0' },
    cwd,
    arch: 'x64',
    report: (ds) => {
      for (const d of ds) err += `${formatDiagnostic(d)}\n`;
    },
  };
  const code = await main(args, io);
  return { code, stdout: out, stderr: err };
}

describe('--build-context values', () => {
  it('reads a directory (its .dockerignore), docker-image://REF and oci-layout://PATH:TAG (made absolute)', () => {
    const kernel = dir({ '.dockerignore': '*.o\n' });
    const cwd = dir({});
    const r = readBuildContexts([`kernel=${kernel}`, 'alpine=docker-image://127.0.0.1:5000/busybox:1', 'base=oci-layout://out/layout:v1'], cwd);
    expect(r.contexts.map((c) => [c.key, c.value.kind])).toEqual([
      ['kernel', 'local'],
      ['alpine', 'image'],
      ['base', 'oci-layout'],
    ]);
    expect(r.contexts[1]!.value).toEqual({ kind: 'image', ref: '127.0.0.1:5000/busybox:1' });
    expect(r.contexts[2]!.value).toEqual({ kind: 'oci-layout', ref: `oci-layout://${cwd}/out/layout:v1` });
    expect(r.dirs).toEqual({ kernel });
    const local = r.contexts[0]!.value;
    expect(local.kind === 'local' && Buffer.from(local.ignore!).toString()).toBe('*.o\n');
  });

  it.each([
    ['kernel', /^--build-context kernel: expected NAME=VALUE; write --build-context NAME=DIR, NAME=docker-image:\/\/REF or NAME=oci-layout:\/\/PATH\[:TAG\]$/],
    ['=dir', /^--build-context =dir: expected NAME=VALUE/],
    ['kernel=', /^--build-context kernel=: expected NAME=VALUE/],
    ['kernel=./no-such-dir', /^--build-context kernel=\.\/no-such-dir: \.\/no-such-dir is not a directory; write --build-context/],
    ['src=https://example.com/repo.git', /^--build-context src=https:\/\/example.com\/repo.git: punch's local builds read no remote contexts: clone or download it and pass the directory, or build through BuildKit \(docker buildx build\)/],
    ['alpine=docker-image://Not/Valid', /^--build-context: named context "alpine": docker-image:\/\/Not\/Valid is not a valid image reference/],
    ['alpine::linux/nope/x/y=docker-image://alpine', /^--build-context: named context "alpine::linux\/nope\/x\/y": /],
  ])('refuses %s, naming the flag and what to write', (value, message) => {
    const cwd = dir({});
    let error: unknown;
    try {
      readBuildContexts([value], cwd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a name given twice', () => {
    expect(() => readBuildContexts(['a=docker-image://x', 'a=docker-image://y'], dir({}))).toThrow('--build-context a=docker-image://y: a is given twice; give each name once');
  });
});

describe('punch build --build-context NAME=DIR', () => {
  it('COPY --from=NAME reads the directory from disk, without what its own .dockerignore excludes', async () => {
    const kernel = dir({ 'app.hvt': 'named kernel\n', 'notes.txt': 'no\n', '.dockerignore': 'notes.txt\n' });
    const ctx = dir({ Containerfile: `FROM scratch\nCOPY --from=kernel . /unikernel/\n${RUMPRUN}`, 'app.hvt': 'main context\n' });
    const r = await punchIn(ctx, ['build', '-t', 'k:1', '--output', 'type=oci-layout,dest=out', '--progress', 'quiet', '--build-context', `kernel=${kernel}`, '.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const blob = (digest: string): Buffer => readFileSync(join(ctx, 'out', 'blobs', ...digest.split(':')));
    const index = JSON.parse(readFileSync(join(ctx, 'out', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString('utf8')) as { layers: { digest: string }[] };
    const files = new Map(manifest.layers.flatMap((l) => readTar(gunzipSync(blob(l.digest)))).filter((e) => e.type === 'file').map((e) => [e.path, e]));
    expect([...files.keys()].sort()).toEqual(['unikernel/.dockerignore', 'unikernel/app.hvt', 'urunc.json']);
    expect(files.get('unikernel/app.hvt')!.content.toString()).toBe('named kernel\n');
  });
});

describe('punch llb and punch check --build-context', () => {
  it('punch llb --print-buildctl names the directory as a buildctl --local', async () => {
    const kernel = dir({ 'app.hvt': 'k\n' });
    const ctx = dir({ Containerfile: `FROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${RUMPRUN}` });
    const r = await punchIn(ctx, ['llb', '--build-context', `kernel=${kernel}`, '--print-buildctl', 'r.example/k:1', '.']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^buildctl build --local context=\\. --local kernel=${kernel.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} --output `));
  });

  it('punch llb emits the named directory as local://NAME', async () => {
    const kernel = dir({ 'app.hvt': 'k\n' });
    const ctx = dir({ Containerfile: `FROM scratch\nCOPY --from=kernel app.hvt /unikernel/app.hvt\n${RUMPRUN}` });
    const r = await punchIn(ctx, ['llb', '--format', 'json', '--build-context', `kernel=${kernel}`, '.']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"identifier":"local://kernel"');
    expect(r.stdout).not.toContain('local://context');
  });

  it('punch check accepts it, and a FROM replaced by docker-image:// is checked against that image', async () => {
    const ctx = dir({ Containerfile: `FROM alpine\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, 'app.hvt': 'k\n' });
    const r = await punchIn(ctx, ['check', '--json', '--build-context', 'alpine=docker-image://r.example/base:1', '.']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('base image r.example/base:1 was not resolved');
  });

  it('a malformed value is a usage error (exit 2) naming the flag', async () => {
    const ctx = dir({ Containerfile: `FROM scratch\n${RUMPRUN}` });
    const r = await punchIn(ctx, ['check', '--build-context', 'kernel', '.']);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, 'punch: --build-context kernel: expected NAME=VALUE; write --build-context NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://PATH[:TAG]']);
  });
});
