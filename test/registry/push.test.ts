import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryClient, type BlobToPush, type RegistryClient } from '../../src/registry/index.js';
import { FakeRegistry } from './fake-registry.js';
import { buildImage, buildIndex, sha, type BuiltImage } from './fixtures.js';

const qemu = { os: 'qemu', architecture: 'amd64' };
const fc = { os: 'fc', architecture: 'amd64' };

let reg: FakeRegistry;
let host: string;
let dir: string;
let client: RegistryClient;

/** Writes the image's config and layers to files, as the builder would have them. */
async function blobFiles(image: BuiltImage): Promise<BlobToPush[]> {
  const out: BlobToPush[] = [];
  for (const bytes of [image.configBytes, ...image.layerBytes]) {
    const path = join(dir, sha(bytes).slice(7));
    await writeFile(path, bytes);
    out.push({ digest: sha(bytes), size: bytes.length, path });
  }
  return out;
}

beforeEach(async () => {
  reg = new FakeRegistry({ kind: 'token' });
  host = await reg.start();
  dir = await mkdtemp(join(tmpdir(), 'punch-push-'));
  client = createRegistryClient({ cacheDir: join(dir, 'cache') });
});

afterEach(async () => {
  await reg.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('push', () => {
  it('pushes a manifest that pulls back identical, annotations included', async () => {
    const annotations = { 'com.urunc.unikernel.binary': '/unikernel/app', 'com.urunc.unikernel.hypervisor': 'qemu' };
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['kernel bytes', 'rootfs bytes'], annotations });
    const { digest } = await client.push(`${host}/punch/app:1`, {
      blobs: await blobFiles(img),
      root: { mediaType: img.mediaType, bytes: img.manifestBytes },
    });
    expect(digest).toBe(img.manifestDigest);
    const back = await client.pull(`${host}/punch/app:1`, qemu);
    expect([back.manifestDigest, back.manifest.annotations, back.manifest.layers[0]!.annotations, back.config]).toEqual([
      img.manifestDigest,
      annotations,
      { 'org.unikraft.kernel.image': 'true' },
      img.config,
    ]);
  });

  it('uploads each blob with POST then a monolithic PUT ?digest= of its exact length, then PUTs the manifest with its type', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['layer'] });
    await client.push(`${host}/punch/app:1`, { blobs: await blobFiles(img), root: { mediaType: img.mediaType, bytes: img.manifestBytes } });
    const sent = reg.requests
      .filter((r) => r.authorization && !r.url.startsWith('/token'))
      .map((r) => `${r.method} ${r.url.replace(/sha256:[0-9a-f]{64}/g, (d) => (d === sha('layer') ? 'LAYER' : 'CONFIG'))} ${r.contentType ?? ''} ${r.contentLength ?? ''}`.trim());
    expect(sent).toEqual([
      'HEAD /v2/punch/app/blobs/CONFIG',
      'POST /v2/punch/app/blobs/uploads/  0',
      'PUT /v2/punch/app/blobs/uploads/u0?state=opaque&digest=sha256%3A' + sha(img.configBytes).slice(7) + ` application/octet-stream ${img.configBytes.length}`,
      'HEAD /v2/punch/app/blobs/LAYER',
      'POST /v2/punch/app/blobs/uploads/  0',
      `PUT /v2/punch/app/blobs/uploads/u1?state=opaque&digest=sha256%3A${sha('layer').slice(7)} application/octet-stream 5`,
      `PUT /v2/punch/app/manifests/1 application/vnd.oci.image.manifest.v1+json ${img.manifestBytes.length}`,
    ]);
  });

  it('asks the token service for push rights from the first challenge on', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['layer'] });
    await client.push(`${host}/punch/app:1`, { blobs: await blobFiles(img), root: { mediaType: img.mediaType, bytes: img.manifestBytes } });
    expect(reg.requests.filter((r) => r.url.startsWith('/token')).map((r) => new URL(r.url, 'http://x').searchParams.get('scope'))).toEqual([
      'repository:punch/app:pull,push',
    ]);
  });

  it('skips blobs the registry already has', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['layer'] });
    reg.addBlob('punch/app', img.layerBytes[0]!);
    await client.push(`${host}/punch/app:1`, { blobs: await blobFiles(img), root: { mediaType: img.mediaType, bytes: img.manifestBytes } });
    expect(reg.calls(/POST/)).toEqual(['POST /v2/punch/app/blobs/uploads/']);
    expect(reg.calls(/PUT .*uploads/)).toHaveLength(1);
  });

  it('pushes an index after its manifests, and extra tags', async () => {
    const q = buildImage({ os: 'qemu', architecture: 'x86_64', layers: ['q'] });
    const f = buildImage({ os: 'fc', architecture: 'x86_64', layers: ['f'] });
    const index = buildIndex([q, f]);
    const { digest } = await client.push(`${host}/punch/multi:1`, {
      blobs: [...(await blobFiles(q)), ...(await blobFiles(f))],
      manifests: [
        { mediaType: q.mediaType, bytes: q.manifestBytes },
        { mediaType: f.mediaType, bytes: f.manifestBytes },
      ],
      root: { mediaType: index.mediaType, bytes: index.bytes },
      tags: ['latest'],
    });
    expect(digest).toBe(index.digest);
    expect(reg.calls(/PUT .*manifests/)).toEqual([
      `PUT /v2/punch/multi/manifests/${q.manifestDigest}`,
      `PUT /v2/punch/multi/manifests/${f.manifestDigest}`,
      'PUT /v2/punch/multi/manifests/1',
      'PUT /v2/punch/multi/manifests/latest',
    ]);
    const back = await client.pull(`${host}/punch/multi:latest`, fc);
    expect([back.indexDigest, back.manifestDigest]).toEqual([index.digest, f.manifestDigest]);
  });

  it('refuses a blob file whose size differs from its descriptor', async () => {
    const path = join(dir, 'blob');
    await writeFile(path, 'abc');
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: [] });
    await expect(
      client.push(`${host}/punch/app:1`, {
        blobs: [{ digest: sha('abcd'), size: 4, path }],
        root: { mediaType: img.mediaType, bytes: img.manifestBytes },
      }),
    ).rejects.toThrow(`${path} is 3 bytes but blob ${sha('abcd')} is declared as 4`);
  });

  it('refuses to push to a digest reference that is not the manifest digest', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: [] });
    const other = `sha256:${'0'.repeat(64)}`;
    await expect(
      client.push(`${host}/punch/app@${other}`, { blobs: [], root: { mediaType: img.mediaType, bytes: img.manifestBytes } }),
    ).rejects.toThrow(`cannot push to ${host}/punch/app@${other}: the manifest's digest is ${img.manifestDigest}`);
  });
});
