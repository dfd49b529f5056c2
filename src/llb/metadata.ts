// OpMetadata values: the per-op side data of a Definition (progress names, caps). Keys follow the pb
// field names, which are also the JSON names `buildctl debug dump-llb` prints.
import { sortedRecord } from '../order.js';

export interface OpMetadataValue {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  export_cache?: { Value?: boolean };
  caps?: Record<string, boolean>;
  progress_group?: { id?: string; name?: string; weak?: boolean };
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
