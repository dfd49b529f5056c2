// BuildKit's image-history rules: what the exporter completes in the config (diff_ids, history
// entries matched to layers, `created` only when SOURCE_DATE_EPOCH gives it).
import type { HistoryEntry, ImageConfig } from '../oci/types.js';
import type { LayerBlob } from './types.js';

/** The manifest annotation that carries `created`. */
export const CREATED = 'org.opencontainers.image.created';
const HISTORY_COMMENT = 'buildkit.exporter.image.v0';

/** Go's time.RFC3339 in UTC for whole seconds: `2024-01-02T03:04:05Z`. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * BuildKit's normalizeLayersAndHistory: non-empty history entries are matched to layers; surplus ones
 * are marked empty, missing ones appended (created_by = the op's description); `created` filled in.
 */
export function reconcileHistory(history: readonly HistoryEntry[], layerDescriptions: readonly string[], created: string | undefined): HistoryEntry[] {
  let out = history.map((h) => ({ ...h }));
  const nonEmpty = out.filter((h) => !h.empty_layer).length;
  const layers = layerDescriptions.length;
  if (nonEmpty > layers) {
    let seen = 0;
    out = out.map((h) => {
      if (seen >= layers) return { ...h, empty_layer: true };
      if (!h.empty_layer) seen++;
      return h;
    });
  }
  for (let i = Math.min(nonEmpty, layers); i < layers; i++) {
    const h: HistoryEntry = {};
    if (created) h.created = created;
    h.created_by = layerDescriptions[i]!;
    h.comment = HISTORY_COMMENT;
    out.push(h);
  }
  if (created) for (const h of out) if (!h.empty_layer && h.created === undefined) h.created = created;
  // Key order as Go's ocispec History: created, created_by, author, comment, empty_layer.
  return out.map((h) => {
    const o: HistoryEntry = {};
    if (h.created !== undefined) o.created = h.created;
    if (h.created_by !== undefined) o.created_by = h.created_by;
    if (h.author !== undefined) o.author = h.author;
    if (h.comment !== undefined) o.comment = h.comment;
    if (h.empty_layer) o.empty_layer = true;
    return o;
  });
}

/** The final config: diff_ids from the layers, history reconciled, `created` only when known (reproducible). */
export function finalConfig(base: ImageConfig, layers: readonly Pick<LayerBlob, 'diffID'>[], descriptions: readonly string[], created: string | undefined): ImageConfig {
  const out: ImageConfig = {
    ...(created ? { created } : {}),
    ...(base.author !== undefined ? { author: base.author } : {}),
    architecture: base.architecture,
    os: base.os,
    ...(base.variant !== undefined ? { variant: base.variant } : {}),
    config: base.config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: reconcileHistory(base.history ?? [], descriptions, created),
  };
  return out;
}

