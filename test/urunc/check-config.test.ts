// `# check=` options, parsed as BuildKit's linter.ParseLintOptions parses them.
import { describe, expect, it } from 'vitest';
import { ruleDiagnostic, lineRange, type Diagnostic } from '../../src/diagnostics.js';
import { applyCheckConfig, collectDiagnostics, parseCheckConfig } from '../../src/urunc/check-config.js';

describe('parseCheckConfig', () => {
  it.each([
    ['skip=urunc-unknown-key', { skipAll: false, skip: ['urunc-unknown-key'], error: false }],
    ['skip=urunc-unknown-key, urunc-relative-path', { skipAll: false, skip: ['urunc-unknown-key', 'urunc-relative-path'], error: false }],
    ['skip=all', { skipAll: true, skip: [], error: false }],
    ['error=true', { skipAll: false, skip: [], error: true }],
    ['error=1', { skipAll: false, skip: [], error: true }],
    ['error=false', { skipAll: false, skip: [], error: false }],
    ['skip=urunc-unknown-key;error=true', { skipAll: false, skip: ['urunc-unknown-key'], error: true }],
    [' error = true ; skip = all ', { skipAll: true, skip: [], error: true }],
    ['experimental=all', { skipAll: false, skip: [], error: false }],
    ['', { skipAll: false, skip: [], error: false }],
  ])('%j', (text, config) => {
    expect(parseCheckConfig(text)).toEqual(config);
  });

  it.each([
    ['skip', 'invalid check option "skip": write skip=<rule>[,<rule>], skip=all or error=true, separated by ;'],
    ['error=yes', 'invalid check option "error=yes": error takes a boolean (true or false)'],
    ['warn=true', 'invalid check option "warn": punch knows skip, error and experimental'],
    // SplitN(…, 3): a fourth part stays in the third, whose value then is not a boolean.
    ['skip=a;skip=b;error=true;skip=c', 'invalid check option "error=true;skip=c": error takes a boolean (true or false)'],
  ])('%j is refused', (text, problem) => {
    expect(parseCheckConfig(text)).toEqual({ problem });
  });
});

describe('applyCheckConfig', () => {
  const at = lineRange(3);
  const warning = ruleDiagnostic('urunc-unknown-key', 'warning', 'Containerfile', at, 'unknown label', ['v0.8.0']);
  const other = ruleDiagnostic('urunc-relative-path', 'warning', 'Containerfile', at, 'relative');
  const error = ruleDiagnostic('urunc-unknown-value', 'error', 'Containerfile', at, 'unknown hypervisor');
  const plain: Diagnostic = { severity: 'warning', file: 'Containerfile', range: at, message: 'build argument X was given but no ARG declares it' };

  it('skip drops the warnings of the named rules only', () => {
    expect(applyCheckConfig([warning, other], { skipAll: false, skip: ['urunc-unknown-key'], error: false })).toEqual([other]);
  });

  it('skip=all drops every warning, the Containerfile reader\'s too', () => {
    expect(applyCheckConfig([warning, other, plain], { skipAll: true, skip: [], error: false })).toEqual([]);
  });

  it('a warning without a rule is skipped by the name containerfile', () => {
    expect(applyCheckConfig([plain, other], { skipAll: false, skip: ['containerfile'], error: false })).toEqual([other]);
  });

  it('errors are never skipped: the selected release refuses the image', () => {
    expect(applyCheckConfig([error], { skipAll: true, skip: ['urunc-unknown-value'], error: false })).toEqual([error]);
  });

  it('error=true turns each remaining warning into an error that says why', () => {
    expect(applyCheckConfig([warning], { skipAll: false, skip: [], error: true })).toEqual([
      { ...warning, severity: 'error', message: 'unknown label (check=error=true)' },
    ]);
  });

  it('error=true with skip: skipped warnings stay away', () => {
    expect(applyCheckConfig([warning, other], { skipAll: false, skip: ['urunc-relative-path'], error: true }).map((d) => d.rule)).toEqual(['urunc-unknown-key']);
  });
});

describe('collectDiagnostics', () => {
  const d = (line: number, col: number, rule: string, severity: 'error' | 'warning' = 'warning') => ruleDiagnostic(rule, severity, 'bunnyfile', { start: { line, col }, end: { line, col: col + 1 } }, rule);

  it('merges the findings of every check, sorted by position, for any input file', () => {
    const got = collectDiagnostics([[d(7, 3, 'urunc-unknown-key')], [d(2, 5, 'urunc-unknown-value', 'error'), d(2, 1, 'urunc-path', 'error')]]);
    expect(got.map((x) => `${x.range.start.line}:${x.range.start.col} ${x.rule}`)).toEqual(['2:1 urunc-path', '2:5 urunc-unknown-value', '7:3 urunc-unknown-key']);
  });

  it('applies the check configuration', () => {
    expect(collectDiagnostics([[d(7, 3, 'urunc-unknown-key')]], { skipAll: false, skip: ['urunc-unknown-key'], error: false })).toEqual([]);
  });
});
