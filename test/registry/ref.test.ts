import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors.js';
import { isLoopbackHost, toRegistryRef } from '../../src/registry/ref.js';

describe('toRegistryRef', () => {
  it('sends docker.io names to registry-1.docker.io, with library/ and :latest', () => {
    expect(toRegistryRef('alpine')).toEqual({
      text: 'docker.io/library/alpine:latest',
      domain: 'docker.io',
      apiHost: 'registry-1.docker.io',
      repository: 'library/alpine',
      tag: 'latest',
    });
  });

  it('keeps a loopback registry with its port and a digest without adding a tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(toRegistryRef(`127.0.0.1:5000/punch/base@${digest}`)).toEqual({
      text: `127.0.0.1:5000/punch/base@${digest}`,
      domain: '127.0.0.1:5000',
      apiHost: '127.0.0.1:5000',
      repository: 'punch/base',
      digest,
    });
  });

  it('throws a bad-reference error for an invalid reference', () => {
    expect(() => toRegistryRef('Not/Valid')).toThrow(RegistryError);
    expect(() => toRegistryRef('Not/Valid')).toThrow(/invalid reference format.*"Not\/Valid"/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.12.0.9', true],
    ['localhost:5000', true],
    ['LOCALHOST', true],
    ['[::1]:5000', true],
    ['registry-1.docker.io', false],
    ['128.0.0.1:5000', false],
    ['localhost.example.com', false],
    ['[::2]:5000', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
