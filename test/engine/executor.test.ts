// The executor: which ops it runs, how FileOps chain, and which layers the result has.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeDefinition, UnsupportedOpError, writeLayer } from '../../src/engine/index.js';
import type { BaseImage, LayerEntry } from '../../src/engine/types.js';
import { copy, encodeDefinition, image, local, marshal, mkdir, mkfile, rm, scratch } from '../../src/llb/index.js';
import { amd64, build, contentOf, fakeImages, makeDir, readLayer, rootfsMap, tempDir } from './helpers.js';

const ALPINE = 'docker.io/library/alpine:latest';

async function baseImage(entries: LayerEntry[]): Promise<BaseImage> {
  const blob = await writeLayer(entries, { blobsDir: tempDir() });
  return {
    layers: [blob],
    config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [blob.diffID] } },
  };
}

const dirMeta = { mode: 0o755, uid: 0, gid: 0, mtime: 100 };
const fileMeta = { mode: 0o644, uid: 0, gid: 0, mtime: 100 };
const file = (s: string, mode = 0o644) => {
  const data = new TextEncoder().encode(s);
  return { type: 'file' as const, meta: { ...fileMeta, mode }, size: data.length, content: { kind: 'bytes' as const, data } };
};

async function alpineLike(): Promise<BaseImage> {
  return baseImage([
    { path: 'etc', node: { type: 'dir', meta: dirMeta, children: new Map() } },
    { path: 'etc/os-release', node: file('alpine') },
    { path: 'etc/passwd', node: file('root:x:0:0:root:/root:/bin/sh\n') },
    { path: 'bin', node: { type: 'dir', meta: dirMeta, children: new Map() } },
    { path: 'bin/sh', node: file('sh', 0o755) },
  ]);
}

describe('executeDefinition', () => {
  it('returns scratch for an empty definition', async () => {
    const result = await executeDefinition(new Uint8Array(), { locals: {}, images: fakeImages({}), workDir: tempDir(), platform: amd64 });
    expect(result.layers).toEqual([]);
    expect(result.rootfs.children.size).toBe(0);
  });

  it('runs a mkdir + mkfile chain in one FileOp, producing one layer', async () => {
    const state = scratch().file(mkdir('/etc', 0o755).mkfile('/etc/hello', 0o600, 'hi\n'), { customName: 'make files' });
    const result = await build(state, {});
    expect(result.layers).toHaveLength(1);
    const layer = result.layers[0]!;
    expect(layer.kind === 'entries' && layer.entries.map((e) => e.path)).toEqual(['etc', 'etc/hello']);
    expect(layer.kind === 'entries' && layer.description).toBe('make files');
    const fs = rootfsMap(result);
    expect(fs.get('/etc/hello')).toMatchObject({ type: 'file', mode: 0o600, uid: 0, gid: 0, size: 3, mtime: undefined });
    expect(contentOf(fs.get('/etc/hello'))).toBe('hi\n');
  });

  it('makes one layer per FileOp on the result chain', async () => {
    const state = scratch().file(mkfile('/a', 0o644, 'a')).file(mkfile('/b', 0o644, 'b'));
    const result = await build(state, {});
    expect(result.layers.map((l) => l.kind === 'entries' && l.entries.map((e) => e.path))).toEqual([['a'], ['b']]);
  });

  it('creates parents with mkdir makeParents, using the given mode for each', async () => {
    const fs = rootfsMap(await build(scratch().file(mkdir('/a/b/c', 0o700, { makeParents: true })), {}));
    expect([...fs.values()].map((e) => [e.path, e.mode])).toEqual([
      ['/a', 0o700],
      ['/a/b', 0o700],
      ['/a/b/c', 0o700],
    ]);
  });

  it('owns every directory mkdir makes by a user name looked up in its input (WORKDIR after USER name)', async () => {
    const base = scratch().file(mkdir('/etc', 0o755).mkfile('/etc/passwd', 0o644, 'app:x:1001:1002::/home/app:/bin/sh\n'));
    const fs = rootfsMap(await build(base.file(mkdir('/home/app', 0o755, { makeParents: true, chown: { user: { name: 'app' } } })), {}));
    expect([fs.get('/home'), fs.get('/home/app')].map((e) => [e?.uid, e?.gid])).toEqual([
      [1001, 1002],
      [1001, 1002],
    ]);
  });

  it('fails clearly on a mkdir owned by a user the input has no /etc/passwd for', async () => {
    const state = scratch().file(mkdir('/w', 0o755, { makeParents: true, chown: { user: { name: 'app' } } }), { customName: '[2/2] WORKDIR /w' });
    await expect(build(state, {})).rejects.toMatchObject({
      description: '[2/2] WORKDIR /w',
      message: 'cannot resolve user "app": the image has no /etc/passwd (use a numeric uid)',
      cause: { kind: 'user', account: 'app', missing: 'file' },
    });
  });

  it('fails mkdir without makeParents when the parent is missing', async () => {
    await expect(build(scratch().file(mkdir('/a/b', 0o755)), {})).rejects.toThrow(/parent directory \/a does not exist/);
  });

  it('removes a path with rm, and fails on a missing one unless allowNotFound', async () => {
    const base = scratch().file(mkdir('/d', 0o755).mkfile('/d/f', 0o644, 'x'));
    expect([...rootfsMap(await build(base.file(rm('/d/f')), {})).keys()]).toEqual(['/d']);
    await expect(build(base.file(rm('/nope')), {})).rejects.toThrow('rm /nope: no such file or directory');
    expect([...rootfsMap(await build(base.file(rm('/nope', { allowNotFound: true })), {})).keys()]).toEqual(['/d', '/d/f']);
  });

  it('refuses exec ops with a pointer to BuildKit', async () => {
    const state = scratch().run({ args: ['/bin/true'] }).root();
    const err = await build(state, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect((err as Error).message).toBe(
      'punch build cannot execute RUN/exec ops; use BuildKit (punch llb | buildctl build, or the punch frontend)',
    );
  });

  it('names the missing local directory', async () => {
    await expect(build(scratch().file(copy(local('context'), 'a', '/a')), {})).rejects.toThrow(
      'the build uses local source "context" but no directory was given for it (known: none)',
    );
  });
});

describe('image bases', () => {
  it('passes base layers through and adds one layer with what the copy wrote (and its parent dirs)', async () => {
    const alpine = await alpineLike();
    const dir = makeDir({ app: 'APP' });
    const state = image('alpine').file(copy(local('context'), 'app', '/bin/app'));
    const result = await build(state, { context: dir }, fakeImages({ [ALPINE]: alpine }));
    expect(result.layers[0]).toEqual({ kind: 'blob', blob: alpine.layers[0] });
    const added = result.layers[1]!;
    expect(added.kind === 'entries' && added.entries.map((e) => e.path)).toEqual(['bin', 'bin/app']);
    expect(contentOf(rootfsMap(result).get('/etc/os-release'))).toBe('alpine');
  });

  it('records removing a base file as a whiteout', async () => {
    const alpine = await alpineLike();
    const result = await build(image('alpine').file(rm('/etc/os-release')), {}, fakeImages({ [ALPINE]: alpine }));
    const added = result.layers[1]!;
    expect(added.kind === 'entries' && added.entries.map((e) => e.path)).toEqual(['etc', 'etc/.wh.os-release']);
  });

  it('copies files out of an image (COPY --from)', async () => {
    const alpine = await alpineLike();
    const state = scratch().file(copy(image('alpine'), '/bin/sh', '/sh'));
    const fs = rootfsMap(await build(state, {}, fakeImages({ [ALPINE]: alpine })));
    expect(fs.get('/sh')).toMatchObject({ type: 'file', mode: 0o755, mtime: 100 });
    expect(contentOf(fs.get('/sh'))).toBe('sh');
  });

  it('resolves chown names in the image /etc/passwd', async () => {
    const alpine = await alpineLike();
    const dir = makeDir({ a: 'A' });
    const state = image('alpine').file(copy(local('context'), 'a', '/a', { chown: { user: { name: 'root' } } }));
    const fs = rootfsMap(await build(state, { context: dir }, fakeImages({ [ALPINE]: alpine })));
    expect(fs.get('/a')).toMatchObject({ uid: 0, gid: 0 });
  });
});

describe('ADD unpacking (attemptUnpack)', () => {
  function tarball(gzip: boolean): string {
    const src = makeDir({ 'pkg/bin/tool': 'TOOL', 'pkg/README': 'read me' });
    const out = join(tempDir(), gzip ? 'pkg.tar.gz' : 'pkg.tar');
    execFileSync('tar', [gzip ? '-czf' : '-cf', out, '--owner=5', '--group=6', '-C', src, 'pkg']);
    return out;
  }

  for (const gzip of [false, true]) {
    it(`extracts a ${gzip ? 'gzip' : 'plain'} tar into the destination, keeping the archive's owners`, async () => {
      const archive = tarball(gzip);
      const ctxDir = join(archive, '..');
      const name = gzip ? 'pkg.tar.gz' : 'pkg.tar';
      const state = scratch().file(copy(local('context'), name, '/opt/', { attemptUnpack: true, createDestPath: true }));
      const fs = rootfsMap(await build(state, { context: ctxDir }));
      expect([...fs.keys()]).toEqual(['/opt', '/opt/pkg', '/opt/pkg/README', '/opt/pkg/bin', '/opt/pkg/bin/tool']);
      expect(fs.get('/opt/pkg/bin/tool')).toMatchObject({ uid: 5, gid: 6 });
      expect(contentOf(fs.get('/opt/pkg/bin/tool'))).toBe('TOOL');
    });
  }

  it('copies a file that is not an archive as it is', async () => {
    const dir = makeDir({ 'notes.gz': 'plain text' });
    const state = scratch().file(copy(local('context'), 'notes.gz', '/n', { attemptUnpack: true }));
    expect(contentOf(rootfsMap(await build(state, { context: dir })).get('/n'))).toBe('plain text');
  });
});

describe('layer blobs of a base', () => {
  it('are read back in the order written', async () => {
    const alpine = await alpineLike();
    expect(readLayer(alpine.layers[0]!.path).map((e) => e.path)).toEqual(['etc', 'etc/os-release', 'etc/passwd', 'bin', 'bin/sh']);
  });
});

// Keep the llb imports honest: marshal + encodeDefinition is the path `punch build` takes.
it('executes exactly the bytes punch llb would print', async () => {
  const def = encodeDefinition(marshal(scratch().file(mkfile('/x', 0o644, 'x')), { platform: amd64 }));
  const result = await executeDefinition(def, { locals: {}, images: fakeImages({}), workDir: tempDir(), platform: amd64 });
  expect(result.layers).toHaveLength(1);
});

describe('broken base layers', () => {
  it('names the layer whose tar is corrupt', async () => {
    const dir = tempDir();
    const path = join(dir, 'blob');
    writeFileSync(path, Buffer.alloc(1024, 0x41));
    const img: BaseImage = {
      layers: [{ path, mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:abc', diffID: 'sha256:abc', size: 1024 }],
      config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: ['sha256:abc'] } },
    };
    await expect(build(image('alpine'), {}, fakeImages({ [ALPINE]: img }))).rejects.toThrow(
      'image docker.io/library/alpine:latest: layer 1 (sha256:abc): tar archive has a corrupt header (checksum mismatch)',
    );
  });
});

it('names the gzip layer whose tar is corrupt', async () => {
  const path = join(tempDir(), 'blob');
  writeFileSync(path, gzipSync(Buffer.alloc(4096, 0x41)));
  const img: BaseImage = {
    layers: [{ path, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:abc', diffID: 'sha256:def', size: 1 }],
    config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: ['sha256:def'] } },
  };
  await expect(build(image('alpine'), {}, fakeImages({ [ALPINE]: img }))).rejects.toThrow(
    'image docker.io/library/alpine:latest: layer 1 (sha256:abc): tar archive has a corrupt header (checksum mismatch)',
  );
});
