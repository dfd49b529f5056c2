// `punch llb -f FILE URL`: a git or http(s) URL as the build context, fetched by BuildKit when it runs
// the LLB; the Containerfile is the local -f file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import { decodeDefinition } from '../../src/llb/index.js';
import { punch } from './run.js';

const CONTAINERFILE =
  'FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n' +
  'LABEL com.urunc.unikernel.binary=/unikernel/app.hvt com.urunc.unikernel.unikernelType=rumprun com.urunc.unikernel.hypervisor=hvt\n';

function containerfile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'punch-llb-remote-'));
  writeFileSync(join(dir, 'Containerfile'), CONTAINERFILE);
  return join(dir, 'Containerfile');
}

function ops(bytes: Buffer): pb.Op[] {
  return decodeDefinition(bytes).ops.map((o) => o.op);
}

describe('punch llb with a remote context', () => {
  it('copies from a git checkout of the URL, with no local context in the graph', () => {
    const r = punch(['llb', '-f', containerfile(), 'https://git.example/org/repo.git#v1:guest']);
    expect(r.code).toBe(0);
    const sources = ops(r.stdout).flatMap((o) => (o.source ? [o.source.identifier] : []));
    expect(sources).toEqual(['git://git.example/org/repo.git#v1:guest']);
  });

  it('unpacks an HTTP download (ADD semantics) and copies from it', () => {
    const r = punch(['llb', '-f', containerfile(), 'https://files.example/ctx.tar.gz']);
    expect(r.code).toBe(0);
    const all = ops(r.stdout);
    expect(all.flatMap((o) => (o.source ? [[o.source.identifier, o.source.attrs?.['http.filename']]] : []))).toEqual([['https://files.example/ctx.tar.gz', 'context']]);
    expect(all.flatMap((o) => o.file?.actions ?? []).map((a) => a.copy).filter((c) => c?.attemptUnpackDockerCompatibility).map((c) => [c?.src, c?.dest])).toEqual([['/context', '/']]);
  });

  it('keeps .git with --build-arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1', () => {
    const r = punch(['llb', '-f', containerfile(), '--build-arg', 'BUILDKIT_CONTEXT_KEEP_GIT_DIR=1', 'git://git.example/repo']);
    expect(r.code).toBe(0);
    expect(ops(r.stdout).find((o) => o.source)?.source?.attrs?.['git.keepgitdir']).toBe('true');
  });

  it('prints a buildctl command without a context local', () => {
    const r = punch(['llb', '-f', containerfile(), 'https://git.example/r.git#main', '--print-buildctl', 'registry.example/app:1']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^buildctl build --output '/);
  });

  it('takes --build-context beside a remote context: COPY --from a named dir reads its own local', () => {
    const file = containerfile();
    const kernel = mkdtempSync(join(tmpdir(), 'punch-llb-remote-kernel-'));
    writeFileSync(join(kernel, 'app.hvt'), 'kernel');
    writeFileSync(file, CONTAINERFILE.replace('COPY app.hvt', 'COPY --from=kernel app.hvt'));
    const r = punch(['llb', '-f', file, '--build-context', `kernel=${kernel}`, 'https://git.example/r.git#main']);
    expect(r.code).toBe(0);
    const sources = ops(r.stdout).flatMap((o) => (o.source ? [o.source.identifier] : []));
    expect(sources).toEqual(['local://kernel']);
  });

  it('needs -f: the Containerfile is read locally, and punch fetches nothing', () => {
    const r = punch(['llb', 'https://git.example/r.git#main']);
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('is fetched by BuildKit when it runs the LLB, and punch llb reads nothing from the network: name the local Containerfile with -f FILE');
  });
});
