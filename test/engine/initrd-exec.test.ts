// punch build runs the initrd ExecOp in-process: the archive `punch initrd` writes from the same tree,
// the tools image never fetched, and any other ExecOp (a look-alike on another image too) refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import { writeTreeArchive } from '../../src/cpio/index.js';
import { executeDefinition, UnsupportedOpError, writeLayer, type ExecResult } from '../../src/engine/index.js';
import type { BaseImage } from '../../src/engine/types.js';
import { copy, encodeDefinition, image, marshal, scratch, type State } from '../../src/llb/index.js';
import { INITRD_ARGS, initrdEnv } from '../../src/initrd-builtin.js';
import { input } from '../convert/input.js';
import { initrdStepOf, plannerWithInitrd, type ItemSpec } from '../convert/initrd-plan.js';
import { readNewc } from '../cpio/read.js';
import { amd64, contentOf, FIXED_MTIME, makeDir, rootfsMap, tempDir } from './helpers.js';

const TOOLS = 'registry.example/punch:1';
const LABELS = 'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.initrd=/unikernel/initrd com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
const FILE = `#syntax=${TOOLS}\nFROM busybox AS files\nFROM scratch\nCOPY k /k\n${LABELS}`;

const ctx = (): string => makeDir({ k: 'kernel', 'rootfs/etc/nginx/nginx.conf': 'worker_processes 1;\n', 'rootfs/init': '#!/bin/sh\n', 'conf/app.conf': 'x=1\n' });

async function busybox(): Promise<BaseImage> {
  const meta = { mode: 0o755, uid: 1000, gid: 1000, mtime: 100 };
  const data = new TextEncoder().encode('owned');
  const blob = await writeLayer(
    [
      { path: 'home', node: { type: 'dir', meta: { ...meta, uid: 0, gid: 0 }, children: new Map() } },
      { path: 'home/u', node: { type: 'dir', meta, children: new Map() } },
      { path: 'home/u/f', node: { type: 'file', meta: { ...meta, mode: 0o600 }, size: data.length, content: { kind: 'bytes', data } } },
    ],
    { blobsDir: tempDir() },
  );
  return { layers: [blob], config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [blob.diffID] } } };
}

/** Plans the file with an initrd of `items`, and runs the graph as punch build does. */
async function run(items: ItemSpec[], dir: string, buildArgs: Record<string, string> = {}): Promise<{ result: ExecResult; fetched: string[] }> {
  const g = await buildGraph(input(FILE, { planner: plannerWithInitrd(FILE, initrdStepOf('/unikernel/initrd', items)), buildArgs }));
  const fetched: string[] = [];
  const result = await executeDefinition(encodeDefinition(g.definition), {
    locals: { context: dir },
    images: async (ref) => {
      fetched.push(ref);
      if (ref.startsWith('docker.io/library/busybox')) return busybox();
      throw new Error(`no image ${ref} in this test`);
    },
    workDir: tempDir(),
    platform: amd64,
    ...(g.toolsImage !== undefined ? { toolsImage: g.toolsImage } : {}),
  });
  return { result, fetched };
}

const archive = (r: ExecResult): Buffer => {
  const e = rootfsMap(r).get('/unikernel/initrd');
  expect(e).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
  return e!.content!.kind === 'file' ? readFileSync(e!.content!.path) : Buffer.from(e!.content!.data);
};

describe('the initrd ExecOp in punch build', () => {
  it('writes the bytes punch initrd writes for the same tree, without fetching the tools image', async () => {
    const dir = ctx();
    const epoch = FIXED_MTIME + 1000;
    const { result, fetched } = await run([{ source: 'rootfs', dest: '/' }], dir, { SOURCE_DATE_EPOCH: String(epoch) });
    const expected = join(tempDir(), 'expected.cpio');
    await writeTreeArchive(join(dir, 'rootfs'), expected, epoch, { epochDirs: true });
    expect(archive(result).equals(readFileSync(expected))).toBe(true);
    expect(fetched.filter((r) => r.includes('punch'))).toEqual([]);
  });

  it('stamps the directories an item creates with the epoch, and owns context files by root', async () => {
    const epoch = FIXED_MTIME + 1000;
    const { result } = await run([{ source: 'conf/app.conf', dest: '/etc/app/' }], ctx(), { SOURCE_DATE_EPOCH: String(epoch) });
    expect(readNewc(archive(result)).map((m) => [m.name, m.mode.toString(8), m.uid, m.gid, m.mtime])).toEqual([
      ['etc', '40755', 0, 0, epoch],
      ['etc/app', '40755', 0, 0, epoch],
      ['etc/app/app.conf', '100644', 0, 0, FIXED_MTIME],
    ]);
  });

  it('keeps the owners an image gives its files (a directory source copies its contents, as COPY does)', async () => {
    const { result } = await run([{ from: { kind: 'image', ref: 'docker.io/library/busybox:latest', written: 'busybox' }, source: '/home/u', dest: '/home/u' }], ctx());
    const ms = readNewc(archive(result));
    expect(ms.map((m) => [m.name, m.uid, m.gid, m.mtime])).toEqual([
      ['home', 0, 0, 0],
      ['home/u', 0, 0, 0], // made by the copy, as COPY makes its destination
      ['home/u/f', 1000, 1000, 0],
    ]);
    expect(ms[2]!.data.toString()).toBe('owned');
  });

  it('writes an archive of nothing but the trailer for no items', async () => {
    const { result } = await run([], ctx());
    const bytes = archive(result);
    expect(readNewc(bytes)).toEqual([]);
    expect(bytes.length).toBe(124); // the TRAILER!!! header, its name and padding
  });

  it('copies the archive in as one layer of the stage, after the COPY', async () => {
    const { result } = await run([{ source: 'rootfs', dest: '/' }], ctx());
    expect(result.layers.map((l) => l.kind === 'entries' && l.description)).toEqual(['[stage-1 1/2] COPY k /k', 'initrd /unikernel/initrd', '[punch] write /urunc.json']);
    expect(contentOf(rootfsMap(result).get('/k'))).toBe('kernel');
  });

  const lookalike = (tools: string) => {
    const out = image(tools, { platform: amd64 }).run({
      args: [...INITRD_ARGS],
      env: initrdEnv(0),
      cwd: '/',
      network: 'none',
      mounts: [{ target: '/in', readonly: true }, { target: '/out' }],
    });
    return scratch().file(copy(out.getMount('/out'), '/initrd', '/initrd'));
  };
  const exec = (state: State, toolsImage: string) =>
    executeDefinition(encodeDefinition(marshal(state, { platform: amd64 })), {
      locals: {},
      images: async (ref) => {
        throw new Error(`fetched ${ref}`);
      },
      workDir: tempDir(),
      platform: amd64,
      toolsImage,
    });

  it('runs the builtin on the graph’s tools image (the op alone, built by hand)', async () => {
    const r = await exec(lookalike('docker.io/library/punch:1'), 'docker.io/library/punch:1');
    expect(Buffer.from(archive2(r)).subarray(110, 120).toString()).toBe('TRAILER!!!');
  });

  it('refuses the same command on any other image, as a RUN', async () => {
    await expect(exec(lookalike('docker.io/library/evil:1'), 'docker.io/library/punch:1')).rejects.toThrow(UnsupportedOpError);
    await expect(exec(lookalike('docker.io/library/evil:1'), 'docker.io/library/punch:1')).rejects.toThrow(/does not run on punch's image docker\.io\/library\/punch:1/);
  });

  it('refuses another command on the tools image', async () => {
    const state = image(TOOLS, { platform: amd64 }).run({ args: ['sh', '-c', 'true'], network: 'none' }).root();
    await expect(exec(state, TOOLS)).rejects.toThrow(/punch build cannot execute RUN\/exec ops \(this one is not punch's initrd builtin: its command is not punch initrd\)/);
  });
});

function archive2(r: ExecResult): Uint8Array {
  const e = rootfsMap(r).get('/initrd')!;
  return e.content!.kind === 'file' ? readFileSync(e.content!.path) : e.content!.data;
}
