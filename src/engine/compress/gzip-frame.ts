// The gzip member around deflate blocks: one header, one trailer with the combined CRC-32 and ISIZE.
// The header is the one zlib writes (mtime 0, OS unix, XFL from the level), so a layer of one block
// has exactly the bytes gzip() gives: small layers keep their digests.

export function gzipHeader(level: number): Buffer {
  // zlib: XFL 2 for level 9 (slowest), 4 for levels below 2 (fastest), 0 otherwise.
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

/** `length` is the whole input's; ISIZE keeps it modulo 2^32 as RFC 1952 says. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(crc >>> 0, 0);
  b.writeUInt32LE(length % 2 ** 32, 4);
  return b;
}
