// Where the zstd binding is. Node 20's zlib has no zstd; punch uses @toondepauw/node-zstd, a
// Node-API addon whose prebuilt binaries come in per-platform packages (no install script, no
// compiler). It is resolved here and loaded by the block compressors, so only a zstd build loads it
// and the frontend bundle never contains it.
import { createRequire } from 'node:module';

export const ZSTD_PACKAGE = '@toondepauw/node-zstd';

// The bundle (CommonJS) and vitest both define it; import.meta would not survive the CommonJS bundle.
declare const __filename: string | undefined;

let resolved: string | null | undefined;

/** The binding's entry file, or undefined when it is not installed (or this platform has no build). */
export function zstdBindingPath(): string | undefined {
  if (resolved === undefined) {
    try {
      if (typeof __filename !== 'string') throw new Error('no module path to resolve from');
      const req = createRequire(__filename);
      const path = req.resolve(ZSTD_PACKAGE);
      req(path); // fails here, with the platform's reason, rather than inside a worker
      resolved = path;
    } catch {
      resolved = null;
    }
  }
  return resolved ?? undefined;
}

export function requireZstd(): string {
  const path = zstdBindingPath();
  if (path === undefined) {
    throw new Error(`compression=zstd needs the ${ZSTD_PACKAGE} package, which is not installed for ${process.platform}-${process.arch}; run npm install in punch's directory, or use compression=gzip`);
  }
  return path;
}
