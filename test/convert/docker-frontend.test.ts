// Part 2 of llb-golden-exec.txt: what Docker's own Dockerfile frontend (dockerfile2llb, BuildKit
// v0.11.6) makes of typical RUN files, against punch's graph and config for the same file. Ops are
// compared by what they mean (progress names, the Dockerfile line each RUN carries, config fields);
// punch's own additions (urunc labels, /urunc.json) are left aside.
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../src/convert/api.js';
import { buildGraph } from '../../src/convert/index.js';
import { DEFAULT_PATH, decodeDefinition, encodeDefinition, metadataToJSON } from '../../src/llb/index.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { readGoldenCases, type GoldenCase } from '../llb/golden-file.js';
import { input } from './input.js';

const U = 'com.urunc.unikernel.';
const LABEL_IMAGE = `LABEL ${U}binary=/bin/busybox ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;
const LABEL_SCRATCH = `LABEL ${U}binary=/unikernel/kernel ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;
const COMMAND = 'com.docker.dockerfile.v1.command';

/** The fixture's stub resolver for "[config with one layer]": digest 0…01, one diff_id, and `config`. */
function resolver(config: ImageConfig['config'] = {}): () => Promise<ResolvedImage> {
  return async () => ({
    digest: `sha256:${'0'.repeat(63)}1`,
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(63)}2`] }, config },
  });
}

const golden = (letter: string): GoldenCase => readGoldenCases('llb-golden-exec.txt').find((c) => c.name.startsWith(`dockerfile ${letter}:`) && c.name.endsWith('[config with one layer]'))!;

type Description = Record<string, string>;
/** The descriptions of the RUN, COPY and WORKDIR ops, sorted: what Docker names and labels each step. */
function stepDescriptions(descriptions: Description[]): Description[] {
  return descriptions.filter((d) => / (RUN|COPY|WORKDIR) /.test(d['llb.customname'] ?? '')).sort((a, b) => (a['llb.customname']! < b['llb.customname']! ? -1 : 1));
}

const goldenDescriptions = (c: GoldenCase): Description[] => stepDescriptions(c.ops.map((o) => (JSON.parse(o.meta) as { description?: Description }).description ?? {}));

async function punchDescriptions(file: string, config?: ImageConfig['config']): Promise<Description[]> {
  const g = await buildGraph(input(file, { resolveImage: resolver(config) }));
  return stepDescriptions(decodeDefinition(encodeDefinition(g.definition)).ops.map((o) => (metadataToJSON(o.metadata).description as Description | undefined) ?? {}));
}

const configOf = async (file: string, config?: ImageConfig['config']): Promise<ImageConfig> => (await buildGraph(input(file, { resolveImage: resolver(config) }))).config;
const dockerImage = (c: GoldenCase): { config: Record<string, unknown> } => JSON.parse(c.image!) as { config: Record<string, unknown> };

describe("progress names and Dockerfile lines, as Docker's frontend gives them", () => {
  it.each([
    ['a', 'a build stage (WORKDIR, RUN with ARG and ENV) and a scratch stage that copies from it', LABEL_SCRATCH],
    ['b', 'one stage with a RUN --mount, which Docker names stage-0', LABEL_IMAGE],
    ['c', 'one stage with bind, network, secret and tmpfs RUNs', LABEL_IMAGE],
    ['d', 'a heredoc RUN and a heredoc COPY', LABEL_IMAGE],
    ['e', 'a RUN through SHELL', LABEL_IMAGE],
  ])('case %s: %s', async (letter, _what, labels) => {
    const c = golden(letter);
    expect(await punchDescriptions(c.dockerfile! + labels)).toEqual(goldenDescriptions(c));
  });
});

describe("the image config, as Docker's frontend makes it", () => {
  it('gives a stage whose image base has no PATH the default PATH (case b)', async () => {
    const c = golden('b');
    expect((await configOf(c.dockerfile! + LABEL_IMAGE)).config.Env).toEqual(dockerImage(c).config['Env']);
    expect(dockerImage(c).config['Env']).toEqual([`PATH=${DEFAULT_PATH}`]);
  });

  it("keeps the base image's own PATH", async () => {
    expect((await configOf(`FROM busybox\nENV A=1\n${LABEL_IMAGE}`, { Env: ['PATH=/bin'] })).config.Env).toEqual(['PATH=/bin', 'A=1']);
  });

  it('records SHELL in the config (case e)', async () => {
    const c = golden('e');
    expect((await configOf(c.dockerfile! + LABEL_IMAGE)).config.Shell).toEqual(dockerImage(c).config['Shell']);
  });

  it('records USER (case b)', async () => {
    const c = golden('b');
    expect((await configOf(c.dockerfile! + LABEL_IMAGE)).config.User).toEqual(dockerImage(c).config['User']);
  });

  it('leaves the default PATH out of a FROM scratch image (punch: a unikernel image; the runtime adds it to the process env)', async () => {
    const c = golden('a');
    expect(dockerImage(c).config['Env']).toEqual([`PATH=${DEFAULT_PATH}`]);
    const cfg = await configOf(c.dockerfile! + LABEL_SCRATCH);
    expect(cfg.config.Env).toBeUndefined();
    expect(cfg.config.WorkingDir).toBe(dockerImage(c).config['WorkingDir']);
  });
});

describe("the base image's Shell and WorkingDir", () => {
  const execOf = async (file: string, config: ImageConfig['config']) => {
    const g = await buildGraph(input(`FROM busybox\n${file}${LABEL_IMAGE}`, { resolveImage: resolver(config) }));
    return decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.exec)!.op.exec!.meta!;
  };

  it("runs a shell-form RUN through the base image's Shell when the stage sets none", async () => {
    expect((await execOf('RUN echo hi > /a\n', { Shell: ['/bin/ash', '-eo', 'pipefail', '-c'] })).args).toEqual(['/bin/ash', '-eo', 'pipefail', '-c', 'echo hi > /a']);
  });

  it("writes the base image's Shell into RUN's history", async () => {
    const cfg = await configOf(`FROM busybox\nRUN true\n${LABEL_IMAGE}`, { Shell: ['/bin/ash', '-c'] });
    expect(cfg.history?.map((h) => h.created_by)).toContain('RUN /bin/ash -c true # buildkit');
  });

  it("prefers the stage's own SHELL over the base image's", async () => {
    expect((await execOf('SHELL ["/bin/sh", "-xc"]\nRUN true\n', { Shell: ['/bin/ash', '-c'] })).args).toEqual(['/bin/sh', '-xc', 'true']);
  });

  it("runs RUN in the base image's WorkingDir", async () => {
    expect((await execOf('RUN pwd > /a\n', { WorkingDir: '/srv' })).cwd).toBe('/srv');
  });

  it("starts a relative WORKDIR from the base image's WorkingDir", async () => {
    const meta = await execOf('WORKDIR app\nRUN pwd > /a\n', { WorkingDir: '/srv' });
    expect(meta.cwd).toBe('/srv/app');
    expect((await configOf(`FROM busybox\nWORKDIR app\n${LABEL_IMAGE}`, { WorkingDir: '/srv' })).config.WorkingDir).toBe('/srv/app');
  });

  it("resolves a relative COPY destination against the base image's WorkingDir", async () => {
    const g = await buildGraph(input(`FROM busybox\nCOPY k conf/\n${LABEL_IMAGE}`, { resolveImage: resolver({ WorkingDir: '/srv' }) }));
    const copy = decodeDefinition(encodeDefinition(g.definition)).ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.copy?.src === '/k')!.copy!;
    expect(copy.dest).toBe('/srv/conf/');
  });

  it('names the Dockerfile line each RUN op carries as written, variables unexpanded', async () => {
    const g = await buildGraph(input(`FROM busybox\nARG V=1\nRUN --network=none echo $V > /a\n${LABEL_IMAGE}`, { resolveImage: resolver() }));
    const run = decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.exec)!;
    expect(run.metadata.description?.[COMMAND]).toBe('RUN --network=none echo $V > /a');
    expect(run.metadata.description?.['llb.customname']).toBe('[2/2] RUN --network=none echo 1 > /a');
  });

  it('shows a RUN with its quotes and unset variables as written, as Docker prints it', async () => {
    const g = await buildGraph(input(`FROM busybox\nARG V=1\nRUN echo "$V" '$V' $UNSET > /a\n${LABEL_IMAGE}`, { resolveImage: resolver() }));
    const run = decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.exec)!;
    expect(run.metadata.description?.['llb.customname']).toBe(`[2/2] RUN echo "1" '$V' $UNSET > /a`);
  });
});
