import { describe, expect, it } from 'vitest';
import { cleanPath } from '../../src/gopath.js';
import { parseDockerignore } from '../../src/patterns/index.js';

describe('.dockerignore parsing', () => {
  it('keeps patterns in order', () => {
    expect(parseDockerignore('node_modules\n*.log\nbuild/\n')).toEqual(['node_modules', '*.log', 'build']);
  });

  it('skips comments and blank lines', () => {
    expect(parseDockerignore('# deps\n\n   \nnode_modules\n#*.log\n')).toEqual(['node_modules']);
  });

  it('treats # as a comment only at the very start of the line', () => {
    expect(parseDockerignore('  #notacomment\n')).toEqual(['#notacomment']);
  });

  it('trims surrounding whitespace and CRLF line ends', () => {
    expect(parseDockerignore('  a/b  \r\nc\t\r\n')).toEqual(['a/b', 'c']);
  });

  it('marks exceptions with ! and cleans what follows', () => {
    expect(parseDockerignore('*.md\n! README.md\n!/docs/../keep/\n')).toEqual(['*.md', '!README.md', '!keep']);
  });

  it('strips a leading / and cleans the path', () => {
    expect(parseDockerignore('/a//b/./c/\n./x\n../up\n/\n')).toEqual(['a/b/c', 'x', '../up', '/']);
  });

  it('keeps a lone ! as written', () => {
    expect(parseDockerignore('!\n')).toEqual(['!']);
  });

  it('drops a UTF-8 byte order mark', () => {
    expect(parseDockerignore('\uFEFF*.tmp\n')).toEqual(['*.tmp']);
  });

  it('reads a last line without a newline', () => {
    expect(parseDockerignore('a\nb')).toEqual(['a', 'b']);
  });
});

describe("Go's path.Clean", () => {
  const cases: [string, string][] = [
    ['', '.'],
    ['.', '.'],
    ['a/./b/', 'a/b'],
    ['a/../..', '..'],
    ['/../a', '/a'],
    ['//a//b', '/a/b'],
    ['a/b/../../c', 'c'],
  ];
  for (const [input, want] of cases) {
    it(`cleans "${input}" to "${want}"`, () => expect(cleanPath(input)).toBe(want));
  }
});
