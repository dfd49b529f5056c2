// RUN in the graph: the ExecOp each RUN becomes (args, env, cwd, user, mounts, modes, progress names).
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../src/convert/api.js';
import { buildGraph } from '../../src/convert/index.js';
import { DEFAULT_PATH, decodeDefinition, encodeDefinition, type DecodedOp } from '../../src/llb/index.js';
import { input } from './input.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
const resolveImage = async (): Promise<ResolvedImage> => ({ digest: `sha256:${'0'.repeat(63)}1`, config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(63)}2`] }, config: {} } });

async function execs(text: string, buildArgs: Record<string, string> = {}): Promise<DecodedOp[]> {
  const g = await buildGraph(input(text, { resolveImage, buildArgs }));
  return decodeDefinition(encodeDefinition(g.definition)).ops.filter((o) => o.op.exec);
}
const build = (lines: string): string => `FROM busybox AS build\n${lines}FROM scratch\nCOPY --from=build /k /k\n${LABELS}`;

describe('RUN in the graph', () => {
  it('runs the shell form through /bin/sh -c with the default PATH, ARG values and ENV in order', async () => {
    const [e] = await execs(build('ARG V=1\nENV E=x\nWORKDIR /src\nRUN echo $V $E > /k\n'));
    expect(e!.op.exec!.meta).toMatchObject({ args: ['/bin/sh', '-c', 'echo $V $E > /k'], env: [`PATH=${DEFAULT_PATH}`, 'V=1', 'E=x'], cwd: '/src' });
  });

  it("gives RUN an ARG's value over an earlier ENV of the same name, as Docker's frontend does (e2e: run-parity)", async () => {
    const [e] = await execs(build('ENV V=env\nARG V=arg\nRUN echo $V > /k\n'));
    expect(e!.op.exec!.meta!.env).toEqual([`PATH=${DEFAULT_PATH}`, 'V=arg']);
  });

  it('names the step as Docker prints it, variables expanded', async () => {
    const [e] = await execs(build('ARG V=1\nWORKDIR /src\nRUN echo $V > /k\n'));
    expect(e!.metadata.description?.['llb.customname']).toBe('[build 3/3] RUN echo 1 > /k');
  });

  it('runs the exec form as given', async () => {
    const [e] = await execs(build('RUN ["touch", "/k"]\n'));
    expect(e!.op.exec!.meta!.args).toEqual(['touch', '/k']);
  });

  it('runs through the stage SHELL', async () => {
    const [e] = await execs(build('SHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nRUN echo a | cat > /k\n'));
    expect(e!.op.exec!.meta!.args).toEqual(['/bin/ash', '-eo', 'pipefail', '-c', 'echo a | cat > /k']);
  });

  it('runs as the USER set before it', async () => {
    const [e] = await execs(build('USER 1000\nRUN id > /k\n'));
    expect(e!.op.exec!.meta!.user).toBe('1000');
  });

  it('passes proxy build args as ProxyEnv, not in the environment', async () => {
    const [e] = await execs(build('RUN wget x > /k\n'), { HTTP_PROXY: 'http://p:3128' });
    expect(e!.op.exec!.meta!.proxy_env).toMatchObject({ http_proxy: 'http://p:3128' });
    expect(e!.op.exec!.meta!.env).toEqual([`PATH=${DEFAULT_PATH}`]);
  });

  it('mounts a cache with the namespaced id Docker gives it', async () => {
    const [e] = await execs(build('RUN --mount=type=cache,target=/c id > /k\n'));
    expect(e!.op.exec!.mounts![1]).toMatchObject({ dest: '/c', mountType: 3, cacheOpt: { ID: '//c' } });
  });

  it('mounts a secret at /run/secrets/<id>, optional unless required', async () => {
    const [e] = await execs(build('RUN --mount=type=secret,id=tok cat /run/secrets/tok > /k\n'));
    expect(e!.op.exec!.mounts![1]).toMatchObject({ dest: '/run/secrets/tok', mountType: 1, secretOpt: { ID: 'tok', mode: 0o400, optional: true } });
  });

  it("records the RUN's lines in the Definition's source map, so the engine's error names them", async () => {
    const g = await buildGraph(input(build('ARG V=1\nRUN echo $V \\\n  > /k\n'), { resolveImage }));
    const e = decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.exec)!;
    expect(g.definition.source?.infos?.map((i) => i.filename)).toEqual(['Containerfile']);
    const range = g.definition.source?.locations?.[e.digest]?.locations?.[0]?.ranges?.[0];
    expect([range?.start?.line, range?.start?.character, range?.end?.line]).toEqual([3, 0, 4]);
  });

  it('puts no build file in the source map of a RUN-free graph', async () => {
    const g = await buildGraph(input(`FROM busybox\nCOPY k /k\n${LABELS}`, { resolveImage }));
    expect(g.definition.source?.infos).toBeUndefined();
  });

  it('runs with no network for --network=none', async () => {
    const [e] = await execs(build('RUN --network=none true > /k\n'));
    expect(e!.op.exec!.network).toBe(2);
  });
});

describe('RUN errors', () => {
  const diagnostics = async (text: string): Promise<string[]> => {
    const g = await buildGraph(input(text, { resolveImage })).catch((e: { diagnostics?: { message: string; range: { start: { line: number } } }[] }) => e);
    return ((g as { diagnostics?: { message: string; range: { start: { line: number } }; severity?: string }[] }).diagnostics ?? [])
      .filter((d) => d.severity === undefined || d.severity === 'error')
      .map((d) => `${d.range.start.line}: ${d.message}`);
  };

  it('refuses a shell-form RUN in a scratch stage with nothing copied in, at its line', async () => {
    expect((await diagnostics(`FROM scratch\nRUN echo hi\n${LABELS}`)).join('\n')).toMatch(/^2: RUN in shell form runs \/bin\/sh -c, but this stage starts FROM scratch/);
  });

  it('refuses an unknown mount type at the flag', async () => {
    expect((await diagnostics(build('RUN --mount=type=nfs,target=/x true\n'))).join('\n')).toMatch(/^2: --mount=type=nfs,target=\/x: unsupported mount type "nfs"/);
  });

  it('refuses an unknown --network value', async () => {
    expect((await diagnostics(build('RUN --network=bridge true\n'))).join('\n')).toMatch(/^2: --network=bridge: expected one of default, none, host/);
  });
});

describe('RUN against the engine', () => {
  /** Part of what BuildKit v0.8 (Docker 20.10) announces: no tmpfs size, no ulimit. */
  const v08 = new Set(['exec.meta.base', 'exec.mount.bind', 'exec.mount.tmpfs', 'exec.mount.cache', 'exec.mount.cache.sharing', 'exec.meta.network']);

  it('refuses a tmpfs size on an engine without exec.mount.tmpfs.size, at the flag', async () => {
    const err = await buildGraph(input(build('RUN --mount=type=tmpfs,target=/t,size=64m true > /k\n'), { resolveImage, run: { llbCaps: v08 } })).catch((e: unknown) => e);
    const d = (err as { diagnostics: { message: string; range: { start: { line: number; col: number } } }[] }).diagnostics[0]!;
    expect([d.range.start.line, d.range.start.col]).toEqual([2, 5]);
    expect(d.message).toBe(
      "RUN --mount=type=tmpfs,size=… needs the engine's LLB cap exec.mount.tmpfs.size, added in BuildKit v0.10 (Docker 23), which this engine lacks: drop it or build on a newer BuildKit",
    );
  });

  it('applies the engine options (add-hosts, hostname, force-network-mode, shm-size) to each RUN', async () => {
    const g = await buildGraph(
      input(build('RUN true > /k\n'), { resolveImage, run: { extraHosts: [{ host: 'h', ip: '10.0.0.1' }], hostname: 'box', network: 'none', shmSize: 1 << 20 } }),
    );
    const e = decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.exec)!.op.exec!;
    expect(e.meta).toMatchObject({ extraHosts: [{ Host: 'h', IP: '10.0.0.1' }], hostname: 'box' });
    expect(e.network).toBe(2);
    expect(e.mounts!.map((m) => m.dest)).toEqual(['/', '/dev/shm']);
  });
});

describe('RUN heredocs', () => {
  it('runs a RUN that is one heredoc with its body as the script', async () => {
    const [e] = await execs(build('RUN <<EOF\necho one\necho two > /k\nEOF\n'));
    expect(e!.op.exec!.meta!.args).toEqual(['/bin/sh', '-c', 'echo one\necho two > /k\n']);
  });

  it('strips leading tabs from the body of <<-', async () => {
    const [e] = await execs(build('RUN <<-EOF\n\techo one > /k\n\tEOF\n'));
    expect(e!.op.exec!.meta!.args).toEqual(['/bin/sh', '-c', 'echo one > /k\n']);
  });

  it('hands a heredoc given to a command to the shell as written', async () => {
    const [e] = await execs(build("RUN cat <<'EOF' > /k\n$HOME\nEOF\n"));
    expect(e!.op.exec!.meta!.args).toEqual(['/bin/sh', '-c', "cat <<'EOF' > /k\n$HOME\nEOF\n"]);
  });

  it('runs a RUN that is one #! heredoc as an executable file mounted read-only at /dev/pipes/, as Docker does', async () => {
    const file = '#!/bin/sh -e\necho one > /k\n';
    const g = await buildGraph(input(build(`RUN <<EOF\n${file}EOF\n`), { resolveImage }));
    const ops = decodeDefinition(encodeDefinition(g.definition)).ops;
    const e = ops.find((o) => o.op.exec)!.op.exec!;
    expect(e.meta!.args).toEqual(['/bin/sh', '-c', '/dev/pipes/EOF']);
    const pipes = e.mounts!.find((m) => m.dest === '/dev/pipes/')!;
    expect(pipes).toMatchObject({ readonly: true });
    const doc = ops.find((o) => o.metadata.description?.['llb.customname'] === '[internal] preparing inline document')!.op.file!.actions![0]!.mkfile!;
    expect(doc).toMatchObject({ path: '/EOF', mode: 0o755 });
    expect(Buffer.from(doc.data!).toString()).toBe(file);
  });

  it('names a heredoc RUN by its first line, as Docker does', async () => {
    const [e] = await execs(build('RUN <<EOF\necho one\nEOF\n'));
    expect(e!.metadata.description?.['llb.customname']).toBe('[build 2/2] RUN <<EOF (echo one...)');
  });
});
