// Parser directives: only the leading block counts, as BuildKit reads it.
import { expect, test } from 'vitest';
import { parseDirectives } from '../../src/containerfile/directives.js';

const table: [string, string, Record<string, string>][] = [
  ['syntax', '# syntax=docker/dockerfile:1\nFROM scratch', { syntax: 'docker/dockerfile:1' }],
  ['escape', '# escape=`\nFROM scratch', { escape: '`' }],
  ['both, any order', '# escape=\\\n# syntax=x/y\nFROM scratch', { escape: '\\', syntax: 'x/y' }],
  ['keys are lower-cased', '# SYNTAX=x/y\nFROM scratch', { syntax: 'x/y' }],
  ['blanks around = and the value', '#   syntax =  x/y  \nFROM scratch', { syntax: 'x/y' }],
  ['no blank after #', '#syntax=x/y\nFROM scratch', { syntax: 'x/y' }],
  ['leading blanks on the line', '  # syntax=x/y\nFROM scratch', { syntax: 'x/y' }],
  ['after a UTF-8 BOM', '\ufeff# syntax=x/y\nFROM scratch', { syntax: 'x/y' }],
  ['CRLF lines', '# syntax=x/y\r\n# escape=`\r\nFROM scratch', { syntax: 'x/y', escape: '`' }],
  ['check is a directive', '# check=skip=all\nFROM scratch', { check: 'skip=all' }],
  ['after an instruction: a comment', 'FROM scratch\n# syntax=x/y', {}],
  ['after a blank line: a comment', '\n# syntax=x/y\nFROM scratch', {}],
  ['after a plain comment: a comment', '# hello\n# syntax=x/y\nFROM scratch', {}],
  ['an unknown directive ends the block', '# foo=bar\n# escape=`\nFROM scratch', {}],
  ['no value: a comment', '# syntax=\nFROM scratch', {}],
  ['the first of a repeated directive', '# syntax=a/b\n# syntax=c/d\nFROM scratch', { syntax: 'a/b' }],
];

test.each(table)('%s', (_name, text, expected) => {
  expect(parseDirectives(text)).toEqual(expected);
});
