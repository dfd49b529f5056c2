// Compressing a small layer in one go, in the main thread: the same blocks and framing as the
// parallel stream, so a layer's bytes do not depend on which path built it.
import { createRequire } from 'node:module';
import { BLOCK_BYTES, DICT_BYTES, makeBlockCompressor, type BlockCompressor } from './block.js';
import { crc32Combine } from './crc32.js';
import { gzipHeader, gzipTrailer } from './gzip-frame.js';
import type { Compression } from './spec.js';
import { requireZstd } from './zstd-binding.js';

let gzipOnly: BlockCompressor | undefined;
let withZstd: BlockCompressor | undefined;

function compressor(type: 'gzip' | 'zstd'): BlockCompressor {
  const req = createRequire(process.execPath);
  if (type === 'zstd') return (withZstd ??= makeBlockCompressor(req, requireZstd()));
  return (gzipOnly ??= makeBlockCompressor(req, undefined));
}

export function compressSync(data: Uint8Array, c: Compression): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (c.type === 'uncompressed') return buf;
  const compress = compressor(c.type);
  const parts: Uint8Array[] = c.type === 'gzip' ? [gzipHeader(c.level)] : [];
  let crc = 0;
  for (let off = 0; ; off += BLOCK_BYTES) {
    const end = Math.min(off + BLOCK_BYTES, buf.length);
    const last = end === buf.length;
    const r = compress({ type: c.type, level: c.level, data: buf.subarray(off, end), dict: buf.subarray(Math.max(0, off - DICT_BYTES), off), last });
    parts.push(r.out);
    crc = crc32Combine(crc, r.crc, end - off);
    if (last) break;
  }
  if (c.type === 'gzip') parts.push(gzipTrailer(crc, buf.length));
  return Buffer.concat(parts);
}
