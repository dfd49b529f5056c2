// One block of a layer's tar, compressed on its own: the unit of parallel compression. The bytes
// depend only on the block, the 32 KiB before it (gzip) and the settings, never on which thread or
// how many threads ran it, so a layer's digest is the same on 1 or 64 cores.
//
// makeBlockCompressor runs in the main thread (small layers) and, as source text, in each worker: it
// must stay self-contained (no imports, nothing from the module scope), taking `require` as a value.

/** Fixed block size: the format depends on it, so changing it changes every large layer's digest. */
export const BLOCK_BYTES = 1 << 20;
/** Deflate's window: each gzip block is primed with the 32 KiB of input before it, as pigz does. */
export const DICT_BYTES = 32 << 10;

export interface BlockJob {
  type: 'gzip' | 'zstd';
  level: number;
  data: Uint8Array;
  /** gzip: the input's previous DICT_BYTES (empty for the first block). */
  dict: Uint8Array;
  /** gzip: the stream's last block ends with a final deflate block; the others with a sync flush. */
  last: boolean;
}

export interface BlockResult {
  out: Uint8Array;
  /** gzip: CRC-32 of `data`. */
  crc: number;
}

export type BlockCompressor = (job: BlockJob) => BlockResult;

/** `zstdPath`: the resolved zstd binding, loaded on the first zstd block. */
export function makeBlockCompressor(req: (id: string) => unknown, zstdPath: string | undefined): BlockCompressor {
  const zlib = req('node:zlib') as typeof import('node:zlib');
  const encoders = new Map<number, { encodeSync(b: Buffer): Buffer }>();
  let crcTable: Int32Array | undefined;
  // zlib.crc32 arrived in Node 20.15; older 20.x get the table-driven CRC.
  const crc32 = (data: Uint8Array): number => {
    if (typeof zlib.crc32 === 'function') return zlib.crc32(data) >>> 0;
    if (!crcTable) {
      crcTable = new Int32Array(256);
      for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c;
      }
    }
    let c = -1;
    for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
  return (job) => {
    const data = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
    if (job.type === 'zstd') {
      if (zstdPath === undefined) throw new Error('zstd compression needs its binding, which was not found');
      let enc = encoders.get(job.level);
      if (!enc) {
        const { Encoder } = req(zstdPath) as { Encoder: new (level: number) => { encodeSync(b: Buffer): Buffer } };
        enc = new Encoder(job.level);
        encoders.set(job.level, enc);
      }
      return { out: enc.encodeSync(data), crc: 0 };
    }
    const out = zlib.deflateRawSync(data, {
      level: job.level,
      ...(job.dict.length > 0 ? { dictionary: Buffer.from(job.dict.buffer, job.dict.byteOffset, job.dict.byteLength) } : {}),
      finishFlush: job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    });
    return { out, crc: crc32(data) };
  };
}
