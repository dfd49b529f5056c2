// moby/patternmatcher's behaviour, case by case: what a .dockerignore or include pattern keeps out.
import { describe, expect, it } from 'vitest';
import { PatternError, PatternMatcher, matchSyntaxError } from '../../src/patterns/index.js';

const matches = (patterns: string[], path: string): boolean => new PatternMatcher(patterns).matches(path);

describe('one pattern', () => {
  it.each([
    ['**', 'file', true],
    ['**', 'dir/file', true],
    ['**/', 'file', true],
    ['**/**', 'dir/file', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/dir2/file', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true],
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**file', 'dir/dir/profile', true],
    ['**/file', 'dir/dir/file', true],
    ['**/file', 'dir/dir/profile', false],
    ['**/file*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false],
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['**.log', 'deep/down/x.log', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['a*/b', 'a/c/b', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a\\\\', 'a\\', true],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ])('%s on %s: %s', (pattern, path, want) => {
    expect(matches([pattern], path)).toBe(want);
  });
});

describe('character classes', () => {
  it.each([
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['ab[^c]', 'abc', false],
    ['[\\]a]', ']', true],
    ['[\\-x]', '-', true],
    ['[x\\-]', 'z', false],
    ['a[^a]b', 'a☺b', true],
    ['[a-ζ]*', 'α', true],
  ])('%s on %s: %s', (pattern, path, want) => {
    expect(matches([pattern], path)).toBe(want);
  });

  it.each(['[]a]', '[-]', '[x-]', '[-x]', '[a-b-c]', '[', '[^', '[^bc', 'a[', '\\'])('rejects %s as filepath.Match does', (pattern) => {
    expect(() => new PatternMatcher([pattern])).toThrow(PatternError);
    expect(matchSyntaxError(pattern)).toBeDefined();
  });

  it('names the pattern and the reason in its error', () => {
    expect(() => new PatternMatcher(['ok', 'src/[a-'])).toThrow('invalid pattern "src/[a-": syntax error in pattern: unterminated [');
  });

  it('rejects a range whose ends are out of order, as Go’s regexp does', () => {
    expect(() => new PatternMatcher(['[z-a]'])).toThrow(/invalid pattern "\[z-a\]": syntax error in pattern/);
  });

  it('takes a lone ] literally', () => {
    expect(matches(['a]'], 'a]')).toBe(true);
  });
});

describe('several patterns', () => {
  it('a later ! re-includes what an earlier pattern excluded', () => {
    expect(matches(['*.go', '!fileutils.go'], 'fileutils.go')).toBe(false);
  });

  it('an earlier ! is overridden by a later pattern', () => {
    expect(matches(['!fileutils.go', '*.go'], 'fileutils.go')).toBe(true);
  });

  it.each(['docs', 'docs/', 'docs/*'])('%s then !docs/README.md keeps the README', (first) => {
    expect(matches([first, '!docs/README.md'], 'docs/README.md')).toBe(false);
  });

  it('a folder pattern matches everything under it', () => {
    expect(matches(['node_modules'], 'node_modules/a/b.js')).toBe(true);
  });

  it('re-including a folder does not re-include a file a later pattern excludes', () => {
    expect(matches(['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo')).toBe(true);
    expect(matches(['**', '!util/docker/web'], 'util/docker/web/foo')).toBe(false);
  });

  it('reports the pattern that decided', () => {
    expect(new PatternMatcher(['*.log', 'build', '!build/keep']).matchedBy('build/x')?.text).toBe('build');
  });

  it('rejects ! alone', () => {
    expect(() => new PatternMatcher(['!'])).toThrow(/illegal exclusion pattern/);
  });

  it('trims patterns and skips empty ones', () => {
    const m = new PatternMatcher(['  docs ', '', '  !docs/README.md  ']);
    expect(m.patterns.map((p) => p.text)).toEqual(['docs', '!docs/README.md']);
    expect(m.exclusions).toBe(true);
  });

  it('cleans a pattern before matching', () => {
    expect(matches(['a/./b//c/'], 'a/b/c')).toBe(true);
  });
});
