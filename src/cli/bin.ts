// The executable: wires the real process to main().
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { CliIO } from './io.js';
import { main } from './main.js';
import { isBrokenPipe } from './output.js';

// stdout carries LLB bytes or gRPC frames: any console output goes to stderr.
for (const m of ['log', 'info', 'debug', 'warn', 'trace', 'dir', 'table'] as const) {
  (console as unknown as Record<string, unknown>)[m] = console.error;
}

// stdin and stderr are getters: creating a stdio stream costs start-up time (it loads the stream,
// net, tty or fs machinery), and `punch llb` never reads stdin and writes stderr only on diagnostics.
function processIO(): CliIO {
  return {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    get stderr() {
      return process.stderr;
    },
    stdoutIsTTY: process.stdout.isTTY === true,
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

// A reader that goes away (`punch llb | head -c1`) must not crash us with a stack trace.
process.stdout.on('error', (e) => {
  if (isBrokenPipe(e)) process.exit(1);
});
main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`punch: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
