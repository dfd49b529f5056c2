// Content digests as BuildKit writes them: `sha256:<hex>` over the exact marshalled bytes.
import { createHash } from 'node:crypto';

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
