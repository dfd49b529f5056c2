// Byte order of UTF-8 encodings, as Go sorts strings and map keys (JS's default sort compares UTF-16
// units, which differ above U+FFFF). Everything punch writes with sorted keys uses this one order.

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A record whose keys are inserted in byte order (protobufjs and JSON.stringify write them in that
 * order). fromEntries defines own properties, so a key like `__proto__` stays a key.
 */
export function sortedRecord<V>(from: Readonly<Record<string, V>> | Iterable<readonly [string, V]>): Record<string, V> {
  const entries: Array<readonly [string, V]> = Symbol.iterator in from ? [...(from as Iterable<readonly [string, V]>)] : Object.entries(from as Record<string, V>);
  return Object.fromEntries(entries.sort(([a], [b]) => compareBytes(a, b)));
}
