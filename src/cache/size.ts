// Sizes as users write them (PUNCH_CACHE_MAX, --keep-storage): like docker's (go-units RAMInBytes),
// every unit is a power of 1024: 512k, 10GB and 10GiB are 512·2^10 and 10·2^30 bytes.
const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Bytes, or an error message saying what was expected. */
export function parseSize(text: string): number | { error: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m || (m[3] !== undefined && m[2] === '' && m[3].toLowerCase() !== 'b')) {
    return { error: `"${text}" is not a size: write a number of bytes with an optional unit, e.g. 512MiB, 10GB or 2g (units are powers of 1024)` };
  }
  const n = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(n)) return { error: `"${text}" is too large` };
  return n;
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}
