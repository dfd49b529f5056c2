// Layer compression: the parallel block format reads back with standard decoders and its bytes do not
// depend on the number of workers or on the in-memory/streamed path.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES } from '../../../src/engine/compress/block.js';
import { crc32Combine } from '../../../src/engine/compress/crc32.js';
import { compressionOf, compressSync, ParallelCompressor, type Compression } from '../../../src/engine/compress/index.js';

/** Compressible but not trivial: text runs mixed with pseudo-random bytes, fixed seed. */
function sample(length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (i >> 12) % 3 === 0 ? x >>> 24 : 97 + ((i * 7 + (x >>> 29)) % 26);
  }
  return b;
}

/** `data` through the parallel compressor, written in `chunk`-byte pieces. */
async function streamed(data: Buffer, c: Compression, workers: number, chunk = 64 << 10): Promise<Buffer> {
  const out: Buffer[] = [];
  // The sink's bytes are views of reused block buffers: each is copied.
  const compressor = new ParallelCompressor(c, { workers, sink: (b) => void out.push(Buffer.from(b)) });
  for (let off = 0; off < data.length; off += chunk) await compressor.write(data.subarray(off, off + chunk));
  await compressor.end();
  return Buffer.concat(out);
}

const zstdDecode = (b: Buffer): Buffer => {
  const { Decoder } = createRequire(import.meta.url)('@toondepauw/node-zstd') as { Decoder: new () => { decodeSync(b: Buffer): Buffer } };
  return new Decoder().decodeSync(b);
};

const gzip1 = compressionOf('gzip');
const zstd1 = compressionOf('zstd');
const big = sample(3 * BLOCK_BYTES + 12345);

describe('crc32Combine', () => {
  it('gives the CRC of the concatenation', () => {
    const a = sample(100_000, 2);
    const b = sample(70_001, 3);
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
  });
});

describe('gzip blocks', () => {
  it('a layer of one block has exactly the bytes of zlib gzip at the same level', () => {
    const tar = sample(300_000);
    expect(compressSync(tar, gzip1).equals(gzipSync(tar, { level: 1 }))).toBe(true);
    expect(compressSync(tar, compressionOf('gzip', 6)).equals(gzipSync(tar, { level: 6 }))).toBe(true);
    expect(compressSync(tar, compressionOf('gzip', 9)).equals(gzipSync(tar, { level: 9 }))).toBe(true);
  });

  it('several blocks make one gzip member that decompresses to the input', () => {
    const z = compressSync(big, gzip1);
    expect(gunzipSync(z).equals(big)).toBe(true);
    expect(z.readUInt32LE(z.length - 4)).toBe(big.length);
  });

  it('passes gzip -t', () => {
    const r = spawnSync('gzip', ['-t'], { input: compressSync(big, gzip1) });
    expect(r.status, r.stderr?.toString()).toBe(0);
  });

  it('an input of exactly N blocks, and an empty one, round-trip', () => {
    const exact = sample(2 * BLOCK_BYTES);
    expect(gunzipSync(compressSync(exact, gzip1)).equals(exact)).toBe(true);
    expect(gunzipSync(compressSync(Buffer.alloc(0), gzip1)).length).toBe(0);
  });
});

describe('parallel stream', () => {
  it('gzip: 1 and 4 workers give the same bytes as the in-memory path', async () => {
    const one = await streamed(big, gzip1, 1);
    const four = await streamed(big, gzip1, 4, 1000);
    expect(four.equals(one)).toBe(true);
    expect(one.equals(compressSync(big, gzip1))).toBe(true);
  });

  it('zstd: 1 and 4 workers give the same bytes, frames that decode to the input', async () => {
    const one = await streamed(big, zstd1, 1);
    const four = await streamed(big, zstd1, 4, 777);
    expect(four.equals(one)).toBe(true);
    expect(one.equals(compressSync(big, zstd1))).toBe(true);
    expect(zstdDecode(one).equals(big)).toBe(true);
  });

  it('uncompressed passes the bytes through', async () => {
    expect((await streamed(big, compressionOf('uncompressed'), 2)).equals(big)).toBe(true);
  });

  it('input put in place (space, advance) gives the bytes of the in-memory path', async () => {
    for (const c of [gzip1, zstd1, compressionOf('uncompressed')]) {
      const out: Buffer[] = [];
      const compressor = new ParallelCompressor(c, { workers: 2, sink: (b) => void out.push(Buffer.from(b)) });
      // Fills of odd sizes, never the whole room: the blocks still fall every BLOCK_BYTES.
      for (let off = 0, i = 0; off < big.length; i++) {
        const room = await compressor.space();
        const n = Math.min(room.length, big.length - off, 1 + ((i * 7919) % 300_000));
        room.set(big.subarray(off, off + n));
        compressor.advance(n);
        off += n;
      }
      await compressor.end();
      expect(Buffer.concat(out).equals(compressSync(big, c)), c.type).toBe(true);
    }
  });

  it('refuses to advance past the room it gave', async () => {
    const compressor = new ParallelCompressor(zstd1, { workers: 1, sink: () => undefined });
    const room = await compressor.space();
    expect(() => compressor.advance(room.length + 1)).toThrow(RangeError);
    await compressor.abandon();
  });

  it('end returns the SHA-256 of the input, hashed beside the workers, for every compression and worker count', async () => {
    // Many more blocks than the compressor holds at once, so blocks are reused while others are hashed.
    const long = sample(20 * BLOCK_BYTES + 777, 6);
    const want = createHash('sha256').update(long).digest('hex');
    for (const [c, workers] of [[gzip1, 1], [zstd1, 4], [compressionOf('uncompressed'), 2]] as const) {
      const out: Buffer[] = [];
      const compressor = new ParallelCompressor(c, { workers, sink: (b) => void out.push(Buffer.from(b)) });
      for (let off = 0; off < long.length; off += 300_001) await compressor.write(long.subarray(off, off + 300_001));
      expect(await compressor.end(), `${c.type} on ${workers}`).toBe(want);
      expect(Buffer.concat(out).equals(compressSync(long, c)), c.type).toBe(true);
    }
  });

  it('an input of exactly N blocks streams as it compresses in memory', async () => {
    const exact = sample(2 * BLOCK_BYTES, 5);
    expect((await streamed(exact, gzip1, 2, BLOCK_BYTES)).equals(compressSync(exact, gzip1))).toBe(true);
  });
});
