// The initrd step on every engine: the ExecOp of `punch initrd` on punch's own image, solved by BuildKit
// (the graph sent as `punch llb` would print it, through the test llb frontend), gives the same archive
// bytes as punch build's in-process run of the same graph; and a Containerfile stage FROM the punch
// image runs `punch initrd` from PATH. Archives are read back with GNU cpio and bsdcpio.
// The graph comes from the Plan API (a Containerfile plan plus an initrd step), as a bunnyfile's will.
import { spawnSync } from 'node:child_process';
import { chmodSync, lutimesSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildGraph, type BuildGraph } from '../../src/convert/index.js';
import { writeTreeArchive } from '../../src/cpio/index.js';
import { executeDefinition, listRootfs } from '../../src/engine/index.js';
import { encodeDefinition } from '../../src/llb/index.js';
import { input } from '../convert/input.js';
import { initrdStepOf, plannerWithInitrd, type ItemSpec } from '../convert/initrd-plan.js';
import { dockerBuild, e2e, imageRootfs, makeContext, onEachEngine } from './engine.js';
import { llbFrontend } from './llb-frontend.js';
import { punchBuildOk, syntaxLine } from './frontend-support.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.initrd=/unikernel/initrd com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
// Stage 0 gives files an owner (1000:1000) the archive must keep; the context's files are root's.
const FILE = `FROM scratch AS owned\nCOPY --chown=1000:1000 data /srv/data\nFROM scratch\nCOPY k /k\n${LABELS}`;
const ITEMS: ItemSpec[] = [
  { source: 'rootfs', dest: '/' },
  { source: 'conf/app.conf', dest: '/etc/app/' },
  { from: { kind: 'stage', stage: 0 }, source: '/srv', dest: '/srv' },
];
const OLD = 1_600_000_000;

function context(): string {
  const dir = makeContext({
    k: 'kernel\n',
    'rootfs/etc/nginx/nginx.conf': 'worker_processes 1;\n',
    'rootfs/init': '#!/bin/sh\nexec nginx\n',
    'rootfs/big.bin': Buffer.alloc(1024 * 1024 + 3, 0x5a),
    'conf/app.conf': 'x=1\n',
    'data/blob': 'owned by 1000\n',
  });
  chmodSync(join(dir, 'rootfs', 'init'), 0o755);
  symlinkSync('init', join(dir, 'rootfs', 'sbin-init'));
  lutimesSync(join(dir, 'rootfs', 'sbin-init'), OLD, OLD);
  for (const p of ['rootfs/etc/nginx/nginx.conf', 'rootfs/init', 'rootfs/big.bin', 'conf/app.conf', 'data/blob', 'rootfs/etc/nginx', 'rootfs/etc', 'data']) utimesSync(join(dir, p), OLD, OLD);
  return dir;
}

async function graph(buildArgs: Record<string, string> = {}): Promise<BuildGraph> {
  const text = `${syntaxLine()}${FILE}`;
  return buildGraph(input(text, { planner: plannerWithInitrd(text, initrdStepOf('/unikernel/initrd', ITEMS)), buildArgs, context: { name: 'context', excludePatterns: [] } }));
}

/** The graph solved by BuildKit unchanged (as `punch llb | buildctl build` would), its archive read from the image. */
async function solvedByBuildKit(g: BuildGraph, dir: string, tag: string): Promise<Buffer> {
  const llb = mkdtempSync(join(e2e().scratchDir, 'llb-'));
  writeFileSync(join(llb, 'Dockerfile'), `#syntax=${await llbFrontend()}\n`);
  writeFileSync(join(llb, 'definition.pb'), encodeDefinition(g.definition));
  writeFileSync(join(llb, 'config.json'), JSON.stringify(g.config));
  const r = await dockerBuild({ context: dir, file: join(llb, 'Dockerfile'), tag, timeoutMs: 10 * 60_000 });
  expect(r.code, r.stderr.slice(-3000)).toBe(0);
  const node = (await imageRootfs(tag)).get('/unikernel/initrd');
  expect(node).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
  return (node as { content: Buffer }).content;
}

/** The same graph run as punch build runs it: in-process, the tools image never pulled. */
async function runInProcess(g: BuildGraph, dir: string): Promise<Buffer> {
  const result = await executeDefinition(encodeDefinition(g.definition), {
    locals: { context: dir },
    images: async (ref) => {
      throw new Error(`punch build must not fetch ${ref}`);
    },
    workDir: mkdtempSync(join(e2e().scratchDir, 'embedded-')),
    platform: g.platform,
    ...(g.toolsImage ? { toolsImage: g.toolsImage } : {}),
  });
  const e = listRootfs(result.rootfs).find((x) => x.path === '/unikernel/initrd')!;
  return e.content!.kind === 'file' ? readFileSync(e.content!.path) : Buffer.from(e.content!.data);
}

function cpioList(tool: 'cpio' | 'bsdcpio', archive: Buffer, verbose = false): string[] {
  const args = tool === 'cpio' ? ['-t', '--quiet'] : verbose ? ['-tv', '--quiet', '--numeric-uid-gid'] : ['-t', '--quiet'];
  const r = spawnSync(tool, args, { input: archive });
  expect([r.status, r.stderr.toString()]).toEqual([0, '']);
  return r.stdout.toString().split('\n').filter((l) => l !== '');
}

const MEMBERS = ['big.bin', 'etc', 'etc/app', 'etc/app/app.conf', 'etc/nginx', 'etc/nginx/nginx.conf', 'init', 'sbin-init', 'srv', 'srv/data', 'srv/data/blob'];

onEachEngine((engine) => {
  describe('the initrd step', () => {
    test('BuildKit running punch initrd on the punch image writes the bytes punch build writes in-process', async () => {
      const dir = context();
      const g = await graph();
      expect(g.toolsImage).toBe(e2e().frontendImage);
      const fromBuildKit = await solvedByBuildKit(g, dir, `punch-e2e/initrd-step:${engine.name}`);
      const inProcess = await runInProcess(g, dir);
      expect(fromBuildKit.equals(inProcess)).toBe(true);
      expect(cpioList('cpio', fromBuildKit)).toEqual(MEMBERS);
      expect(cpioList('bsdcpio', fromBuildKit)).toEqual(MEMBERS);
      const long = cpioList('bsdcpio', fromBuildKit, true);
      expect(long.find((l) => l.endsWith(' srv/data/blob'))).toMatch(/^-rw-r--r-- +1 1000 +1000 +14 Jan +1 +1970 srv\/data\/blob$/);
      expect(long.find((l) => l.endsWith(' init'))).toMatch(/^-rwxr-xr-x +1 0 +0 +21 Jan +1 +1970 init$/);
      expect(long.find((l) => l.includes(' sbin-init'))).toMatch(/^lrwxrwxrwx .* sbin-init -> init$/);
    });

    test('with SOURCE_DATE_EPOCH, older file mtimes are kept and directories get the epoch, the same on both sides', async () => {
      const dir = context();
      const epoch = OLD + 86_400;
      const g = await graph({ SOURCE_DATE_EPOCH: String(epoch) });
      const fromBuildKit = await solvedByBuildKit(g, dir, `punch-e2e/initrd-step:${engine.name}-epoch`);
      const inProcess = await runInProcess(g, dir);
      const long = cpioList('bsdcpio', fromBuildKit, true);
      expect({ same: fromBuildKit.equals(inProcess), buildkit: long, embedded: cpioList('bsdcpio', inProcess, true) }).toEqual({ same: true, buildkit: long, embedded: long });
      expect(long.find((l) => l.endsWith(' init'))).toMatch(/ Sep 13 +2020 init$/);
      expect(long.filter((l) => l.startsWith('d')).every((l) => / Sep 14 +2020 /.test(l))).toBe(true);
    });

    test('a Containerfile stage FROM the punch image runs punch initrd from PATH, as punch initrd writes it here', async () => {
      const dir = context();
      const text = `${syntaxLine()}FROM ${e2e().frontendImage} AS initrd\nCOPY rootfs /rootfs\nRUN ["punch", "initrd", "/rootfs", "-o", "/initrd.cpio"]\nFROM scratch\nCOPY --from=initrd /initrd.cpio /unikernel/initrd\nCOPY k /k\n${LABELS}`;
      writeFileSync(join(dir, 'Containerfile'), text);
      const tag = `punch-e2e/initrd-run:${engine.name}`;
      await punchBuildOk({ context: dir, tag });
      const node = (await imageRootfs(tag)).get('/unikernel/initrd') as { content: Buffer };
      const expected = join(dir, 'expected.cpio');
      await writeTreeArchive(join(dir, 'rootfs'), expected, 0);
      expect(node.content.equals(readFileSync(expected))).toBe(true);
      expect(cpioList('cpio', node.content)).toEqual(['big.bin', 'etc', 'etc/nginx', 'etc/nginx/nginx.conf', 'init', 'sbin-init']);
    });
  });
});
