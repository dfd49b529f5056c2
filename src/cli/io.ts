// The CLI's edges, passed in explicitly so commands are testable in-process.
import type { Readable, Writable } from 'node:stream';
import type { Diagnostic } from '../diagnostics.js';

export interface CliIO {
  stdin: Readable;
  /** stdout as a stream, for the frontend's gRPC transport; commands print through `write`. */
  stdout: Writable;
  /** Writes to stdout and resolves once written; a closed pipe rejects (EPIPE). */
  write(data: Uint8Array | string): Promise<void>;
  /** Text for the user (diagnostics, progress) on stderr; only `write` is needed, not a stream. */
  stderr: { write(text: string): void };
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  arch: string;
  /** Prints diagnostics to stderr as FILE:LINE:COL: severity: message. */
  report(diagnostics: readonly Diagnostic[]): void;
}
