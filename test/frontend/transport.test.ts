import { describe, expect, it } from 'vitest';
import { google, moby } from '../../src/gen/pb.js';
import {
  GrpcError,
  MAX_REQUEST_BYTES,
  decodeGrpcMessage,
  frameMessage,
  parseFrames,
  connectGrpc,
} from '../../src/frontend/transport.js';
import { connectNodeHttp2 } from '../../src/frontend/node-http2.js';
import { FakeStatus, connectedClient } from './fake-bridge.js';

const gw = moby.buildkit.v1.frontend;

describe('gRPC framing', () => {
  it('prefixes a message with flag 0 and its big-endian length', () => {
    expect([...frameMessage(Uint8Array.of(0xaa, 0xbb))]).toEqual([0, 0, 0, 0, 2, 0xaa, 0xbb]);
  });

  it('splits a body into its messages', () => {
    const body = Buffer.concat([frameMessage(Uint8Array.of(1)), frameMessage(new Uint8Array(0)), frameMessage(Uint8Array.of(2, 3))]);
    expect(parseFrames(body).map((b) => [...b])).toEqual([[1], [], [2, 3]]);
  });

  it('rejects a truncated message', () => {
    expect(() => parseFrames(Buffer.from([0, 0, 0, 0, 3, 1]))).toThrow('truncated gRPC message');
  });

  it('rejects a compressed message (none was offered)', () => {
    expect(() => parseFrames(Buffer.from([1, 0, 0, 0, 0]))).toThrow('compressed gRPC response');
  });
});

describe('grpc-message decoding', () => {
  it('percent-decodes UTF-8 bytes', () => {
    expect(decodeGrpcMessage('failed%3A %E2%9C%97 100%25')).toBe('failed: ✗ 100%');
  });

  it('keeps malformed escapes as written', () => {
    expect(decodeGrpcMessage('50%zz and %4')).toBe('50%zz and %4');
  });
});

// The same calls over both HTTP/2 implementations: punch's own and node:http2 (PUNCH_FRONTEND_HTTP2=node).
describe.each([
  ['punch HTTP/2', connectGrpc],
  ['node:http2', connectNodeHttp2],
])('unary calls over an HTTP/2 connection (%s)', (_name, connectWith) => {
  const setup = connectedClient(connectWith);

  function readFileRequest(path: string): Uint8Array {
    return gw.ReadFileRequest.encode({ Ref: 'r1', FilePath: path }).finish();
  }

  it('sends the gRPC headers and the request, and returns the response message', async () => {
    const { bridge, client } = await setup({ ReadFile: (req) => ({ Data: Buffer.from(`content of ${req.FilePath}`) }) });
    const res = gw.ReadFileResponse.decode(await client.call('ReadFile', readFileRequest('Containerfile')));
    expect(Buffer.from(res.Data).toString()).toBe('content of Containerfile');
    const call = bridge.calls[0]!;
    expect(call.headers[':method']).toBe('POST');
    expect(call.headers[':path']).toBe('/moby.buildkit.v1.frontend.LLBBridge/ReadFile');
    expect(call.headers['content-type']).toBe('application/grpc');
    expect(call.headers['te']).toBe('trailers');
    expect(call.request).toEqual(gw.ReadFileRequest.decode(readFileRequest('Containerfile')));
  });

  it('reports a trailers-only error status with code, decoded message and raw details', async () => {
    const details: google.rpc.Status.$Properties = {
      code: 2,
      message: 'process "/bin/sh" did not complete: exit code: 1',
      details: [{ type_url: 'github.com/moby/buildkit/errdefs.Source+json', value: Buffer.from('{"ranges":[]}') }],
    };
    const { client } = await setup({
      Solve: () => {
        throw new FakeStatus(2, 'process "/bin/sh" did not complete: exit code: 1', details);
      },
    });
    const err = await client.call('Solve', new Uint8Array(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcError);
    const g = err as GrpcError;
    expect(g.code).toBe(2);
    expect(g.message).toBe('process "/bin/sh" did not complete: exit code: 1');
    const sent = google.rpc.Status.decode(g.details!);
    expect([sent.code, sent.message]).toEqual([2, 'process "/bin/sh" did not complete: exit code: 1']);
    expect(sent.details.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Source+json', '{"ranges":[]}'],
    ]);
  });

  it('reports an error status sent in trailers after the headers', async () => {
    const { client } = await setup({
      StatFile: () => {
        throw new FakeStatus(2, 'stat /unikernel/kernel: no such file or directory', undefined, true);
      },
    });
    const err = (await client.call('StatFile', new Uint8Array(0)).catch((e: unknown) => e)) as GrpcError;
    expect([err.code, err.message, err.details]).toEqual([2, 'stat /unikernel/kernel: no such file or directory', undefined]);
  });

  it('turns the details of an error into the Status to forward unchanged', async () => {
    const details = { code: 2, message: 'boom', details: [{ type_url: 'x/stack.Stack+json', value: Buffer.from('[1]') }] };
    const { client } = await setup({
      Solve: () => {
        throw new FakeStatus(2, 'boom', details);
      },
    });
    const err = (await client.call('Solve', new Uint8Array(0)).catch((e: unknown) => e)) as GrpcError;
    const st = err.toStatus();
    expect(st.code).toBe(2);
    expect(st.message).toBe('boom');
    expect(st.details!.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([['x/stack.Stack+json', '[1]']]);
  });

  it('reports UNIMPLEMENTED for a method the server does not know', async () => {
    const { client } = await setup({});
    const err = (await client.call('Warn', new Uint8Array(0)).catch((e: unknown) => e)) as GrpcError;
    expect(err.code).toBe(12);
  });

  it('accepts a response larger than 4 MiB', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    const { client } = await setup({ ReadFile: () => ({ Data: big }) });
    const res = gw.ReadFileResponse.decode(await client.call('ReadFile', readFileRequest('big')));
    expect(res.Data.length).toBe(big.length);
    expect(Buffer.from(res.Data).equals(big)).toBe(true);
  });

  it('sends a request of exactly 4 MiB', async () => {
    const { bridge, client } = await setup({ Solve: () => ({}) });
    // Tag (1 byte) + length varint (4 bytes) + attr bytes = exactly MAX_REQUEST_BYTES.
    const request = gw.SolveRequest.encode({ ExporterAttr: Buffer.alloc(MAX_REQUEST_BYTES - 5, 1) }).finish();
    expect(request.length).toBe(MAX_REQUEST_BYTES);
    await client.call('Solve', request);
    expect(bridge.calls.map((c) => c.payload.length)).toEqual([MAX_REQUEST_BYTES]);
  });

  it('refuses a request over 4 MiB locally, without sending it', async () => {
    const { bridge, client } = await setup({ Solve: () => ({}) });
    const err = (await client.call('Solve', new Uint8Array(MAX_REQUEST_BYTES + 1)).catch((e: unknown) => e)) as GrpcError;
    expect(err.code).toBe(8);
    expect(err.message).toContain('the Solve request is 4194305 bytes, over the 4 MiB');
    expect(bridge.calls).toEqual([]);
  });

  it('runs concurrent calls on one connection', async () => {
    const { client } = await setup({
      ReadFile: async (req) => {
        if (req.FilePath === 'slow') await new Promise((r) => setTimeout(r, 30));
        return { Data: Buffer.from(req.FilePath) };
      },
    });
    const [a, b] = await Promise.all([client.call('ReadFile', readFileRequest('slow')), client.call('ReadFile', readFileRequest('fast'))]);
    expect(Buffer.from(gw.ReadFileResponse.decode(a).Data).toString()).toBe('slow');
    expect(Buffer.from(gw.ReadFileResponse.decode(b).Data).toString()).toBe('fast');
  });

  it('fails pending calls when the connection drops', async () => {
    const { bridge, client } = await setup({ Solve: () => new Promise(() => {}) });
    const pending = client.call('Solve', new Uint8Array(0)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await bridge.close();
    const err = (await pending) as GrpcError;
    expect(err).toBeInstanceOf(GrpcError);
    expect(err.code).toBe(14);
  });
});
