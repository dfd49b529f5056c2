// How `punch llb` fails at its edges: a reader that goes away, and a terminal on stdout.
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeAll } from '../../src/cli/output.js';
import type { CliIO } from '../../src/cli/io.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { bundle, punch } from '../cli/run.js';
import { URUNC_OK, context } from './corpus.js';

/** A context whose Definition (about 1.4 MB, the cmdline in /urunc.json) is far larger than a pipe buffer. */
const big = context({ Containerfile: `FROM scratch\nCOPY k /k\nLABEL com.urunc.unikernel.cmdline=${'x'.repeat(1 << 20)}\n${URUNC_OK}\n` });

/**
 * Runs `punch llb` on `big` and closes the read end of its stdout: at once, or after the first chunk.
 * Exit 1, not 0: the Definition did not reach its reader whole, and `set -o pipefail` must see that.
 * No signal either: Node ignores SIGPIPE, so the EPIPE is punch's to handle.
 */
function closedPipe(args: string[], when: 'at once' | 'after the first chunk'): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  punch(['--version']); // a clear failure when dist/punch.cjs is missing
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, 'llb', '.', ...args], { cwd: big, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    if (when === 'at once') child.stdout.destroy();
    else child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('punch llb into a closed pipe', () => {
  it.each([
    [[], 'after the first chunk'],
    [[], 'at once'],
    [['--format', 'json'], 'after the first chunk'],
    [['--print-config'], 'after the first chunk'],
  ] as const)('llb %j, reader closed %s: exit 1, no signal, nothing on stderr', async (args, when) => {
    expect(await closedPipe([...args], when)).toEqual({ code: 1, signal: null, stderr: '' });
  });
});

function memoryIO(stdoutIsTTY: boolean, cwd: string) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (to: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        to.push(Buffer.from(chunk));
        done();
      },
    });
  const stderr = sink(err);
  const stdout = sink(out);
  const io: CliIO = {
    stdin: Readable.from([]),
    stdout,
    write: (d) => writeAll(stdout, d),
    stderr,
    stdoutIsTTY,
    stderrIsTTY: false,
    env: {},
    cwd,
    arch: 'x64',
    report(ds) {
      for (const d of ds) stderr.write(`${formatDiagnostic(d)}\n`);
    },
  };
  return { io, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err).toString('utf8') };
}

describe('punch llb with a terminal on stdout', () => {
  const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\n${URUNC_OK}\n` });

  it('refuses binary LLB: exit 2, nothing on stdout, one line saying what to do', async () => {
    const m = memoryIO(true, dir);
    expect(await main(['llb', '.'], m.io)).toBe(2);
    expect(m.stdout().length).toBe(0);
    expect(m.stderr()).toBe('punch: refusing to write binary LLB to a terminal: pipe it into `buildctl build`, or use --format json\n');
  });

  it('refuses before reading the Containerfile, so a broken file still gets the terminal message', async () => {
    const m = memoryIO(true, context({ Containerfile: 'RUN make\n' }));
    expect(await main(['llb', '.'], m.io)).toBe(2);
    expect(m.stderr()).toBe('punch: refusing to write binary LLB to a terminal: pipe it into `buildctl build`, or use --format json\n');
  });

  it.each([['--format', 'json'], ['--print-config']])('writes text with %s to a terminal: exit 0', async (...flags) => {
    const m = memoryIO(true, dir);
    expect(await main(['llb', '.', ...flags], m.io)).toBe(0);
    expect(m.stderr()).toBe('');
    expect(m.stdout().toString('utf8')).toMatch(/^\{/);
  });

  it('writes binary LLB when stdout is not a terminal', async () => {
    const m = memoryIO(false, dir);
    expect(await main(['llb', '.'], m.io)).toBe(0);
    expect(m.stderr()).toBe('');
    expect(m.stdout().length).toBeGreaterThan(0);
  });
});

describe('main() when stdout breaks mid-write', () => {
  it('returns 1 with one line on stderr, no stack trace, and leaves no unhandled stream error', async () => {
    const m = memoryIO(false, big);
    const broken = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    expect(await main(['llb', '.'], { ...m.io, stdout: broken, write: (d) => writeAll(broken, d) })).toBe(1);
    expect(m.stderr()).toBe('punch: output closed before everything was written\n');
  });
});
