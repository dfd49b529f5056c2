// A strict newc reader for tests, with the rules of the Linux kernel's initramfs unpacker
// (init/initramfs.c): magic 070701, 13 hex fields, name size within PATH_MAX and NUL-terminated,
// header+name and data each padded to 4 bytes, ending with TRAILER!!!.
export interface Member {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

export function readNewc(archive: Uint8Array): Member[] {
  const buf = Buffer.from(archive);
  const out: Member[] = [];
  let at = 0;
  for (;;) {
    if (at % 4 !== 0) throw new Error(`header at ${at} is not 4-byte aligned`);
    const head = buf.subarray(at, at + 110).toString('latin1');
    if (head.length < 110) throw new Error(`truncated header at ${at}`);
    if (head.slice(0, 6) !== '070701') throw new Error(`bad magic ${JSON.stringify(head.slice(0, 6))} at ${at}`);
    const f: number[] = [];
    for (let i = 0; i < 13; i++) {
      const h = head.slice(6 + i * 8, 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(h)) throw new Error(`field ${i} ${JSON.stringify(h)} is not hex at ${at}`);
      f.push(parseInt(h, 16));
    }
    const [ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, namesize, check] = f as [number, number, number, number, number, number, number, number, number, number, number, number, number];
    if (check !== 0) throw new Error('newc check field must be 0');
    if (namesize < 1 || namesize > 4096) throw new Error(`name size ${namesize} out of range`);
    if (buf[at + 110 + namesize - 1] !== 0) throw new Error(`name at ${at} is not NUL-terminated`);
    const name = buf.subarray(at + 110, at + 110 + namesize - 1).toString('utf8');
    let p = at + 110 + namesize;
    while (p % 4 !== 0) if (buf[p++] !== 0) throw new Error(`non-zero name padding at ${p - 1}`);
    if (name === 'TRAILER!!!') {
      if (p !== buf.length) throw new Error(`${buf.length - p} bytes after the trailer`);
      return out;
    }
    const data = buf.subarray(p, p + size);
    if (data.length !== size) throw new Error(`${name}: truncated data`);
    p += size;
    while (p % 4 !== 0) if (buf[p++] !== 0) throw new Error(`non-zero data padding at ${p - 1}`);
    out.push({ name, ino, mode, uid, gid, nlink, mtime, devMajor, devMinor, rdevMajor, rdevMinor, data: Buffer.from(data) });
    at = p;
  }
}
