// `punch build` (the embedded builder, no daemon) against the real tools: every example in every
// output type read back with skopeo, umoci and Docker 20.10; its rootfs equal, file by file, to the one
// Docker 20.10's BuildKit builds through the punch frontend; base images pulled from the loopback
// registry (a Unikraft-style index) and cached; reproducible digests; failed and interrupted builds
// leave nothing behind.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { docker, dockerBuild, e2e, imageInspect, imageRootfs, makeContext, registryHost, skopeo, type Rootfs } from './engine.js';
import { describeRootfs, fileContent, punch, registryLog, rootfsFromDir, scratch, skopeoJson, spawnPunch, treeSnapshot, umociRootfs } from './build-helpers.js';
import { publishUnikraftIndex } from './frontend-support.js';

const U = 'com.urunc.unikernel.';
const EPOCH = 1_700_000_000;
const CREATED = '2023-11-14T22:13:20Z';
const QEMU_KERNEL = 'unikraft nginx kernel for qemu/x86_64\n';
const FC_KERNEL = 'unikraft nginx kernel for firecracker/x86_64, a different one\n';
const INITRD = 'unikraft nginx initrd\n';

interface Example {
  readonly name: string;
  /** The manifest's com.urunc.unikernel.* annotations, raw values. */
  readonly annotations: Record<string, string>;
  /** Every path of the image rootfs. */
  readonly paths: readonly string[];
  readonly cmd: readonly string[];
  readonly entrypoint: readonly string[] | null;
}

const EXAMPLES: readonly Example[] = [
  {
    name: 'unikraft-qemu-nginx',
    annotations: {
      [`${U}binary`]: '/unikernel/kernel',
      [`${U}cmdline`]: 'nginx -c /nginx/conf/nginx.conf',
      [`${U}hypervisor`]: 'qemu',
      [`${U}initrd`]: '/unikernel/initrd',
      [`${U}unikernelType`]: 'unikraft',
      [`${U}unikernelVersion`]: '0.17.0',
    },
    paths: ['/unikernel', '/unikernel/initrd', '/unikernel/kernel', '/urunc.json'],
    cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
    entrypoint: null,
  },
  {
    name: 'rumprun-hvt-redis',
    annotations: {
      [`${U}binary`]: '/unikernel/redis.hvt',
      [`${U}cmdline`]: 'redis-server /data/conf/redis.conf',
      [`${U}hypervisor`]: 'hvt',
      [`${U}mountRootfs`]: 'true',
      [`${U}unikernelType`]: 'rumprun',
    },
    paths: ['/data', '/data/conf', '/data/conf/redis.conf', '/unikernel', '/unikernel/redis.hvt', '/urunc.json'],
    cmd: ['redis-server', '/data/conf/redis.conf'],
    entrypoint: null,
  },
  {
    name: 'linux-firecracker-block',
    annotations: {
      [`${U}binary`]: '/boot/vmlinux',
      [`${U}blkMntPoint`]: '/',
      [`${U}block`]: '/disk/rootfs.ext4',
      [`${U}cmdline`]: '/sbin/init console=ttyS0',
      [`${U}hypervisor`]: 'firecracker',
      [`${U}unikernelType`]: 'linux',
    },
    paths: ['/boot', '/boot/vmlinux', '/disk', '/disk/rootfs.ext4', '/urunc.json'],
    cmd: ['console=ttyS0'],
    entrypoint: ['/sbin/init'],
  },
  {
    name: 'unikraft-catalog-nginx',
    annotations: {
      [`${U}binary`]: '/unikraft/bin/kernel',
      [`${U}cmdline`]: 'nginx -c /nginx/conf/nginx.conf',
      [`${U}hypervisor`]: 'qemu',
      [`${U}initrd`]: '/unikraft/bin/initrd',
      [`${U}unikernelType`]: 'unikraft',
    },
    paths: ['/unikraft', '/unikraft/bin', '/unikraft/bin/initrd', '/unikraft/bin/kernel', '/urunc.json'],
    cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
    entrypoint: null,
  },
];

/** The Unikraft-style base in the loopback registry (qemu and fc manifests), set by the first beforeAll. */
let catalogBase = '';

function exampleDir(name: string): string {
  return join(e2e().repoRoot, 'examples', name);
}

function buildArgsOf(name: string): string[] {
  return name === 'unikraft-catalog-nginx' ? ['--build-arg', `BASE=${catalogBase}`] : [];
}

/** `punch build` of a folder with the given output; throws with punch's stderr when it fails; returns the printed digest. */
async function punchBuildOk(context: string, output: string, o: { tag?: string; file?: string; args?: string[]; env?: Record<string, string> } = {}): Promise<string> {
  const args = ['build', '--progress=plain', '-f', o.file ?? join(context, 'Containerfile'), ...(o.tag ? ['-t', o.tag] : []), '--output', output, ...(o.args ?? []), context];
  const r = await punch(args, { env: { SOURCE_DATE_EPOCH: String(EPOCH), PUNCH_CACHE_DIR: join(e2e().scratchDir, 'punch-cache'), ...o.env } });
  if (r.code !== 0) throw new Error(`punch ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  return r.stdout.trim();
}

interface RawManifest {
  mediaType: string;
  config: { digest: string };
  layers: { mediaType: string }[];
  annotations?: Record<string, string>;
}

interface InspectOutput {
  Digest: string;
  Os: string;
  Architecture: string;
  Labels: Record<string, string> | null;
}

/** /urunc.json decoded: every value is standard padded base64 of the raw annotation value. */
function uruncJson(fs: Rootfs): Record<string, string> {
  const parsed = JSON.parse(fileContent(fs, '/urunc.json').toString('utf8')) as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    expect(v).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(Buffer.from(v, 'base64').toString('base64')).toBe(v);
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
}

beforeAll(async () => {
  const published = await publishUnikraftIndex(
    'punch-e2e/build-unikraft-nginx:1.15',
    [
      { os: 'qemu', kernel: QEMU_KERNEL, initrd: INITRD },
      { os: 'fc', kernel: FC_KERNEL, initrd: INITRD },
    ],
    { env: [], labels: {} },
  );
  catalogBase = published.ref;
});

describe.each(EXAMPLES)('example $name built by punch build', (ex) => {
  const tag = `punch-e2e/build-${ex.name}:e2e`;
  const pushed = () => `${registryHost()}/punch-e2e/build-${ex.name}:pushed`;
  let out = '';
  const digests: Record<string, string> = {};
  let buildkit: Rootfs = new Map();

  beforeAll(async () => {
    out = scratch(ex.name);
    const ctx = exampleDir(ex.name);
    const args = buildArgsOf(ex.name);
    digests['oci-layout'] = await punchBuildOk(ctx, `type=oci-layout,dest=${join(out, 'layout')}`, { tag, args });
    digests['oci'] = await punchBuildOk(ctx, `type=oci,dest=${join(out, 'image.tar')}`, { tag, args });
    digests['docker'] = await punchBuildOk(ctx, `type=docker,dest=${join(out, 'docker.tar')}`, { tag, args });
    digests['registry'] = await punchBuildOk(ctx, `type=registry,name=${pushed()}`, { tag, args });
    // The reference: Docker 20.10's BuildKit running the same Containerfile through the punch frontend.
    const bkTag = `punch-e2e/build-${ex.name}:buildkit`;
    await dockerBuild({
      context: ctx,
      file: 'Containerfile',
      tag: bkTag,
      buildArgs: { BUILDKIT_SYNTAX: e2e().frontendImage, ...(ex.name === 'unikraft-catalog-nginx' ? { BASE: catalogBase } : {}) },
      check: true,
    });
    buildkit = await imageRootfs(bkTag);
  });

  test('every output type names the same manifest digest', () => {
    expect(new Set(Object.values(digests)).size).toBe(1);
  });

  test('type=oci-layout: skopeo inspect --raw shows the com.urunc.unikernel.* annotations with raw values, and the created date', async () => {
    const raw = await skopeoJson<RawManifest>(['inspect', '--raw', `oci:${join(out, 'layout')}:e2e`]);
    expect(raw.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(raw.annotations).toEqual({ ...ex.annotations, 'org.opencontainers.image.created': CREATED });
    expect(raw.layers.map((l) => l.mediaType)).toEqual(raw.layers.map(() => 'application/vnd.oci.image.layer.v1.tar+gzip'));
  });

  test('type=oci-layout: skopeo inspect reads the image: linux/amd64, labels = annotations, digest as printed', async () => {
    const info = await skopeoJson<InspectOutput>(['inspect', `oci:${join(out, 'layout')}:e2e`]);
    expect({ os: info.Os, arch: info.Architecture, digest: info.Digest }).toEqual({ os: 'linux', arch: 'amd64', digest: digests['oci-layout'] });
    expect(info.Labels).toEqual(ex.annotations);
  });

  test('type=oci-layout: umoci unpack gives exactly the expected files, and /urunc.json holds the annotations in base64', async () => {
    const fs = await umociRootfs(join(out, 'layout'), 'e2e');
    expect([...fs.keys()].sort()).toEqual(ex.paths);
    expect(uruncJson(fs)).toEqual(ex.annotations);
  });

  test('type=oci-layout: the rootfs equals, file by file, the one BuildKit (Docker 20.10, punch frontend) builds', async () => {
    const fs = await umociRootfs(join(out, 'layout'), 'e2e');
    expect(describeRootfs(fs)).toEqual(describeRootfs(buildkit));
  });

  test('type=oci: skopeo inspect oci-archive reads it, and once copied to a layout umoci unpacks the BuildKit rootfs', async () => {
    const archive = join(out, 'image.tar');
    const info = await skopeoJson<InspectOutput>(['inspect', `oci-archive:${archive}`]);
    expect({ os: info.Os, arch: info.Architecture, digest: info.Digest, labels: info.Labels }).toEqual({ os: 'linux', arch: 'amd64', digest: digests['oci'], labels: ex.annotations });
    const raw = await skopeoJson<RawManifest>(['inspect', '--raw', `oci-archive:${archive}`]);
    expect(raw.annotations).toEqual({ ...ex.annotations, 'org.opencontainers.image.created': CREATED });
    const copy = join(scratch('copy'), 'layout');
    await skopeo(['copy', '--quiet', `oci-archive:${archive}`, `oci:${copy}:e2e`], { check: true });
    expect(describeRootfs(await umociRootfs(copy, 'e2e'))).toEqual(describeRootfs(buildkit));
  });

  test('type=docker: docker load takes it; docker save gives back the BuildKit rootfs and the same config', async () => {
    const loadTag = `punch-e2e/build-${ex.name}:loaded`;
    const r = await docker(['load', '-i', join(out, 'docker.tar')], { check: true });
    expect(r.stdout).toContain(`Loaded image: ${tag}`);
    await docker(['tag', tag, loadTag], { check: true });
    expect(describeRootfs(await imageRootfs(loadTag))).toEqual(describeRootfs(buildkit));
    const raw = await skopeoJson<RawManifest>(['inspect', '--raw', `oci:${join(out, 'layout')}:e2e`]);
    const image = await imageInspect(loadTag);
    // Docker keeps the config bytes: the image ID is the manifest's config digest.
    expect(image.Id).toBe(raw.config.digest);
    expect({ os: image.Os, arch: image.Architecture, labels: image.Config.Labels, cmd: image.Config.Cmd, entrypoint: image.Config.Entrypoint })
      .toEqual({ os: 'linux', arch: 'amd64', labels: ex.annotations, cmd: ex.cmd, entrypoint: ex.entrypoint });
  });

  test('type=registry: skopeo inspect --raw of the pushed manifest shows the annotations, and docker pull gets the BuildKit rootfs', async () => {
    const raw = await skopeoJson<RawManifest>(['inspect', '--tls-verify=false', '--raw', `docker://${pushed()}`]);
    expect(raw.annotations).toEqual({ ...ex.annotations, 'org.opencontainers.image.created': CREATED });
    const info = await skopeoJson<InspectOutput>(['inspect', '--tls-verify=false', `docker://${pushed()}`]);
    expect(info.Digest).toBe(digests['registry']);
    await docker(['pull', pushed()], { check: true, timeoutMs: 120_000 });
    expect(describeRootfs(await imageRootfs(pushed()))).toEqual(describeRootfs(buildkit));
    expect((await imageInspect(pushed())).Id).toBe(raw.config.digest);
  });
});

describe('the Unikraft catalog base from the loopback registry', () => {
  const ctx = exampleDir('unikraft-catalog-nginx');

  test('the qemu/x86_64 manifest of the index is the one pulled: its kernel and initrd are in the image', async () => {
    const layout = join(scratch('catalog-qemu'), 'layout');
    await punchBuildOk(ctx, `type=oci-layout,dest=${layout}`, { tag: 'catalog:qemu', args: buildArgsOf('unikraft-catalog-nginx') });
    const fs = await umociRootfs(layout, 'qemu');
    expect(fileContent(fs, '/unikraft/bin/kernel').toString()).toBe(QEMU_KERNEL);
    expect(fileContent(fs, '/unikraft/bin/initrd').toString()).toBe(INITRD);
  });

  test('with hypervisor=firecracker the fc manifest is pulled instead', async () => {
    const text = readFileSync(join(ctx, 'Containerfile'), 'utf8').replace(`${U}hypervisor=qemu`, `${U}hypervisor=firecracker`);
    expect(text).toContain(`${U}hypervisor=firecracker`);
    const fcCtx = makeContext({ Containerfile: text });
    const layout = join(scratch('catalog-fc'), 'layout');
    await punchBuildOk(fcCtx, `type=oci-layout,dest=${layout}`, { tag: 'catalog:fc', args: buildArgsOf('unikraft-catalog-nginx') });
    const fs = await umociRootfs(layout, 'fc');
    expect(fileContent(fs, '/unikraft/bin/kernel').toString()).toBe(FC_KERNEL);
  });

  test('a second build downloads no blob: the PUNCH_CACHE_DIR blobs are read where they are', async () => {
    const cache = scratch('cache');
    // Not mtime: a build touches the blobs it uses, which is what LRU pruning orders by.
    const cacheFiles = (): string[] =>
      listFiles(cache).map((p) => { const st = statSync(p); return `${p} ino=${st.ino} size=${st.size}`; });
    const repo = catalogBase.slice(registryHost().length + 1, catalogBase.lastIndexOf(':'));
    const blobGets = (log: string): number => log.split('\n').filter((l) => l.includes(`GET /v2/${repo}/blobs/`)).length;
    const build = (n: number) => punchBuildOk(ctx, `type=oci,dest=${join(cache, '..', `cache-${n}.tar`)}`, {
      tag: 'catalog:cached', args: buildArgsOf('unikraft-catalog-nginx'), env: { PUNCH_CACHE_DIR: cache },
    });
    const logBefore = registryLog().length;
    const first = await build(1);
    const afterFirst = cacheFiles();
    // Config and the qemu layer (the fc layer is not needed).
    expect(afterFirst).toHaveLength(2);
    expect(blobGets(registryLog().slice(logBefore))).toBe(2);
    const logBetween = registryLog().length;
    const second = await build(2);
    expect(second).toBe(first);
    expect(cacheFiles()).toEqual(afterFirst);
    expect(blobGets(registryLog().slice(logBetween))).toBe(0);
  });
});

describe.each(['unikraft-qemu-nginx', 'unikraft-catalog-nginx'])('reproducibility of %s', (example) => {
  const ctx = exampleDir(example);
  const twice = async (env: Record<string, string>): Promise<[string, string, string[], string[]]> => {
    const dir = scratch('repro');
    const args = buildArgsOf(example);
    const a = await punchBuildOk(ctx, `type=oci-layout,dest=${join(dir, 'a')}`, { tag: 'repro:1', args, env });
    const b = await punchBuildOk(ctx, `type=oci-layout,dest=${join(dir, 'b')}`, { tag: 'repro:1', args, env });
    return [a, b, treeSnapshot(join(dir, 'a')), treeSnapshot(join(dir, 'b'))];
  };

  test('two builds with SOURCE_DATE_EPOCH set write the same digest and byte-identical layouts', async () => {
    const [a, b, treeA, treeB] = await twice({ SOURCE_DATE_EPOCH: String(EPOCH) });
    expect(b).toBe(a);
    expect(treeB).toEqual(treeA);
  });

  test('two builds without SOURCE_DATE_EPOCH also match: punch never reads the clock (no created date at all)', async () => {
    const [a, b, treeA, treeB] = await twice({ SOURCE_DATE_EPOCH: '' });
    expect(b).toBe(a);
    expect(treeB).toEqual(treeA);
    const dir = scratch('repro-noepoch');
    await punchBuildOk(ctx, `type=oci-layout,dest=${join(dir, 'l')}`, { tag: 'repro:1', args: buildArgsOf(example), env: { SOURCE_DATE_EPOCH: '' } });
    const raw = await skopeoJson<RawManifest>(['inspect', '--raw', `oci:${join(dir, 'l')}:1`]);
    expect(raw.annotations?.['org.opencontainers.image.created']).toBeUndefined();
    const config = await skopeoJson<{ created?: string }>(['inspect', '--config', `oci:${join(dir, 'l')}:1`]);
    expect(config.created).toBeUndefined();
  });

  test('another SOURCE_DATE_EPOCH gives another digest: the epoch is what the timestamps come from', async () => {
    const dir = scratch('repro-epoch');
    const args = buildArgsOf(example);
    const a = await punchBuildOk(ctx, `type=oci-layout,dest=${join(dir, 'a')}`, { tag: 'repro:1', args, env: { SOURCE_DATE_EPOCH: String(EPOCH) } });
    const b = await punchBuildOk(ctx, `type=oci-layout,dest=${join(dir, 'b')}`, { tag: 'repro:1', args, env: { SOURCE_DATE_EPOCH: String(EPOCH - 1) } });
    expect(b).not.toBe(a);
  });
});

const RUMPRUN = `LABEL ${U}binary=/unikernel/app.hvt ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`;

describe('a failing build', () => {
  const failures: Array<{ what: string; containerfile: string; files?: Record<string, string>; args?: () => string[]; message: RegExp }> = [
    {
      what: 'a COPY source missing from the context',
      containerfile: `FROM scratch\nCOPY missing.hvt /unikernel/app.hvt\n${RUMPRUN}`,
      message: /^Containerfile:2:1: error: COPY missing\.hvt \/unikernel\/app\.hvt: .*missing\.hvt not found/m,
    },
    {
      what: 'a label naming a file no COPY writes',
      containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${U}binary=/unikernel/other.hvt ${U}unikernelType=rumprun ${U}hypervisor=hvt\n`,
      message: /^Containerfile:3:7: error: com\.urunc\.unikernel\.binary \/unikernel\/other\.hvt /m,
    },
    {
      what: 'a label naming a file neither a COPY nor the image base holds (found after the build)',
      containerfile: `ARG BASE\nFROM \${BASE}\nLABEL ${U}initrd=/unikraft/bin/missing-initrd \\\n  ${U}unikernelType=unikraft ${U}hypervisor=qemu\n`,
      args: () => buildArgsOf('unikraft-catalog-nginx'),
      message: /^Containerfile:3:7: error: com\.urunc\.unikernel\.initrd names \/unikraft\/bin\/missing-initrd, but the built image has no such file/m,
    },
    {
      what: 'an unknown instruction',
      containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nFROBNICATE now\n${RUMPRUN}`,
      message: /^Containerfile:3:1: error: unknown instruction: FROBNICATE/m,
    },
  ];

  describe.each(failures)('with $what', (f) => {
    test('exits non-zero with the file:line message and writes no oci archive, layout or docker tar', async () => {
      const ctx = makeContext({ Containerfile: f.containerfile, 'app.hvt': 'app\n', ...f.files });
      const out = scratch('fail');
      for (const output of [`type=oci,dest=${join(out, 'image.tar')}`, `type=oci-layout,dest=${join(out, 'layout')}`, `type=docker,dest=${join(out, 'docker.tar')}`]) {
        const r = await punch(['build', '-t', 'fail:1', '--output', output, ...(f.args?.() ?? []), ctx], { cwd: ctx, env: { PUNCH_CACHE_DIR: join(e2e().scratchDir, 'punch-cache') } });
        expect(r.code, r.stderr).not.toBe(0);
        expect(r.stderr).toMatch(f.message);
        expect(r.stdout).toBe('');
      }
      expect(readdirSync(out)).toEqual([]);
    });

    test('leaves an existing layout at the destination unchanged', async () => {
      const ctx = makeContext({ Containerfile: f.containerfile, 'app.hvt': 'app\n', ...f.files });
      const layout = join(scratch('fail-existing'), 'layout');
      await punchBuildOk(exampleDir('rumprun-hvt-redis'), `type=oci-layout,dest=${layout}`, { tag: 'fail:1' });
      const before = treeSnapshot(layout);
      const r = await punch(['build', '-t', 'fail:1', '--output', `type=oci-layout,dest=${layout}`, ...(f.args?.() ?? []), ctx], { cwd: ctx, env: { PUNCH_CACHE_DIR: join(e2e().scratchDir, 'punch-cache') } });
      expect(r.code).not.toBe(0);
      expect(treeSnapshot(layout)).toEqual(before);
    });
  });
});

describe('a build interrupted with SIGINT while it packs a 2 GiB file', () => {
  const context = (): string => {
    const ctx = makeContext({ Containerfile: `FROM scratch\nCOPY big.img /unikernel/app.hvt\n${RUMPRUN}` });
    execFileSync('truncate', ['-s', '2G', join(ctx, 'big.img')]);
    return ctx;
  };

  /** Starts the build, waits until `started()` says it is writing, sends SIGINT; returns exit code and stderr. */
  const interrupt = async (ctx: string, output: string, started: () => boolean, tmp: string) => {
    const p = spawnPunch(['build', '-t', 'big:1', '--output', output, ctx], { cwd: ctx, env: { TMPDIR: tmp } });
    const deadline = Date.now() + 60_000;
    while (!started()) {
      if (Date.now() > deadline) throw new Error(`punch did not start writing within 60s:\n${p.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGINT');
    const exit = await p.exit;
    return { ...exit, stderr: p.stderr() };
  };

  test('a new oci archive: exit 130, nothing at or next to the destination, no work dir left in TMPDIR', async () => {
    const ctx = context();
    const out = scratch('sigint');
    const tmp = scratch('sigint-tmp');
    const r = await interrupt(ctx, `type=oci,dest=${join(out, 'big.tar')}`, () => readdirSync(out).length > 0, tmp);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 130, signal: null });
    expect(r.stderr).toContain('SIGINT');
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('an existing layout: exit 130 and the layout is left exactly as it was', async () => {
    const ctx = context();
    const layout = join(scratch('sigint-layout'), 'layout');
    const tmp = scratch('sigint-tmp');
    await punchBuildOk(exampleDir('rumprun-hvt-redis'), `type=oci-layout,dest=${layout}`, { tag: 'big:1' });
    const before = treeSnapshot(layout);
    const blobs = join(layout, 'blobs', 'sha256');
    const count = readdirSync(blobs).length;
    const r = await interrupt(ctx, `type=oci-layout,dest=${layout}`, () => readdirSync(blobs).length > count, tmp);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 130, signal: null });
    expect(treeSnapshot(layout)).toEqual(before);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  return [...rootfsFromDir(dir).entries()].filter(([, n]) => n.type === 'file').map(([p]) => join(dir, p)).sort();
}
