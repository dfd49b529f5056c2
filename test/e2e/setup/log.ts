// Progress lines of the e2e setup on stderr, and small timing helpers.
import { readFileSync } from 'node:fs';

export function log(message: string): void {
  process.stderr.write(`[e2e] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
