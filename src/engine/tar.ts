// tar framing: deterministic ustar headers (PAX records when a value does not fit), and a push parser
// that reads archives chunk by chunk so layer and archive content never has to sit in memory.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { closeFd, openFd, readAt } from './fd-io.js';

export const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPEFLAG: Record<TarType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export interface TarHeader {
  /** Archive path without a leading `/`; dirs are written with a trailing `/`. */
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function fitsUstarString(s: string, max: number): boolean {
  return Buffer.byteLength(s) <= max && /^[\x01-\x7f]*$/.test(s);
}

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  buf.write(s, off, Math.min(len, Buffer.byteLength(s)), 'utf8');
}

function writeOctal(buf: Buffer, v: number, off: number, len: number): void {
  // len-1 digits, zero padded, NUL terminated: the form Go's tar writer emits.
  buf.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, len, 'ascii');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  len = total;
  return `${len}${body}`;
}

function rawHeader(h: TarHeader, name: string, linkname: string, typeflag: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, name, 0, 100);
  writeOctal(buf, h.mode & 0o7777, 100, 8);
  writeOctal(buf, Math.min(h.uid, MAX_OCTAL_8), 108, 8);
  writeOctal(buf, Math.min(h.gid, MAX_OCTAL_8), 116, 8);
  writeOctal(buf, Math.min(size, MAX_OCTAL_12), 124, 12);
  writeOctal(buf, Math.max(0, Math.min(h.mtime, MAX_OCTAL_12)), 136, 12);
  buf.fill(0x20, 148, 156);
  buf.write(typeflag, 156, 1, 'ascii');
  writeString(buf, linkname, 157, 100);
  buf.write('ustar\x0000', 257, 8, 'ascii');
  writeOctal(buf, h.devmajor, 329, 8);
  writeOctal(buf, h.devminor, 337, 8);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return buf;
}

/** The header block(s) for one entry: a PAX 'x' record first when the name, link or numbers need it. */
export function encodeHeader(h: TarHeader): Buffer {
  const records: string[] = [];
  if (!fitsUstarString(h.name, 100)) records.push(paxRecord('path', h.name));
  if (!fitsUstarString(h.linkname, 100)) records.push(paxRecord('linkpath', h.linkname));
  if (h.size > MAX_OCTAL_12) records.push(paxRecord('size', String(h.size)));
  if (h.uid > MAX_OCTAL_8) records.push(paxRecord('uid', String(h.uid)));
  if (h.gid > MAX_OCTAL_8) records.push(paxRecord('gid', String(h.gid)));
  const main = rawHeader(h, asciiPrefix(h.name, 100), asciiPrefix(h.linkname, 100), TYPEFLAG[h.type], h.size);
  if (records.length === 0) return main;
  const body = Buffer.from(records.sort().join(''), 'utf8');
  const base = h.name.replace(/\/$/, '').split('/').pop() ?? '';
  const paxName = asciiPrefix(`PaxHeaders.0/${base}`, 100);
  const paxHeader = rawHeader({ ...h, mode: 0o644, uid: 0, gid: 0, devmajor: 0, devminor: 0 }, paxName, '', 'x', body.length);
  return Buffer.concat([paxHeader, body, padding(body.length), main]);
}

/** A root-owned file or dir entry with no link or device numbers (an archive's own entries, whiteouts). */
export function plainHeader(name: string, type: 'file' | 'dir', mode: number, size: number, mtime: number): Buffer {
  return encodeHeader({ name, type, mode, size, uid: 0, gid: 0, mtime, linkname: '', devmajor: 0, devminor: 0 });
}

function asciiPrefix(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, max);
}

export function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return rem === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rem);
}

/**
 * A file's bytes inside a tar being written, read from disk only when the tar is: `size` as listed
 * when the entry was made, `changed` what a different size means (the error's first words).
 */
export interface FileRef {
  readonly path: string;
  readonly size: number;
  readonly changed: string;
}

/** A tar being written, as generated: ready bytes and file references, in order. */
export type TarPart = Buffer | FileRef;

/** The error for a file that no longer has the size its entry was listed with. */
export function sizeMismatch(ref: FileRef, read: number): Error {
  return new Error(`${ref.changed} (expected ${ref.size} bytes, read ${read})`);
}

/** The whole tar in one buffer, files read synchronously: for tars known to be small. */
export function joinParts(parts: Iterable<TarPart>): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    if (Buffer.isBuffer(p)) {
      out.push(p);
      continue;
    }
    const buf = Buffer.allocUnsafe(p.size);
    let read = 0;
    const fd = openSync(p.path, 'r');
    try {
      for (let n = -1; read < p.size && n !== 0; read += n) n = readSync(fd, buf, read, p.size - read, read);
    } finally {
      closeSync(fd);
    }
    if (read !== p.size) throw sizeMismatch(p, read);
    out.push(buf);
  }
  return Buffer.concat(out);
}

/** The tar as a byte stream: file bytes are read from disk in 1 MiB chunks as the consumer pulls. */
export async function* streamParts(parts: Iterable<TarPart>): AsyncGenerator<Buffer> {
  for (const p of parts) {
    if (Buffer.isBuffer(p)) {
      yield p;
      continue;
    }
    let read = 0;
    if (p.size > 0) {
      for await (const chunk of createReadStream(p.path, { highWaterMark: 1 << 20, end: p.size - 1 })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (read !== p.size) throw sizeMismatch(p, read);
  }
}

/**
 * Where a tar is written in place: room to fill and how much was filled (the parallel compressor's
 * blocks), so file bytes are read straight into the buffer that is compressed.
 */
export interface TarSink {
  space(): Promise<Uint8Array>;
  advance(n: number): void;
  write(bytes: Uint8Array): Promise<void>;
}

/** Writes the tar into `sink`, each file's bytes read into the sink's own room. */
export async function writeParts(parts: Iterable<TarPart>, sink: TarSink): Promise<void> {
  for (const p of parts) {
    if (Buffer.isBuffer(p)) {
      await sink.write(p);
      continue;
    }
    if (p.size === 0) continue;
    const fd = await openFd(p.path, 'r');
    let done = 0;
    try {
      while (done < p.size) {
        const room = await sink.space();
        const n = await readAt(fd, room.subarray(0, Math.min(room.length, p.size - done)), done);
        if (n === 0) break;
        sink.advance(n);
        done += n;
      }
    } finally {
      // A read-only fd: a failed close loses nothing, and must not hide the error being thrown.
      await closeFd(fd).catch(() => undefined);
    }
    if (done !== p.size) throw sizeMismatch(p, done);
  }
}

// ---- reading ----------------------------------------------------------------------------------------

export interface ParsedEntry {
  /** Path as stored, without leading `./` or `/` and without a trailing `/`. */
  path: string;
  type: TarType | 'other';
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** Receives an entry's bytes; returned by the entry callback for regular files (undefined skips them). */
export interface EntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

function readNumber(h: Buffer, off: number, len: number): number {
  const field = h.subarray(off, off + len);
  if ((field[0]! & 0x80) !== 0) {
    // base-256 (GNU): big-endian with the top bit as the marker.
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const s = field.toString('ascii').replace(/\0.*$/s, '').trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
}

/** True when `block` is a tar header with a valid checksum (what Go's tar.Reader.Next accepts first). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  if (block.every((b) => b === 0)) return false;
  const stored = readNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(data.subarray(off, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

function normalise(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

const TYPES: Record<string, TarType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

/**
 * A push parser: feed it chunks in order, it calls `onEntry` for each entry. Meta entries (PAX 'x'/'g',
 * GNU 'L'/'K') are applied to the next entry. Throws on a corrupt header.
 */
export class TarParser {
  #buf: Buffer = Buffer.alloc(0);
  #remaining = 0;
  #pad = 0;
  #sink: EntrySink | undefined;
  #meta: { kind: string; chunks: Buffer[] } | undefined;
  #pax: Record<string, string> = {};
  #globalPax: Record<string, string> = {};
  #longName: string | undefined;
  #longLink: string | undefined;
  #ended = false;
  readonly #onEntry: (e: ParsedEntry) => EntrySink | undefined;

  constructor(onEntry: (e: ParsedEntry) => EntrySink | undefined) {
    this.#onEntry = onEntry;
  }

  push(chunk: Buffer): void {
    let data = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    this.#buf = Buffer.alloc(0);
    while (data.length > 0 && !this.#ended) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, data.length);
        const part = data.subarray(0, n);
        if (this.#meta) this.#meta.chunks.push(Buffer.from(part));
        else this.#sink?.write(part);
        this.#remaining -= n;
        data = data.subarray(n);
        if (this.#remaining === 0) this.#finishBody();
        continue;
      }
      if (this.#pad > 0) {
        const n = Math.min(this.#pad, data.length);
        this.#pad -= n;
        data = data.subarray(n);
        continue;
      }
      if (data.length < BLOCK) {
        this.#buf = Buffer.from(data);
        return;
      }
      this.#header(data.subarray(0, BLOCK));
      data = data.subarray(BLOCK);
    }
  }

  /** Call after the last chunk: fails if the archive stopped inside an entry. */
  end(): void {
    if (this.#remaining > 0 || (this.#buf.length > 0 && !this.#ended)) throw new Error('tar archive is truncated');
  }

  #finishBody(): void {
    if (this.#meta) {
      const data = Buffer.concat(this.#meta.chunks);
      const kind = this.#meta.kind;
      this.#meta = undefined;
      if (kind === 'x') this.#pax = { ...this.#pax, ...parsePax(data) };
      else if (kind === 'g') this.#globalPax = { ...this.#globalPax, ...parsePax(data) };
      else if (kind === 'L') this.#longName = cString(data);
      else if (kind === 'K') this.#longLink = cString(data);
    } else {
      this.#sink?.end();
      this.#sink = undefined;
    }
  }

  #header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.#ended = true;
      return;
    }
    if (!isTarHeader(h)) throw new Error('tar archive has a corrupt header (checksum mismatch)');
    const typeflag = h[156] === 0 ? '\0' : String.fromCharCode(h[156]!);
    const pax = { ...this.#globalPax, ...this.#pax };
    const size = pax['size'] !== undefined ? Number(pax['size']) : readNumber(h, 124, 12);
    const padTo = size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      this.#meta = { kind: typeflag, chunks: [] };
      this.#remaining = size;
      this.#pad = padTo;
      if (size === 0) this.#finishBody();
      return;
    }
    const prefix = h.subarray(257, 263).toString('ascii') === 'ustar\0' ? cString(h.subarray(345, 500)) : '';
    const ustarName = prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100));
    const name = pax['path'] ?? this.#longName ?? ustarName;
    const linkname = pax['linkpath'] ?? this.#longLink ?? cString(h.subarray(157, 257));
    this.#pax = {};
    this.#longName = undefined;
    this.#longLink = undefined;
    const type = TYPES[typeflag] ?? (name.endsWith('/') && typeflag === '0' ? 'dir' : 'other');
    const entry: ParsedEntry = {
      path: normalise(name),
      type: typeflag === '0' && name.endsWith('/') ? 'dir' : type,
      typeflag,
      mode: readNumber(h, 100, 8) & 0o7777,
      uid: pax['uid'] !== undefined ? Number(pax['uid']) : readNumber(h, 108, 8),
      gid: pax['gid'] !== undefined ? Number(pax['gid']) : readNumber(h, 116, 8),
      size,
      mtime: pax['mtime'] !== undefined ? Math.floor(Number(pax['mtime'])) : readNumber(h, 136, 12),
      linkname,
      devmajor: readNumber(h, 329, 8),
      devminor: readNumber(h, 337, 8),
    };
    // Only regular files carry data; anything else declaring a size has its data skipped.
    const sink = this.#onEntry(entry);
    this.#sink = entry.type === 'file' ? sink : undefined;
    this.#remaining = size;
    this.#pad = padTo;
    if (size === 0) this.#finishBody();
  }
}
