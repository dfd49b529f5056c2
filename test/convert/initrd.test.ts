// The initrd step in the graph: a FileOp gathering the items, ONE ExecOp of `punch initrd` on the tools
// image (tree read-only at /in, scratch /out, no network), and a FileOp copying the archive in.
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../src/convert/api.js';
import { buildGraph } from '../../src/convert/index.js';
import { PunchError } from '../../src/diagnostics.js';
import { decodeDefinition, encodeDefinition, opToJSON, type DecodedOp } from '../../src/llb/index.js';
import { amd64, input } from './input.js';
import { initrdStepOf, plannerWithInitrd, type ItemSpec } from './initrd-plan.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.initrd=/unikernel/initrd com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
const FILE = `#syntax=registry.example/punch:1\nFROM scratch AS files\nCOPY etc /etc\nFROM scratch\nCOPY k /k\n${LABELS}`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const arm64 = { os: 'linux', architecture: 'arm64' };

async function ops(items: ItemSpec[], over: Parameters<typeof input>[1] = {}, text = FILE): Promise<{ ops: DecodedOp[]; byDigest: Map<string, DecodedOp>; toolsImage: string | undefined }> {
  const g = await buildGraph(input(text, { planner: plannerWithInitrd(text, initrdStepOf('/unikernel/initrd', items)), ...over }));
  const d = decodeDefinition(encodeDefinition(g.definition));
  return { ops: d.ops, byDigest: d.byDigest, toolsImage: g.toolsImage };
}
const exec = (os: DecodedOp[]): DecodedOp => {
  const e = os.filter((o) => o.op.exec);
  expect(e).toHaveLength(1);
  return e[0]!;
};
const inputOp = (g: { byDigest: Map<string, DecodedOp> }, op: DecodedOp, i: number): DecodedOp => g.byDigest.get(op.op.inputs![i]!.digest!)!;

describe('initrd step → LLB', () => {
  it('runs punch initrd over /in into /out, as root, in /, with PATH and SOURCE_DATE_EPOCH=0 and no network', async () => {
    const e = exec((await ops([{ source: 'rootfs', dest: '/' }])).ops);
    expect(json(e).exec.meta).toEqual({
      args: ['node', '/punch/punch.cjs', 'initrd', '--keep-owner', '--epoch-dirs', '/in', '-o', '/out/initrd'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'SOURCE_DATE_EPOCH=0'],
      cwd: '/',
      removeMountStubsRecursive: true,
    });
    expect(json(e).exec.network).toBe(2); // NetMode.NONE
    expect(e.metadata.description?.['llb.customname']).toBe('[punch] initrd /unikernel/initrd: write the archive');
  });

  it('mounts the tools image at /, the gathered tree read-only at /in, and an empty /out as its one wanted output', async () => {
    const g = await ops([{ source: 'rootfs', dest: '/' }]);
    const e = exec(g.ops);
    expect(json(e).exec.mounts).toEqual([
      { input: 0, dest: '/', output: 0 },
      { input: 1, dest: '/in', output: -1, readonly: true },
      { input: -1, dest: '/out', output: 1 },
    ]);
    expect(inputOp(g, e, 0).op.source!.identifier).toBe('docker-image://registry.example/punch:1');
    expect(inputOp(g, e, 1).op.file!.actions![0]!.copy).toMatchObject({ src: '/rootfs', dest: '/', dirCopyContents: true, createDestPath: true, followSymlink: true });
  });

  it('gives context files to root (0:0) and keeps the owners of a stage’s files', async () => {
    const g = await ops([{ source: 'conf', dest: '/etc/app/' }, { from: { kind: 'stage', stage: 0 }, source: '/etc', dest: '/etc' }]);
    const gather = json(inputOp(g, exec(g.ops), 1)).file.actions.map((a: { Action: { copy: Json } }) => a.Action.copy);
    expect(gather.map((c: Json) => [c.src, c.dest, c.owner])).toEqual([
      ['/conf', '/etc/app/', { user: { User: {} }, group: { User: {} } }], // ByID 0 (Go's JSON omits the zero)
      ['/etc', '/etc', undefined],
    ]);
    expect(gather.every((c: Json) => c.allowEmptyWildcard === undefined)).toBe(true);
  });

  it('copies /out/initrd to the destination as a 0644 root file stamped with the epoch', async () => {
    const g = await ops([{ source: 'rootfs', dest: '/' }], { buildArgs: { SOURCE_DATE_EPOCH: '1700000000' } });
    const e = exec(g.ops);
    expect(e.op.exec!.meta!.env).toContain('SOURCE_DATE_EPOCH=1700000000');
    const write = g.ops.find((o) => o.metadata.description?.['llb.customname'] === 'initrd /unikernel/initrd')!;
    const action = json(write).file.actions[0];
    expect(action.Action.copy).toEqual({
      src: '/initrd',
      dest: '/unikernel/initrd',
      owner: { user: { User: {} }, group: { User: {} } },
      mode: 0o644,
      createDestPath: true,
      timestamp: '1700000000000000000', // the JSON view keeps an int64 past 2^53 exact as a string
    });
    expect((opToJSON(write.op) as Json).inputs[action.secondaryInput]).toEqual({ digest: e.digest, index: 1 });
  });

  it('mounts scratch at /in for an initrd of no files', async () => {
    const e = exec((await ops([])).ops);
    expect(json(e).exec.mounts[1]).toEqual({ input: -1, dest: '/in', output: -1, readonly: true });
  });

  it('runs the tools image for the builder’s platform when the target is another', async () => {
    const g = await ops([{ source: 'rootfs', dest: '/' }], { platform: arm64 });
    const e = exec(g.ops);
    expect(e.op.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    expect(inputOp(g, e, 0).op.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
  });

  it('pins the tools image by the digest its resolution gives, when asked to', async () => {
    const seen: string[] = [];
    const resolveImage = async (ref: string): Promise<ResolvedImage> => (seen.push(ref), { digest: DIGEST });
    const g = await ops([{ source: 'rootfs', dest: '/' }], { resolveImage, pinToolsImage: true });
    expect(inputOp(g, exec(g.ops), 0).op.source!.identifier).toBe(`docker-image://registry.example/punch:1@${DIGEST}`);
    expect(g.toolsImage).toBe(`registry.example/punch:1@${DIGEST}`);
    expect(seen).toEqual(['registry.example/punch:1']);
  });

  it('resolves nothing for the tools image unless asked to (punch build runs the op in-process)', async () => {
    const seen: string[] = [];
    const resolveImage = async (ref: string): Promise<ResolvedImage> => (seen.push(ref), { digest: DIGEST });
    const g = await ops([{ source: 'rootfs', dest: '/' }], { resolveImage });
    expect(g.toolsImage).toBe('registry.example/punch:1');
    expect(seen).toEqual([]);
  });

  it('asks the context for the items’ files', async () => {
    const g = await ops([{ source: 'rootfs', dest: '/' }, { source: 'conf/app.conf', dest: '/etc/' }]);
    const local = g.ops.find((o) => o.op.source?.identifier === 'local://context')!;
    expect(local.op.source!.attrs!['local.includepattern']).toBe('["conf/app.conf","k","rootfs"]');
  });

  it('is the same graph for the same plan (deterministic bytes)', async () => {
    const a = await buildGraph(input(FILE, { planner: plannerWithInitrd(FILE, initrdStepOf('/unikernel/initrd', [{ source: 'rootfs', dest: '/' }])) }));
    const b = await buildGraph(input(FILE, { planner: plannerWithInitrd(FILE, initrdStepOf('/unikernel/initrd', [{ source: 'rootfs', dest: '/' }])) }));
    expect(Buffer.from(encodeDefinition(a.definition)).equals(Buffer.from(encodeDefinition(b.definition)))).toBe(true);
  });

  it('refuses a SOURCE_DATE_EPOCH that is not a whole number of seconds', async () => {
    const e = await ops([], { buildArgs: { SOURCE_DATE_EPOCH: 'yesterday' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PunchError);
    expect((e as PunchError).diagnostics[0]!.message).toMatch(/^build argument SOURCE_DATE_EPOCH=yesterday is not a whole number of seconds since 1970/);
  });

  it('has no tools image, and asks for none, without an initrd step', async () => {
    const text = FILE.replace(' com.urunc.unikernel.initrd=/unikernel/initrd', '');
    const g = await buildGraph(input(text, { defaultPlatform: amd64 }));
    expect(g.toolsImage).toBeUndefined();
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
/** Go's JSON of the op's body (`exec`, `file`, `source`), as llb-golden.txt prints it. */
function json(o: DecodedOp): Json {
  return (opToJSON(o.op) as Json).Op;
}
