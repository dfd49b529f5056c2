// What only a current engine shows: Docker 26 with buildx 0.13 and the containerd image store.
// `docker buildx build` pushing an image adds a provenance attestation by default, so the registry
// holds an index with the image manifest and an attestation manifest; the punch frontend must put
// every com.urunc.unikernel.* annotation on the image manifest (BuildKit announces
// exporter.image.annotations) and /urunc.json in its rootfs. Read back with skopeo. Then a type=oci
// archive (buildx 0.13 adds no provenance there unless asked), the image store, and two platforms.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { engine, hasEngine, makeContext, registryHost, skopeo, type Rootfs } from './engine.js';
import { URUNC, decodeUruncJson, expectTree, fileNode, syntaxLine, tree, uruncJsonNode } from './frontend-support.js';
import { applyLayers } from './rootfs.js';
import { readTar } from './tar.js';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}
interface Index {
  mediaType?: string;
  manifests: Descriptor[];
}
interface Manifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

const VALUES = {
  [`${URUNC}binary`]: '/unikernel/app.hvt',
  [`${URUNC}cmdline`]: 'app --serve',
  [`${URUNC}hypervisor`]: 'hvt',
  [`${URUNC}unikernelType`]: 'rumprun',
};
const CONTAINERFILE =
  `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n` +
  `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\nCMD ["app", "--serve"]\n`;

function context(): string {
  return makeContext({ Containerfile: syntaxLine() + CONTAINERFILE, 'app.hvt': 'app\n' });
}

/** `docker buildx build` on Docker 26 (the default builder: the daemon's own BuildKit). */
async function buildx(dir: string, args: readonly string[]): Promise<void> {
  await engine('docker26').docker(['buildx', 'build', '--progress=plain', '-f', 'Containerfile', ...args, '.'], { cwd: dir, check: true, timeoutMs: 10 * 60_000 });
}

/** An OCI archive (`--output type=oci,dest=x.tar`) read whole: its index.json and blobs by digest. */
function ociArchive(file: string): { index: Index; json: <T>(d: Descriptor) => T; rootfs: (m: Manifest) => Rootfs } {
  const entries = new Map(readTar(readFileSync(file)).map((e) => [e.path, e.content]));
  const blob = (digest: string): Buffer => {
    const b = entries.get(`blobs/sha256/${digest.slice('sha256:'.length)}`);
    if (!b) throw new Error(`${file}: no blob ${digest}`);
    return b;
  };
  return {
    index: JSON.parse(entries.get('index.json')!.toString('utf8')) as Index,
    json: <T>(d: Descriptor) => JSON.parse(blob(d.digest).toString('utf8')) as T,
    rootfs: (m) => applyLayers(m.layers.map((l) => readTar(l.mediaType.endsWith('gzip') ? gunzipSync(blob(l.digest)) : blob(l.digest)))),
  };
}

/** The index buildx wrote: the one top-level index of the archive, or that index itself. */
function imageIndex(a: ReturnType<typeof ociArchive>): Index {
  const top = a.index.manifests;
  if (top.length === 1 && top[0]!.mediaType === 'application/vnd.oci.image.index.v1+json') return a.json<Index>(top[0]!);
  return a.index;
}

const isAttestation = (d: Descriptor): boolean => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';

const expectedRootfs = () => expectTree({ '/unikernel/app.hvt': fileNode('app\n'), '/urunc.json': uruncJsonNode(VALUES) });

/** The com.urunc.unikernel.* annotations of a manifest. */
function uruncAnnotations(m: Manifest): Record<string, string> {
  return Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k.startsWith(URUNC)));
}

describe.runIf(hasEngine('docker26'))('docker buildx build on Docker 26, pushed with its defaults and oci-mediatypes=true', () => {
  const repo = () => `${registryHost()}/punch-e2e/docker26`;
  let index: Index;
  let image: Descriptor;
  let manifest: Manifest;

  beforeAll(async () => {
    const ref = `${repo()}:pushed`;
    await buildx(context(), ['--output', `type=image,name=${ref},push=true,oci-mediatypes=true`]);
    index = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { check: true })).stdout) as Index;
    image = index.manifests.find((d) => !isAttestation(d))!;
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo()}@${image.digest}`], { check: true });
    manifest = JSON.parse(raw.stdout) as Manifest;
  });

  test('skopeo reads an OCI index: the linux/amd64 image manifest and its provenance attestation (unknown/unknown)', () => {
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((d) => [d.mediaType, d.platform, d.annotations?.['vnd.docker.reference.digest']])).toEqual([
      ['application/vnd.oci.image.manifest.v1+json', { os: 'linux', architecture: 'amd64' }, undefined],
      ['application/vnd.oci.image.manifest.v1+json', { os: 'unknown', architecture: 'unknown' }, image.digest],
    ]);
  });

  test('the image manifest carries every com.urunc.unikernel.* annotation, raw, and OCI layer media types', () => {
    expect(uruncAnnotations(manifest)).toEqual(VALUES);
    expect(manifest.layers.length).toBeGreaterThan(0);
    expect(manifest.layers.filter((l) => l.mediaType !== 'application/vnd.oci.image.layer.v1.tar+gzip')).toEqual([]);
  });

  test('its config has the labels and the command; its rootfs the kernel and /urunc.json, and nothing else', async () => {
    const config = await skopeo(['inspect', '--config', '--tls-verify=false', `docker://${repo()}@${image.digest}`], { check: true });
    const c = JSON.parse(config.stdout) as { config: { Labels: Record<string, string>; Cmd: string[] } };
    expect([c.config.Labels, c.config.Cmd]).toEqual([VALUES, ['app', '--serve']]);
    const dir = makeContext({});
    const out = join(dir, 'copy.tar');
    await skopeo(['copy', '--src-tls-verify=false', `docker://${repo()}@${image.digest}`, `oci-archive:${out}`], { check: true });
    const archive = ociArchive(out);
    expect(tree(archive.rootfs(archive.json<Manifest>(archive.index.manifests[0]!)))).toEqual(expectedRootfs());
  });
});

describe.runIf(hasEngine('docker26'))('docker buildx build on Docker 26, other outputs', () => {
  test('--output type=oci: the archive holds the linux/amd64 image manifest, annotated, with /urunc.json', async () => {
    const dir = context();
    const out = join(dir, 'out.tar');
    await buildx(dir, ['--output', `type=oci,dest=${out}`]);
    const archive = ociArchive(out);
    const images = imageIndex(archive).manifests.filter((d) => !isAttestation(d));
    expect(images.map((d) => d.platform)).toEqual([{ os: 'linux', architecture: 'amd64' }]);
    const manifest = archive.json<Manifest>(images[0]!);
    expect(uruncAnnotations(manifest)).toEqual(VALUES);
    expect(tree(archive.rootfs(manifest))).toEqual(expectedRootfs());
  });

  test('--load into the containerd image store: the image keeps the labels, the command and /urunc.json', async () => {
    const tag = 'punch-e2e/docker26:store';
    await buildx(context(), ['-t', tag, '--load']);
    const d26 = engine('docker26');
    const image = await d26.imageInspect(tag);
    expect(image.Config.Labels).toEqual(VALUES);
    expect(image.Config.Cmd).toEqual(['app', '--serve']);
    expect(decodeUruncJson(await d26.imageRootfs(tag))).toEqual(VALUES);
  });

  test('--platform linux/amd64,linux/arm64: one annotated image manifest per platform, each with /urunc.json', async () => {
    const dir = context();
    const out = join(dir, 'out.tar');
    await buildx(dir, ['--platform', 'linux/amd64,linux/arm64', '--output', `type=oci,dest=${out}`]);
    const archive = ociArchive(out);
    const images = imageIndex(archive).manifests.filter((d) => !isAttestation(d));
    expect(images.map((d) => `${d.platform?.os}/${d.platform?.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const d of images) {
      const manifest = archive.json<Manifest>(d);
      expect(uruncAnnotations(manifest), d.platform?.architecture).toEqual(VALUES);
      const config = archive.json<{ architecture: string; os: string }>(manifest.config);
      expect([config.os, config.architecture]).toEqual([d.platform?.os, d.platform?.architecture]);
      expect(tree(archive.rootfs(manifest))).toEqual(expectedRootfs());
    }
  });
});
