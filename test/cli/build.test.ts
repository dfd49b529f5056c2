// `punch build` failures as the user sees them: the Containerfile line of what failed, exit codes,
// and no output left behind (the e2e suite checks the same against the real tools).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { readTar } from '../e2e/tar.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { main } from '../../src/cli/main.js';
import { writeAll } from '../../src/cli/output.js';
import type { CliIO } from '../../src/cli/io.js';
import { FakeRegistry } from '../registry/fake-registry.js';
import { buildImage, seedImage, tarLayer } from '../registry/fixtures.js';
import { bundle } from './run.js';

const U = 'com.urunc.unikernel.';
const RUMPRUN = `LABEL ${U}binary=/unikernel/app.hvt ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;
/** `punch build` of the context into an OCI archive, out.tar: the build the failure tests run. */
const BUILD_TO_ARCHIVE = ['build', '--progress=quiet', '-t', 'app:1', '--output', 'type=oci,dest=out.tar', '.'];

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'punch-cli-build-'));
  dirs.push(dir);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

/** Runs `punch ARGS` in-process in `cwd`; returns the exit code and what went to stdout/stderr. */
async function punchIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  stderr.on('data', (b: Buffer) => { err += b.toString('utf8'); });
  const io: CliIO = {
    stdin: new PassThrough(),
    stdout,
    write: (d) => writeAll(stdout, d),
    stderr,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { PUNCH_CACHE_DIR: join(cwd, '.cache'), ...env },
    cwd,
    arch: 'x64',
    report: (ds) => { for (const d of ds) err += `${formatDiagnostic(d)}\n`; },
  };
  const code = await main(args, io);
  return { code, stdout: out, stderr: err };
}

describe('punch build failures point at the Containerfile line', () => {
  const registry = new FakeRegistry();
  let base = '';

  beforeAll(async () => {
    // A Unikraft-like base (os qemu) whose only file is /unikraft/bin/kernel (a real tar layer, uncompressed).
    const layer = tarLayer([{ name: 'unikraft/', mode: 0o755 }, { name: 'unikraft/bin/', mode: 0o755 }, { name: 'unikraft/bin/kernel', mode: 0o755, data: 'kernel\n' }]);
    const host = await registry.start();
    seedImage(registry, 'base', buildImage({ os: 'qemu', architecture: 'amd64', layers: [layer] }), '1');
    base = `${host}/base:1`;
  });
  afterAll(() => registry.stop());

  it('a missing COPY source: exit 1, the COPY line and what is missing, no output file', async () => {
    const ctx = context({ Containerfile: `FROM scratch\nCOPY missing.hvt /unikernel/app.hvt\n${RUMPRUN}` });
    const r = await punchIn(ctx, BUILD_TO_ARCHIVE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Containerfile:2:1: error: COPY missing.hvt /unikernel/app.hvt: /missing.hvt not found in local "context"\n1 error, 0 warnings\n');
    expect(r.stdout).toBe('');
    expect(readdirSync(ctx).sort()).toEqual(['Containerfile']);
  });

  it('a WORKDIR under USER name on a stage with no /etc/passwd: exit 1 at the WORKDIR line, suggesting a numeric USER or a passwd entry', async () => {
    const ctx = context({ Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nUSER app\nWORKDIR /work\n${RUMPRUN}`, 'app.hvt': 'x' });
    const r = await punchIn(ctx, BUILD_TO_ARCHIVE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Containerfile:4:1: error: WORKDIR /work: cannot resolve user "app": the stage has no /etc/passwd at this line; ' +
        'write a numeric USER uid[:gid] before this WORKDIR (e.g. USER 1000:1000), or make the stage\'s /etc/passwd name "app" before this line\n1 error, 0 warnings\n',
    );
  });

  it('a WORKDIR under USER user:group whose group the stage lacks: exit 1 at the WORKDIR line, suggesting a numeric group', async () => {
    const ctx = context({
      Containerfile: `FROM scratch\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nUSER app:staff\nWORKDIR /work\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`,
      passwd: 'app:x:1000:1000::/work:/bin/sh\n',
      group: 'app:x:1000:\n',
      'app.hvt': 'x',
    });
    const r = await punchIn(ctx, BUILD_TO_ARCHIVE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Containerfile:5:1: error: WORKDIR /work: cannot resolve group "staff": the stage\'s /etc/group has no group "staff" at this line; ' +
        'give USER a numeric group before this WORKDIR (e.g. USER <user>:1000), or make the stage\'s /etc/group name "staff" before this line\n1 error, 0 warnings\n',
    );
  });

  it('a COPY --chown name on a stage with no /etc/passwd: exit 1 at the COPY line, suggesting a numeric --chown', async () => {
    const ctx = context({ Containerfile: `FROM scratch\nCOPY --chown=app app.hvt /unikernel/app.hvt\n${RUMPRUN}`, 'app.hvt': 'x' });
    const r = await punchIn(ctx, BUILD_TO_ARCHIVE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Containerfile:2:1: error: COPY --chown=app app.hvt /unikernel/app.hvt: cannot resolve user "app": the stage has no /etc/passwd at this line; ' +
        'give --chown a numeric uid (e.g. --chown=1000:1000), or make the stage\'s /etc/passwd name "app" before this line\n1 error, 0 warnings\n',
    );
  });

  it('a urunc path the image base lacks, found after the build: exit 1 at the LABEL that names it', async () => {
    const ctx = context({
      Containerfile: `ARG BASE\nFROM \${BASE}\nLABEL ${U}initrd=/unikraft/bin/initrd \\\n  ${U}unikernelType=unikraft ${U}hypervisor=qemu\n`,
    });
    const r = await punchIn(ctx, ['build', '--progress=quiet', '-t', 'app:1', '--build-arg', `BASE=${base}`, '--output', 'type=oci,dest=out.tar', '.']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes(': error: ')), r.stderr).toEqual([
      `Containerfile:3:7: error: ${U}initrd names /unikraft/bin/initrd, but the built image has no such file: COPY it there or fix the path`,
    ]);
    expect(readdirSync(ctx).sort()).toEqual(['.cache', 'Containerfile']);
  });

  it('a urunc path set by --label that the image lacks: exit 1 at the FROM line, naming the --label', async () => {
    const ctx = context({ Containerfile: `ARG BASE\nFROM \${BASE}\nLABEL ${U}unikernelType=unikraft ${U}hypervisor=qemu\n` });
    const r = await punchIn(ctx, ['build', '--progress=quiet', '-t', 'app:1', '--build-arg', `BASE=${base}`, '--label', `${U}initrd=/boot/initrd`, '--output', 'type=oci,dest=out.tar', '.']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes(': error: ')), r.stderr).toEqual([
      `Containerfile:2:1: error: ${U}initrd names /boot/initrd, but the built image has no such file: COPY it there or fix the path (set by --label ${U}initrd)`,
    ]);
  });
});

/**
 * Runs the bundle on a context whose only COPY is a 1 GiB sparse file, writing type=oci to `dest`
 * (relative to the context's `out/`, which exists), and sends SIGINT while the layer is packed.
 */
async function interruptedBuild(dest: string): Promise<{ code: number | null; stderr: string; ctx: string; out: string }> {
  const ctx = context({ Containerfile: `FROM scratch\nCOPY big.img /unikernel/app.hvt\n${RUMPRUN}` });
  writeFileSync(join(ctx, 'big.img'), '');
  truncateSync(join(ctx, 'big.img'), 1024 * 1024 * 1024);
  const out = join(ctx, 'out');
  mkdirSync(out);
  const child = spawn(process.execPath, [bundle, 'build', '--progress=plain', '-t', 'big:1', '--output', `type=oci,dest=${join(out, dest)}`, ctx], {
    cwd: ctx,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PUNCH_CACHE_DIR: join(ctx, '.cache'), TMPDIR: ctx },
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    // Once it writes the output, the layer of the 1 GiB file is being packed.
    if (stderr.includes('#punch') && stderr.includes(' write oci ') && !child.killed) setTimeout(() => child.kill('SIGINT'), 100);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr, ctx, out };
}

describe('punch build interrupted', () => {
  it('exits 130 on SIGINT and leaves no output and no temp files next to the destination', async () => {
    const { code, stderr, ctx, out } = await interruptedBuild('big.tar');
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('punch: interrupted: no image was written\n');
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(ctx).filter((n) => n.startsWith('punch-build-'))).toEqual([]);
  }, 60_000);

  it('while writing into folders it made: exits 130 and removes those folders again', async () => {
    const { code, stderr, out } = await interruptedBuild(join('new', 'dir', 'big.tar'));
    expect(code, stderr).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);
});

describe('punch build FROM oci-layout://', () => {
  it('reads a relative layout in the context and inherits its files and labels', async () => {
    const dir = context({ 'app.hvt': 'kernel', Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}CMD ["app"]\n` });
    const first = await punchIn(dir, ['build', '-t', 'base:1', '--output', 'type=oci-layout,dest=layouts/base', '--progress', 'quiet', '.']);
    expect(first.code).toBe(0);
    writeFileSync(join(dir, 'Derived'), 'FROM oci-layout://layouts/base:1\nCMD ["app", "--verbose"]\n');
    const second = await punchIn(dir, ['check', '-f', 'Derived', '--json', '.']);
    expect(second.code).toBe(0);
    const built = await punchIn(dir, ['build', '-f', 'Derived', '-t', 'derived:1', '--output', 'type=oci-layout,dest=out', '--progress', 'quiet', '.']);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'blobs', ...index.manifests[0].digest.split(':')), 'utf8'));
    expect(manifest.annotations[`${U}binary`]).toBe('/unikernel/app.hvt');
    expect(manifest.annotations[`${U}cmdline`]).toBe('app --verbose');
  });
});

describe('punch build COPY <<EOF', () => {
  it('writes here-documents into a FROM scratch image (no RUN needed): names, modes and expanded bodies', async () => {
    const file = `FROM scratch\nARG PORT=80\nCOPY --chmod=0755 <<EOF /unikernel/app.hvt\nkernel\nEOF\nCOPY <<EOF <<'RAW' /etc/app/\nport=$PORT\nEOF\nport=$PORT\nRAW\n${RUMPRUN}`;
    const dir = context({ Containerfile: file });
    const r = await punchIn(dir, ['build', '-t', 'doc:1', '--output', 'type=oci-layout,dest=out', '--progress', 'quiet', '--build-arg', 'PORT=8080', '.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const blob = (digest: string): Buffer => readFileSync(join(dir, 'out', 'blobs', ...digest.split(':')));
    const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString('utf8')) as { layers: { digest: string }[] };
    const files = new Map(manifest.layers.flatMap((l) => readTar(gunzipSync(blob(l.digest)))).filter((e) => e.type === 'file').map((e) => [e.path, e]));
    expect([...files.keys()].sort()).toEqual(['etc/app/EOF', 'etc/app/RAW', 'unikernel/app.hvt', 'urunc.json']);
    expect(files.get('unikernel/app.hvt')).toMatchObject({ mode: 0o755, content: Buffer.from('kernel\n') });
    expect(files.get('etc/app/EOF')).toMatchObject({ mode: 0o644, content: Buffer.from('port=8080\n') });
    expect(files.get('etc/app/RAW')).toMatchObject({ mode: 0o644, content: Buffer.from('port=$PORT\n') });
  });
});

describe('punch build --urunc', () => {
  async function annotations(args: string[]): Promise<Record<string, string>> {
    const dir = context({ 'app.hvt': 'kernel', Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}CMD ["app"]\n` });
    const r = await punchIn(dir, ['build', '-t', 'app:1', '--output', 'type=oci-layout,dest=out', '--progress', 'quiet', ...args, '.']);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'blobs', ...index.manifests[0].digest.split(':')), 'utf8'));
    return manifest.annotations;
  }

  it('writes raw manifest annotations by default (the 2026 line reads them as they are)', async () => {
    expect((await annotations([]))[`${U}hypervisor`]).toBe('hvt');
  });

  it('writes base64 manifest annotations for a 2025 release, which decodes them', async () => {
    expect((await annotations(['--urunc', 'v0.6.0']))[`${U}hypervisor`]).toBe('aHZ0');
  });

  it('takes the release from --build-arg PUNCH_URUNC_VERSION too', async () => {
    expect((await annotations(['--build-arg', 'PUNCH_URUNC_VERSION=v0.5.0']))[`${U}hypervisor`]).toBe('aHZ0');
  });
});

describe('punch build --output dest inside folders that do not exist yet', () => {
  const ok = () => context({ 'app.hvt': 'kernel', Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}` });

  it.each([
    ['oci', 'x.tar'],
    ['docker', 'x.tar'],
    ['oci-layout', 'layout'],
  ])('type=%s: the missing folders are made, and they hold only the output', async (type, name) => {
    const dir = ok();
    const r = await punchIn(dir, ['build', '--progress=quiet', '-t', 'app:1', '--output', `type=${type},dest=some/new/dir/${name}`, '.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'some', 'new', 'dir'))).toEqual([name]);
  });

  it('a file where a folder must go: exit 1 with an error naming the destination and that file', async () => {
    const dir = ok();
    writeFileSync(join(dir, 'some'), 'a file\n');
    const r = await punchIn(dir, ['build', '--progress=quiet', '-t', 'app:1', '--output', 'type=oci,dest=some/dir/x.tar', '.']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`punch: output ${join(dir, 'some', 'dir', 'x.tar')}: ${join(dir, 'some')} is a file, not a folder; choose another dest\n`);
  });
});
