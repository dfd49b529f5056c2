// HTTP/2 framing (RFC 9113 §4, §6): encoders for the frames a client sends, and an incremental parser
// that takes bytes in chunks split anywhere and yields whole, validated frames. Frame semantics
// (which stream may carry what, flow control) belong to the session, not here.

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** RFC 9113 §7. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** "PROTOCOL_ERROR" for 1, "0x2a" for codes RFC 9113 does not name. */
export function errorCodeName(code: number): string {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name;
  return `0x${code.toString(16)}`;
}

/** The smallest SETTINGS_MAX_FRAME_SIZE, and what applies until a peer raises it. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_WINDOW = 0x7fffffff;

export type Frame =
  | { type: 'data'; streamId: number; endStream: boolean; data: Buffer; /** Payload incl. padding: what flow control counts. */ flowLength: number }
  | { type: 'headers'; streamId: number; endStream: boolean; endHeaders: boolean; block: Buffer }
  | { type: 'continuation'; streamId: number; endHeaders: boolean; block: Buffer }
  | { type: 'settings'; ack: true }
  | { type: 'settings'; ack: false; settings: Array<[id: number, value: number]> }
  | { type: 'ping'; ack: boolean; data: Buffer }
  | { type: 'goaway'; lastStreamId: number; errorCode: number; debug: Buffer }
  | { type: 'rst_stream'; streamId: number; errorCode: number }
  | { type: 'window_update'; streamId: number; increment: number }
  | { type: 'push_promise'; streamId: number }
  | { type: 'priority'; streamId: number }
  /** A frame type RFC 9113 does not define: ignored, except inside a header block (§6.10). */
  | { type: 'unknown'; frameType: number; streamId: number };

/** A malformed frame: always a connection error (RFC 9113 §5.4.1) with this code. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

const HEADER_LENGTH = 9;

export function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & MAX_WINDOW, 5);
  out.set(payload, HEADER_LENGTH);
  return out;
}

export function encodeSettings(settings: ReadonlyArray<readonly [id: number, value: number]>): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return encodeFrame(FrameType.SETTINGS, 0, 0, payload);
}

export function encodeSettingsAck(): Buffer {
  return encodeFrame(FrameType.SETTINGS, Flag.ACK, 0);
}

export function encodePing(data: Uint8Array, ack: boolean): Buffer {
  return encodeFrame(FrameType.PING, ack ? Flag.ACK : 0, 0, data);
}

export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return encodeFrame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

export function encodeRstStream(streamId: number, errorCode: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(errorCode, 0);
  return encodeFrame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function encodeGoaway(lastStreamId: number, errorCode: number, debug = ''): Buffer {
  const text = Buffer.from(debug, 'utf8');
  const payload = Buffer.allocUnsafe(8 + text.length);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(errorCode, 4);
  payload.set(text, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, payload);
}

export function encodeData(streamId: number, data: Uint8Array, endStream: boolean): Buffer {
  return encodeFrame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, data);
}

/** A header block as HEADERS plus CONTINUATION frames of at most `maxFrameSize` payload bytes each. */
export function encodeHeaderBlock(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const piece = block.subarray(offset, offset + maxFrameSize);
    offset += piece.length;
    const last = offset >= block.length;
    const flags = (last ? Flag.END_HEADERS : 0) | (frames.length === 0 && endStream ? Flag.END_STREAM : 0);
    frames.push(encodeFrame(frames.length === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, piece));
  } while (offset < block.length);
  return frames;
}

/** Strips the PADDED flag's pad length byte and padding (§6.1, §6.2). */
function unpad(payload: Buffer, flags: number, what: string): Buffer {
  if (!(flags & Flag.PADDED)) return payload;
  if (payload.length < 1) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `padded ${what} frame without a pad length`);
  const padLength = payload[0]!;
  if (padLength >= payload.length) throw new FrameError(ErrorCode.PROTOCOL_ERROR, `${what} frame padding (${padLength}) exceeds its payload`);
  return payload.subarray(1, payload.length - padLength);
}

function requireLength(payload: Buffer, length: number, what: string): void {
  if (payload.length !== length) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `${what} frame of ${payload.length} bytes, expected ${length}`);
}

function requireStream(streamId: number, what: string): void {
  if (streamId === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, `${what} frame on stream 0`);
}

function requireConnection(streamId: number, what: string): void {
  if (streamId !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, `${what} frame on stream ${streamId}`);
}

/** Decodes and checks one frame's payload. */
export function decodeFrame(type: number, flags: number, streamId: number, payload: Buffer): Frame {
  switch (type) {
    case FrameType.DATA: {
      requireStream(streamId, 'DATA');
      return { type: 'data', streamId, endStream: (flags & Flag.END_STREAM) !== 0, data: unpad(payload, flags, 'DATA'), flowLength: payload.length };
    }
    case FrameType.HEADERS: {
      requireStream(streamId, 'HEADERS');
      let block = unpad(payload, flags, 'HEADERS');
      if (flags & Flag.PRIORITY) {
        if (block.length < 5) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS frame too short for its priority fields');
        block = block.subarray(5);
      }
      return { type: 'headers', streamId, endStream: (flags & Flag.END_STREAM) !== 0, endHeaders: (flags & Flag.END_HEADERS) !== 0, block };
    }
    case FrameType.CONTINUATION:
      requireStream(streamId, 'CONTINUATION');
      return { type: 'continuation', streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, block: payload };
    case FrameType.PRIORITY:
      requireStream(streamId, 'PRIORITY');
      requireLength(payload, 5, 'PRIORITY');
      return { type: 'priority', streamId };
    case FrameType.RST_STREAM:
      requireStream(streamId, 'RST_STREAM');
      requireLength(payload, 4, 'RST_STREAM');
      return { type: 'rst_stream', streamId, errorCode: payload.readUInt32BE(0) };
    case FrameType.SETTINGS: {
      requireConnection(streamId, 'SETTINGS');
      if (flags & Flag.ACK) {
        requireLength(payload, 0, 'SETTINGS ACK');
        return { type: 'settings', ack: true };
      }
      if (payload.length % 6 !== 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `SETTINGS frame of ${payload.length} bytes, not a multiple of 6`);
      const settings: Array<[number, number]> = [];
      for (let i = 0; i < payload.length; i += 6) settings.push([payload.readUInt16BE(i), payload.readUInt32BE(i + 2)]);
      return { type: 'settings', ack: false, settings };
    }
    case FrameType.PUSH_PROMISE:
      requireStream(streamId, 'PUSH_PROMISE');
      return { type: 'push_promise', streamId };
    case FrameType.PING:
      requireConnection(streamId, 'PING');
      requireLength(payload, 8, 'PING');
      return { type: 'ping', ack: (flags & Flag.ACK) !== 0, data: payload };
    case FrameType.GOAWAY:
      requireConnection(streamId, 'GOAWAY');
      if (payload.length < 8) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `GOAWAY frame of ${payload.length} bytes, expected at least 8`);
      return { type: 'goaway', lastStreamId: payload.readUInt32BE(0) & MAX_WINDOW, errorCode: payload.readUInt32BE(4), debug: payload.subarray(8) };
    case FrameType.WINDOW_UPDATE:
      requireLength(payload, 4, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId, increment: payload.readUInt32BE(0) & MAX_WINDOW };
    default:
      return { type: 'unknown', frameType: type, streamId };
  }
}

/**
 * Splits a byte stream into frames. Chunks may end anywhere, even inside a frame header; a frame
 * longer than `maxFrameSize` (the SETTINGS_MAX_FRAME_SIZE we advertised) is a FRAME_SIZE_ERROR.
 */
export class FrameParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before the next frame is complete (to skip joining chunks that cannot finish it). */
  private needed = HEADER_LENGTH;

  constructor(private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Every frame completed by this chunk, in order; throws FrameError on a malformed one. */
  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    if (this.pendingBytes < this.needed) return frames;
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    while (buf.length - offset >= HEADER_LENGTH) {
      const length = buf.readUIntBE(offset, 3);
      if (length > this.maxFrameSize) {
        throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes, over the ${this.maxFrameSize} allowed`);
      }
      if (buf.length - offset < HEADER_LENGTH + length) {
        this.needed = HEADER_LENGTH + length;
        break;
      }
      const type = buf[offset + 3]!;
      const flags = buf[offset + 4]!;
      const streamId = buf.readUInt32BE(offset + 5) & MAX_WINDOW;
      const payload = buf.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + length);
      offset += HEADER_LENGTH + length;
      frames.push(decodeFrame(type, flags, streamId, payload));
    }
    buf = buf.subarray(offset);
    if (buf.length < HEADER_LENGTH) this.needed = HEADER_LENGTH;
    this.pending = buf.length > 0 ? [buf] : [];
    this.pendingBytes = buf.length;
    return frames;
  }
}
