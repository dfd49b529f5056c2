// Credentials from Docker's config.json: inline `auths[host].auth` only; credential helpers are named, not run.
import { readFile } from 'node:fs/promises';
import { RegistryError } from './errors.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

export type CredentialLookup =
  | { kind: 'basic'; credentials: BasicCredentials }
  /** The config says a helper (docker-credential-<name>) holds this host's secret; punch does not run helpers. */
  | { kind: 'helper'; helper: string }
  | { kind: 'none' };

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string } | undefined>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The keys `docker login` may have used for a registry domain. */
function keysFor(domain: string): string[] {
  const keys = [domain, `https://${domain}`, `http://${domain}`, `https://${domain}/v1/`, `https://${domain}/v2/`];
  if (domain === 'docker.io' || domain === 'index.docker.io' || domain === 'registry-1.docker.io') {
    keys.unshift('https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io');
  }
  return keys;
}

/** Pure lookup in a parsed config.json for a registry domain. */
export function lookupCredentials(config: unknown, domain: string, configPath: string): CredentialLookup {
  if (typeof config !== 'object' || config === null) return { kind: 'none' };
  const c = config as DockerConfig;
  const keys = keysFor(domain);
  for (const key of keys) {
    const helper = c.credHelpers?.[key];
    if (helper) return { kind: 'helper', helper };
  }
  for (const key of keys) {
    const entry = c.auths?.[key];
    if (!entry) continue;
    if (entry.auth) return { kind: 'basic', credentials: decodeAuth(entry.auth, key, configPath) };
    if (entry.username && entry.password) {
      return { kind: 'basic', credentials: { username: entry.username, password: entry.password } };
    }
    // `docker login` with a credsStore leaves an empty entry here and the secret in the store.
    if (c.credsStore) return { kind: 'helper', helper: c.credsStore };
  }
  return { kind: 'none' };
}

function decodeAuth(auth: string, key: string, configPath: string): BasicCredentials {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) {
    throw new RegistryError('unauthorized', `${configPath}: auths["${key}"].auth is not base64 of "user:password"`);
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Reads config.json; a missing file means no credentials. */
export async function readDockerConfig(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError('unauthorized', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RegistryError('unauthorized', `${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export function basicHeader(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
