// Paths in file actions follow Go's path.Clean and client/llb's normalizePath.
import { describe, expect, it } from 'vitest';
import { cleanPath, joinPath } from '../../src/gopath.js';
import { normalizePath } from '../../src/llb/path.js';

describe('cleanPath (Go path.Clean)', () => {
  it.each([
    ['', '.'],
    ['/', '/'],
    ['a/b/../c', 'a/c'],
    ['/../a', '/a'],
    ['../a', '../a'],
    ['a/../..', '..'],
    ['//a//b/./', '/a/b'],
    ['app', 'app'],
  ])('%j → %j', (input, expected) => expect(cleanPath(input)).toBe(expected));
});

describe('joinPath (Go path.Join)', () => {
  it('joins non-empty elements and cleans', () => {
    expect(joinPath('/', 'work', '../app')).toBe('/app');
    expect(joinPath('', '')).toBe('');
  });
});

describe('normalizePath', () => {
  it.each([
    ['/', 'dst/', true, '/dst/'],
    ['/', 'dst/', false, '/dst'],
    ['/work', 'sub', false, '/work/sub'],
    ['/', '/x/.', true, '/x/.'],
    ['/', '.', true, '/'],
    ['/', './', true, '/'],
    ['/', '/.', true, '/.'],
    ['/', '/a/b/../c/', true, '/a/c/'],
  ])('parent %j, %j, keepSlash %j → %j', (parent, p, keep, expected) => {
    expect(normalizePath(parent, p, keep)).toBe(expected);
  });
});
