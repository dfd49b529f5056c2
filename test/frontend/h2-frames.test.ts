import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  Flag,
  FrameError,
  FrameParser,
  FrameType,
  encodeData,
  encodeFrame,
  encodeGoaway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSettingsAck,
  encodeWindowUpdate,
  errorCodeName,
  type Frame,
} from '../../src/frontend/h2/frames.js';

function parseAll(bytes: Buffer, maxFrameSize?: number): Frame[] {
  return new FrameParser(maxFrameSize).push(bytes);
}

describe('HTTP/2 frame encoding and parsing', () => {
  it('writes the 9-byte frame header: 24-bit length, type, flags, 31-bit stream id', () => {
    expect(encodeFrame(FrameType.DATA, Flag.END_STREAM, 3, Buffer.from('hi')).toString('hex')).toBe('000002000100000003' + '6869');
  });

  it('round-trips DATA', () => {
    expect(parseAll(encodeData(5, Buffer.from('abc'), true))).toEqual([{ type: 'data', streamId: 5, endStream: true, data: Buffer.from('abc'), flowLength: 3 }]);
  });

  it('round-trips a header block split into HEADERS and CONTINUATION frames', () => {
    const block = Buffer.from('0123456789');
    const frames = encodeHeaderBlock(1, block, true, 4);
    expect(frames.map((f) => [f[3], f[4]])).toEqual([
      [FrameType.HEADERS, Flag.END_STREAM],
      [FrameType.CONTINUATION, 0],
      [FrameType.CONTINUATION, Flag.END_HEADERS],
    ]);
    expect(parseAll(Buffer.concat(frames))).toEqual([
      { type: 'headers', streamId: 1, endStream: true, endHeaders: false, block: Buffer.from('0123') },
      { type: 'continuation', streamId: 1, endHeaders: false, block: Buffer.from('4567') },
      { type: 'continuation', streamId: 1, endHeaders: true, block: Buffer.from('89') },
    ]);
  });

  it('round-trips SETTINGS, SETTINGS ACK, PING, GOAWAY, RST_STREAM and WINDOW_UPDATE', () => {
    const ping = Buffer.from('12345678');
    const bytes = Buffer.concat([
      encodeSettings([
        [2, 0],
        [4, 1 << 20],
      ]),
      encodeSettingsAck(),
      encodePing(ping, false),
      encodePing(ping, true),
      encodeGoaway(7, ErrorCode.ENHANCE_YOUR_CALM, 'too many'),
      encodeRstStream(3, ErrorCode.CANCEL),
      encodeWindowUpdate(0, 1000),
    ]);
    expect(parseAll(bytes)).toEqual([
      { type: 'settings', ack: false, settings: [[2, 0], [4, 1 << 20]] },
      { type: 'settings', ack: true },
      { type: 'ping', ack: false, data: ping },
      { type: 'ping', ack: true, data: ping },
      { type: 'goaway', lastStreamId: 7, errorCode: 0xb, debug: Buffer.from('too many') },
      { type: 'rst_stream', streamId: 3, errorCode: 8 },
      { type: 'window_update', streamId: 0, increment: 1000 },
    ]);
  });

  it('strips padding from DATA but counts it for flow control', () => {
    // Pad length 3, "ab", 3 bytes of padding.
    const payload = Buffer.from([3, 0x61, 0x62, 0, 0, 0]);
    expect(parseAll(encodeFrame(FrameType.DATA, Flag.PADDED, 1, payload))).toEqual([
      { type: 'data', streamId: 1, endStream: false, data: Buffer.from('ab'), flowLength: 6 },
    ]);
  });

  it('strips padding and priority fields from HEADERS', () => {
    const payload = Buffer.from([2, 0x80, 0, 0, 3, 16, 0x82, 0, 0]);
    expect(parseAll(encodeFrame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY | Flag.END_HEADERS, 1, payload))).toEqual([
      { type: 'headers', streamId: 1, endStream: false, endHeaders: true, block: Buffer.from([0x82]) },
    ]);
  });

  it('reports an unknown frame type as unknown, to be ignored', () => {
    expect(parseAll(encodeFrame(0xfa, 0xff, 1, Buffer.from('x')))).toEqual([{ type: 'unknown', frameType: 0xfa, streamId: 1 }]);
  });

  it('ignores the reserved bit of the stream id', () => {
    const bytes = encodeData(1, Buffer.from('a'), false);
    bytes[5]! |= 0x80;
    expect(parseAll(bytes)[0]).toMatchObject({ streamId: 1 });
  });
});

describe('the incremental frame parser', () => {
  const stream = Buffer.concat([
    encodeSettings([[4, 65535]]),
    encodeHeaderBlock(1, Buffer.from([0x88]), false, 16384)[0]!,
    encodeData(1, Buffer.alloc(300, 7), false),
    encodeData(1, Buffer.alloc(0), true),
    encodePing(Buffer.alloc(8, 1), false),
  ]);

  it('parses a stream fed one byte at a time the same as whole', () => {
    const whole = parseAll(stream);
    const parser = new FrameParser();
    const bytewise: Frame[] = [];
    for (let i = 0; i < stream.length; i++) bytewise.push(...parser.push(stream.subarray(i, i + 1)));
    expect(bytewise).toEqual(whole);
    expect(whole.map((f) => f.type)).toEqual(['settings', 'headers', 'data', 'data', 'ping']);
  });

  it('parses a stream split at every possible point the same as whole', () => {
    const whole = parseAll(stream);
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new FrameParser();
      expect([...parser.push(stream.subarray(0, cut)), ...parser.push(stream.subarray(cut))]).toEqual(whole);
    }
  });

  it('yields nothing until a frame is complete', () => {
    const parser = new FrameParser();
    expect(parser.push(stream.subarray(0, 12))).toEqual([]);
  });
});

describe('malformed frames', () => {
  const cases: Array<[string, Buffer, number, string]> = [
    ['a frame over our max frame size', encodeFrame(FrameType.DATA, 0, 1, Buffer.alloc(16385)), ErrorCode.FRAME_SIZE_ERROR, 'frame of 16385 bytes, over the 16384 allowed'],
    ['DATA on stream 0', encodeFrame(FrameType.DATA, 0, 0, Buffer.alloc(1)), ErrorCode.PROTOCOL_ERROR, 'DATA frame on stream 0'],
    ['padding longer than the payload', encodeFrame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([5, 1])), ErrorCode.PROTOCOL_ERROR, 'DATA frame padding (5) exceeds its payload'],
    ['SETTINGS on a stream', encodeFrame(FrameType.SETTINGS, 0, 1), ErrorCode.PROTOCOL_ERROR, 'SETTINGS frame on stream 1'],
    ['SETTINGS not a multiple of 6', encodeFrame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)), ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS frame of 5 bytes, not a multiple of 6'],
    ['a SETTINGS ACK with a payload', encodeFrame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(6)), ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK frame of 6 bytes, expected 0'],
    ['a PING of 7 bytes', encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(7)), ErrorCode.FRAME_SIZE_ERROR, 'PING frame of 7 bytes, expected 8'],
    ['a short GOAWAY', encodeFrame(FrameType.GOAWAY, 0, 0, Buffer.alloc(4)), ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY frame of 4 bytes, expected at least 8'],
    ['a WINDOW_UPDATE of 3 bytes', encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(3)), ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE frame of 3 bytes, expected 4'],
    ['RST_STREAM on stream 0', encodeFrame(FrameType.RST_STREAM, 0, 0, Buffer.alloc(4)), ErrorCode.PROTOCOL_ERROR, 'RST_STREAM frame on stream 0'],
  ];
  it.each(cases)('refuses %s', (_what, bytes, code, message) => {
    let err: unknown;
    try {
      parseAll(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameError);
    expect([(err as FrameError).code, (err as FrameError).message]).toEqual([code, message]);
  });
});

describe('error code names', () => {
  it('names the RFC 9113 codes and shows others in hex', () => {
    expect([errorCodeName(0), errorCodeName(8), errorCodeName(0xd), errorCodeName(0x2a)]).toEqual(['NO_ERROR', 'CANCEL', 'HTTP_1_1_REQUIRED', '0x2a']);
  });
});
