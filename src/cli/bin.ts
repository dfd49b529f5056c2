// The executable: wires the real process to main().
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { CliIO } from './io.js';
import { main } from './main.js';
import { fstatSync, statSync, writeSync } from 'node:fs';
import { nodeTty } from '../builtins.js';
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

/**
 * isatty(fd) without loading node:tty where the answer is known: node:tty pulls in net and the
 * stream machinery (~5 ms of a ~80 ms `punch llb`). Only a character device can be a terminal, and
 * /dev/null, the usual one that is not, is recognised by its device number.
 */
function isTerminal(fd: number): boolean {
  let rdev: number;
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    rdev = st.rdev;
  } catch {
    return false;
  }
  try {
    if (rdev === statSync('/dev/null').rdev) return false;
  } catch {
    // no /dev/null to compare with: ask the tty module
  }
  return nodeTty().isatty(fd);
}

/**
 * Text to stderr with blocking writes, so that progress lines and diagnostics need no stream (see
 * above). A non-blocking stderr (EAGAIN) switches to process.stderr for good, keeping the order.
 */
let stderrViaStream = false;
function writeStderr(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  if (!stderrViaStream) {
    try {
      while (off < buf.length) off += writeSync(2, buf, off, buf.length - off);
      return;
    } catch (e) {
      // A closed stderr loses the text, as it would with the stream; the exit code still tells.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      stderrViaStream = true;
    }
  }
  process.stderr.write(buf.subarray(off));
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
    stderr: { write: writeStderr },
    stdoutIsTTY: isTerminal(1),
    get stderrIsTTY() {
      return isTerminal(2);
    },
    env: process.env,
    cwd: process.cwd(),
    arch: process.arch,
    report(diagnostics: readonly Diagnostic[]) {
      for (const d of diagnostics) writeStderr(`${formatDiagnostic(d)}\n`);
    },
  };
}

main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    writeStderr(`punch: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
