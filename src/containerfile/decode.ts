// Containerfile bytes → text. Decoding is where invalid UTF-8 would silently become U+FFFD (a COPY
// source `caf\xe9` would then name a file that does not exist) and where a binary file named by
// `-f` would be parsed as text: both are errors at the position of the first offending byte.
import { PunchError, diagnostic } from '../diagnostics.js';
import { stripBom } from './directives.js';

/** 1-based line and column (UTF-16 units, as the parser counts them) just after `prefix`. */
function positionAfter(prefix: string): { line: number; col: number } {
  const text = stripBom(prefix);
  const nl = text.lastIndexOf('\n');
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
  return { line, col: text.length - nl };
}

function fail(file: string, prefix: string, message: string): never {
  const start = positionAfter(prefix);
  throw new PunchError([diagnostic('error', file, { start, end: { line: start.line, col: start.col + 1 } }, message)]);
}

/** Index of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // RFC 3629: no overlongs (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing past U+10FFFF.
    const extra = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (extra === 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= extra; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += extra + 1;
  }
  return -1;
}

/** Decodes a Containerfile; throws PunchError at the first invalid UTF-8 byte or NUL byte. */
export function decodeContainerfile(bytes: Uint8Array, file: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const prefix = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, bad));
    const hex = bytes[bad]!.toString(16).padStart(2, '0');
    fail(file, prefix, `invalid UTF-8 (byte 0x${hex}): a Containerfile must be UTF-8 text; save it as UTF-8`);
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const nul = text.indexOf('\0');
  if (nul >= 0) fail(file, text.slice(0, nul), 'NUL byte in the Containerfile: it must be text (does -f name a binary file?)');
  return text;
}
