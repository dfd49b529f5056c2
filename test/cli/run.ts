// Runs the built bundle (dist/punch.cjs) the way a user does, capturing bytes exactly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repo = join(import.meta.dirname, '..', '..');
export const bundle = join(repo, 'dist', 'punch.cjs');

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function punch(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first (npm test does)`);
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: opts.cwd ?? repo,
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
