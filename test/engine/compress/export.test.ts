// Image export with compression=gzip|zstd|uncompressed and force-compression, as BuildKit's exporters.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionOf, type Compression } from '../../../src/engine/compress/index.js';
import { exportImage, type PlatformImage } from '../../../src/engine/index.js';
import { encodeHeader, END_OF_ARCHIVE, padding } from '../../../src/engine/tar.js';
import type { LayerSpec } from '../../../src/engine/types.js';
import { copy, local, scratch } from '../../../src/llb/index.js';
import type { ImageConfig, Index, Manifest } from '../../../src/oci/types.js';
import { readTar } from '../../e2e/tar.js';
import { build, makeDir, tempDir } from '../helpers.js';

const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const zstdDecode = (b: Buffer): Buffer => {
  const { Decoder } = createRequire(import.meta.url)('@toondepauw/node-zstd') as { Decoder: new () => { decodeSync(b: Buffer): Buffer } };
  return new Decoder().decodeSync(b);
};

async function newLayers(): Promise<LayerSpec[]> {
  const ctx = makeDir({ app: 'APP'.repeat(1000) });
  return (await build(scratch().file(copy(local('context'), 'app', '/app')), { context: ctx })).layers;
}

/** A gzip base layer as a pulled image has it. */
function gzipBase(): LayerSpec {
  const header = encodeHeader({ name: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0, linkname: '', devmajor: 0, devminor: 0 });
  const padded = Buffer.concat([header, Buffer.from('x'), padding(1), END_OF_ARCHIVE]);
  const gz = gzipSync(padded);
  const path = join(tempDir(), 'base.tgz');
  writeFileSync(path, gz);
  return { kind: 'blob', blob: { path, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(gz), diffID: sha(padded), size: gz.length } };
}

async function exported(layers: LayerSpec[], compression: Compression | undefined, opts: { inMemoryBytes?: number } = {}) {
  const dest = join(tempDir(), 'out');
  const img: PlatformImage = { platform: { os: 'linux', architecture: 'amd64' }, config, layers };
  await exportImage([img], { type: 'oci-layout', dest }, { sourceDateEpoch: 0, ...(compression ? { compression } : {}), ...opts });
  const read = (d: string): Buffer => readFileSync(join(dest, 'blobs', 'sha256', d.slice(7)));
  const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as Index;
  const manifest = JSON.parse(read(index.manifests[0]!.digest).toString()) as Manifest;
  const cfg = JSON.parse(read(manifest.config.digest).toString()) as ImageConfig;
  return { manifest, config: cfg, read };
}

/** The same export as a type=oci tar, read back by path. */
async function exportedArchive(layers: LayerSpec[], compression: Compression) {
  const dest = join(tempDir(), 'out.tar');
  const img: PlatformImage = { platform: { os: 'linux', architecture: 'amd64' }, config, layers };
  await exportImage([img], { type: 'oci', dest }, { sourceDateEpoch: 0, compression });
  const entries = new Map(readTar(readFileSync(dest)).map((e) => [e.path, e.content]));
  const read = (d: string): Buffer => entries.get(`blobs/sha256/${d.slice(7)}`)!;
  const index = JSON.parse(entries.get('index.json')!.toString()) as Index;
  const manifest = JSON.parse(read(index.manifests[0]!.digest).toString()) as Manifest;
  return { manifest, read };
}

describe('export compression', () => {
  it('compression=zstd writes tar+zstd layers whose decoded bytes are the diff ID', async () => {
    for (const inMemoryBytes of [1 << 20, 0]) {
      const { manifest, config: cfg, read } = await exported(await newLayers(), compressionOf('zstd'), { inMemoryBytes });
      expect(manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
      expect(sha(zstdDecode(read(manifest.layers[0]!.digest)))).toBe(cfg.rootfs.diff_ids[0]);
    }
  });

  it('compression=uncompressed writes plain tar layers whose digest is the diff ID', async () => {
    const { manifest, config: cfg } = await exported(await newLayers(), compressionOf('uncompressed'));
    expect(manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(manifest.layers[0]!.digest).toBe(cfg.rootfs.diff_ids[0]);
  });

  it('gzip at level 1 is the default: the same image as no compression option', async () => {
    const layers = await newLayers();
    const a = await exported(layers, undefined);
    const b = await exported(layers, compressionOf('gzip', 1));
    expect(b.manifest).toEqual(a.manifest);
    expect(a.manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('keeps a base layer compressed as it is without force-compression', async () => {
    const base = gzipBase();
    const { manifest } = await exported([base], compressionOf('zstd'));
    expect(manifest.layers[0]).toMatchObject({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: (base as { blob: { digest: string } }).blob.digest });
  });

  it('force-compression=true recompresses a gzip base layer, keeping its diff ID', async () => {
    const base = gzipBase() as Extract<LayerSpec, { kind: 'blob' }>;
    for (const type of ['zstd', 'uncompressed'] as const) {
      const { manifest, config: cfg, read } = await exported([base], compressionOf(type, undefined, true));
      const layer = manifest.layers[0]!;
      expect(layer.mediaType).toBe(type === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar');
      expect(cfg.rootfs.diff_ids[0]).toBe(base.blob.diffID);
      const tar = type === 'zstd' ? zstdDecode(read(layer.digest)) : read(layer.digest);
      expect(tar.equals(gunzipSync(readFileSync(base.blob.path)))).toBe(true);
    }
  });

  it('force-compression=true recompresses a gzip base layer straight into an oci archive', async () => {
    const base = gzipBase() as Extract<LayerSpec, { kind: 'blob' }>;
    const { manifest, read } = await exportedArchive([base], compressionOf('zstd', undefined, true));
    const layer = manifest.layers[0]!;
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(sha(read(layer.digest))).toBe(layer.digest);
    expect(zstdDecode(read(layer.digest)).equals(gunzipSync(readFileSync(base.blob.path)))).toBe(true);
  });

  it('force-compression into an oci archive leaves nothing behind when a base layer does not match its diff ID', async () => {
    const base = gzipBase() as Extract<LayerSpec, { kind: 'blob' }>;
    const lying: LayerSpec = { kind: 'blob', blob: { ...base.blob, diffID: `sha256:${'0'.repeat(64)}` } };
    const dir = tempDir();
    const img: PlatformImage = { platform: { os: 'linux', architecture: 'amd64' }, config, layers: [lying] };
    await expect(exportImage([img], { type: 'oci', dest: join(dir, 'out.tar') }, { compression: compressionOf('zstd', undefined, true) })).rejects.toThrow(/not its diff ID/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('force-compression refuses a base layer whose content does not match its diff ID', async () => {
    const base = gzipBase() as Extract<LayerSpec, { kind: 'blob' }>;
    const lying: LayerSpec = { kind: 'blob', blob: { ...base.blob, diffID: `sha256:${'0'.repeat(64)}` } };
    await expect(exported([lying], compressionOf('zstd', undefined, true))).rejects.toThrow(/not its diff ID/);
  });
});
