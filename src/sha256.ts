// SHA-256 of bytes in memory, as `sha256:<hex>` digests. Up to 64 KiB (op bytes, configs, manifests,
// small layers) a pure-JS hash (@noble/hashes, audited) takes under a millisecond, less than loading
// node:crypto; beyond that node:crypto's native hash wins (~15x faster) and is loaded then.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { nodeCrypto } from './builtins.js';

const JS_HASH_MAX_BYTES = 64 << 10;

export function sha256Hex(bytes: Uint8Array): string {
  if (bytes.length <= JS_HASH_MAX_BYTES) return bytesToHex(sha256(bytes));
  return nodeCrypto().createHash('sha256').update(bytes).digest('hex');
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}
