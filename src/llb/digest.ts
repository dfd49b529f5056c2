// Content digests as BuildKit writes them: `sha256:<hex>` over the exact marshalled bytes.
// Op bytes are small, so a pure-JS SHA-256 (@noble/hashes, audited) is as fast as node:crypto here and
// spares `punch llb` loading node:crypto (~5 ms of a ~75 ms run). Large files (layers, blobs) still
// hash with node:crypto in the builder and the registry client.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(bytes))}`;
}
