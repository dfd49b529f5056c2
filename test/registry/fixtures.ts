// Test images: configs, manifests and indexes built from small strings, stored in a FakeRegistry.
import { createHash } from 'node:crypto';
import { END_OF_ARCHIVE, encodeHeader, padding } from '../../src/engine/tar.js';
import { MediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../src/oci/types.js';
import type { FakeRegistry } from './fake-registry.js';

export const sha = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface ImageSpec {
  os: string;
  architecture: string;
  variant?: string;
  /** Each layer's bytes as stored (uncompressed); a string for a stand-in, tarLayer() for a real one. */
  layers: Array<string | Buffer>;
  annotations?: Record<string, string>;
  docker?: boolean;
}

export interface BuiltImage {
  config: ImageConfig;
  configBytes: Buffer;
  layerBytes: Buffer[];
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  mediaType: string;
  /** A descriptor for an index, with the image's platform. */
  descriptor: Descriptor;
}

/** A real uncompressed layer: root-owned entries at mtime 0, a dir's name ending in `/`. */
export function tarLayer(entries: Array<{ name: string; mode: number; data?: string }>): Buffer {
  const h = { uid: 0, gid: 0, mtime: 0, linkname: '', devmajor: 0, devminor: 0 };
  return Buffer.concat([
    ...entries.flatMap(({ name, mode, data }) => {
      if (data === undefined) return [encodeHeader({ ...h, name, type: 'dir', mode, size: 0 })];
      const bytes = Buffer.from(data);
      return [encodeHeader({ ...h, name, type: 'file', mode, size: bytes.length }), bytes, padding(bytes.length)];
    }),
    END_OF_ARCHIVE,
  ]);
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layerBytes = spec.layers.map((l) => Buffer.from(l));
  const config: ImageConfig = {
    architecture: spec.architecture,
    os: spec.os,
    ...(spec.variant ? { variant: spec.variant } : {}),
    config: { Env: [`PLATFORM=${spec.os}/${spec.architecture}`], Cmd: ['/unikraft/bin/kernel'] },
    // The fake layers are not compressed, so diff IDs equal their digests.
    rootfs: { type: 'layers', diff_ids: layerBytes.map((b) => sha(b)) },
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const mediaType = spec.docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: spec.docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: sha(configBytes), size: configBytes.length },
    layers: layerBytes.map((b, i) => ({
      mediaType: spec.docker ? MediaType.dockerLayerGzip : MediaType.ociLayer,
      digest: sha(b),
      size: b.length,
      ...(i === 0 ? { annotations: { 'org.unikraft.kernel.image': 'true' } } : {}),
    })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const manifestDigest = sha(manifestBytes);
  const platform = spec.variant
    ? { os: spec.os, architecture: spec.architecture, variant: spec.variant }
    : { os: spec.os, architecture: spec.architecture };
  return {
    config,
    configBytes,
    layerBytes,
    manifest,
    manifestBytes,
    manifestDigest,
    mediaType,
    descriptor: { mediaType, digest: manifestDigest, size: manifestBytes.length, platform },
  };
}

/** Stores the image's blobs and manifest (by digest, and by tag when given). */
export function seedImage(reg: FakeRegistry, repo: string, image: BuiltImage, tag?: string): void {
  reg.addBlob(repo, image.configBytes);
  for (const l of image.layerBytes) reg.addBlob(repo, l);
  reg.addManifest(repo, image.mediaType, image.manifestBytes, tag);
}

export function buildIndex(images: BuiltImage[], docker = false): { bytes: Buffer; digest: string; mediaType: string } {
  const mediaType = docker ? MediaType.dockerManifestList : MediaType.ociIndex;
  const index: Index = { schemaVersion: 2, mediaType, manifests: images.map((i) => i.descriptor) };
  const bytes = Buffer.from(JSON.stringify(index));
  return { bytes, digest: sha(bytes), mediaType };
}

/** Seeds each image and an index over them under `tag`. Returns the index digest. */
export function seedIndex(reg: FakeRegistry, repo: string, tag: string, images: BuiltImage[], docker = false): string {
  for (const image of images) seedImage(reg, repo, image);
  const index = buildIndex(images, docker);
  return reg.addManifest(repo, index.mediaType, index.bytes, tag);
}

/** Unikraft-style: one index, `qemu/x86_64` then `fc/x86_64`. */
export function unikraftImages(): { qemu: BuiltImage; fc: BuiltImage } {
  return {
    qemu: buildImage({ os: 'qemu', architecture: 'x86_64', layers: ['qemu kernel'], annotations: { 'org.unikraft.kernel.version': '0.17.0' } }),
    fc: buildImage({ os: 'fc', architecture: 'x86_64', layers: ['fc kernel'], annotations: { 'org.unikraft.kernel.version': '0.17.0' } }),
  };
}
