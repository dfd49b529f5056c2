import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from './esm-bundle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pongV08, startFakeBridge, type Handlers } from './fake-bridge.js';

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'punch-stdio-'));
  script = join(dir, 'child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'stdio-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
    banner: { js: ESM_REQUIRE_BANNER },
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a frontend process on stdin/stdout', () => {
  it.each([
    ["punch's HTTP/2", {}],
    ['node:http2 (--build-arg PUNCH_FRONTEND_HTTP2=node)', { BUILDKIT_FRONTEND_OPT_1: 'build-arg:PUNCH_FRONTEND_HTTP2=node' }],
  ])('completes the flow over its own stdio with %s, returns, and exits 0 although stdin stays open', async (_name, switchEnv) => {
    const handlers: Handlers = {
      Ping: () => pongV08,
      Solve: () => ({ result: { ref: { id: 'r' } } }),
      ReadFile: (req) => ({ Data: Buffer.from(req.FilePath === 'Containerfile' ? 'FROM alpine\n' : '') }),
      ResolveImageConfig: () => ({ Digest: '', Config: Buffer.from('{}') }),
      Return: () => ({}),
    };
    const fake = await startFakeBridge(handlers);
    const socket = await fake.connect();
    const child = spawn(process.execPath, [script], {
      env: { BUILDKIT_FRONTEND_OPT_0: 'filename=Containerfile', BUILDKIT_SESSION_ID: 's', ...switchEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Like BuildKit: the server's bytes go to the child's stdin, which is never closed.
    socket.pipe(child.stdin, { end: false });
    child.stdout.pipe(socket, { end: false });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    socket.destroy();
    await fake.close();
    expect(stderr).toBe('exit 0\n');
    expect(code).toBe(0);
    expect(fake.calls.map((c) => c.method)).toEqual(['Ping', 'Solve', 'Solve', 'ReadFile', 'ReadFile', 'ReadFile', 'Solve', 'Return']);
    expect(fake.errors).toEqual([]);
  }, 20_000);
});
