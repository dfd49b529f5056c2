// One round trip against the real distribution registry (Debian's docker-registry), when installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient, type BlobToPush } from '../../src/registry/index.js';
import { buildImage, buildIndex, sha } from './fixtures.js';

const binary = '/usr/bin/docker-registry';
const present = existsSync(binary);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer ${url}`);
}

describe.skipIf(!present)(`real registry (${present ? binary : `skipped: ${binary} is not installed`})`, () => {
  let dir: string;
  let child: ChildProcess;
  let host: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'punch-distribution-'));
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: ${host}\n`,
    );
    child = spawn(binary, ['serve', config], { stdio: 'ignore' });
    await waitUntilServing(`http://${host}/v2/`, child);
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes a Unikraft-style index with annotations and pulls the fc manifest back intact', async () => {
    const annotations = { 'com.urunc.unikernel.hypervisor': 'firecracker', 'org.unikraft.kernel.version': '0.17.0' };
    const q = buildImage({ os: 'qemu', architecture: 'x86_64', layers: ['qemu kernel'], annotations });
    const f = buildImage({ os: 'fc', architecture: 'x86_64', layers: ['fc kernel'], annotations });
    const index = buildIndex([q, f]);
    const blobs: BlobToPush[] = [];
    for (const bytes of [q.configBytes, ...q.layerBytes, f.configBytes, ...f.layerBytes]) {
      const path = join(dir, sha(bytes).slice(7));
      await writeFile(path, bytes);
      blobs.push({ digest: sha(bytes), size: bytes.length, path });
    }
    const pusher = createRegistryClient({ cacheDir: join(dir, 'push-cache') });
    const pushed = await pusher.push(`${host}/punch/uk:1`, {
      blobs,
      manifests: [
        { mediaType: q.mediaType, bytes: q.manifestBytes },
        { mediaType: f.mediaType, bytes: f.manifestBytes },
      ],
      root: { mediaType: index.mediaType, bytes: index.bytes },
    });

    const puller = createRegistryClient({ cacheDir: join(dir, 'pull-cache') });
    const image = await puller.pull(`${host}/punch/uk:1`, { os: 'fc', architecture: 'amd64' });
    expect([pushed.digest, image.indexDigest, image.manifestDigest, image.manifest.annotations, image.config]).toEqual([
      index.digest,
      index.digest,
      f.manifestDigest,
      annotations,
      f.config,
    ]);
    expect(await readFile(image.layers[0]!.path, 'utf8')).toBe('fc kernel');
  });
});
