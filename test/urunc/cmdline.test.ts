import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { findRelease, reconcileCommandLine, type CommandLineInput } from '../../src/urunc/index.js';
import { range } from './helpers.js';

// 1 FROM scratch, 5 ENTRYPOINT, 6 CMD, 7 LABEL com.urunc.unikernel.cmdline=... (value at col 35)
const where = {
  file: 'Containerfile',
  anchor: range(1, 1, 14),
  entrypointRange: range(5, 1, 20),
  cmdRange: range(6, 1, 20),
  cmdlineRange: range(7, 35, 50),
};

const v050 = findRelease('v0.5.0')!;
const v070 = findRelease('v0.7.0')!;

function run(input: Omit<CommandLineInput, keyof typeof where>) {
  const out = reconcileCommandLine({ ...where, ...input });
  return { ...out, diagnostics: out.diagnostics.map(formatDiagnostic) };
}

describe('reconcileCommandLine', () => {
  it('a cmdline label alone sets Cmd to its words', () => {
    expect(run({ cmdline: 'nginx -c /nginx/conf/nginx.conf' })).toEqual({
      cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
      cmdline: 'nginx -c /nginx/conf/nginx.conf',
      diagnostics: [],
    });
  });

  it('splits the cmdline on any run of whitespace', () => {
    expect(run({ cmdline: '  redis-server\t/data/redis.conf \n' }).cmd).toEqual(['redis-server', '/data/redis.conf']);
  });

  it('an explicitly empty CMD counts as no command, so the cmdline fills it', () => {
    expect(run({ cmd: [], cmdline: 'hello world' }).cmd).toEqual(['hello', 'world']);
  });

  it('CMD alone sets the cmdline label to its words joined by single spaces', () => {
    expect(run({ cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'] })).toEqual({
      cmd: ['nginx', '-c', '/nginx/conf/nginx.conf'],
      cmdline: 'nginx -c /nginx/conf/nginx.conf',
      diagnostics: [],
    });
  });

  it('ENTRYPOINT comes before CMD in the joined cmdline', () => {
    expect(run({ entrypoint: ['/server'], cmd: ['--port', '80'] })).toEqual({
      entrypoint: ['/server'],
      cmd: ['--port', '80'],
      cmdline: '/server --port 80',
      diagnostics: [],
    });
  });

  it('a CMD word holding whitespace is joined anyway, with a warning at CMD for a release that reads cmdline', () => {
    expect(run({ cmd: ['echo', 'hello world'], release: v070 })).toEqual({
      cmd: ['echo', 'hello world'],
      cmdline: 'echo hello world',
      diagnostics: [
        'Containerfile:6:1: warning: ENTRYPOINT/CMD argument "hello world" is empty or holds whitespace: com.urunc.unikernel.cmdline joins arguments with spaces, and urunc v0.7.0 uses com.urunc.unikernel.cmdline when ENTRYPOINT+CMD are empty, splitting it differently; set LABEL com.urunc.unikernel.cmdline yourself [urunc-cmdline-split]',
      ],
    });
  });

  it('a CMD word holding whitespace gives no warning for a release that does not read cmdline', () => {
    expect(run({ cmd: ['echo', 'hello world'] }).diagnostics).toEqual([]);
  });

  it('an empty ENTRYPOINT word is warned about at ENTRYPOINT', () => {
    expect(run({ entrypoint: ['/app', ''], release: v050 }).diagnostics).toEqual([
      'Containerfile:5:1: warning: ENTRYPOINT/CMD argument "" is empty or holds whitespace: com.urunc.unikernel.cmdline joins arguments with spaces, and urunc v0.5.0 boots the guest with com.urunc.unikernel.cmdline alone, splitting it differently; set LABEL com.urunc.unikernel.cmdline yourself [urunc-cmdline-split]',
    ]);
  });

  it('both given and equal word for word: kept as given, no warning', () => {
    expect(run({ cmd: ['a', 'b'], cmdline: 'a  b' })).toEqual({ cmd: ['a', 'b'], cmdline: 'a  b', diagnostics: [] });
  });

  it('both given and different, on a release that ignores cmdline: the warning says what the guest gets', () => {
    expect(run({ entrypoint: ['/hello2'], cmdline: 'hello' })).toEqual({
      entrypoint: ['/hello2'],
      cmdline: 'hello',
      diagnostics: [
        'Containerfile:7:35: warning: urunc v0.8.0 does not read com.urunc.unikernel.cmdline: the guest gets ENTRYPOINT+CMD ["/hello2"], not "hello"; put the command line in CMD and drop the label [urunc-cmdline-ignored]',
      ],
    });
  });

  it('both given and different, on a release that falls back to cmdline: ENTRYPOINT+CMD wins', () => {
    expect(run({ entrypoint: ['/hello2'], cmdline: 'hello', release: v070 }).diagnostics).toEqual([
      'Containerfile:7:35: warning: com.urunc.unikernel.cmdline "hello" differs from ENTRYPOINT+CMD ["/hello2"]: urunc v0.7.0 boots the guest with ENTRYPOINT+CMD and reads com.urunc.unikernel.cmdline only when they are empty; make them agree or drop one [urunc-cmdline-mismatch]',
    ]);
  });

  it('both given and different, on a release that reads only cmdline: cmdline wins', () => {
    expect(run({ entrypoint: ['/hello2'], cmdline: 'hello', release: v050 }).diagnostics).toEqual([
      'Containerfile:7:35: warning: com.urunc.unikernel.cmdline "hello" differs from ENTRYPOINT+CMD ["/hello2"]: urunc v0.5.0 boots the guest with com.urunc.unikernel.cmdline and ignores ENTRYPOINT+CMD; make them agree or drop one [urunc-cmdline-mismatch]',
    ]);
  });

  it('neither given: nothing is set', () => {
    expect(run({})).toEqual({ diagnostics: [] });
  });

  it('a whitespace-only cmdline with no command sets nothing', () => {
    expect(run({ cmdline: '  ' })).toEqual({ cmdline: '  ', diagnostics: [] });
  });

  it('points at the anchor when the command has no range', () => {
    const out = reconcileCommandLine({ file: 'Containerfile', anchor: range(1, 1, 14), entrypoint: ['/x'], cmdline: 'y' });
    expect(out.diagnostics.map(formatDiagnostic)[0]).toMatch(/^Containerfile:1:1: warning: /);
  });
});
