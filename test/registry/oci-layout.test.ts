import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaType, type Descriptor } from '../../src/oci/types.js';
import { createRegistryClient, parseOciLayoutRef, readOciLayout } from '../../src/registry/index.js';
import { buildImage, buildIndex, sha, unikraftImages, type BuiltImage } from './fixtures.js';

const qemu = { os: 'qemu', architecture: 'amd64' };
const fc = { os: 'fc', architecture: 'amd64' };

let dir: string;

async function putBlob(bytes: Uint8Array): Promise<void> {
  await writeFile(join(dir, 'blobs', 'sha256', sha(bytes).slice(7)), bytes);
}

async function putImage(image: BuiltImage): Promise<void> {
  for (const b of [image.configBytes, ...image.layerBytes, image.manifestBytes]) await putBlob(b);
}

async function writeIndex(manifests: Descriptor[]): Promise<void> {
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
}

const named = (d: Descriptor, tag: string): Descriptor => ({ ...d, annotations: { 'org.opencontainers.image.ref.name': tag } });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'punch-layout-'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseOciLayoutRef', () => {
  it.each([
    ['oci-layout:///srv/base:v1', { dir: '/srv/base', tag: 'v1' }],
    ['oci-layout:///srv/base', { dir: '/srv/base' }],
    ['oci-layout://rel/dir:latest', { dir: 'rel/dir', tag: 'latest' }],
    ['oci-layout:///srv/a:b/base', { dir: '/srv/a:b/base' }],
    ['docker.io/library/alpine', undefined],
  ])('%s', (text, parts) => {
    expect(parseOciLayoutRef(text)).toEqual(parts);
  });
});

describe('readOciLayout', () => {
  it('follows a tag to an index, picks the platform, and uses the blobs in place', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    await putImage(q);
    await putImage(f);
    const index = buildIndex([q, f]);
    await putBlob(index.bytes);
    await writeIndex([named({ mediaType: index.mediaType, digest: index.digest, size: index.bytes.length }, '1.15')]);
    const image = await readOciLayout(dir, '1.15', fc);
    expect(image).toEqual({
      ref: `oci-layout://${dir}:1.15`,
      indexDigest: index.digest,
      manifestDigest: f.manifestDigest,
      manifest: f.manifest,
      config: f.config,
      configDigest: sha(f.configBytes),
      layers: [
        {
          digest: sha('fc kernel'),
          diffId: sha('fc kernel'),
          mediaType: MediaType.ociLayer,
          size: 9,
          path: join(dir, 'blobs', 'sha256', sha('fc kernel').slice(7)),
          annotations: { 'org.unikraft.kernel.image': 'true' },
        },
      ],
    });
  });

  it('treats an index.json without tags as the platform index', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    await putImage(q);
    await putImage(f);
    await writeIndex([q.descriptor, f.descriptor]);
    expect((await readOciLayout(dir, undefined, qemu)).manifestDigest).toBe(q.manifestDigest);
  });

  it('accepts a tagged lone manifest for the platform and refuses it for another', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    await putImage(img);
    await writeIndex([named(img.descriptor, 'v1')]);
    expect((await readOciLayout(dir, 'v1', qemu)).manifestDigest).toBe(img.manifestDigest);
    await expect(readOciLayout(dir, 'v1', fc)).rejects.toThrow(
      `no manifest for platform fc/amd64 in oci-layout://${dir}:v1; available: qemu/amd64 (a single-platform image)`,
    );
  });

  it('lists the tags when the one asked for is absent', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    await putImage(img);
    await writeIndex([named(img.descriptor, 'v1'), named(img.descriptor, 'v2')]);
    await expect(readOciLayout(dir, 'v3', qemu)).rejects.toThrow(
      `image not found: oci-layout://${dir}:v3: tag "v3" not found; tags in the layout: v1, v2`,
    );
  });

  it('refuses a manifest blob whose content does not match its digest', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    await putImage(img);
    await writeFile(join(dir, 'blobs', 'sha256', img.manifestDigest.slice(7)), 'tampered');
    await writeIndex([named(img.descriptor, 'v1')]);
    await expect(readOciLayout(dir, 'v1', qemu)).rejects.toThrow(
      `digest mismatch for oci-layout://${dir}:v1 (${join(dir, 'blobs', 'sha256', img.manifestDigest.slice(7))}): expected ${img.manifestDigest}, got ${sha('tampered')}`,
    );
  });

  it('names a missing layer blob', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    await putImage(img);
    await rm(join(dir, 'blobs', 'sha256', sha('k').slice(7)));
    await writeIndex([named(img.descriptor, 'v1')]);
    await expect(readOciLayout(dir, 'v1', qemu)).rejects.toThrow(
      `oci-layout://${dir}:v1: layer blob ${sha('k')} is missing (${join(dir, 'blobs', 'sha256', sha('k').slice(7))})`,
    );
  });

  it('says a directory without oci-layout is not an OCI image layout', async () => {
    await rm(join(dir, 'oci-layout'));
    await expect(readOciLayout(dir, 'v1', qemu)).rejects.toThrow(`${join(dir, 'oci-layout')} is missing: not an OCI image layout`);
  });

  it('is what the client pulls and resolves for oci-layout:// references', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    await putImage(img);
    await writeIndex([named(img.descriptor, 'v1')]);
    const client = createRegistryClient({ cacheDir: join(dir, 'cache') });
    expect((await client.pull(`oci-layout://${dir}:v1`, qemu)).manifestDigest).toBe(img.manifestDigest);
    expect(await client.resolve(`oci-layout://${dir}:v1`, qemu)).toEqual({ digest: img.manifestDigest, config: img.config });
  });
});
