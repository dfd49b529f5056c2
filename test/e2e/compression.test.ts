// Every layer compression of `punch build` (compression=gzip|zstd|uncompressed) read back by the
// standard tools: skopeo (inspect; copy, which checks every blob's digest), umoci (unpack; umoci 0.4
// refuses tar+zstd by its media type, as the README says), `gzip -t` / `zstd -t` on each blob, and
// each blob decompressed by gzip / zstd to the diff ID the config lists. Then `docker load` of a zstd
// image: Docker 26's containerd image store keeps the zstd layers and gives the right files; Docker
// 20.10 cannot read them (the README's "keep gzip for Docker 20.10").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { engine, hasEngine, makeContext, type Rootfs } from './engine.js';
import { fileContent, punch, scratch, skopeoJson, umociRootfs } from './build-helpers.js';
import { run } from './exec.js';
import { readTar } from './tar.js';

const EPOCH = '1700000000';
const TAG = 'punch-e2e/compression';
const MEDIA = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  uncompressed: 'application/vnd.oci.image.layer.v1.tar',
} as const;
type Kind = keyof typeof MEDIA;

/** 3 MiB that do not compress (three parallel blocks, the streamed path), from a fixed seed. */
function kernelBytes(): Buffer {
  const b = Buffer.alloc(3 << 20);
  let x = 0x1234567;
  for (let i = 0; i < b.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}
const KERNEL = kernelBytes();
/** Text that compresses well, over two blocks, so each block's dictionary matters. */
const DATA = Array.from({ length: 300_000 }, (_, i) => `line ${i}\n`).join('');
const CONF = 'small file: the in-memory path\n';

function context(): string {
  return makeContext({
    Containerfile: [
      'FROM scratch',
      'COPY kernel /unikernel/kernel',
      'COPY data.txt /data/data.txt',
      'COPY app.conf /data/app.conf',
      'LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu',
      'CMD ["kernel", "--serve"]',
      '',
    ].join('\n'),
    kernel: KERNEL,
    'data.txt': DATA,
    'app.conf': CONF,
  });
}

async function build(output: string): Promise<void> {
  const r = await punch(['build', '-t', `${TAG}:1`, '--progress', 'plain', '-o', output, context()], { env: { SOURCE_DATE_EPOCH: EPOCH } });
  if (r.code !== 0) throw new Error(`punch build -o ${output} failed (${r.code}):\n${r.stderr}`);
}

function expectFiles(fs: Rootfs): void {
  expect(fileContent(fs, '/unikernel/kernel').equals(KERNEL)).toBe(true);
  expect(fileContent(fs, '/data/data.txt').toString('utf8')).toBe(DATA);
  expect(fileContent(fs, '/data/app.conf').toString('utf8')).toBe(CONF);
}

interface Descriptor { mediaType: string; digest: string; size: number }
interface Manifest { layers: Descriptor[]; config: Descriptor }

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobPath = (layout: string, digest: string): string => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));

/** A tool's stdout as bytes (gzip -dc, zstd -dc); throws with its stderr when it fails. */
function tool(cmd: string, args: readonly string[]): Buffer {
  return execFileSync(cmd, args, { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.each(['gzip', 'zstd', 'uncompressed'] as const)('compression=%s read back', (kind: Kind) => {
  let layout: string;
  let manifest: Manifest;
  let diffIDs: string[];
  beforeAll(async () => {
    layout = join(scratch(`compression-${kind}`), 'layout');
    await build(`type=oci-layout,dest=${layout},compression=${kind}`);
    manifest = await skopeoJson<Manifest>(['inspect', '--raw', `oci:${layout}:1`]);
    diffIDs = (await skopeoJson<{ rootfs: { diff_ids: string[] } }>(['inspect', '--config', '--raw', `oci:${layout}:1`])).rootfs.diff_ids;
  });

  test(`every layer has media type ${MEDIA[kind]} (skopeo inspect)`, () => {
    // kernel, data.txt, app.conf, /urunc.json
    expect(manifest.layers).toHaveLength(4);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(manifest.layers.map(() => MEDIA[kind]));
  });

  test('each blob passes the format tool\'s test and decompresses to its diff ID', () => {
    manifest.layers.forEach((l, i) => {
      const path = blobPath(layout, l.digest);
      const tar = kind === 'gzip' ? (tool('gzip', ['-t', path]), tool('gzip', ['-dc', path])) : kind === 'zstd' ? (tool('zstd', ['-q', '-t', path]), tool('zstd', ['-q', '-dc', path])) : readFileSync(path);
      expect(sha256(tar), `layer ${i}`).toBe(diffIDs[i]);
    });
  });

  test('skopeo copies the layout to another, checking every blob, and keeps the manifest digest', async () => {
    const copy = join(scratch(`compression-${kind}-copy`), 'layout');
    // --preserve-digests: skopeo would otherwise gzip uncompressed layers on their way to an oci: layout.
    const r = await run('skopeo', ['copy', '-q', '--preserve-digests', `oci:${layout}:1`, `oci:${copy}:1`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const digestOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests[0]!.digest;
    expect(digestOf(copy)).toBe(digestOf(layout));
  });

  if (kind === 'zstd') {
    test('umoci 0.4 refuses tar+zstd layers by media type (the README says: keep gzip for umoci)', async () => {
      await expect(umociRootfs(layout, '1')).rejects.toThrow(/not correct mediatype: application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd/);
    });
  } else {
    test('umoci unpacks the image with the right files', async () => {
      expectFiles(await umociRootfs(layout, '1'));
    });
  }
});

describe('docker load of a compression=zstd image', () => {
  let archive: string;
  beforeAll(async () => {
    archive = join(scratch('compression-docker'), 'image.tar');
    await build(`type=docker,dest=${archive},compression=zstd`);
  });

  test.skipIf(!hasEngine('docker26'))('Docker 26 (containerd image store) loads it, keeps the zstd layers and gives the right files', async () => {
    const d26 = engine('docker26');
    const tag = `${TAG}:1`;
    await d26.docker(['load', '-i', archive], { check: true, timeoutMs: 120_000 });
    expect((await d26.imageInspect(tag)).Config.Cmd).toEqual(['kernel', '--serve']);
    // docker save from the containerd store writes the image as stored: an OCI layout, zstd layers.
    const saved = new Map(readTar((await d26.dockerRaw(['save', tag], { check: true, timeoutMs: 120_000 })).stdout).map((e) => [e.path, e.content]));
    const blob = (digest: string): Buffer => saved.get(`blobs/sha256/${digest.slice('sha256:'.length)}`) ?? Buffer.alloc(0);
    const index = JSON.parse(saved.get('index.json')?.toString('utf8') ?? '{}') as { manifests: Descriptor[] };
    const saved0 = JSON.parse(blob(index.manifests[0]!.digest).toString('utf8')) as Manifest;
    expect(saved0.layers.map((l) => l.mediaType)).toEqual(saved0.layers.map(() => MEDIA.zstd));
    expectFiles(await d26.imageRootfs(tag));
  });

  test.skipIf(!hasEngine('docker20'))('Docker 20.10 refuses it: its layer reader has no zstd', async () => {
    const r = await engine('docker20').docker(['load', '-i', archive], { timeoutMs: 120_000 });
    expect(r.code, r.stdout).not.toBe(0);
    // It takes the zstd blob for a plain tar.
    expect(r.stderr).toMatch(/Error processing tar file.*archive\/tar: invalid tar header/);
  });
});
