// Image output: OCI layout / OCI archive / docker-load tar, config completion, and no half-written output.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportImage, finalConfig, reconcileHistory, type PlatformImage } from '../../src/engine/index.js';
import type { LayerSpec } from '../../src/engine/types.js';
import type { ImageConfig, Index, Manifest } from '../../src/oci/types.js';
import { copy, local, scratch } from '../../src/llb/index.js';
import { readTar } from '../e2e/tar.js';
import { build, makeDir, readLayer, tempDir } from './helpers.js';

const baseConfig: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Cmd: ['/app'] },
  rootfs: { type: 'layers', diff_ids: [] },
  history: [{ created_by: 'COPY app /app' }],
};

async function image(): Promise<PlatformImage> {
  const ctx = makeDir({ app: 'APP' });
  const result = await build(scratch().file(copy(local('context'), 'app', '/app'), { customName: 'COPY app /app' }), { context: ctx });
  return { platform: { os: 'linux', architecture: 'amd64' }, config: baseConfig, layers: result.layers, annotations: { 'com.urunc.unikernel.binary': '/app' } };
}

const json = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;
const blob = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7));

/** Follows index.json → manifest → config/layers and checks every digest and size against the blob files. */
function verifyLayout(layout: string): { index: Index; manifest: Manifest; config: ImageConfig } {
  expect(json(join(layout, 'oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' });
  const index = json<Index>(join(layout, 'index.json'));
  const check = (d: { digest: string; size: number }) => {
    const bytes = readFileSync(blob(layout, d.digest));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(d.digest);
    expect(bytes.length).toBe(d.size);
  };
  const root = index.manifests[index.manifests.length - 1]!;
  check(root);
  const manifest = json<Manifest>(blob(layout, root.digest));
  check(manifest.config);
  manifest.layers.forEach(check);
  return { index, manifest, config: json<ImageConfig>(blob(layout, manifest.config.digest)) };
}

describe('exportImage type=oci-layout', () => {
  it('writes a layout whose index, manifest, config and layers all match their digests', async () => {
    const dest = join(tempDir(), 'out');
    const res = await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'me/app:1.0', sourceDateEpoch: 1_700_000_000 });
    const { index, manifest, config } = verifyLayout(dest);
    expect(index.manifests[0]).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: res.digest,
      annotations: { 'io.containerd.image.name': 'docker.io/me/app:1.0', 'org.opencontainers.image.ref.name': '1.0' },
    });
    expect(manifest.annotations).toEqual({ 'com.urunc.unikernel.binary': '/app', 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' });
    expect(config.created).toBe('2023-11-14T22:13:20Z');
    expect(config.rootfs.diff_ids).toHaveLength(1);
    expect(config.history).toEqual([{ created: '2023-11-14T22:13:20Z', created_by: 'COPY app /app' }]);
    expect(readLayer(blob(dest, manifest.layers[0]!.digest)).map((e) => e.path)).toEqual(['app']);
  });

  it('writes a small archive in memory with exactly the bytes of the streamed one', async () => {
    const dir = tempDir();
    const inMemory = join(dir, 'a.tar');
    const streamed = join(dir, 'b.tar');
    await exportImage([await image()], { type: 'oci', dest: inMemory }, { name: 'me/app:1.0' });
    await exportImage([await image()], { type: 'oci', dest: streamed }, { name: 'me/app:1.0', inMemoryBytes: 0 });
    expect(readFileSync(inMemory).equals(readFileSync(streamed))).toBe(true);
  });

  it('keeps an archive of many small layers within its memory budget: the same bytes, no staging left', async () => {
    // 20 incompressible 1 MiB layers: more than an archive holds in memory (16 MiB), so some wait on disk.
    const layers: LayerSpec[] = Array.from({ length: 20 }, (_, i) => {
      const data = new Uint8Array(createHash('sha512').update(String(i)).digest().length * 16384);
      for (let off = 0; off < data.length; off += 64) data.set(createHash('sha512').update(`${i}/${off}`).digest(), off);
      const node = { type: 'file' as const, meta: { mode: 0o644, uid: 0, gid: 0, mtime: 0 }, size: data.length, content: { kind: 'bytes' as const, data } };
      return { kind: 'entries', entries: [{ path: `f${i}`, node }], description: `COPY f${i} /f${i}` };
    });
    const img: PlatformImage = { platform: { os: 'linux', architecture: 'amd64' }, config: baseConfig, layers };
    const dir = tempDir();
    await exportImage([img], { type: 'oci', dest: join(dir, 'a.tar') });
    await exportImage([img], { type: 'oci', dest: join(dir, 'b.tar') }, { inMemoryBytes: 0 });
    expect(readFileSync(join(dir, 'a.tar')).equals(readFileSync(join(dir, 'b.tar')))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['a.tar', 'b.tar']);
    // 40 MiB of incompressible layers: ~4 s on a loaded 2-core machine, past vitest's 5 s default.
  }, 30_000);

  it('omits created everywhere without SOURCE_DATE_EPOCH, so two exports are identical', async () => {
    const a = join(tempDir(), 'a');
    const b = join(tempDir(), 'b');
    const r1 = await exportImage([await image()], { type: 'oci-layout', dest: a });
    const r2 = await exportImage([await image()], { type: 'oci-layout', dest: b });
    expect(r1.digest).toBe(r2.digest);
    expect(verifyLayout(a).config.created).toBeUndefined();
  });

  it('adds a tag to an existing layout and replaces the same tag', async () => {
    const dest = join(tempDir(), 'out');
    await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:one' });
    await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:two' });
    await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:one' });
    const tags = json<Index>(join(dest, 'index.json')).manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']);
    expect(tags).toEqual(['two', 'one']);
  });

  it('refuses a destination that exists and is not a layout', async () => {
    const dest = makeDir({ 'file.txt': 'x' });
    await expect(exportImage([await image()], { type: 'oci-layout', dest })).rejects.toThrow(/exists and is not an OCI layout/);
  });

  it('writes an index with one manifest per platform', async () => {
    const dest = join(tempDir(), 'out');
    const amd = await image();
    const arm: PlatformImage = { ...amd, platform: { os: 'linux', architecture: 'arm64' }, config: { ...baseConfig, architecture: 'arm64' } };
    const res = await exportImage([amd, arm], { type: 'oci-layout', dest });
    expect(res.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const index = json<Index>(blob(dest, res.digest));
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ]);
  });
});

describe('exportImage tar outputs', () => {
  it('writes an OCI archive holding the layout', async () => {
    const dest = join(tempDir(), 'img.tar');
    const res = await exportImage([await image()], { type: 'oci', dest }, { name: 'app:1' });
    const entries = readTar(readFileSync(dest));
    const names = entries.map((e) => e.path);
    // containerd's order: the blobs (here in the order they were made), then the index and the marker.
    expect(names.slice(0, 2)).toEqual(['blobs', 'blobs/sha256']);
    expect(names.slice(-2)).toEqual(['index.json', 'oci-layout']);
    expect(names).toContain(`blobs/sha256/${res.digest.slice(7)}`);
  });

  it('holds a layer made twice once, streamed or not', async () => {
    const img = await image();
    const twice: PlatformImage = { ...img, layers: [...img.layers, ...img.layers] };
    for (const inMemoryBytes of [0, undefined]) {
      const dest = join(tempDir(), 'img.tar');
      await exportImage([twice], { type: 'oci', dest }, inMemoryBytes === undefined ? {} : { inMemoryBytes });
      const names = readTar(readFileSync(dest)).map((e) => e.path);
      expect(new Set(names).size).toBe(names.length);
      // The layer, the config, the manifest.
      expect(names.filter((n) => n.startsWith('blobs/sha256/'))).toHaveLength(3);
    }
  });

  it('writes a docker-load tar with manifest.json naming config, tag and layers', async () => {
    const dest = join(tempDir(), 'img.tar');
    const res = await exportImage([await image()], { type: 'docker', dest }, { name: 'me/app:1' });
    const entries = readTar(readFileSync(dest));
    const manifestJson = JSON.parse(entries.find((e) => e.path === 'manifest.json')!.content.toString());
    const m = res.manifests[0]!;
    expect(manifestJson).toEqual([{ Config: `blobs/sha256/${m.configDigest.slice(7)}`, RepoTags: ['docker.io/me/app:1'], Layers: [expect.stringMatching(/^blobs\/sha256\/[0-9a-f]{64}$/)] }]);
    for (const p of [manifestJson[0].Config, ...manifestJson[0].Layers]) expect(entries.some((e) => e.path === p)).toBe(true);
  });

  it('refuses a tar destination that is a directory, naming a file to use instead, and leaves it alone', async () => {
    const dest = tempDir();
    await expect(exportImage([await image()], { type: 'oci', dest })).rejects.toThrow(
      `output ${dest} is a directory; type=oci writes one tar file: name a file (e.g. ${join(dest, 'image.tar')}), or use type=oci-layout for a directory`,
    );
    expect(readdirSync(dest)).toEqual([]);
  });

  it('refuses several platforms in a docker tar', async () => {
    const img = await image();
    await expect(exportImage([img, img], { type: 'docker', dest: join(tempDir(), 'x.tar') })).rejects.toThrow(/type=docker cannot hold several platforms/);
  });
});

describe('nothing half-written', () => {
  const broken = (): PlatformImage => {
    const layers: LayerSpec[] = [
      { kind: 'entries', description: 'x', entries: [{ path: 'f', node: { type: 'file', meta: { mode: 0o644, uid: 0, gid: 0, mtime: 0 }, size: 10, content: { kind: 'file', path: '/nonexistent/punch/file' } } }] },
    ];
    return { platform: { os: 'linux', architecture: 'amd64' }, config: baseConfig, layers };
  };

  for (const type of ['oci-layout', 'oci', 'docker'] as const) {
    it(`leaves no output and no temp files when a ${type} export fails`, async () => {
      const dir = tempDir();
      const dest = join(dir, type === 'oci-layout' ? 'out' : 'out.tar');
      await expect(exportImage([broken()], { type, dest })).rejects.toThrow(/ENOENT/);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('leaves no output and no temp files when a layer streamed into an archive fails', async () => {
    const dir = tempDir();
    const good = await image();
    await expect(exportImage([{ ...good, layers: [...good.layers, ...broken().layers] }], { type: 'oci', dest: join(dir, 'out.tar') }, { inMemoryBytes: 0 })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the blobs it added to an existing layout when the export fails, keeping index.json', async () => {
    const dest = join(tempDir(), 'out');
    await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:1' });
    const before = readdirSync(join(dest, 'blobs', 'sha256')).sort();
    const indexBefore = readFileSync(join(dest, 'index.json'), 'utf8');
    const good = await image();
    const bad: PlatformImage = { ...good, layers: [...good.layers, { kind: 'entries', description: undefined, entries: [{ path: 'new', node: { type: 'file', meta: { mode: 0o644, uid: 0, gid: 0, mtime: 5 }, size: 1, content: { kind: 'bytes', data: new Uint8Array([1]) } } }] }, ...broken().layers] };
    await expect(exportImage([bad], { type: 'oci-layout', dest }, { name: 'app:2' })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(join(dest, 'blobs', 'sha256')).sort()).toEqual(before);
    expect(readFileSync(join(dest, 'index.json'), 'utf8')).toBe(indexBefore);
  });

  it('leaves no output when aborted', async () => {
    const dir = tempDir();
    const ac = new AbortController();
    ac.abort();
    await expect(exportImage([await image()], { type: 'oci', dest: join(dir, 'out.tar') }, { signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('config completion', () => {
  it('appends history for layers the history does not account for, like BuildKit', () => {
    expect(reconcileHistory([{ created_by: 'FROM', empty_layer: true }], ['COPY a /a'], undefined)).toEqual([
      { created_by: 'FROM', empty_layer: true },
      { created_by: 'COPY a /a', comment: 'buildkit.exporter.image.v0' },
    ]);
  });

  it('marks surplus history entries empty', () => {
    expect(reconcileHistory([{ created_by: 'one' }, { created_by: 'two' }], ['l1'], '2024-01-01T00:00:00Z')).toEqual([
      { created: '2024-01-01T00:00:00Z', created_by: 'one' },
      { created_by: 'two', empty_layer: true },
    ]);
  });

  it('sets diff_ids from the layers, replacing what the core copied from the base', () => {
    const cfg = finalConfig({ ...baseConfig, rootfs: { type: 'layers', diff_ids: ['sha256:old'] } }, [{ diffID: 'sha256:new' }], ['x'], undefined);
    expect(cfg.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:new'] });
  });
});

const haveSkopeo = existsSync('/usr/bin/skopeo');
const haveUmoci = existsSync('/usr/bin/umoci');

describe('real tools read the output', () => {
  it.skipIf(!haveSkopeo)('skopeo inspect reads the layout (skipped when /usr/bin/skopeo is absent)', async () => {
    const dest = join(tempDir(), 'out');
    const res = await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:t1' });
    const out = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dest}:t1`], { encoding: 'utf8' }));
    expect(out.Digest).toBe(res.digest);
    expect(out.Architecture).toBe('amd64');
  });

  it.skipIf(!haveSkopeo)('skopeo reads the docker-load tar (skipped when /usr/bin/skopeo is absent)', async () => {
    const dest = join(tempDir(), 'img.tar');
    await exportImage([await image()], { type: 'docker', dest }, { name: 'me/app:1' });
    const out = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${dest}`], { encoding: 'utf8' }));
    expect(out.Layers).toHaveLength(1);
  });

  it.skipIf(!haveUmoci)('umoci unpacks the layout (skipped when /usr/bin/umoci is absent)', async () => {
    const dir = tempDir();
    const dest = join(dir, 'out');
    await exportImage([await image()], { type: 'oci-layout', dest }, { name: 'app:t1' });
    const bundle = join(dir, 'bundle');
    const r = spawnSync('umoci', ['unpack', '--rootless', '--image', `${dest}:t1`, bundle], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/error/i);
    expect(readFileSync(join(bundle, 'rootfs', 'app'), 'utf8')).toBe('APP');
  });
});
