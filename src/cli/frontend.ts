// `punch frontend`: the entrypoint of the frontend image. BuildKit speaks LLBBridge gRPC on our
// stdin/stdout and waits for us to exit after Return, so we exit ourselves.
import { runFrontend } from '../frontend/index.js';
import type { CliIO } from './io.js';

export async function runFrontendCommand(_argv: string[], io: CliIO): Promise<number> {
  const code = await runFrontend(io.env, { input: io.stdin, output: io.stdout, log: (msg) => io.stderr.write(`${msg}\n`) });
  // Open HTTP/2 sessions would keep the process alive; BuildKit never closes our stdin.
  process.exit(code);
}
