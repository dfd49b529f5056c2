// Runs a command to completion and collects its output; shared by the global setup and the test helpers.
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  /** Replaces the whole environment when given. */
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Buffer;
  /** Kill the command (SIGKILL) after this long; the result then has code -1. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RawRunResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runRaw(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RawRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : 0), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    // A command that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await runRaw(cmd, args, opts);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** An error that shows the command line, its exit code and the end of its output. */
export function commandFailed(what: string, cmd: string, args: readonly string[], r: { code: number; stdout: string | Buffer; stderr: string }): Error {
  const out = typeof r.stdout === 'string' ? r.stdout : '';
  return new Error(
    `${what}: \`${[cmd, ...args].join(' ')}\` exited with ${r.code}\n` +
    `--- stderr (tail) ---\n${tail(r.stderr, 40)}` +
    (out.trim() === '' ? '' : `\n--- stdout (tail) ---\n${tail(out, 20)}`),
  );
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
