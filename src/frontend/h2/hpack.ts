// HPACK (RFC 7541): a full decoder (static and dynamic tables, Huffman strings) for what the server
// sends, and a minimal encoder for what we send: literal fields without indexing, no Huffman, so our
// encoder never touches the dynamic table and the peer's SETTINGS_HEADER_TABLE_SIZE does not matter.
import { huffmanDecode, HuffmanError } from './huffman.js';

/** One header field as it appears on the wire (names are lowercase in HTTP/2). */
export type HeaderField = readonly [name: string, value: string];

export class HpackError extends Error {
  constructor(message: string) {
    super(`HPACK: ${message}`);
    this.name = 'HpackError';
  }
}

/** RFC 7541 Appendix A; index 1 is STATIC_TABLE[0]. */
export const STATIC_TABLE: readonly HeaderField[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** RFC 7541 §4.1: an entry's size is its name and value lengths plus 32. */
const ENTRY_OVERHEAD = 32;

function entrySize(name: string, value: string): number {
  // Names and values are decoded as latin1, so string length is octet length.
  return name.length + value.length + ENTRY_OVERHEAD;
}

/** Decodes header blocks of one connection, in order (the dynamic table carries over between blocks). */
export class HpackDecoder {
  /** Newest first, as HPACK indexes it (dynamic index 62 is entries[0]). */
  private entries: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  /** @param protocolMaxSize our SETTINGS_HEADER_TABLE_SIZE: the most a size update may ask for. */
  constructor(private readonly protocolMaxSize = 4096) {
    this.maxSize = protocolMaxSize;
  }

  /** The dynamic table, newest first, and its size in HPACK octets (for tests and debugging). */
  table(): { entries: HeaderField[]; size: number; maxSize: number } {
    return { entries: [...this.entries], size: this.size, maxSize: this.maxSize };
  }

  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    const r = new Reader(block);
    while (!r.done()) {
      const b = r.peek();
      if (b & 0x80) {
        // Indexed header field (§6.1).
        const index = r.integer(7);
        if (index === 0) throw new HpackError('indexed header field with index 0');
        fields.push(this.lookup(index));
      } else if (b & 0x40) {
        // Literal with incremental indexing (§6.2.1).
        const field = this.literal(r, 6);
        this.insert(field);
        fields.push(field);
      } else if (b & 0x20) {
        // Dynamic table size update (§6.3): only at the start of a block.
        if (fields.length > 0) throw new HpackError('dynamic table size update after a header field');
        const size = r.integer(5);
        if (size > this.protocolMaxSize) {
          throw new HpackError(`dynamic table size update to ${size}, over the ${this.protocolMaxSize} allowed`);
        }
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3).
        fields.push(this.literal(r, 4));
      }
    }
    return fields;
  }

  private literal(r: Reader, prefixBits: number): HeaderField {
    const index = r.integer(prefixBits);
    const name = index === 0 ? r.string() : this.lookup(index)[0];
    return [name, r.string()];
  }

  private lookup(index: number): HeaderField {
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const entry = this.entries[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`header index ${index} is not in the table (${STATIC_TABLE.length + this.entries.length} entries)`);
    return entry;
  }

  private insert(field: HeaderField): void {
    const size = entrySize(field[0], field[1]);
    // An entry larger than the table empties it and is not added (§4.4).
    this.evict(size);
    if (size <= this.maxSize) {
      this.entries.unshift(field);
      this.size += size;
    }
  }

  /** Evicts oldest entries until `room` more octets fit (or the table is empty). */
  private evict(room: number): void {
    while (this.entries.length > 0 && this.size + room > this.maxSize) {
      const [name, value] = this.entries.pop()!;
      this.size -= entrySize(name, value);
    }
  }
}

/** A cursor over one header block; every read checks the bounds. */
class Reader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.bytes.length;
  }

  peek(): number {
    return this.bytes[this.pos]!;
  }

  private byte(what: string): number {
    if (this.pos >= this.bytes.length) throw new HpackError(`truncated ${what}`);
    return this.bytes[this.pos++]!;
  }

  /** A prefixed integer (§5.1) whose prefix is the low `prefixBits` bits of the current byte. */
  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.byte('integer') & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      const b = this.byte('integer');
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
      // 2^31 is far beyond any legitimate index, length or table size.
      if (shift > 28) throw new HpackError('integer too large');
    }
    if (value > 0x7fffffff) throw new HpackError('integer too large');
    return value;
  }

  /** A string literal (§5.2), decoded as latin1 so that each octet is one char. */
  string(): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.bytes.length - this.pos < length) throw new HpackError(`truncated string (${length} bytes declared, ${this.bytes.length - this.pos} left)`);
    const raw = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    if (!huffman) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
    try {
      return huffmanDecode(raw).toString('latin1');
    } catch (e) {
      if (e instanceof HuffmanError) throw new HpackError(e.message);
      throw e;
    }
  }
}

/** Index (1-based) of the first static entry with this name. */
let staticNames: Map<string, number> | undefined;

function staticNameIndex(name: string): number | undefined {
  if (!staticNames) {
    staticNames = new Map();
    STATIC_TABLE.forEach(([n], i) => {
      if (!staticNames!.has(n)) staticNames!.set(n, i + 1);
    });
  }
  return staticNames.get(name);
}

function pushInteger(out: number[], value: number, prefixBits: number, firstByteFlags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByteFlags | value);
    return;
  }
  out.push(firstByteFlags | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function pushString(out: number[], value: string): void {
  const bytes = Buffer.from(value, 'latin1');
  pushInteger(out, bytes.length, 7, 0);
  for (const b of bytes) out.push(b);
}

/**
 * Encodes header fields as literals without indexing (§6.2.2), with the name by static index where
 * the static table has it, and no Huffman coding. Names must already be lowercase.
 */
export function encodeHeaders(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const index = staticNameIndex(name);
    if (index === undefined) {
      out.push(0);
      pushString(out, name);
    } else {
      pushInteger(out, index, 4, 0);
    }
    pushString(out, value);
  }
  return Buffer.from(out);
}
