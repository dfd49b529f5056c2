// punch's gRPC client against @grpc/grpc-js's server (the reference implementation), over both
// HTTP/2 transports: unary answers, error statuses, and a whole frontend run on a process's stdio.
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from './esm-bundle.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GrpcCode } from '../../src/frontend/grpc-status.js';
import { connectNodeHttp2 } from '../../src/frontend/node-http2.js';
import { GrpcError, connectGrpc, type UnaryCaller } from '../../src/frontend/transport.js';
import { moby } from '../../src/gen/pb.js';
import { pongV08 } from './fake-bridge.js';
import { GrpcJsStatus, processConnection, startGrpcJsBridge, type GrpcJsBridge } from './grpc-js-bridge.js';

const gw = moby.buildkit.v1.frontend;

describe.each([
  ['punch HTTP/2', connectGrpc],
  ['node:http2', connectNodeHttp2],
])('unary calls to a grpc-js server (%s)', (_name, connectWith) => {
  let bridge: GrpcJsBridge | undefined;
  let client: UnaryCaller | undefined;
  afterEach(async () => {
    await client?.close();
    await bridge?.close();
  });
  async function setup(handlers: Parameters<typeof startGrpcJsBridge>[0]): Promise<UnaryCaller> {
    bridge = startGrpcJsBridge(handlers);
    client = connectWith(await bridge.connect(), {});
    return client;
  }
  const readFile = (path: string): Uint8Array => gw.ReadFileRequest.encode({ Ref: 'r', FilePath: path }).finish();

  it('returns the response message', async () => {
    const c = await setup({ ReadFile: (req) => ({ Data: Buffer.from(`content of ${req.FilePath}`) }) });
    const res = gw.ReadFileResponse.decode(await c.call('ReadFile', readFile('Containerfile')));
    expect(Buffer.from(res.Data).toString()).toBe('content of Containerfile');
  });

  it('reports an error status with its code and its percent-decoded message', async () => {
    const c = await setup({
      ReadFile: () => {
        throw new GrpcJsStatus(grpc.status.NOT_FOUND, 'open /x: no such file ✗ 100%');
      },
    });
    const err = (await c.call('ReadFile', readFile('x')).catch((e: unknown) => e)) as GrpcError;
    expect(err).toBeInstanceOf(GrpcError);
    expect([err.codeName, err.message]).toEqual(['NOT_FOUND', 'open /x: no such file ✗ 100%']);
  });

  it('reports UNIMPLEMENTED for a method the server does not serve', async () => {
    const c = await setup({ Ping: () => pongV08 });
    const err = (await c.call('Warn', gw.WarnRequest.encode({}).finish()).catch((e: unknown) => e)) as GrpcError;
    expect(err.code).toBe(GrpcCode.UNIMPLEMENTED);
  });

  it('returns a response larger than 4 MiB', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    const c = await setup({ ReadFile: () => ({ Data: big }) });
    const res = gw.ReadFileResponse.decode(await c.call('ReadFile', readFile('big')));
    expect(Buffer.from(res.Data).equals(big)).toBe(true);
  });
});

describe('a frontend process on stdio, served by grpc-js', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'punch-grpcjs-'));
    script = join(dir, 'child.mjs');
    await build({ entryPoints: [join(import.meta.dirname, 'stdio-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: script, logLevel: 'silent', banner: { js: ESM_REQUIRE_BANNER } });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["punch's HTTP/2", {}],
    ['node:http2', { BUILDKIT_FRONTEND_OPT_1: 'build-arg:PUNCH_FRONTEND_HTTP2=node' }],
  ])('completes the flow with %s and exits 0', async (_name, switchEnv) => {
    const bridge = startGrpcJsBridge({
      Ping: () => pongV08,
      Solve: () => ({ result: { ref: { id: 'r' } } }),
      ReadFile: (req) => {
        if (req.FilePath === 'Containerfile') return { Data: Buffer.from('FROM alpine\n') };
        throw new GrpcJsStatus(grpc.status.NOT_FOUND, `open ${req.FilePath}: no such file or directory`);
      },
      ResolveImageConfig: () => ({ Digest: '', Config: Buffer.from('{}') }),
      Return: () => ({}),
    });
    const child = spawn(process.execPath, [script], {
      env: { BUILDKIT_FRONTEND_OPT_0: 'filename=Containerfile', BUILDKIT_SESSION_ID: 's', ...switchEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    bridge.inject(processConnection(child.stdout, child.stdin));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await bridge.close();
    expect(stderr).toBe('exit 0\n');
    expect(code).toBe(0);
    expect(bridge.calls).toEqual(['Ping', 'Solve', 'Solve', 'ReadFile', 'ReadFile', 'ReadFile', 'Solve', 'Return']);
  }, 20_000);
});
