// Content digests as BuildKit writes them: `sha256:<hex>` over the exact marshalled bytes.
import { sha256Digest } from '../sha256.js';

export function digestOf(bytes: Uint8Array): string {
  return sha256Digest(bytes);
}
