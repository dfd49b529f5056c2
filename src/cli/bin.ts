// The executable: wires the real process to main().
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { CliIO } from './io.js';
import { main } from './main.js';
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { isBrokenPipe, writeAll } from './output.js';

// stdout carries LLB bytes or gRPC frames: any console output goes to stderr.
for (const m of ['log', 'info', 'debug', 'warn', 'trace', 'dir', 'table'] as const) {
  (console as unknown as Record<string, unknown>)[m] = console.error;
}

// The stdio streams are getters: creating one costs start-up time (it loads the stream, net, tty or
// fs machinery), and `punch llb` needs none of them: it writes its bytes with writeSync.
let stdoutHooked = false;
function stdoutStream(): NodeJS.WriteStream {
  if (!stdoutHooked) {
    stdoutHooked = true;
    // A reader that goes away (`punch llb | head -c1`) must not crash us with a stack trace.
    process.stdout.on('error', (e) => {
      if (isBrokenPipe(e)) process.exit(1);
    });
  }
  return process.stdout;
}

/** Blocking writes to fd 1; a non-blocking stdout (EAGAIN) falls back to the stream. */
async function writeStdout(data: Uint8Array | string): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
  } catch (e) {
    // The reader went away: quietly, as Unix tools do, but with a failing status.
    if (isBrokenPipe(e)) process.exit(1);
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    await writeAll(stdoutStream(), buf.subarray(off));
  }
}

function processIO(): CliIO {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return stdoutStream();
    },
    write: writeStdout,
    get stderr() {
      return process.stderr;
    },
    stdoutIsTTY: isatty(1),
    get stderrIsTTY() {
      return process.stderr.isTTY === true;
    },
    env: process.env,
    cwd: process.cwd(),
    arch: process.arch,
    report(diagnostics: readonly Diagnostic[]) {
      for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    },
  };
}

main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`punch: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
