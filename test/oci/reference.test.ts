// Docker reference normalisation (ParseNormalizedNamed + TagNameOnly), as `docker pull` understands names.
import { describe, expect, it } from 'vitest';
import { contextName, formatReference, normalizeReference, parseReference } from '../../src/oci/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('normalizeReference', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['me/app:1', 'docker.io/me/app:1'],
    ['a/b/c/d', 'docker.io/a/b/c/d:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest'],
    ['ghcr.io/x/y', 'ghcr.io/x/y:latest'],
    ['unikraft.org/nginx:1.15', 'unikraft.org/nginx:1.15'],
    ['127.0.0.1:5000/punch:test', '127.0.0.1:5000/punch:test'],
    ['localhost/x', 'localhost/x:latest'],
    ['localhost:5000/a/b', 'localhost:5000/a/b:latest'],
    ['[::1]:5000/x', '[::1]:5000/x:latest'],
    ['alpine:Latest', 'docker.io/library/alpine:Latest'],
    [`alpine@${DIGEST}`, `docker.io/library/alpine@${DIGEST}`],
    [`alpine:3.19@${DIGEST}`, `docker.io/library/alpine:3.19@${DIGEST}`],
  ])('%s → %s', (input, expected) => {
    expect(normalizeReference(input)).toBe(expected);
  });

  it.each([
    ['Alpine', 'invalid reference format: repository name must be lowercase'],
    ['ALPINE:latest', 'invalid reference format: repository name must be lowercase'],
    ['ghcr.io/X/y', 'invalid reference format: repository name must be lowercase'],
    ['Foo/bar', 'invalid reference format: repository name must be lowercase'],
    ['', 'invalid reference format: repository name must have at least one component'],
    ['alpine:', 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['-a', 'invalid reference format'],
    [`alpine:${'t'.repeat(129)}`, 'invalid reference format'],
    ['alpine@sha256:abc', 'invalid reference format'],
    [`${'a'.repeat(64)}`, `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    [`alpine@md5:${'a'.repeat(64)}`, `invalid reference format: unsupported digest algorithm in "md5:${'a'.repeat(64)}"`],
    [`alpine@sha256:${'a'.repeat(63)}`, `invalid reference format: invalid checksum digest length in "sha256:${'a'.repeat(63)}"`],
    [`x/${'a'.repeat(250)}`, 'invalid reference format: repository name must not be more than 255 characters'],
  ])('rejects %j', (input, error) => {
    expect(normalizeReference(input)).toEqual({ error });
  });
});

describe('parseReference', () => {
  it('splits domain, path, tag and digest without adding a default tag', () => {
    expect(parseReference(`127.0.0.1:5000/punch:test@${DIGEST}`)).toEqual({
      domain: '127.0.0.1:5000',
      path: 'punch',
      tag: 'test',
      digest: DIGEST,
    });
    expect(parseReference('alpine')).toEqual({ domain: 'docker.io', path: 'library/alpine' });
  });
});

describe('formatReference', () => {
  it('writes domain/path[:tag][@digest]', () => {
    expect(formatReference({ domain: 'docker.io', path: 'library/alpine' })).toBe('docker.io/library/alpine');
    expect(formatReference({ domain: 'ghcr.io', path: 'x/y', tag: '1', digest: DIGEST })).toBe(`ghcr.io/x/y:1@${DIGEST}`);
  });
});

describe('contextName (the name a named context must have to replace a reference)', () => {
  it.each([
    ['alpine', 'alpine'],
    ['alpine:latest', 'alpine'],
    ['docker.io/library/alpine:latest', 'alpine'],
    ['index.docker.io/library/alpine', 'alpine'],
    ['docker.io/me/app', 'me/app'],
    ['alpine:3.19', 'alpine:3.19'],
    ['127.0.0.1:5000/busybox:latest', '127.0.0.1:5000/busybox'],
    ['kernel', 'kernel'],
  ])('%s → %s', (text, name) => {
    expect(contextName(text)).toBe(name);
  });

  it('is undefined for what is no reference', () => {
    expect(contextName('Not/Valid')).toBeUndefined();
  });
});
