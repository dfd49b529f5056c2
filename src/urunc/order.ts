// Key order for everything punch writes from labels: byte order of the UTF-8 encodings, like Go's
// sort.Strings (what pun and urunc tooling use), so output does not depend on insertion order.

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortedRecord(entries: Iterable<readonly [string, string]>): Record<string, string> {
  // fromEntries defines own properties, so a key like `__proto__` stays a key.
  return Object.fromEntries([...entries].sort(([a], [b]) => compareBytes(a, b)));
}
