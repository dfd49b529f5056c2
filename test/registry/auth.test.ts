import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryClient, RegistryError } from '../../src/registry/index.js';
import { basic, FakeRegistry, type FakeAuth } from './fake-registry.js';
import { buildImage, seedImage } from './fixtures.js';

const qemu = { os: 'qemu', architecture: 'amd64' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let dir: string;
let reg: FakeRegistry;
let host: string;

async function startWith(auth: FakeAuth): Promise<void> {
  reg = new FakeRegistry(auth);
  host = await reg.start();
  seedImage(reg, 'private/app', buildImage({ os: 'qemu', architecture: 'amd64', layers: ['k'] }), 'v1');
}

async function configWith(auths: Record<string, unknown>): Promise<string> {
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(auths));
  return path;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'punch-auth-'));
});

afterEach(async () => {
  await reg.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('anonymous bearer tokens', () => {
  it('answers a 401 challenge by getting a token for the scope and retrying', async () => {
    await startWith({ kind: 'token' });
    const client = createRegistryClient({ cacheDir: dir, dockerConfigPath: join(dir, 'none.json') });
    await client.resolve(`${host}/private/app:v1`, qemu);
    const scopeToken = `Bearer ${b64('repository:private/app:pull')}`;
    expect(reg.requests.map((r) => [r.method, r.url, r.authorization])).toEqual([
      ['GET', '/v2/private/app/manifests/v1', undefined],
      ['GET', '/token?service=fake-registry&scope=repository%3Aprivate%2Fapp%3Apull', undefined],
      ['GET', '/v2/private/app/manifests/v1', scopeToken],
      ['GET', expect.stringMatching(/^\/v2\/private\/app\/blobs\/sha256:/), scopeToken],
    ]);
  });

  it('reuses the token for later requests to the same repository', async () => {
    await startWith({ kind: 'token' });
    const client = createRegistryClient({ cacheDir: dir, dockerConfigPath: join(dir, 'none.json') });
    await client.pull(`${host}/private/app:v1`, qemu);
    await client.pull(`${host}/private/app:v1`, qemu);
    expect(reg.calls(/token/)).toEqual(['GET /token']);
  });
});

describe('credentials from config.json', () => {
  it('sends the login to the token service as Basic', async () => {
    await startWith({ kind: 'token', user: { username: 'me', password: 'pw' } });
    const dockerConfigPath = await configWith({ auths: { [host]: { auth: b64('me:pw') } } });
    await createRegistryClient({ cacheDir: dir, dockerConfigPath }).resolve(`${host}/private/app:v1`, qemu);
    expect(reg.requests.find((r) => r.url.startsWith('/token'))?.authorization).toBe(basic('me', 'pw'));
  });

  it('answers a Basic challenge with the login', async () => {
    await startWith({ kind: 'basic', user: { username: 'me', password: 'pw' } });
    const dockerConfigPath = await configWith({ auths: { [host]: { auth: b64('me:pw') } } });
    await createRegistryClient({ cacheDir: dir, dockerConfigPath }).resolve(`${host}/private/app:v1`, qemu);
    expect(reg.requests.map((r) => r.authorization)).toEqual([undefined, basic('me', 'pw'), basic('me', 'pw')]);
  });

  it('says the login was refused when the token service rejects it', async () => {
    await startWith({ kind: 'token', user: { username: 'me', password: 'pw' } });
    const dockerConfigPath = await configWith({ auths: { [host]: { auth: b64('me:wrong') } } });
    await expect(createRegistryClient({ cacheDir: dir, dockerConfigPath }).resolve(`${host}/private/app:v1`, qemu)).rejects.toThrow(
      `unauthorized: ${host} refused access to private/app (registry said: UNAUTHORIZED: bad credentials); the credentials for ${host} in ${dockerConfigPath} were refused`,
    );
  });
});

describe('401 without usable credentials', () => {
  it('tells the user to log in, naming the host and the config file', async () => {
    await startWith({ kind: 'basic', user: { username: 'me', password: 'pw' } });
    const dockerConfigPath = join(dir, 'none.json');
    const err = await createRegistryClient({ cacheDir: dir, dockerConfigPath })
      .pull(`${host}/private/app:v1`, qemu)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('unauthorized');
    expect((err as Error).message).toBe(
      `unauthorized: ${host} refused access to private/app (registry said: UNAUTHORIZED: authentication required); no credentials for ${host} in ${dockerConfigPath}: run \`docker login ${host}\` (the image may also not exist)`,
    );
  });

  it('names the credential helper punch cannot run', async () => {
    await startWith({ kind: 'token', user: { username: 'me', password: 'pw' } });
    const dockerConfigPath = await configWith({ credHelpers: { [host]: 'secretservice' } });
    await expect(createRegistryClient({ cacheDir: dir, dockerConfigPath }).resolve(`${host}/private/app:v1`, qemu)).rejects.toThrow(
      `the credentials for ${host} are kept by credential helper "docker-credential-secretservice", which punch does not support: put an "auth" entry for ${host} in ${dockerConfigPath}`,
    );
  });

  it('reports a config.json that is not JSON', async () => {
    await startWith({ kind: 'token' });
    const dockerConfigPath = join(dir, 'config.json');
    await writeFile(dockerConfigPath, '{ nope');
    await expect(createRegistryClient({ cacheDir: dir, dockerConfigPath }).resolve(`${host}/private/app:v1`, qemu)).rejects.toThrow(
      `${dockerConfigPath} is not valid JSON`,
    );
  });
});
