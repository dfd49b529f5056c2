// The hand-written HTTP/2 client (via connectGrpc) against node's own HTTP/2 server, which
// Huffman-codes and indexes its headers, pads frames when asked, and enforces flow control.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { google, moby } from '../../src/gen/pb.js';
import { GrpcError, connectGrpc, joinStreams, type UnaryCaller } from '../../src/frontend/transport.js';
import { FakeHttpStatus, FakeReset, FakeStatus, connectedClient, startFakeBridge } from './fake-bridge.js';

const gw = moby.buildkit.v1.frontend;
const MiB = 1024 * 1024;

const setup = connectedClient();

function readFile(path: string): Uint8Array {
  return gw.ReadFileRequest.encode({ Ref: 'r', FilePath: path }).finish();
}

async function readFileData(c: UnaryCaller, path: string): Promise<Buffer> {
  return Buffer.from(gw.ReadFileResponse.decode(await c.call('ReadFile', readFile(path))).Data);
}

function failure(p: Promise<unknown>): Promise<GrpcError> {
  return p.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => e as GrpcError,
  );
}

/** Bytes that differ per position, so that a dropped or reordered chunk cannot go unnoticed. */
function pattern(length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + (i >> 13)) & 0xff;
  return b;
}

describe('flow control', () => {
  it('receives a 20 MiB response (more than the 16 MiB window: the client replenishes it)', async () => {
    const big = pattern(20 * MiB);
    const { client } = await setup({ ReadFile: () => ({ Data: big }) });
    expect((await readFileData(client, 'big')).equals(big)).toBe(true);
  });

  it('receives a 20 MiB response through a 64 KiB receive window', async () => {
    const big = pattern(20 * MiB);
    const { client } = await setup({ ReadFile: () => ({ Data: big }) }, {}, { windowBytes: 65_535 });
    expect((await readFileData(client, 'big')).equals(big)).toBe(true);
  });

  it('sends a 3.9 MiB request into 8 KiB stream windows and minimum-size frames', async () => {
    const attr = pattern(Math.floor(3.9 * MiB));
    const { bridge, client } = await setup({ Solve: () => ({}) }, { server: { settings: { initialWindowSize: 8192, maxFrameSize: 16_384 } } });
    await client.call('Solve', gw.SolveRequest.encode({ ExporterAttr: attr }).finish());
    expect(Buffer.from(bridge.requests('Solve')[0]!.ExporterAttr).equals(attr)).toBe(true);
  });

  it('sends a 3.9 MiB request in frames as large as the server allows', async () => {
    const attr = pattern(Math.floor(3.9 * MiB));
    const { bridge, client } = await setup({ Solve: () => ({}) }, { server: { settings: { initialWindowSize: 4 * MiB, maxFrameSize: MiB } } });
    await client.call('Solve', gw.SolveRequest.encode({ ExporterAttr: attr }).finish());
    expect(Buffer.from(bridge.requests('Solve')[0]!.ExporterAttr).equals(attr)).toBe(true);
  });

  it('sends two large requests at once, sharing the connection window', async () => {
    const a = pattern(2 * MiB);
    const b = Buffer.from(pattern(2 * MiB)).reverse();
    const { bridge, client } = await setup({ Solve: () => ({}) }, { server: { settings: { initialWindowSize: 30_000 } } });
    await Promise.all([client.call('Solve', gw.SolveRequest.encode({ ExporterAttr: a }).finish()), client.call('Solve', gw.SolveRequest.encode({ ExporterAttr: b }).finish())]);
    const got = bridge.requests('Solve').map((r) => Buffer.from(r.ExporterAttr));
    expect(got.some((g) => g.equals(a)) && got.some((g) => g.equals(b))).toBe(true);
  });
});

describe('concurrency', () => {
  it('runs 50 concurrent calls on one connection, each getting its own answer', async () => {
    const { client } = await setup({
      ReadFile: async (req) => {
        await new Promise((r) => setTimeout(r, (Number(req.FilePath) * 7) % 20));
        return { Data: Buffer.from(`file ${req.FilePath}`) };
      },
    });
    const paths = Array.from({ length: 50 }, (_, i) => String(i));
    const answers = await Promise.all(paths.map((p) => readFileData(client, p)));
    expect(answers.map((a) => a.toString())).toEqual(paths.map((p) => `file ${p}`));
  });

  it('queues calls beyond the server SETTINGS_MAX_CONCURRENT_STREAMS, and all complete', async () => {
    let open = 0;
    let maxOpen = 0;
    const { client } = await setup(
      {
        ReadFile: async (req) => {
          maxOpen = Math.max(maxOpen, ++open);
          await new Promise((r) => setTimeout(r, 5));
          open--;
          return { Data: Buffer.from(req.FilePath) };
        },
      },
      { server: { settings: { maxConcurrentStreams: 2 } } },
    );
    // Let the server's SETTINGS arrive first, as they would before any real call.
    await readFileData(client, 'first');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => readFileData(client, `f${i}`)));
    expect(answers.map(String)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`));
    expect(maxOpen).toBe(2);
  });
});

describe('frames the server may send', () => {
  it('answers a server PING with a PING ACK', async () => {
    const { bridge, client } = await setup({ ReadFile: () => ({ Data: Buffer.from('x') }) });
    await readFileData(client, 'x');
    const acked = await new Promise<boolean>((resolve) => bridge.sessions[0]!.ping(Buffer.from('punch!!!'), (err) => resolve(!err)));
    expect(acked).toBe(true);
  });

  it('reads padded HEADERS and DATA frames', async () => {
    const { client } = await setup({ ReadFile: () => ({ Data: pattern(100_000) }) }, { server: { paddingStrategy: http2.constants.PADDING_STRATEGY_MAX } });
    expect((await readFileData(client, 'p')).equals(pattern(100_000))).toBe(true);
  });

  it('reads a status message longer than one frame (HEADERS + CONTINUATION)', async () => {
    const message = 'step failed: ' + 'x'.repeat(40_000);
    const { client } = await setup({
      Solve: () => {
        throw new FakeStatus(2, message);
      },
    });
    const err = await failure(client.call('Solve', new Uint8Array(0)));
    expect([err.code, err.message]).toEqual([2, message]);
  });

  it('keeps the HPACK table in step over many responses (node indexes repeated headers)', async () => {
    const { client } = await setup({
      ReadFile: (req) => {
        if (req.FilePath.startsWith('bad')) throw new FakeStatus(5, `not found: ${req.FilePath}`);
        return { Data: Buffer.from(req.FilePath) };
      },
    });
    for (let i = 0; i < 30; i++) {
      expect((await readFileData(client, `ok${i}`)).toString()).toBe(`ok${i}`);
      const err = await failure(readFileData(client, `bad${i % 3}`));
      expect([err.code, err.message]).toEqual([5, `not found: bad${i % 3}`]);
    }
  });
});

describe('statuses', () => {
  it('reports trailers-only error statuses with their code and message', async () => {
    const { client } = await setup({
      StatFile: () => {
        throw new FakeStatus(5, 'stat /x: no such file or directory');
      },
      ReadDir: () => {
        throw new FakeStatus(7, 'permission denied: 100%');
      },
    });
    const [a, b] = await Promise.all([failure(client.call('StatFile', new Uint8Array(0))), failure(client.call('ReadDir', new Uint8Array(0)))]);
    expect([a.code, a.message, b.code, b.message]).toEqual([5, 'stat /x: no such file or directory', 7, 'permission denied: 100%']);
  });

  it('keeps every byte of grpc-status-details-bin', async () => {
    const value = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 0xff));
    const { client } = await setup({
      Solve: () => {
        throw new FakeStatus(2, 'boom', { code: 2, message: 'boom', details: [{ type_url: 't', value }] });
      },
    });
    const err = await failure(client.call('Solve', new Uint8Array(0)));
    const st = google.rpc.Status.decode(err.details!);
    expect(Buffer.from(st.details[0]!.value!).equals(value)).toBe(true);
  });

  it('maps an HTTP status without a gRPC status (404 → UNIMPLEMENTED)', async () => {
    const { client } = await setup({
      ReadFile: () => {
        throw new FakeHttpStatus(404);
      },
    });
    const err = await failure(client.call('ReadFile', readFile('x')));
    expect([err.code, err.message]).toEqual([12, 'ReadFile: BuildKit answered HTTP 404']);
  });
});

describe('failures', () => {
  it('an RST_STREAM from the server fails only that call', async () => {
    const { client } = await setup({
      ReadFile: async (req) => {
        if (req.FilePath === 'reset') throw new FakeReset(http2.constants.NGHTTP2_INTERNAL_ERROR);
        await new Promise((r) => setTimeout(r, 20));
        return { Data: Buffer.from(req.FilePath) };
      },
    });
    const [ok, reset] = await Promise.all([readFileData(client, 'fine'), failure(readFileData(client, 'reset'))]);
    expect(ok.toString()).toBe('fine');
    expect([reset.code, reset.message]).toEqual([14, 'ReadFile: the call ended without a gRPC status (stream reset, code 2 INTERNAL_ERROR)']);
    expect((await readFileData(client, 'after')).toString()).toBe('after');
  });

  it('a GOAWAY fails pending calls and every later one', async () => {
    const { bridge, client } = await setup({ Ping: () => gw.PongResponse.create(), Solve: () => new Promise(() => {}) });
    await client.call('Ping', new Uint8Array(0));
    const pending = failure(client.call('Solve', new Uint8Array(0)));
    await new Promise((r) => setTimeout(r, 20));
    bridge.sessions[0]!.goaway(http2.constants.NGHTTP2_NO_ERROR);
    const err = await pending;
    expect([err.code, err.message]).toEqual([14, 'BuildKit closed the gRPC connection']);
    const later = await failure(client.call('Ping', new Uint8Array(0)));
    expect([later.code, later.message]).toEqual([14, 'BuildKit closed the gRPC connection']);
  });

  it('the end of the input stream fails pending calls', async () => {
    const bridge = await startFakeBridge({ Solve: () => new Promise(() => {}) });
    const socket = await bridge.connect();
    const input = new PassThrough();
    socket.pipe(input, { end: false });
    const client = connectGrpc(joinStreams(input, socket));
    try {
      const pending = failure(client.call('Solve', new Uint8Array(0)));
      await new Promise((r) => setTimeout(r, 20));
      input.end();
      const err = await pending;
      expect([err.code, err.message]).toEqual([14, 'the gRPC connection to BuildKit is closed']);
    } finally {
      socket.destroy();
      await client.close();
      await bridge.close();
    }
  });

  it('close() fails pending calls at once', async () => {
    const { client } = await setup({ Solve: () => new Promise(() => {}) });
    const pending = failure(client.call('Solve', new Uint8Array(0)));
    await new Promise((r) => setTimeout(r, 20));
    await client.close();
    const err = await pending;
    expect([err.code, err.message]).toEqual([14, 'the gRPC connection to BuildKit is closed']);
  });

  it('a timeout fails the call with DEADLINE_EXCEEDED, sends grpc-timeout, and cancels the stream', async () => {
    const { bridge, client } = await setup({ Solve: () => new Promise(() => {}) });
    const err = await failure(client.call('Solve', new Uint8Array(0), { timeoutMs: 50 }));
    expect([err.code, err.message]).toEqual([4, 'Solve: no answer from BuildKit within 50 ms']);
    expect(bridge.calls[0]!.headers['grpc-timeout']).toBe('50m');
    await new Promise((r) => setTimeout(r, 20));
    expect(bridge.resets).toEqual([http2.constants.NGHTTP2_CANCEL]);
  });

  it('a server that is not HTTP/2 fails every call with a clear error', async () => {
    const socket = new PassThrough();
    const output = new PassThrough();
    const client = connectGrpc(joinStreams(socket, output));
    try {
      const pending = failure(client.call('Ping', new Uint8Array(0)));
      socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      const err = await pending;
      expect(err.code).toBe(14);
      expect(err.message).toMatch(/^connection to BuildKit failed: HTTP\/2 /);
    } finally {
      await client.close();
    }
  });
});

describe('the frontend source', () => {
  it('imports node:http2 only in the PUNCH_FRONTEND_HTTP2=node transport (it costs ~9 ms to load in every build)', () => {
    const root = join(import.meta.dirname, '../../src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js|mjs|cjs)$/.test(name) && /['"](node:)?http2['"]/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(root);
    expect(offenders).toEqual([join(root, 'frontend/node-http2.ts')]);
  });

  it('loads that transport only when it is chosen (a dynamic import)', () => {
    const root = join(import.meta.dirname, '../../src');
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ts$/.test(name) && /from ['"][./]*node-http2\.js['"]/.test(readFileSync(path, 'utf8'))) importers.push(path);
      }
    };
    walk(root);
    expect(importers).toEqual([]);
    expect(readFileSync(join(root, 'frontend/connect.ts'), 'utf8')).toContain("import('./node-http2.js')");
  });
});
