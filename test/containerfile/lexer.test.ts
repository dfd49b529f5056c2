// Docker's shell lexer: expansion (ProcessWord) and shell-form word splitting, cases from BuildKit's
// envVarTest / wordsTest / TestProcessWithMatches.
import { describe, expect, test } from 'vitest';
import { expandWord, splitShellWords } from '../../src/containerfile/lexer.js';

const env: Record<string, string> = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '', 한국어: 'ko', é1: 'e', x٣: 'arabic-indic digit' };
const lookup = (name: string): string | undefined => env[name];

describe('expandWord', () => {
  const table: [string, string][] = [
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he\\'llo", "he'llo"],
    ['abc\\\\', 'abc\\'],
    ['"abc\\\\"', 'abc\\'],
    ["'abc\\\\'", 'abc\\\\'],
    ['\\a', 'a'],
    ['"\\a"', '\\a'],
    ['"a\'b"', "a'b"],
    ['$PWD', '/home'],
    ['${PWD}', '/home'],
    ["'$PWD'", '$PWD'],
    ['"$PWD"', '/home'],
    ['\\$PWD', '$PWD'],
    ['"\\$PWD"', '$PWD'],
    ['$PWD/x', '/home/x'],
    ['${PWD}x', '/homex'],
    ['$PWDx', ''],
    ['$KOREAN', '한국어'],
    // Variable names are Go letters and digits, not only ASCII ones.
    ['$한국어', 'ko'],
    ['$é1/', 'e/'],
    ['$x٣', 'arabic-indic digit'],
    ['$x€', '€'],
    ['a$', 'a$'],
    ['$1', ''],
    ['a b  c', 'a b  c'],
    ['${PWD:-aaa}', '/home'],
    ['${XXX:-aaa}', 'aaa'],
    ['${XXX:-}', ''],
    ['${NULL:-x}', 'x'],
    ['${NULL-x}', ''],
    ['${XXX-x}', 'x'],
    ['${XXX:-$PWD}', '/home'],
    ["${XXX:-'a b'}", 'a b'],
    ['${PWD:+aaa}', 'aaa'],
    ['${XXX:+aaa}', ''],
    ['${NULL:+x}', ''],
    ['${NULL+x}', 'x'],
    ['${XXX+x}', ''],
    ['${PWD?x}', '/home'],
    ['${NULL?x}', ''],
    ['${FOO-aaa} ${NULL-bbb} ${BAZ-ccc}', 'aaa  ccc'],
  ];
  test.each(table)('%s → %s', (input, expected) => {
    expect(expandWord(input, lookup)).toMatchObject({ value: expected });
  });

  const errors: [string, string][] = [
    ["he'llo", 'unexpected end of statement while looking for matching single-quote'],
    ['he"llo', 'unexpected end of statement while looking for matching double-quote'],
    ["he\\\\'llo", 'unexpected end of statement while looking for matching single-quote'],
    ['${}', 'syntax error: bad substitution'],
    ['${:}', 'syntax error: bad substitution'],
    ['${{}', 'syntax error: bad substitution'],
    ['${', "syntax error: missing '}'"],
    ['${PWD', "syntax error: missing '}'"],
    ['${PWD:-x', "syntax error: missing '}'"],
    ['${PWD:=x}', 'unsupported modifier (:=) in substitution'],
    ['${PWD=x}', 'unsupported modifier (=) in substitution'],
    ['${PWD#x}', 'unsupported modifier (#) in substitution'],
    ['${PWD%x}', 'unsupported modifier (%) in substitution'],
    ['${PWD/a/b}', 'unsupported modifier (/) in substitution'],
    ['${XXX?}', 'XXX: is not allowed to be unset'],
    ['${XXX?need it}', 'XXX: need it'],
    ['${NULL:?}', 'NULL: is not allowed to be empty'],
    ['${XXX:?no $SHELL}', 'XXX: no bash'],
  ];
  test.each(errors)('%s fails: %s', (input, message) => {
    expect(expandWord(input, lookup)).toEqual({ error: message });
  });

  test('the backtick escape makes a backslash literal', () => {
    expect(expandWord('C:\\x`$PWD', lookup, '`')).toMatchObject({ value: 'C:\\x$PWD' });
  });

  test('variables split into words where unquoted, not where quoted', () => {
    const words = (input: string, vars: Record<string, string>) =>
      expandWord(input, (n) => vars[n]);
    const space = { space: 'abc  def', leading: '  ab c', trailing: 'ab c   ' };
    expect(words('hello${space}bye', space)).toMatchObject({ words: ['helloabc', 'defbye'] });
    expect(words('hello"${space}"bye', space)).toMatchObject({ words: ['helloabc  defbye'] });
    expect(words('hello${leading}def', space)).toMatchObject({ words: ['hello', 'ab', 'cdef'] });
    expect(words('hello${trailing}d', space)).toMatchObject({ words: ['helloab', 'c', 'd'] });
    expect(words('hel"lo${trailing}"', space)).toMatchObject({ words: ['helloab c   '] });
  });
});

describe('splitShellWords', () => {
  const table: [string, string[]][] = [
    ['hello', ['hello']],
    ['hello there     ', ['hello', 'there']],
    ['  nginx -c /etc/nginx.conf', ['nginx', '-c', '/etc/nginx.conf']],
    ['hello" there  "', ['hello there  ']],
    ['hello\\ there', ['hello there']],
    ['hello\\" there', ['hello"', 'there']],
    ['hello"\\\\there"', ['hello\\there']],
    ['hello"\\there"', ['hello\\there']],
    ["hello'\\\\there'", ['hello\\\\there']],
    ["hello'$there'", ['hello$there']],
    ['echo $HOME ${X:-y}', ['echo', '$HOME', '${X:-y}']],
    ['"$HOME"', ['$HOME']],
    ['a "" b', ['a', 'b']],
    ["env 'a=1 2' b=\"3 4\"", ['env', 'a=1 2', 'b=3 4']],
    ['', []],
  ];
  test.each(table)('%j → %j', (input, expected) => {
    expect(splitShellWords(input)).toEqual(expected);
  });

  test('an unterminated quote is an error', () => {
    expect(splitShellWords('hello" there')).toEqual({
      error: 'unexpected end of statement while looking for matching double-quote',
    });
  });

  test('the escape character can be a backtick', () => {
    expect(splitShellWords('C:\\bin\\app.exe a` b', '`')).toEqual(['C:\\bin\\app.exe', 'a b']);
  });
});
