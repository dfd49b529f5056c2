import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import type { BuildInput, ResolvedImage } from '../../src/convert/api.js';
import { PunchError } from '../../src/diagnostics.js';
import { decodeDefinition, encodeDefinition } from '../../src/llb/index.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { parseUruncJson } from '../../src/urunc/index.js';
import type { Platform } from '../../src/platform.js';
import { amd64, input } from './input.js';


const unikraft = `FROM scratch
COPY kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel \\
      com.urunc.unikernel.unikernelType=unikraft \\
      com.urunc.unikernel.hypervisor=qemu
CMD ["nginx", "-c", "/nginx.conf"]
`;

function ops(graph: Awaited<ReturnType<typeof buildGraph>>) {
  return decodeDefinition(encodeDefinition(graph.definition)).ops;
}

function sourceOps(graph: Awaited<ReturnType<typeof buildGraph>>) {
  return ops(graph).flatMap((o) => (o.op.source ? [{ id: o.op.source.identifier, attrs: o.op.source.attrs ?? {}, platform: o.op.platform }] : []));
}

function uruncJson(graph: Awaited<ReturnType<typeof buildGraph>>): Record<string, string> {
  const data = ops(graph)
    .flatMap((o) => o.op.file?.actions ?? [])
    .find((a) => a.mkfile?.path === '/urunc.json')?.mkfile?.data;
  const parsed = parseUruncJson(data!);
  if ('error' in parsed) throw new Error(String(parsed.error));
  return parsed as Record<string, string>;
}

function baseConfig(config: ImageConfig['config']): ImageConfig {
  return { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } };
}

describe('buildGraph', () => {
  it('writes /urunc.json with every urunc label, including the cmdline derived from CMD', async () => {
    const g = await buildGraph(input(unikraft));
    expect(uruncJson(g)).toEqual({
      'com.urunc.unikernel.binary': '/unikernel/kernel',
      'com.urunc.unikernel.cmdline': 'nginx -c /nginx.conf',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
  });

  it('gives the manifest annotations the same raw values as urunc.json', async () => {
    const g = await buildGraph(input(unikraft));
    expect(g.annotations).toEqual(uruncJson(g));
  });

  it('sets the config Cmd from CMD and keeps labels sorted', async () => {
    const g = await buildGraph(input(unikraft));
    expect(g.config.config.Cmd).toEqual(['nginx', '-c', '/nginx.conf']);
    expect(Object.keys(g.config.config.Labels!)).toEqual([...Object.keys(g.config.config.Labels!)].sort());
    expect(g.config.os).toBe('linux');
    expect(g.config.architecture).toBe('amd64');
  });

  it('sets Cmd from a cmdline label when there is no CMD', async () => {
    const text = unikraft.replace('CMD ["nginx", "-c", "/nginx.conf"]', 'LABEL com.urunc.unikernel.cmdline="redis-server /conf"');
    const g = await buildGraph(input(text));
    expect(g.config.config.Cmd).toEqual(['redis-server', '/conf']);
  });

  it('lists binary, initrd and block as artifacts to check after the solve', async () => {
    const text = unikraft.replace('FROM scratch', 'FROM scratch\nCOPY initrd /unikernel/initrd').replace(
      'com.urunc.unikernel.hypervisor=qemu',
      'com.urunc.unikernel.hypervisor=qemu com.urunc.unikernel.initrd=/unikernel/initrd',
    );
    const g = await buildGraph(input(text));
    expect(g.artifacts.map((a) => [a.key, a.path, a.origin])).toEqual([
      ['com.urunc.unikernel.binary', '/unikernel/kernel', 'file'],
      ['com.urunc.unikernel.initrd', '/unikernel/initrd', 'file'],
    ]);
  });

  it('points each artifact at the label that names it', async () => {
    const g = await buildGraph(input(unikraft));
    expect(g.artifacts[0]!.range.start).toEqual({ line: 3, col: 7 });
  });

  it('points an artifact set by --label at the final FROM', async () => {
    const g = await buildGraph(input(unikraft.replace('COPY kernel /unikernel/kernel', 'COPY kernel /k'), { labels: { 'com.urunc.unikernel.binary': '/k' } }));
    expect(g.artifacts[0]).toMatchObject({ path: '/k', origin: 'cli', range: { start: { line: 1, col: 1 } } });
  });

  it('transfers only the context files that COPY names', async () => {
    const g = await buildGraph(input(unikraft));
    const ctx = sourceOps(g).find((s) => s.id === 'local://context')!;
    expect(ctx.attrs['local.includepattern']).toBe('["kernel"]');
    expect(ctx.attrs['local.session']).toBe('SESSION');
  });

  it('transfers the whole context when a COPY names its root', async () => {
    const g = await buildGraph(input(unikraft.replace('COPY kernel /unikernel/kernel', 'COPY . /unikernel/')));
    const ctx = sourceOps(g).find((s) => s.id === 'local://context')!;
    expect(ctx.attrs['local.includepattern']).toBeUndefined();
  });

  it('passes .dockerignore patterns as excludes of the context', async () => {
    const g = await buildGraph(input(unikraft, { context: { name: 'context', excludePatterns: ['*.log'], unique: 'u1' } }));
    const ctx = sourceOps(g).find((s) => s.id === 'local://context')!;
    expect(ctx.attrs['local.excludepatterns']).toBe('["*.log"]');
    expect(ctx.attrs['local.unique']).toBe('u1');
  });

  it('emits the same bytes for the same input', async () => {
    const a = encodeDefinition((await buildGraph(input(unikraft))).definition);
    const b = encodeDefinition((await buildGraph(input(unikraft))).definition);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('throws a PunchError naming the line of an unsupported instruction', async () => {
    await expect(buildGraph(input('FROM scratch\nRUN make\n'))).rejects.toBeInstanceOf(PunchError);
  });

  it('resolves a Unikraft image base for qemu/<arch> and pins its digest, keeping linux/amd64 for the image', async () => {
    const asked: Array<{ ref: string; platform: Platform }> = [];
    const resolveImage = async (ref: string, platform: Platform): Promise<ResolvedImage> => {
      asked.push({ ref, platform });
      return { digest: `sha256:${'a'.repeat(64)}`, config: baseConfig({ Env: ['PATH=/bin'] }) };
    };
    const text = 'FROM unikraft.org/nginx:1.15\nLABEL com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
    const g = await buildGraph(input(text, { resolveImage }));
    expect(asked).toEqual([{ ref: 'unikraft.org/nginx:1.15', platform: { os: 'qemu', architecture: 'amd64' } }]);
    const img = sourceOps(g).find((s) => s.id?.startsWith('docker-image://'))!;
    expect(img.id).toBe(`docker-image://unikraft.org/nginx:1.15@sha256:${'a'.repeat(64)}`);
    expect(img.platform).toMatchObject({ OS: 'qemu', Architecture: 'amd64' });
    expect(g.urunc['com.urunc.unikernel.binary']).toBe('/unikraft/bin/kernel');
    expect(g.config.os).toBe('linux');
    expect(g.config.config.Env).toEqual(['PATH=/bin']);
  });

  it('resolves a firecracker Unikraft base for fc/<arch>', async () => {
    const asked: Platform[] = [];
    const resolveImage = async (_ref: string, platform: Platform): Promise<ResolvedImage> => {
      asked.push(platform);
      return {};
    };
    const text = 'FROM unikraft.org/nginx:1.15\nLABEL com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=firecracker\n';
    await buildGraph(input(text, { resolveImage }));
    expect(asked).toEqual([{ os: 'fc', architecture: 'amd64' }]);
  });

  it('keeps FROM --platform over the Unikraft rule', async () => {
    const asked: Platform[] = [];
    const resolveImage = async (_ref: string, platform: Platform): Promise<ResolvedImage> => {
      asked.push(platform);
      return {};
    };
    const text = 'FROM --platform=xen/amd64 unikraft.org/nginx:1.15\nLABEL com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
    await buildGraph(input(text, { resolveImage }));
    expect(asked).toEqual([{ os: 'xen', architecture: 'amd64' }]);
  });

  it('inherits the base image Env, Entrypoint and labels, then applies the file and --label', async () => {
    const resolveImage = async (): Promise<ResolvedImage> => ({
      config: baseConfig({ Env: ['A=1', 'PATH=/bin'], Entrypoint: ['/init'], Labels: { base: 'yes', 'com.urunc.unikernel.hypervisor': 'qemu' } }),
    });
    const text = 'FROM example.org/base:1\nENV B=2\nLABEL com.urunc.unikernel.unikernelType=linux com.urunc.unikernel.binary=/k\n';
    const g = await buildGraph(input(text, { resolveImage, labels: { extra: 'cli' } }));
    expect(g.config.config.Env).toEqual(['A=1', 'PATH=/bin', 'B=2']);
    expect(g.config.config.Entrypoint).toEqual(['/init']);
    expect(g.config.config.Labels).toMatchObject({ base: 'yes', extra: 'cli', 'com.urunc.unikernel.hypervisor': 'qemu' });
  });

  it('lets --label override a file label in urunc.json', async () => {
    const g = await buildGraph(input(unikraft, { labels: { 'com.urunc.unikernel.hypervisor': 'firecracker' } }));
    expect(uruncJson(g)['com.urunc.unikernel.hypervisor']).toBe('firecracker');
  });

  it('builds only the stages the target needs', async () => {
    const text = `FROM scratch AS unused
COPY other /other
FROM scratch AS parts
COPY kernel /kernel
FROM scratch
COPY --from=parts /kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu
`;
    const g = await buildGraph(input(text));
    const ctx = sourceOps(g).find((s) => s.id === 'local://context')!;
    expect(ctx.attrs['local.includepattern']).toBe('["kernel"]');
  });

  it('warns about a build arg that no ARG declares', async () => {
    const g = await buildGraph(input(unikraft, { buildArgs: { VERSION: '1' } }));
    expect(g.diagnostics.map((d) => d.message)).toEqual(['build argument VERSION was given but no ARG declares it']);
  });

  it('does not warn about BUILDKIT_SYNTAX and the other BUILDKIT_* args that steer BuildKit, not the file', async () => {
    const buildArgs = { BUILDKIT_SYNTAX: 'registry.example/punch:1', BUILDKIT_INLINE_CACHE: '1' };
    const g = await buildGraph(input(unikraft, { buildArgs }));
    expect(g.diagnostics).toEqual([]);
  });
});

describe('image config from ENV', () => {
  it('keeps a redefined variable in its place, as Docker does', async () => {
    const text = `${unikraft}ENV A=1 B=2\nENV A=3\n`;
    const g = await buildGraph(input(text));
    expect(g.config.config.Env).toEqual(['A=3', 'B=2']);
  });
});

describe('a urunc image as the base', () => {
  const base = async (): Promise<ResolvedImage> => ({
    config: baseConfig({
      Cmd: ['nginx', '-c', '/a.conf'],
      Labels: {
        'com.urunc.unikernel.binary': '/k',
        'com.urunc.unikernel.unikernelType': 'unikraft',
        'com.urunc.unikernel.hypervisor': 'qemu',
        'com.urunc.unikernel.cmdline': 'nginx -c /a.conf',
      },
    }),
  });

  it('derives cmdline from a new CMD instead of keeping the base one', async () => {
    const g = await buildGraph(input('FROM example.org/nginx-uk:1\nCMD ["nginx", "-c", "/b.conf"]\n', { resolveImage: base }));
    expect(g.urunc['com.urunc.unikernel.cmdline']).toBe('nginx -c /b.conf');
    expect(g.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
  });

  it('keeps the base cmdline when the command is inherited too', async () => {
    const g = await buildGraph(input('FROM example.org/nginx-uk:1\nLABEL extra=1\n', { resolveImage: base }));
    expect(g.urunc['com.urunc.unikernel.cmdline']).toBe('nginx -c /a.conf');
    expect(g.config.config.Cmd).toEqual(['nginx', '-c', '/a.conf']);
  });
});

describe('--no-cache', () => {
  const multi = `FROM scratch AS parts
COPY kernel /kernel
FROM scratch
COPY --from=parts /kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu
`;
  const ignored = (g: Awaited<ReturnType<typeof buildGraph>>) =>
    ops(g)
      .filter((o) => o.metadata.ignore_cache)
      .map((o) => (o.metadata.description as Record<string, string> | undefined)?.['llb.customname']);

  it('marks every op to be re-run when given for all stages, and declares the cap', async () => {
    const g = await buildGraph(input(multi, { noCache: true }));
    expect(ignored(g)).toEqual(['[internal] load build context', '[parts 1/1] COPY kernel /kernel', '[stage-1 1/1] COPY --from=parts /kernel /unikernel/kernel', '[punch] write /urunc.json']);
    expect(ops(g).at(-1)!.metadata.caps).toMatchObject({ 'meta.ignorecache': true });
  });

  it('marks only the named stages when given stage names', async () => {
    const g = await buildGraph(input(multi, { noCache: ['parts'] }));
    expect(ignored(g)).toEqual(['[parts 1/1] COPY kernel /kernel']);
  });

  it('marks nothing without it', async () => {
    expect(ignored(await buildGraph(input(multi)))).toEqual([]);
  });
});
