// force-compression: a base image layer compressed otherwise than the export asks is decompressed and
// compressed again, as BuildKit's exporters do with force-compression=true. Its diff ID cannot change:
// the tar read back is checked against it.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { compressionOfMediaType, layerMediaType, type Compression } from './compress/index.js';
import type { ByteSink } from './archive-writer.js';
import { compressStream, writeCompressedStream, type WrittenLayer } from './layer.js';
import type { TarSink } from './tar.js';
import type { LayerBlob } from './types.js';

/** True when `blob` must be recompressed to be exported with `c`. */
export function needsRecompression(blob: Pick<LayerBlob, 'mediaType'>, c: Compression): boolean {
  return c.force && compressionOfMediaType(blob.mediaType) !== c.type;
}

function decompressed(blob: LayerBlob): AsyncIterable<Uint8Array> {
  const from = compressionOfMediaType(blob.mediaType);
  const file = createReadStream(blob.path, { highWaterMark: 1 << 20 });
  if (from === 'uncompressed') return file;
  if (from === 'gzip') return file.pipe(createGunzip());
  throw new Error(`base layer ${blob.digest} is ${blob.mediaType}: punch build can recompress gzip and uncompressed layers only; drop force-compression=true to keep it as it is`);
}

type RecompressOptions = { signal?: AbortSignal };

function checked<T extends { diffID: string }>(blob: LayerBlob, out: T): T {
  if (out.diffID !== blob.diffID) {
    throw new Error(`base layer ${blob.digest} decompresses to ${out.diffID}, not its diff ID ${blob.diffID}: the image is corrupt`);
  }
  return out;
}

const feedOf = (blob: LayerBlob) => async (into: TarSink): Promise<void> => {
  for await (const chunk of decompressed(blob)) await into.write(chunk as Uint8Array);
};

/** `blob` recompressed with `c` into a blob file in `blobsDir`. */
export async function recompressBlob(blob: LayerBlob, c: Compression, opts: RecompressOptions & { blobsDir: string; durable: boolean }): Promise<WrittenLayer> {
  const out = await writeCompressedStream(feedOf(blob), { ...opts, compression: c });
  return { ...checked(blob, out), mediaType: layerMediaType(c.type) };
}

/** `blob` recompressed with `c` into `sink` only (an archive being written). */
export async function recompressInto(blob: LayerBlob, c: Compression, sink: ByteSink, opts: RecompressOptions = {}): Promise<Omit<LayerBlob, 'path'>> {
  const out = await compressStream(feedOf(blob), sink, { ...opts, compression: c });
  return { ...checked(blob, out), mediaType: layerMediaType(c.type) };
}
