// A small, strict tar reader for inspecting image layers in tests: ustar, pax ('x'/'g') and GNU long
// names ('L'/'K'), octal and base-256 numbers. It reads a whole archive from memory; layers in tests
// are small enough, and a checksum mismatch fails loudly instead of yielding garbage entries.

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'dir' | 'other';

export interface TarEntry {
  /** Path as stored, normalised: no leading "./" or "/", no trailing "/". "" is the archive root. */
  readonly path: string;
  readonly type: TarEntryType;
  /** The raw typeflag character, for entries of type 'other' (devices, fifos, ...). */
  readonly typeflag: string;
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Link target for symlinks and hardlinks; "" otherwise. Hardlink targets are normalised like paths. */
  readonly linkname: string;
  /** File content; empty for everything but regular files. */
  readonly content: Buffer;
}

const BLOCK = 512;

export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let globalPax: Record<string, string> = {};
  let localPax: Record<string, string> = {};
  let gnuLongName: string | undefined;
  let gnuLongLink: string | undefined;
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (isZeroBlock(header)) break; // end-of-archive marker
    verifyChecksum(header, offset);
    const typeflag = header[156] === 0 ? '\0' : String.fromCharCode(header[156]!);
    const pax = { ...globalPax, ...localPax };
    const size = pax['size'] !== undefined ? parseDecimal(pax['size'], 'pax size', offset) : readNumber(header, 124, 12, offset);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) {
      throw new Error(`tar: entry at byte ${offset} claims ${size} bytes but the archive ends at ${archive.length}`);
    }
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    // Meta entries describe the next real entry.
    if (typeflag === 'x') { localPax = { ...localPax, ...parsePax(data) }; continue; }
    if (typeflag === 'g') { globalPax = { ...globalPax, ...parsePax(data) }; continue; }
    if (typeflag === 'L') { gnuLongName = cString(data); continue; }
    if (typeflag === 'K') { gnuLongLink = cString(data); continue; }

    const name = pax['path'] ?? gnuLongName ?? ustarName(header);
    const rawLink = pax['linkpath'] ?? gnuLongLink ?? cString(header.subarray(157, 257));
    const type = entryType(typeflag);
    entries.push({
      path: normalisePath(name),
      type,
      typeflag,
      mode: readNumber(header, 100, 8, offset) & 0o7777,
      uid: pax['uid'] !== undefined ? parseDecimal(pax['uid'], 'pax uid', offset) : readNumber(header, 108, 8, offset),
      gid: pax['gid'] !== undefined ? parseDecimal(pax['gid'], 'pax gid', offset) : readNumber(header, 116, 8, offset),
      linkname: type === 'hardlink' ? normalisePath(rawLink) : type === 'symlink' ? rawLink : '',
      content: type === 'file' ? Buffer.from(data) : Buffer.alloc(0),
    });
    localPax = {};
    gnuLongName = undefined;
    gnuLongLink = undefined;
  }
  return entries;
}

export function normalisePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return parts.join('/');
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0': case '\0': case '7': return 'file';
    case '1': return 'hardlink';
    case '2': return 'symlink';
    case '5': return 'dir';
    default: return 'other';
  }
}

function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const magic = header.subarray(257, 262).toString('latin1');
  if (magic !== 'ustar') return name;
  // GNU tar writes "ustar  \0" and uses the prefix area for other things; only POSIX ustar has a prefix.
  const isPosix = header[262] === 0 && header.subarray(263, 265).toString('latin1') === '00';
  const prefix = isPosix ? cString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) {
      throw new Error(`tar: malformed pax record at offset ${pos}`);
    }
    // Record is "<len> <key>=<value>\n", len counting the whole record; values are UTF-8.
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq < 0) throw new Error(`tar: pax record without "=": ${record}`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

function readNumber(header: Buffer, start: number, length: number, at: number): number {
  const field = header.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as the marker.
    let value = BigInt(field[0]! & 0x7f);
    for (const byte of field.subarray(1)) value = (value << 8n) | BigInt(byte);
    return Number(value);
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad octal number "${text}" in header at byte ${at}`);
  return parseInt(text, 8);
}

function parseDecimal(text: string, what: string, at: number): number {
  if (!/^[0-9]+$/.test(text)) throw new Error(`tar: bad ${what} "${text}" for entry at byte ${at}`);
  return Number(text);
}

function verifyChecksum(header: Buffer, at: number): void {
  const stored = readNumber(header, 148, 8, at);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (sum !== stored) throw new Error(`tar: header checksum mismatch at byte ${at} (stored ${stored}, computed ${sum})`);
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function cString(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('utf8');
}
