// urunc's path rules for binary/initrd/block/blkMntPoint (2026 line, contract §5).
import { cleanPath } from '../gopath.js';
import { MAX_VALUE_BYTES } from './keys.js';

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

const allowedPath = /^[A-Za-z0-9._/-]+$/;

/**
 * Why urunc would reject `value` for a path key (without the key name, which the caller adds),
 * or undefined when urunc accepts it. Checks run in urunc's order, so the message names the first
 * rule urunc itself would report.
 */
export function pathProblem(value: string, allowRoot: boolean): string | undefined {
  const bytes = utf8Length(value);
  if (bytes > MAX_VALUE_BYTES) return `is ${bytes} bytes long: urunc accepts at most ${MAX_VALUE_BYTES}`;
  if (!allowedPath.test(value)) {
    return 'has characters urunc rejects: use only letters, digits and . _ / - (urunc requires ^[A-Za-z0-9._/-]+$)';
  }
  if (value.startsWith('..')) return 'must not start with "..": give the absolute path inside the image';
  if (value.startsWith('-')) return 'must not start with "-": give the absolute path inside the image';
  const cleaned = cleanPath(value);
  if (cleaned !== value) return `is not a clean path: write "${cleaned}"`;
  if (value === '.') return 'must not be ".": give the absolute path inside the image';
  if (value === '/' && !allowRoot) return 'must not be "/": give the path of a file';
  return undefined;
}
