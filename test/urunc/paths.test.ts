import { describe, expect, it } from 'vitest';
import { cleanPath } from '../../src/gopath.js';
import { pathProblem } from '../../src/urunc/index.js';

describe('cleanPath (Go path/filepath.Clean on slash paths)', () => {
  // Cases from Go's own filepath tests.
  it.each([
    ['', '.'],
    ['abc', 'abc'],
    ['abc/def', 'abc/def'],
    ['.', '.'],
    ['..', '..'],
    ['../..', '../..'],
    ['../../abc', '../../abc'],
    ['/abc', '/abc'],
    ['/', '/'],
    ['abc/', 'abc'],
    ['abc//def//ghi', 'abc/def/ghi'],
    ['//abc', '/abc'],
    ['abc/./def', 'abc/def'],
    ['/./abc/def', '/abc/def'],
    ['abc/.', 'abc'],
    ['abc/def/ghi/../jkl', 'abc/def/jkl'],
    ['abc/def/../ghi/../jkl', 'abc/jkl'],
    ['abc/def/..', 'abc'],
    ['abc/def/../..', '.'],
    ['/abc/def/../..', '/'],
    ['abc/def/../../..', '..'],
    ['/abc/def/../../..', '/'],
    ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'],
    ['abc/./../def', 'def'],
    ['abc//./../def', 'def'],
    ['abc/../../././../def', '../../def'],
  ])('%j → %j', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});

describe('pathProblem', () => {
  it('accepts a clean absolute path', () => {
    expect(pathProblem('/unikernel/app_v1.2-x.hvt', false)).toBeUndefined();
  });

  it('accepts a clean relative path (urunc resolves it under the rootfs)', () => {
    expect(pathProblem('unikernel/kernel', false)).toBeUndefined();
  });

  it('rejects "/" unless the key allows it', () => {
    expect(pathProblem('/', false)).toBe('must not be "/": give the path of a file');
    expect(pathProblem('/', true)).toBeUndefined();
  });

  it('reports the length before the characters, as urunc does', () => {
    expect(pathProblem('/ ' + 'a'.repeat(4095), false)).toBe('is 4097 bytes long: urunc accepts at most 4096');
  });

  it('accepts exactly 4096 bytes', () => {
    expect(pathProblem('/' + 'a'.repeat(4095), false)).toBeUndefined();
  });

  it('rejects non-ASCII letters', () => {
    expect(pathProblem('/unikernel/kérnel', false)).toMatch(/^has characters urunc rejects/);
  });

  it('rejects a path that goes up through ..', () => {
    expect(pathProblem('/unikernel/../kernel', false)).toBe('is not a clean path: write "/kernel"');
  });
});
