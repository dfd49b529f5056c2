// OpMetadata values: the per-op side data of a Definition (progress names, caps). Keys follow the pb
// field names, which are also the JSON names `buildctl debug dump-llb` prints.

export interface OpMetadataValue {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  export_cache?: { Value?: boolean };
  caps?: Record<string, boolean>;
  progress_group?: { id?: string; name?: string; weak?: boolean };
}

/** Bytewise order, as Go sorts map keys (JS's default sort compares UTF-16 units). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A copy of `record` whose keys are inserted in bytewise order (protobufjs writes maps in key order). */
export function sortedRecord<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(record).sort(compareBytes)) out[k] = record[k]!;
  return out;
}

/** The same metadata with every map sorted and empty parts dropped. */
export function normalizeMetadata(m: OpMetadataValue): OpMetadataValue {
  const out: OpMetadataValue = {};
  if (m.ignore_cache) out.ignore_cache = true;
  if (m.description && Object.keys(m.description).length > 0) out.description = sortedRecord(m.description);
  if (m.export_cache) out.export_cache = m.export_cache.Value ? { Value: true } : {};
  if (m.caps && Object.keys(m.caps).length > 0) out.caps = sortedRecord(m.caps);
  if (m.progress_group) out.progress_group = { ...m.progress_group };
  return out;
}

/** Go's mergeMetadata: two vertices with one digest share one entry; later values win, caps add up. */
export function mergeMetadata(a: OpMetadataValue | undefined, b: OpMetadataValue): OpMetadataValue {
  if (!a) return normalizeMetadata(b);
  const out: OpMetadataValue = {
    ...a,
    description: { ...a.description, ...b.description },
    caps: { ...a.caps, ...b.caps },
  };
  if (b.ignore_cache) out.ignore_cache = true;
  if (b.export_cache) out.export_cache = b.export_cache;
  if (b.progress_group) out.progress_group = b.progress_group;
  return normalizeMetadata(out);
}
