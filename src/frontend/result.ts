// The Return result: refs and the exporter metadata (image config, platform list, annotations), as the
// Dockerfile frontend shapes them. Pure: solved refs in, protobuf Result out.
import type { moby } from '../gen/pb.js';
import { compareBytes, sortedRecord } from '../order.js';
import type { ImageConfig } from '../oci/types.js';
import { formatPlatform, type Platform } from '../platform.js';
import { FrontendError } from './errors.js';

export interface SolvedImage {
  platform: Platform;
  /** Ref id from Solve. */
  refId: string;
  config: ImageConfig;
  /** Manifest annotations (sent only when the engine's exporter supports them). */
  annotations: Record<string, string>;
}

export interface ResultShape {
  /** Return a platform map even for one image (`multi-platform` opt). */
  multiPlatform: boolean;
  /** LLB cap `exporter.image.annotations` (BuildKit ≥ 0.11); older engines ignore the keys silently. */
  annotations: boolean;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Go's ocispec.Platform JSON: architecture, os, variant. */
function platformJson(p: Platform): Record<string, string> {
  return p.variant ? { architecture: p.architecture, os: p.os, variant: p.variant } : { architecture: p.architecture, os: p.os };
}


export function returnResult(images: readonly SolvedImage[], shape: ResultShape): moby.buildkit.v1.frontend.Result.$Properties {
  if (images.length === 0) throw new Error('returnResult: no image');
  if (images.length === 1 && !shape.multiPlatform) {
    const img = images[0]!;
    const meta: [string, Buffer][] = [['containerimage.config', json(img.config)]];
    if (shape.annotations) {
      for (const [k, v] of Object.entries(img.annotations)) meta.push([`annotation-manifest.${k}`, Buffer.from(v, 'utf8')]);
    }
    return { ref: { id: img.refId }, metadata: sortedRecord(meta) };
  }
  const refs: Record<string, { id: string }> = {};
  const meta: [string, Buffer][] = [];
  const listed: { ID: string; Platform: Record<string, string> }[] = [];
  const seen = new Map<string, SolvedImage>();
  for (const img of images) {
    const key = formatPlatform(img.platform);
    if (seen.has(key)) {
      throw new FrontendError(`two of the requested platforms build an image for ${key}: list each target platform once`);
    }
    seen.set(key, img);
    listed.push({ ID: key, Platform: platformJson(img.platform) });
    meta.push([`containerimage.config/${key}`, json(img.config)]);
    if (shape.annotations) {
      for (const [k, v] of Object.entries(img.annotations)) meta.push([`annotation-manifest[${key}].${k}`, Buffer.from(v, 'utf8')]);
    }
  }
  for (const key of [...seen.keys()].sort(compareBytes)) refs[key] = { id: seen.get(key)!.refId };
  meta.push(['refs.platforms', json({ Platforms: listed })]);
  return { refs: { refs }, metadata: sortedRecord(meta) };
}
