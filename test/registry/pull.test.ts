import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryClient, RegistryError, type RegistryClient } from '../../src/registry/index.js';
import { FakeRegistry } from './fake-registry.js';
import { buildImage, seedImage, seedIndex, sha, unikraftImages } from './fixtures.js';

const qemu = { os: 'qemu', architecture: 'amd64' };
const fc = { os: 'fc', architecture: 'amd64' };

let reg: FakeRegistry;
let host: string;
let cacheDir: string;
let client: RegistryClient;

beforeEach(async () => {
  reg = new FakeRegistry();
  host = await reg.start();
  cacheDir = await mkdtemp(join(tmpdir(), 'punch-registry-'));
  client = createRegistryClient({ cacheDir, dockerConfigPath: join(cacheDir, 'no-config.json') });
});

afterEach(async () => {
  await reg.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('pull from an index', () => {
  it('picks the qemu/x86_64 manifest for qemu/amd64 and downloads its blobs into the cache', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    const indexDigest = seedIndex(reg, 'unikraft/nginx', '1.15', [q, f]);
    const image = await client.pull(`${host}/unikraft/nginx:1.15`, qemu);
    expect(image).toEqual({
      ref: `${host}/unikraft/nginx:1.15`,
      indexDigest,
      manifestDigest: q.manifestDigest,
      manifest: q.manifest,
      config: q.config,
      configDigest: sha(q.configBytes),
      layers: [
        {
          digest: sha('qemu kernel'),
          diffId: sha('qemu kernel'),
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          size: 11,
          path: join(cacheDir, 'blobs', 'sha256', sha('qemu kernel').slice(7)),
          annotations: { 'org.unikraft.kernel.image': 'true' },
        },
      ],
    });
    expect(await readFile(image.layers[0]!.path, 'utf8')).toBe('qemu kernel');
  });

  it('picks the fc/x86_64 manifest for fc/amd64', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    seedIndex(reg, 'unikraft/nginx', '1.15', [q, f]);
    const image = await client.pull(`${host}/unikraft/nginx:1.15`, fc);
    expect(image.manifestDigest).toBe(f.manifestDigest);
    expect(image.config.config.Env).toEqual(['PLATFORM=fc/x86_64']);
  });

  it('reads a Docker manifest list with Docker v2 manifests', async () => {
    const amd = buildImage({ os: 'linux', architecture: 'amd64', layers: ['a'], docker: true });
    const arm = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', layers: ['b'], docker: true });
    const listDigest = seedIndex(reg, 'library/base', 'latest', [amd, arm], true);
    const image = await client.pull(`${host}/library/base`, { os: 'linux', architecture: 'arm64' });
    expect([image.indexDigest, image.manifestDigest, image.layers.map((l) => l.mediaType)]).toEqual([
      listDigest,
      arm.manifestDigest,
      ['application/vnd.docker.image.rootfs.diff.tar.gzip'],
    ]);
  });

  it('asks for every manifest type it understands', async () => {
    const { qemu: q } = unikraftImages();
    seedIndex(reg, 'u/n', 't', [q]);
    let accept = '';
    const spy: typeof fetch = (input, init) => {
      if (String(input).includes('/manifests/t')) accept = new Headers(init?.headers).get('accept') ?? '';
      return fetch(input, init);
    };
    await createRegistryClient({ cacheDir, fetch: spy }).resolve(`${host}/u/n:t`, qemu);
    expect(accept).toBe(
      'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('lists the available platforms when none matches', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    seedIndex(reg, 'unikraft/nginx', '1.15', [q, f]);
    await expect(client.pull(`${host}/unikraft/nginx:1.15`, { os: 'linux', architecture: 'amd64' })).rejects.toThrow(
      `no manifest for platform linux/amd64 in ${host}/unikraft/nginx:1.15; available: qemu/x86_64, fc/x86_64`,
    );
  });
});

describe('pull of a single manifest', () => {
  it('accepts it when its config is for the platform', async () => {
    const img = buildImage({ os: 'linux', architecture: 'x86_64', layers: ['one', 'two'] });
    seedImage(reg, 'solo', img, 'v1');
    const image = await client.pull(`${host}/solo:v1`, { os: 'linux', architecture: 'amd64' });
    expect([image.indexDigest, image.manifestDigest, image.layers.map((l) => l.diffId)]).toEqual([
      undefined,
      img.manifestDigest,
      [sha('one'), sha('two')],
    ]);
  });

  it('refuses it when its config is for another platform', async () => {
    seedImage(reg, 'solo', buildImage({ os: 'linux', architecture: 'amd64', layers: ['one'] }), 'v1');
    await expect(client.pull(`${host}/solo:v1`, qemu)).rejects.toThrow(
      `no manifest for platform qemu/amd64 in ${host}/solo:v1; available: linux/amd64 (a single-platform image)`,
    );
  });

  it('pulls by digest', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    seedImage(reg, 'solo', img);
    const image = await client.pull(`${host}/solo@${img.manifestDigest}`, qemu);
    expect([image.ref, image.manifestDigest]).toEqual([`${host}/solo@${img.manifestDigest}`, img.manifestDigest]);
  });
});

describe('resolve', () => {
  it('returns the index digest and the platform config without downloading layers', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    const indexDigest = seedIndex(reg, 'unikraft/nginx', '1.15', [q, f]);
    expect(await client.resolve(`${host}/unikraft/nginx:1.15`, fc)).toEqual({ digest: indexDigest, config: f.config });
    expect(reg.calls(/blobs/)).toEqual([`GET /v2/unikraft/nginx/blobs/${sha(f.configBytes)}`]);
  });

  it('returns the manifest digest when there is no index', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] });
    seedImage(reg, 'solo', img, 'v1');
    expect((await client.resolve(`${host}/solo:v1`, qemu)).digest).toBe(img.manifestDigest);
  });
});

describe('digest verification', () => {
  it('rejects a layer whose bytes do not match its digest and leaves nothing in the cache', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['good'] });
    seedImage(reg, 'solo', img, 'v1');
    reg.tamperedBlobs.set(sha('good'), Buffer.from('evil'));
    const err = await client.pull(`${host}/solo:v1`, qemu).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('digest-mismatch');
    expect((err as Error).message).toBe(
      `digest mismatch for layer ${sha('good')} of ${host}/solo:v1: expected ${sha('good')}, got ${sha('evil')}`,
    );
    expect((await readdir(join(cacheDir, 'blobs', 'sha256'))).sort()).toEqual([sha(img.configBytes).slice(7)]);
  });

  it('rejects a platform manifest whose bytes do not match the digest the index gives', async () => {
    const { qemu: q } = unikraftImages();
    seedIndex(reg, 'u/n', 't', [q]);
    const forged = Buffer.from(q.manifestBytes.toString().replace('0.17.0', '6.6.6'));
    reg.tamperedBlobs.set(q.manifestDigest, forged);
    await expect(client.pull(`${host}/u/n:t`, qemu)).rejects.toThrow(
      `digest mismatch for manifest of ${host}/u/n:t: expected ${q.manifestDigest}, got ${sha(forged)}`,
    );
  });

  it('rejects a blob longer than its descriptor says', async () => {
    const img = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['short'] });
    seedImage(reg, 'solo', img, 'v1');
    reg.tamperedBlobs.set(sha('short'), Buffer.from('short but longer'));
    await expect(client.pull(`${host}/solo:v1`, qemu)).rejects.toThrow(
      `layer ${sha('short')} of ${host}/solo:v1: more than the 5 bytes its descriptor declares`,
    );
  });
});

describe('cache', () => {
  it('a second pull asks for the manifests again but for no blob', async () => {
    const { qemu: q, fc: f } = unikraftImages();
    seedIndex(reg, 'unikraft/nginx', '1.15', [q, f]);
    await client.pull(`${host}/unikraft/nginx:1.15`, qemu);
    reg.requests.length = 0;
    const again = createRegistryClient({ cacheDir });
    const image = await again.pull(`${host}/unikraft/nginx:1.15`, qemu);
    expect(reg.calls(/./)).toEqual(['GET /v2/unikraft/nginx/manifests/1.15', `GET /v2/unikraft/nginx/manifests/${q.manifestDigest}`]);
    expect(await readFile(image.layers[0]!.path, 'utf8')).toBe('qemu kernel');
  });

  it('shares a blob between images and between concurrent pulls', async () => {
    const a = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['shared', 'a'] });
    const b = buildImage({ os: 'qemu', architecture: 'amd64', layers: ['shared', 'b'] });
    seedImage(reg, 'a', a, 't');
    seedImage(reg, 'b', b, 't');
    const [ia, ib] = await Promise.all([client.pull(`${host}/a:t`, qemu), client.pull(`${host}/b:t`, qemu)]);
    expect(ia.layers[0]!.path).toBe(ib.layers[0]!.path);
    expect(reg.calls(new RegExp(`GET .*/blobs/${sha('shared')}`))).toHaveLength(1);
  });
});

describe('errors users can hit', () => {
  it('says "image not found" for an unknown tag', async () => {
    await expect(client.pull(`${host}/nothing/here:v9`, qemu)).rejects.toThrow(
      `image not found: ${host}/nothing/here:v9: MANIFEST_UNKNOWN: manifest unknown`,
    );
  });

  it('names the URL and the reason when the registry cannot be reached', async () => {
    await reg.stop();
    await expect(client.pull(`${host}/x:t`, qemu)).rejects.toThrow(`cannot reach http://${host}/v2/x/manifests/t: ECONNREFUSED`);
  });

  it('uses HTTPS for a non-loopback registry and says so when it fails', async () => {
    const failing: typeof fetch = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    };
    const c = createRegistryClient({ cacheDir, fetch: failing });
    await expect(c.pull('registry.invalid/x:t', qemu)).rejects.toThrow(
      'cannot reach https://registry.invalid/v2/x/manifests/t: ENOTFOUND (punch uses HTTPS except for loopback registries, which use plain HTTP)',
    );
  });

  it('sends docker.io references to https://registry-1.docker.io', async () => {
    const urls: string[] = [];
    const failing: typeof fetch = async (input) => {
      urls.push(String(input));
      throw new TypeError('fetch failed');
    };
    await createRegistryClient({ cacheDir, fetch: failing }).pull('alpine', { os: 'linux', architecture: 'amd64' }).catch(() => undefined);
    expect(urls).toEqual(['https://registry-1.docker.io/v2/library/alpine/manifests/latest']);
  });
});

describe('the blob cache hooks of a build', () => {
  it('hands out the useBlob name of each cached blob and tells of each download once', async () => {
    const { qemu: q } = unikraftImages();
    seedIndex(reg, 'unikraft/nginx', '1.15', [q]);
    const added: string[] = [];
    const hooked = createRegistryClient({
      cacheDir,
      dockerConfigPath: join(cacheDir, 'no-config.json'),
      useBlob: (p) => `${p}#held`,
      onBlobAdded: (digest) => added.push(digest),
    });
    const first = await hooked.pull(`${host}/unikraft/nginx:1.15`, qemu);
    const again = await hooked.pull(`${host}/unikraft/nginx:1.15`, qemu);
    const layerPath = join(cacheDir, 'blobs', 'sha256', sha('qemu kernel').slice(7));
    expect([first.layers[0]!.path, again.layers[0]!.path]).toEqual([`${layerPath}#held`, `${layerPath}#held`]);
    expect(added.sort()).toEqual([sha(q.configBytes), sha('qemu kernel')].sort());
  });
});
