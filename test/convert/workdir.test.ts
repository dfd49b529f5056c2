// WORKDIR in the graph: Docker's frontend makes the directory at the WORKDIR line (a FileOp mkdir,
// parents too, 0755, owned by the USER in effect), whether or not a RUN follows.
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../src/convert/api.js';
import { buildGraph } from '../../src/convert/index.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { decodeDefinition, encodeDefinition, type DecodedOp } from '../../src/llb/index.js';
import { input } from './input.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
const resolver =
  (config: ImageConfig['config'] = {}) =>
  async (): Promise<ResolvedImage> => ({ digest: `sha256:${'0'.repeat(63)}1`, config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(63)}2`] }, config } });

/** The mkdir FileOps WORKDIR made, in graph order. */
async function mkdirs(text: string, base?: ImageConfig['config']): Promise<DecodedOp[]> {
  const g = await buildGraph(input(text, { resolveImage: resolver(base) }));
  return decodeDefinition(encodeDefinition(g.definition)).ops.filter((o) => o.metadata.description?.['llb.customname']?.includes('WORKDIR'));
}
const mkdirOf = (o: DecodedOp) => o.op.file!.actions![0]!.mkdir!;
const names = (ops: DecodedOp[]) => ops.map((o) => o.metadata.description?.['llb.customname']);
const stage = (lines: string): string => `FROM busybox AS build\n${lines}FROM scratch\nCOPY --from=build /k /k\n${LABELS}`;

describe('WORKDIR in the graph', () => {
  it('makes the directory, with its parents, 0755, even when no RUN follows', async () => {
    const [op] = await mkdirs(stage('WORKDIR /srv/app\n'));
    expect(mkdirOf(op!)).toMatchObject({ path: '/srv/app', mode: 0o755, makeParents: true });
  });

  it('leaves the directory root-owned (no chown) when no USER is in effect', async () => {
    const [op] = await mkdirs(stage('WORKDIR /srv\n'));
    expect(mkdirOf(op!).owner).toBeFalsy();
  });

  it('owns the directory by the USER name set before it, looked up in the stage itself', async () => {
    const [op] = await mkdirs(stage('USER app\nWORKDIR /home/app\n'));
    expect(mkdirOf(op!).owner).toMatchObject({ user: { byName: { name: 'app' } } });
    expect(mkdirOf(op!).owner?.group).toBeFalsy();
  });

  it('owns the directory by a USER uid:gid set before it', async () => {
    const [op] = await mkdirs(stage('USER 1000:1001\nWORKDIR /w\n'));
    expect(mkdirOf(op!).owner).toMatchObject({ user: { byID: 1000 }, group: { byID: 1001 } });
  });

  it("owns the directory by the base image's User when the stage sets none", async () => {
    const [op] = await mkdirs(stage('WORKDIR /w\n'), { User: 'nobody:nogroup' });
    expect(mkdirOf(op!).owner).toMatchObject({ user: { byName: { name: 'nobody' } }, group: { byName: { name: 'nogroup' } } });
  });

  it('reports a USER with an empty user or group at the WORKDIR line, before anything is solved', async () => {
    await expect(mkdirs(stage('USER 1000:\nWORKDIR /w\n'))).rejects.toThrow('Containerfile:3:1: error: WORKDIR /w is made as USER "1000:", which has an empty user or group');
  });

  it('makes one op per WORKDIR, named and numbered as Docker prints them (relative as written)', async () => {
    const ops = await mkdirs(stage('WORKDIR /a\nWORKDIR b\nRUN touch /k\n'));
    expect(names(ops)).toEqual(['[build 2/4] WORKDIR /a', '[build 3/4] WORKDIR b']);
    expect(ops.map((o) => mkdirOf(o).path)).toEqual(['/a', '/a/b']);
  });

  it('makes no op for WORKDIR /, which still counts in the step total', async () => {
    const g = await buildGraph(input(stage('WORKDIR /\nRUN touch /k\n'), { resolveImage: resolver() }));
    const ops = decodeDefinition(encodeDefinition(g.definition)).ops;
    expect(ops.filter((o) => o.op.file?.actions?.[0]?.mkdir)).toEqual([]);
    expect(ops.map((o) => o.metadata.description?.['llb.customname'])).toContain('[build 2/3] RUN touch /k');
  });

  it('makes the directory in a FROM scratch final stage too', async () => {
    const ops = await mkdirs(`FROM scratch\nCOPY k /k\nWORKDIR /data\n${LABELS}`);
    expect(ops.map((o) => mkdirOf(o).path)).toEqual(['/data']);
  });

  it("records the WORKDIR's line in the Definition's source map, so the engine's error names it", async () => {
    const g = await buildGraph(input(stage('\nWORKDIR /w\n'), { resolveImage: resolver() }));
    const op = decodeDefinition(encodeDefinition(g.definition)).ops.find((o) => o.op.file?.actions?.[0]?.mkdir)!;
    const range = g.definition.source?.locations?.[op.digest]?.locations?.[0]?.ranges?.[0];
    expect([range?.start?.line, range?.end?.line]).toEqual([3, 3]);
  });
});
