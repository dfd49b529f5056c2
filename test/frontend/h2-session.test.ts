// The HTTP/2 client session against a scripted peer: the test reads the client's frames and writes
// the server's byte for byte, to pin down flow control and error handling exactly.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_PREFACE,
  ErrorCode,
  Flag,
  FrameParser,
  FrameType,
  encodeData,
  encodeFrame,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  type Frame,
} from '../../src/frontend/h2/frames.js';
import { HpackDecoder, encodeHeaders, type HeaderField } from '../../src/frontend/h2/hpack.js';
import { ClientSession, SessionError, StreamError, type H2Response } from '../../src/frontend/h2/session.js';
import { joinStreams } from '../../src/frontend/transport.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The server end of a client session: what the client wrote, parsed, and a way to answer. */
function scriptedPeer(windowBytes = 65_535) {
  const toClient = new PassThrough();
  const fromClient = new PassThrough();
  const writes: Buffer[] = [];
  const parser = new FrameParser(1 << 24);
  const frames: Frame[] = [];
  let prefaceSeen = false;
  fromClient.on('data', (chunk: Buffer) => {
    writes.push(chunk);
    if (!prefaceSeen) {
      expect(chunk.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)).toBe(true);
      chunk = chunk.subarray(CLIENT_PREFACE.length);
      prefaceSeen = true;
    }
    frames.push(...parser.push(chunk));
  });
  const session = new ClientSession(joinStreams(toClient, fromClient), { windowBytes });
  return {
    session,
    writes,
    /** Frames the client sent since the last call (SETTINGS ACKs included). */
    async take(): Promise<Frame[]> {
      await tick();
      await tick();
      return frames.splice(0);
    },
    send(...bytes: Buffer[]): void {
      toClient.write(Buffer.concat(bytes));
    },
    end(): void {
      toClient.end();
    },
  };
}

const emptySettings = encodeSettings([]);
const ok200: HeaderField[] = [[':status', '200']];

function headers(streamId: number, fields: readonly HeaderField[], endStream: boolean): Buffer {
  return Buffer.concat(encodeHeaderBlock(streamId, encodeHeaders(fields), endStream, 16_384));
}

function text(r: H2Response): string {
  return Buffer.concat(r.body).toString();
}

describe('connection start', () => {
  it('sends the preface, SETTINGS (no push, our window) and a connection WINDOW_UPDATE, in one write', async () => {
    const peer = scriptedPeer(1 << 20);
    const frames = await peer.take();
    expect(peer.writes).toHaveLength(1);
    expect(frames).toEqual([
      { type: 'settings', ack: false, settings: [[2, 0], [4, 1 << 20]] },
      { type: 'window_update', streamId: 0, increment: (1 << 20) - 65_535 },
    ]);
  });

  it('acknowledges the server SETTINGS and answers a PING with the same 8 bytes', async () => {
    const peer = scriptedPeer();
    await peer.take();
    peer.send(encodeSettings([[3, 100]]), encodePing(Buffer.from('8 bytes!'), false), encodePing(Buffer.from('ack-only'), true));
    expect(await peer.take()).toEqual([
      { type: 'settings', ack: true },
      { type: 'ping', ack: true, data: Buffer.from('8 bytes!') },
    ]);
  });

  it('fails the connection with GOAWAY PROTOCOL_ERROR when the server does not start with SETTINGS', async () => {
    const peer = scriptedPeer();
    const res = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    await peer.take();
    peer.send(encodePing(Buffer.alloc(8), false));
    const err = (await res) as SessionError;
    expect(err).toBeInstanceOf(SessionError);
    expect(err.failure).toEqual({ kind: 'error', message: "HTTP/2 PROTOCOL_ERROR: the server's first frame is ping, not SETTINGS" });
  });
});

describe('requests', () => {
  it('sends the header fields as given, on stream 1, then the body with END_STREAM', async () => {
    const peer = scriptedPeer();
    const fields: HeaderField[] = [
      [':method', 'POST'],
      [':path', '/svc/M'],
      ['te', 'trailers'],
    ];
    void peer.session.request(fields, Buffer.from('body')).response;
    const frames = await peer.take();
    const h = frames.find((f) => f.type === 'headers');
    expect(h).toMatchObject({ type: 'headers', streamId: 1, endStream: false, endHeaders: true });
    expect(new HpackDecoder().decode((h as { block: Buffer }).block)).toEqual(fields);
    expect(frames.filter((f) => f.type === 'data')).toEqual([{ type: 'data', streamId: 1, endStream: true, data: Buffer.from('body'), flowLength: 4 }]);
  });

  it('numbers streams 1, 3, 5', async () => {
    const peer = scriptedPeer();
    for (let i = 0; i < 3; i++) void peer.session.request(ok200, Buffer.from('x')).response;
    const ids = (await peer.take()).filter((f) => f.type === 'headers').map((f) => (f as { streamId: number }).streamId);
    expect(ids).toEqual([1, 3, 5]);
  });
});

describe('send flow control', () => {
  it('sends no more than the stream window, and the rest after a WINDOW_UPDATE', async () => {
    const peer = scriptedPeer();
    peer.send(encodeSettings([[4, 10]]));
    await peer.take();
    void peer.session.request(ok200, Buffer.from('abcdefghijklmnopqrstuvwxy')).response;
    expect((await peer.take()).filter((f) => f.type === 'data').map((f) => (f as { data: Buffer }).data.toString())).toEqual(['abcdefghij']);
    peer.send(encodeWindowUpdate(1, 100));
    expect(await peer.take()).toEqual([{ type: 'data', streamId: 1, endStream: true, data: Buffer.from('klmnopqrstuvwxy'), flowLength: 15 }]);
  });

  it('applies a new SETTINGS_INITIAL_WINDOW_SIZE to open streams', async () => {
    const peer = scriptedPeer();
    peer.send(encodeSettings([[4, 10]]));
    await peer.take();
    void peer.session.request(ok200, Buffer.alloc(40, 0x61)).response;
    await peer.take();
    // 10 sent; the window becomes 30 - 10 = 20.
    peer.send(encodeSettings([[4, 30]]));
    const frames = await peer.take();
    expect(frames.map((f) => (f.type === 'data' ? ['data', f.data.length, f.endStream] : [f.type]))).toEqual([['settings'], ['data', 20, false]]);
    // Lowering it to 0 makes the window -30: an update of 35 leaves room for 5 bytes.
    peer.send(encodeSettings([[4, 0]]), encodeWindowUpdate(1, 35));
    expect((await peer.take()).filter((f) => f.type === 'data').map((f) => (f as { data: Buffer }).data.length)).toEqual([5]);
  });

  it('sends no more than the connection window across streams', async () => {
    const peer = scriptedPeer();
    peer.send(encodeSettings([[4, 1 << 20]]));
    await peer.take();
    void peer.session.request(ok200, Buffer.alloc(50_000)).response;
    void peer.session.request(ok200, Buffer.alloc(50_000)).response;
    const first = (await peer.take()).filter((f) => f.type === 'data');
    expect(first.reduce((n, f) => n + (f as { data: Buffer }).data.length, 0)).toBe(65_535);
    peer.send(encodeWindowUpdate(0, 34_465));
    const rest = (await peer.take()).filter((f) => f.type === 'data');
    expect(rest.reduce((n, f) => n + (f as { data: Buffer }).data.length, 0)).toBe(34_465);
    const ended = [...first, ...rest].filter((f) => (f as { endStream: boolean }).endStream).map((f) => (f as { streamId: number }).streamId);
    expect(ended).toEqual([1, 3]);
  });

  it('caps DATA frames at the server SETTINGS_MAX_FRAME_SIZE', async () => {
    const peer = scriptedPeer();
    peer.send(encodeSettings([[4, 1 << 20], [5, 20_000]]), encodeWindowUpdate(0, 1 << 20));
    await peer.take();
    void peer.session.request(ok200, Buffer.alloc(50_000)).response;
    expect((await peer.take()).filter((f) => f.type === 'data').map((f) => (f as { data: Buffer }).data.length)).toEqual([20_000, 20_000, 10_000]);
  });
});

describe('receiving', () => {
  it('returns headers, body and trailers of a response', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const res = peer.session.request(ok200, Buffer.from('x')).response;
    peer.send(headers(1, [[':status', '200'], ['content-type', 'application/grpc']], false), encodeData(1, Buffer.from('hello '), false), encodeData(1, Buffer.from('world'), false), headers(1, [['grpc-status', '0']], true));
    const r = await res;
    expect([r.headers, text(r), r.trailers]).toEqual([{ ':status': '200', 'content-type': 'application/grpc' }, 'hello world', { 'grpc-status': '0' }]);
  });

  it('skips 1xx informational headers, ignores PRIORITY and unknown frames', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const res = peer.session.request(ok200, Buffer.from('x')).response;
    peer.send(
      headers(1, [[':status', '100']], false),
      encodeFrame(FrameType.PRIORITY, 0, 1, Buffer.alloc(5)),
      encodeFrame(0xbb, 0, 0, Buffer.from('ext')),
      headers(1, [[':status', '200'], ['grpc-status', '3']], true),
    );
    const r = await res;
    expect([r.headers, r.trailers, r.body]).toEqual([{ ':status': '200', 'grpc-status': '3' }, undefined, []]);
  });

  it('gives repeated header names all their values', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const res = peer.session.request(ok200, Buffer.from('x')).response;
    peer.send(headers(1, [[':status', '200'], ['x', '1'], ['x', '2'], ['x', '3']], true));
    expect((await res).headers).toEqual({ ':status': '200', x: ['1', '2', '3'] });
  });

  it('replenishes the stream and connection windows once half is consumed', async () => {
    const peer = scriptedPeer(65_535);
    peer.send(emptySettings);
    const res = peer.session.request(ok200, Buffer.from('x')).response;
    await peer.take();
    peer.send(headers(1, ok200, false), encodeData(1, Buffer.alloc(16_000), false), encodeData(1, Buffer.alloc(16_000), false));
    expect((await peer.take()).filter((f) => f.type === 'window_update')).toEqual([]);
    peer.send(encodeData(1, Buffer.alloc(16_000), false));
    expect((await peer.take()).filter((f) => f.type === 'window_update')).toEqual([
      { type: 'window_update', streamId: 0, increment: 48_000 },
      { type: 'window_update', streamId: 1, increment: 48_000 },
    ]);
    peer.send(encodeData(1, Buffer.alloc(0), true));
    expect(Buffer.concat((await res).body).length).toBe(48_000);
  });

  it('fails only a stream whose DATA comes before its headers, with RST_STREAM PROTOCOL_ERROR', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const bad = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    const good = peer.session.request(ok200, Buffer.from('y')).response;
    await peer.take();
    peer.send(encodeData(1, Buffer.from('early'), false), headers(3, [[':status', '200']], true));
    const err = (await bad) as StreamError;
    expect([err.kind, err.code, err.message]).toEqual(['protocol', ErrorCode.PROTOCOL_ERROR, 'DATA before the response headers (PROTOCOL_ERROR)']);
    expect((await good).headers).toEqual({ ':status': '200' });
    expect((await peer.take()).filter((f) => f.type === 'rst_stream')).toEqual([{ type: 'rst_stream', streamId: 1, errorCode: ErrorCode.PROTOCOL_ERROR }]);
  });

  it('still decodes the header blocks of a cancelled stream, keeping the HPACK table in step', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const first = peer.session.request(ok200, Buffer.from('x'));
    const cancelled = first.response.catch((e: unknown) => e);
    const second = peer.session.request(ok200, Buffer.from('y')).response;
    await peer.take();
    first.cancel();
    expect(await cancelled).toBeInstanceOf(StreamError);
    expect((await peer.take()).filter((f) => f.type === 'rst_stream')).toEqual([{ type: 'rst_stream', streamId: 1, errorCode: ErrorCode.CANCEL }]);
    // Stream 1's block adds "x-id: abc" to the table (literal with incremental indexing, new name);
    // stream 3's refers to it by index 62.
    const indexed = Buffer.concat([Buffer.from([0x88, 0x40, 4]), Buffer.from('x-id'), Buffer.from([3]), Buffer.from('abc')]);
    peer.send(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, indexed), encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, Buffer.from([0x88, 0xbe])));
    expect((await second).headers).toEqual({ ':status': '200', 'x-id': 'abc' });
  });

  it('stops sending a request that was answered before it was all sent, with RST_STREAM CANCEL', async () => {
    const peer = scriptedPeer();
    peer.send(encodeSettings([[4, 10]]));
    await peer.take();
    const res = peer.session.request(ok200, Buffer.alloc(100)).response;
    await peer.take();
    peer.send(headers(1, [[':status', '200'], ['grpc-status', '8']], true), encodeWindowUpdate(1, 1000));
    expect((await res).headers).toEqual({ ':status': '200', 'grpc-status': '8' });
    expect((await peer.take()).filter((f) => f.type === 'data' || f.type === 'rst_stream')).toEqual([{ type: 'rst_stream', streamId: 1, errorCode: ErrorCode.CANCEL }]);
  });
});

describe('stream and connection failures', () => {
  it('an RST_STREAM fails only its stream, with the code', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const reset = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    const other = peer.session.request(ok200, Buffer.from('y')).response;
    peer.send(encodeRstStream(1, ErrorCode.REFUSED_STREAM), headers(3, ok200, true));
    const err = (await reset) as StreamError;
    expect([err.kind, err.code, err.message]).toEqual(['reset', 7, 'stream reset by the server with REFUSED_STREAM']);
    expect((await other).headers).toEqual({ ':status': '200' });
  });

  it('a GOAWAY fails every open stream and every later request', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const a = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    await peer.take();
    const goaway = Buffer.alloc(8 + 4);
    goaway.writeUInt32BE(0, 0);
    goaway.writeUInt32BE(ErrorCode.ENHANCE_YOUR_CALM, 4);
    goaway.write('slow', 8);
    peer.send(encodeFrame(FrameType.GOAWAY, 0, 0, goaway));
    const failure = { kind: 'goaway', errorCode: ErrorCode.ENHANCE_YOUR_CALM, lastStreamId: 0, debug: 'slow' };
    expect(((await a) as SessionError).failure).toEqual(failure);
    const later = await peer.session.request(ok200, Buffer.from('y')).response.catch((e: unknown) => e);
    expect((later as SessionError).failure).toEqual(failure);
  });

  it('the end of the input fails open streams as closed', async () => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const a = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    await peer.take();
    peer.end();
    expect(((await a) as SessionError).failure).toEqual({ kind: 'closed' });
  });

  it.each([
    ['PUSH_PROMISE (push is disabled)', encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.alloc(4)), 'HTTP/2 PROTOCOL_ERROR: PUSH_PROMISE although push is disabled'],
    ['HEADERS on a stream never opened', headers(3, ok200, true), 'HTTP/2 PROTOCOL_ERROR: HEADERS frame on stream 3, which the client never opened'],
    ['a frame inside a header block', Buffer.concat([encodeFrame(FrameType.HEADERS, 0, 1, Buffer.from([0x88])), encodePing(Buffer.alloc(8), false)]), 'HTTP/2 PROTOCOL_ERROR: ping frame inside the header block of stream 1'],
    ['CONTINUATION without HEADERS', encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, Buffer.from([0x88])), 'HTTP/2 PROTOCOL_ERROR: CONTINUATION frame on stream 1 without a header block to continue'],
    ['a bad HPACK block', encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from([0x80])), 'HTTP/2 COMPRESSION_ERROR: HPACK: indexed header field with index 0'],
    ['SETTINGS_ENABLE_PUSH=1', encodeSettings([[2, 1]]), 'HTTP/2 PROTOCOL_ERROR: server sent SETTINGS_ENABLE_PUSH=1'],
    ['SETTINGS_MAX_FRAME_SIZE below 16384', encodeSettings([[5, 100]]), 'HTTP/2 PROTOCOL_ERROR: SETTINGS_MAX_FRAME_SIZE=100 is out of range'],
    ['a connection window over 2^31-1', encodeWindowUpdate(0, 0x7fffffff), 'HTTP/2 FLOW_CONTROL_ERROR: connection send window over 2^31-1'],
  ])('%s is a connection error: GOAWAY, and every stream fails', async (_what, bytes, message) => {
    const peer = scriptedPeer();
    peer.send(emptySettings);
    const a = peer.session.request(ok200, Buffer.from('x')).response.catch((e: unknown) => e);
    await peer.take();
    peer.send(bytes);
    expect(((await a) as SessionError).failure).toEqual({ kind: 'error', message });
    expect(peer.writes.at(-1)![3]).toBe(FrameType.GOAWAY);
  });
});
