import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { reconcileCommandLine, type CommandLineInput } from '../../src/urunc/index.js';
import { range } from './helpers.js';

// 1 FROM scratch, 5 ENTRYPOINT, 6 CMD, 7 LABEL com.urunc.unikernel.cmdline=... (value at col 35)
const where = {
  file: 'Containerfile',
  anchor: range(1, 1, 14),
  entrypointRange: range(5, 1, 20),
  cmdRange: range(6, 1, 20),
  cmdlineRange: range(7, 35, 50),
};

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

  it('a CMD word holding whitespace is joined anyway, with a warning at CMD', () => {
    expect(run({ cmd: ['echo', 'hello world'] })).toEqual({
      cmd: ['echo', 'hello world'],
      cmdline: 'echo hello world',
      diagnostics: [
        'Containerfile:6:1: warning: ENTRYPOINT/CMD argument "hello world" is empty or holds whitespace: com.urunc.unikernel.cmdline joins arguments with spaces, so urunc before 2026 would split it differently; set LABEL com.urunc.unikernel.cmdline yourself',
      ],
    });
  });

  it('an empty ENTRYPOINT word is warned about at ENTRYPOINT', () => {
    expect(run({ entrypoint: ['/app', ''] }).diagnostics).toEqual([
      'Containerfile:5:1: warning: ENTRYPOINT/CMD argument "" is empty or holds whitespace: com.urunc.unikernel.cmdline joins arguments with spaces, so urunc before 2026 would split it differently; set LABEL com.urunc.unikernel.cmdline yourself',
    ]);
  });

  it('both given and equal word for word: kept as given, no warning', () => {
    expect(run({ cmd: ['a', 'b'], cmdline: 'a  b' })).toEqual({ cmd: ['a', 'b'], cmdline: 'a  b', diagnostics: [] });
  });

  it('both given and different: both kept as given, with a warning at the label', () => {
    expect(run({ entrypoint: ['/hello2'], cmdline: 'hello' })).toEqual({
      entrypoint: ['/hello2'],
      cmdline: 'hello',
      diagnostics: [
        'Containerfile:7:35: warning: com.urunc.unikernel.cmdline "hello" differs from ENTRYPOINT+CMD ["/hello2"]: urunc boots the guest with ENTRYPOINT+CMD and reads com.urunc.unikernel.cmdline only when they are empty; make them agree or drop one',
      ],
    });
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
