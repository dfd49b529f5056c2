import { describe, expect, it } from 'vitest';
import { lookupCredentials } from '../../src/registry/credentials.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const path = '/home/u/.docker/config.json';

describe('lookupCredentials', () => {
  it('decodes auths[host].auth as user:password', () => {
    expect(lookupCredentials({ auths: { 'ghcr.io': { auth: b64('me:s3:cret') } } }, 'ghcr.io', path)).toEqual({
      kind: 'basic',
      credentials: { username: 'me', password: 's3:cret' },
    });
  });

  it('finds Docker Hub credentials under the legacy index key', () => {
    expect(lookupCredentials({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }, 'docker.io', path)).toEqual({
      kind: 'basic',
      credentials: { username: 'hub', password: 'pw' },
    });
  });

  it('finds credentials stored under an https:// key', () => {
    expect(lookupCredentials({ auths: { 'https://reg.example:5000': { auth: b64('a:b') } } }, 'reg.example:5000', path)).toEqual({
      kind: 'basic',
      credentials: { username: 'a', password: 'b' },
    });
  });

  it('names the credential helper of the host', () => {
    expect(lookupCredentials({ credHelpers: { 'ghcr.io': 'gh' } }, 'ghcr.io', path)).toEqual({ kind: 'helper', helper: 'gh' });
  });

  it('names the credsStore when the auths entry has no inline secret', () => {
    expect(lookupCredentials({ auths: { 'ghcr.io': {} }, credsStore: 'desktop' }, 'ghcr.io', path)).toEqual({
      kind: 'helper',
      helper: 'desktop',
    });
  });

  it('has nothing for a host not in the file, or without a file', () => {
    expect(lookupCredentials({ auths: { 'ghcr.io': { auth: b64('a:b') } } }, 'quay.io', path)).toEqual({ kind: 'none' });
    expect(lookupCredentials(undefined, 'quay.io', path)).toEqual({ kind: 'none' });
  });

  it('refuses an auth value without a colon, naming the file and key', () => {
    expect(() => lookupCredentials({ auths: { 'ghcr.io': { auth: b64('nocolon') } } }, 'ghcr.io', path)).toThrow(
      '/home/u/.docker/config.json: auths["ghcr.io"].auth is not base64 of "user:password"',
    );
  });
});
