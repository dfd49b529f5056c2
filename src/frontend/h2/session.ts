// An HTTP/2 client connection (RFC 9113) over any Duplex, for request/response exchanges whose body
// is known up front (unary gRPC): HEADERS + DATA out, headers + DATA + trailers back, each response
// buffered whole. No server push, priorities, compression or upgrades: only what a prior-knowledge
// h2c client needs, with flow control both ways.
//
// Writes are batched: frames queue up and go out in one write per turn of the event loop, so the
// preface and the first requests share a write, and the output only ever holds whole frames.
import type { Duplex } from 'node:stream';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  FrameError,
  FrameParser,
  MAX_WINDOW,
  Setting,
  encodeData,
  encodeGoaway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSettingsAck,
  encodeWindowUpdate,
  errorCodeName,
  type Frame,
} from './frames.js';
import { HpackDecoder, HpackError, encodeHeaders, type HeaderField } from './hpack.js';
import { ConnectionError, SessionError, StreamError, toHeaderMap, type ClientStream, type H2Response, type OpenHeaderBlock, type SessionFailure, type SessionOptions, type StreamState } from './streams.js';

export { SessionError, StreamError, type ClientStream, type H2Response, type HeaderMap, type SessionFailure, type SessionOptions } from './streams.js';

/** RFC 9113 defaults, in force until the peer's SETTINGS say otherwise. */
const DEFAULT_WINDOW = 65_535;
/** grpc-go's default limit; a larger header block is refused as a connection error. */
const MAX_HEADER_BLOCK_BYTES = 16 * 1024 * 1024;
const MAX_STREAM_ID = 0x7fffffff;

export class ClientSession {
  private readonly parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
  private readonly hpack = new HpackDecoder();
  private readonly windowBytes: number;
  private readonly onFailure: ((failure: SessionFailure) => void) | undefined;

  private readonly streams = new Map<number, StreamState>();
  /** Requests waiting for the peer's SETTINGS_MAX_CONCURRENT_STREAMS to allow them. */
  private readonly waiting: StreamState[] = [];
  private nextStreamId = 1;

  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private peerMaxStreams = Number.POSITIVE_INFINITY;
  private connSendWindow = DEFAULT_WINDOW;
  private connRecvAvailable: number;
  private connRecvUnacked = 0;

  private gotSettings = false;
  private headerBlock: OpenHeaderBlock | undefined;
  private out: Buffer[] = [];
  private flushQueued = false;
  private failed: SessionFailure | undefined;

  constructor(
    private readonly io: Duplex,
    options: SessionOptions,
  ) {
    this.windowBytes = Math.min(Math.max(options.windowBytes, DEFAULT_WINDOW), MAX_WINDOW);
    this.onFailure = options.onFailure;
    this.connRecvAvailable = this.windowBytes;
    this.queue(CLIENT_PREFACE);
    this.queue(
      encodeSettings([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, this.windowBytes],
      ]),
    );
    // The connection window starts at 65,535 whatever the settings say (§6.9.2): raise it.
    if (this.windowBytes > DEFAULT_WINDOW) this.queue(encodeWindowUpdate(0, this.windowBytes - DEFAULT_WINDOW));
    io.on('data', (chunk: Buffer) => this.receive(chunk));
    io.on('end', () => this.fail({ kind: 'closed' }));
    io.on('close', () => this.fail({ kind: 'closed' }));
    io.on('error', (err: Error) => this.fail({ kind: 'error', message: err.message }));
  }

  /** Why the connection ended, once it has. */
  get failure(): SessionFailure | undefined {
    return this.failed;
  }

  /** Sends a request: the header fields, then `body` (END_STREAM on its last frame). */
  request(fields: readonly HeaderField[], body: Uint8Array): ClientStream {
    let state!: StreamState;
    const response = new Promise<H2Response>((resolve, reject) => {
      state = {
        id: 0,
        fields,
        body,
        sent: 0,
        sendWindow: 0,
        recvAvailable: this.windowBytes,
        recvUnacked: 0,
        expecting: 'headers',
        headers: undefined,
        trailers: undefined,
        chunks: [],
        resolve,
        reject,
      };
    });
    if (this.failed) {
      state.reject(new SessionError(this.failed));
    } else if (this.streams.size >= this.peerMaxStreams) {
      this.waiting.push(state);
    } else {
      this.open(state);
    }
    return { response, cancel: () => this.cancel(state) };
  }

  /** Tears the connection down at once: open streams fail as closed. */
  destroy(): void {
    this.fail({ kind: 'closed' });
  }

  private open(s: StreamState): void {
    if (this.nextStreamId > MAX_STREAM_ID) {
      s.reject(new StreamError('protocol', ErrorCode.REFUSED_STREAM, 'no HTTP/2 stream ids left on this connection'));
      return;
    }
    s.id = this.nextStreamId;
    this.nextStreamId += 2;
    s.sendWindow = this.peerInitialWindow;
    this.streams.set(s.id, s);
    for (const frame of encodeHeaderBlock(s.id, encodeHeaders(s.fields), s.body.length === 0, this.peerMaxFrameSize)) this.queue(frame);
    this.pump();
  }

  private cancel(s: StreamState): void {
    const waitingAt = this.waiting.indexOf(s);
    if (waitingAt >= 0) {
      this.waiting.splice(waitingAt, 1);
    } else if (s.id !== 0 && this.streams.get(s.id) === s) {
      this.streams.delete(s.id);
      this.queue(encodeRstStream(s.id, ErrorCode.CANCEL));
      this.startWaiting();
    } else {
      return;
    }
    s.reject(new StreamError('cancelled', ErrorCode.CANCEL, 'stream cancelled'));
  }

  /** Sends what the send windows allow of every stream's request body, oldest stream first. */
  private pump(): void {
    for (const s of this.streams.values()) {
      while (s.sent < s.body.length && this.connSendWindow > 0 && s.sendWindow > 0) {
        const n = Math.min(s.body.length - s.sent, this.connSendWindow, s.sendWindow, this.peerMaxFrameSize);
        const end = s.sent + n === s.body.length;
        this.queue(encodeData(s.id, s.body.subarray(s.sent, s.sent + n), end));
        s.sent += n;
        s.sendWindow -= n;
        this.connSendWindow -= n;
      }
      if (this.connSendWindow <= 0) break;
    }
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.streams.size < this.peerMaxStreams && !this.failed) this.open(this.waiting.shift()!);
  }

  private receive(chunk: Buffer): void {
    if (this.failed) return;
    try {
      for (const frame of this.parser.push(chunk)) {
        this.handle(frame);
        if (this.failed) return;
      }
    } catch (e) {
      if (e instanceof FrameError || e instanceof ConnectionError) this.connectionError(e.code, e.message);
      else if (e instanceof HpackError) this.connectionError(ErrorCode.COMPRESSION_ERROR, e.message);
      else throw e;
      return;
    }
    this.flush();
  }

  private handle(frame: Frame): void {
    if (!this.gotSettings) {
      if (frame.type !== 'settings' || frame.ack) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `the server's first frame is ${frame.type}, not SETTINGS`);
      this.gotSettings = true;
    }
    if (this.headerBlock && frame.type !== 'continuation') {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${frame.type} frame inside the header block of stream ${this.headerBlock.streamId}`);
    }
    switch (frame.type) {
      case 'settings':
        if (!frame.ack) this.applySettings(frame.settings);
        return;
      case 'ping':
        if (!frame.ack) this.queue(encodePing(frame.data, true));
        return;
      case 'goaway':
        this.fail({ kind: 'goaway', errorCode: frame.errorCode, lastStreamId: frame.lastStreamId, debug: frame.debug.toString('utf8') });
        return;
      case 'window_update':
        this.windowUpdate(frame.streamId, frame.increment);
        return;
      case 'rst_stream': {
        this.requireOpened(frame.streamId, 'RST_STREAM');
        const s = this.streams.get(frame.streamId);
        if (!s) return;
        this.streams.delete(s.id);
        s.reject(new StreamError('reset', frame.errorCode, `stream reset by the server with ${errorCodeName(frame.errorCode)}`));
        this.startWaiting();
        return;
      }
      case 'headers':
        this.requireOpened(frame.streamId, 'HEADERS');
        this.headerBlock = { streamId: frame.streamId, endStream: frame.endStream, parts: [frame.block], bytes: frame.block.length };
        if (frame.endHeaders) this.endHeaderBlock();
        return;
      case 'continuation': {
        const block = this.headerBlock;
        if (!block || block.streamId !== frame.streamId) {
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `CONTINUATION frame on stream ${frame.streamId} without a header block to continue`);
        }
        block.parts.push(frame.block);
        block.bytes += frame.block.length;
        if (block.bytes > MAX_HEADER_BLOCK_BYTES) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `header block over ${MAX_HEADER_BLOCK_BYTES} bytes`);
        if (frame.endHeaders) this.endHeaderBlock();
        return;
      }
      case 'data':
        this.data(frame.streamId, frame.data, frame.flowLength, frame.endStream);
        return;
      case 'push_promise':
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE although push is disabled');
      case 'priority':
      case 'unknown':
        return;
    }
  }

  /** A frame on a stream we never opened (an even id, or one not yet used) is a connection error. */
  private requireOpened(streamId: number, what: string): void {
    if (streamId % 2 === 0 || streamId >= this.nextStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} frame on stream ${streamId}, which the client never opened`);
    }
  }

  private applySettings(settings: ReadonlyArray<readonly [number, number]>): void {
    for (const [id, value] of settings) {
      switch (id) {
        case Setting.ENABLE_PUSH:
          if (value !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `server sent SETTINGS_ENABLE_PUSH=${value}`);
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE=${value} is over 2^31-1`);
          // The change applies to every open stream's send window, and may make it negative (§6.9.2).
          const delta = value - this.peerInitialWindow;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `stream ${s.id} send window over 2^31-1`);
          }
          this.peerInitialWindow = value;
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > 0xffffff) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE=${value} is out of range`);
          this.peerMaxFrameSize = value;
          break;
        default:
          // HEADER_TABLE_SIZE (we never index), MAX_HEADER_LIST_SIZE (advisory), unknown ids (§6.5.2).
          break;
      }
    }
    this.queue(encodeSettingsAck());
    this.startWaiting();
    this.pump();
  }

  private windowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'connection WINDOW_UPDATE of 0');
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection send window over 2^31-1');
    } else {
      this.requireOpened(streamId, 'WINDOW_UPDATE');
      const s = this.streams.get(streamId);
      if (!s) return;
      if (increment === 0) return this.streamError(s, ErrorCode.PROTOCOL_ERROR, 'stream WINDOW_UPDATE of 0');
      s.sendWindow += increment;
      if (s.sendWindow > MAX_WINDOW) return this.streamError(s, ErrorCode.FLOW_CONTROL_ERROR, 'stream send window over 2^31-1');
    }
    this.pump();
  }

  private endHeaderBlock(): void {
    const block = this.headerBlock!;
    this.headerBlock = undefined;
    // Decode even for a stream we no longer track: the HPACK table must see every block.
    const fields = this.hpack.decode(block.parts.length === 1 ? block.parts[0]! : Buffer.concat(block.parts, block.bytes));
    const s = this.streams.get(block.streamId);
    if (!s) return;
    if (s.expecting === 'headers') {
      const status = fields.find(([name]) => name === ':status')?.[1] ?? '';
      // 1xx: informational, the real response headers follow (§8.1).
      if (status.length === 3 && status.startsWith('1') && !block.endStream) return;
      s.headers = toHeaderMap(fields);
      s.expecting = 'trailers';
    } else {
      if (!block.endStream) return this.streamError(s, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM');
      s.trailers = toHeaderMap(fields);
    }
    if (block.endStream) this.complete(s);
  }

  private data(streamId: number, data: Buffer, flowLength: number, endStream: boolean): void {
    // Flow control counts every DATA frame, even on streams already closed (§6.9).
    if (flowLength > this.connRecvAvailable) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'server sent more DATA than the connection window allows');
    this.connRecvAvailable -= flowLength;
    this.connRecvUnacked += flowLength;
    if (this.connRecvUnacked >= this.windowBytes / 2) {
      this.queue(encodeWindowUpdate(0, this.connRecvUnacked));
      this.connRecvAvailable += this.connRecvUnacked;
      this.connRecvUnacked = 0;
    }
    this.requireOpened(streamId, 'DATA');
    const s = this.streams.get(streamId);
    if (!s) return;
    if (s.expecting === 'headers') return this.streamError(s, ErrorCode.PROTOCOL_ERROR, 'DATA before the response headers');
    if (s.trailers) return this.streamError(s, ErrorCode.PROTOCOL_ERROR, 'DATA after the trailers');
    if (flowLength > s.recvAvailable) return this.streamError(s, ErrorCode.FLOW_CONTROL_ERROR, 'server sent more DATA than the stream window allows');
    s.recvAvailable -= flowLength;
    if (data.length > 0) s.chunks.push(data);
    if (endStream) return this.complete(s);
    s.recvUnacked += flowLength;
    if (s.recvUnacked >= this.windowBytes / 2) {
      this.queue(encodeWindowUpdate(s.id, s.recvUnacked));
      s.recvAvailable += s.recvUnacked;
      s.recvUnacked = 0;
    }
  }

  /** The peer ended the stream: its response is whole. */
  private complete(s: StreamState): void {
    this.streams.delete(s.id);
    // Answered before our request was all sent (e.g. an early error): stop sending it.
    if (s.sent < s.body.length) this.queue(encodeRstStream(s.id, ErrorCode.CANCEL));
    s.resolve({ headers: s.headers!, trailers: s.trailers, body: s.chunks });
    this.startWaiting();
  }

  private streamError(s: StreamState, code: number, message: string): void {
    this.streams.delete(s.id);
    this.queue(encodeRstStream(s.id, code));
    s.reject(new StreamError('protocol', code, `${message} (${errorCodeName(code)})`));
    this.startWaiting();
  }

  private connectionError(code: number, message: string): void {
    this.queue(encodeGoaway(0, code, message));
    this.flush();
    this.fail({ kind: 'error', message: `HTTP/2 ${errorCodeName(code)}: ${message}` });
  }

  private fail(failure: SessionFailure): void {
    if (this.failed) return;
    this.failed = failure;
    this.out = [];
    const err = new SessionError(failure);
    const pending = [...this.streams.values(), ...this.waiting];
    this.streams.clear();
    this.waiting.length = 0;
    for (const s of pending) s.reject(err);
    this.onFailure?.(failure);
    if (!this.io.destroyed) this.io.destroy();
  }

  private queue(frame: Buffer): void {
    if (this.failed) return;
    this.out.push(frame);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0 || this.failed || this.io.destroyed) return;
    const bytes = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    this.io.write(bytes);
  }
}
