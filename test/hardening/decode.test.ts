// decodeContainerfile: the bytes a user saved become text, or an error at the first byte that is not
// UTF-8 text (a silently replaced byte would make COPY look for a file that does not exist).
import { describe, expect, it } from 'vitest';
import { decodeContainerfile } from '../../src/containerfile/index.js';
import { formatDiagnostic, PunchError } from '../../src/diagnostics.js';
import { firstInvalidUtf8 } from '../../src/containerfile/decode.js';

function errorOf(bytes: Uint8Array): string[] {
  try {
    decodeContainerfile(bytes, 'Containerfile');
  } catch (e) {
    if (e instanceof PunchError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  throw new Error('expected a PunchError');
}

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodeContainerfile', () => {
  it('returns UTF-8 text unchanged, BOM and CRLF included (the parser drops them)', () => {
    expect(decodeContainerfile(bytes([0xef, 0xbb, 0xbf], 'FROM scratch\r\nLABEL k=é🚀\r\n'), 'F')).toBe('\ufeffFROM scratch\r\nLABEL k=é🚀\r\n');
  });

  it('keeps a U+FFFD the user wrote (it is valid UTF-8)', () => {
    expect(decodeContainerfile(bytes('LABEL a=\ufffd\n'), 'F')).toBe('LABEL a=\ufffd\n');
  });

  it('reports a Latin-1 byte at its line and column', () => {
    expect(errorOf(bytes('FROM scratch\nLABEL a=caf', [0xe9], '\n'))).toEqual([
      'Containerfile:2:12: error: invalid UTF-8 (byte 0xe9): a Containerfile must be UTF-8 text; save it as UTF-8',
    ]);
  });

  it('counts columns after a BOM and multi-byte characters as the parser does (UTF-16 units)', () => {
    expect(errorOf(bytes([0xef, 0xbb, 0xbf], 'LABEL é🚀=', [0xff]))).toEqual([
      'Containerfile:1:11: error: invalid UTF-8 (byte 0xff): a Containerfile must be UTF-8 text; save it as UTF-8',
    ]);
  });

  it('reports a NUL byte at its line and column', () => {
    expect(errorOf(bytes('FROM scratch\r\nCOPY k /k', [0], '\n'))).toEqual([
      'Containerfile:2:10: error: NUL byte in the Containerfile: it must be text (does -f name a binary file?)',
    ]);
  });

  it('reports invalid UTF-8 before a NUL byte that follows it', () => {
    expect(errorOf(bytes([0x80, 0]))).toEqual([
      'Containerfile:1:1: error: invalid UTF-8 (byte 0x80): a Containerfile must be UTF-8 text; save it as UTF-8',
    ]);
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['ASCII', [0x41, 0x42], -1],
    ['a 4-byte character', [0xf0, 0x9f, 0x9a, 0x80], -1],
    ['a lone continuation byte', [0x41, 0x80], 1],
    ['an overlong 2-byte NUL (C0 80)', [0x41, 0xc0, 0x80], 1],
    ['an overlong 3-byte form (E0 80 80)', [0xe0, 0x80, 0x80], 0],
    ['a UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 0],
    ['a code point past U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short by the end of the file', [0x41, 0xe2, 0x82], 1],
    ['a sequence cut short by ASCII (EF BF 41)', [0xef, 0xbf, 0x41], 0],
  ])('%s → %i', (_name, input, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(input))).toBe(expected);
  });
});
