// Writing to stdout safely: it may be a closed pipe, and binary must never land on a terminal.
import type { Writable } from 'node:stream';

/** Writes all bytes and resolves once they are flushed; a closed pipe rejects with EPIPE. */
export function writeAll(out: Writable, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    out.once('error', onError);
    out.write(data, (err) => {
      // On failure Node calls back first and emits 'error' after: keep listening so that event is ours.
      if (err) return reject(err);
      out.off('error', onError);
      resolve();
    });
  });
}

export function isBrokenPipe(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Quotes one field for buildctl's CSV parser (encoding/csv): quote when needed, double the quotes. */
export function csvField(field: string): string {
  return /[",\n\r]|^\s/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** POSIX shell single-quoting. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
