// Content digests: validation (a digest becomes a file name, so it must never hold a path) and hashing.
import { join } from 'node:path';
import { RegistryError } from './errors.js';

const sha256Pattern = /^sha256:[a-f0-9]{64}$/;

/** Returns the hex part of a `sha256:<64 hex>` digest; any other form is refused. */
export function digestHex(digest: string, what: string): string {
  if (!sha256Pattern.test(digest)) {
    const alg = digest.includes(':') ? digest.slice(0, digest.indexOf(':')) : '';
    const reason = alg && alg !== 'sha256' ? `unsupported digest algorithm "${alg}" (only sha256 is supported)` : 'malformed digest';
    throw new RegistryError('protocol', `${what}: ${reason}: "${digest}"`);
  }
  return digest.slice('sha256:'.length);
}

export { sha256Digest } from '../sha256.js';

/** `<root>/blobs/sha256/<hex>`: the layout shared by the cache and OCI image layouts. */
export function blobPath(root: string, digest: string, what: string): string {
  return join(root, 'blobs', 'sha256', digestHex(digest, what));
}
