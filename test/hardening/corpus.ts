// Helpers for the hardening specs: a throw-away build context, and short views of what `punch llb`
// wrote (the copy actions, the context source, /urunc.json decoded as urunc decodes it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { decodeDefinition } from '../../src/llb/index.js';
import { parseUruncJson } from '../../src/urunc/index.js';
import { bundle, punch, type Run } from '../cli/run.js';

/** `punch` killed after `timeoutMs` (code null then), so a slow case fails fast instead of stalling the suite. */
export function punchWithin(timeoutMs: number, args: string[]): Run {
  punch(['--version']); // fails with a clear message when dist/punch.cjs is missing
  const r = spawnSync(process.execPath, [bundle, ...args], { input: '', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** urunc labels that make a scratch image valid once `/k` is copied. */
export const URUNC_OK =
  'LABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu';

/** A context directory holding `files` (text or bytes); `k` is the kernel unless given. */
export function context(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'punch-hardening-'));
  for (const [name, data] of Object.entries({ k: 'kernel', ...files })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

export function copies(definition: Uint8Array): Array<{ src: string; dest: string }> {
  return decodeDefinition(definition)
    .ops.flatMap((o) => o.op.file?.actions ?? [])
    .flatMap((a) => (a.copy ? [{ src: a.copy.src ?? '', dest: a.copy.dest ?? '' }] : []));
}

/** The attrs of the `local://context` source op. */
export function contextAttrs(definition: Uint8Array): Record<string, string> {
  const op = decodeDefinition(definition).ops.find((o) => o.op.source?.identifier === 'local://context');
  if (!op) throw new Error('no local://context source in the definition');
  return { ...(op.op.source!.attrs ?? {}) };
}

/** The raw bytes of the /urunc.json mkfile. */
export function uruncJsonBytes(definition: Uint8Array): Uint8Array {
  const data = decodeDefinition(definition)
    .ops.flatMap((o) => o.op.file?.actions ?? [])
    .find((a) => a.mkfile?.path === '/urunc.json')?.mkfile?.data;
  if (!data) throw new Error('no /urunc.json mkfile in the definition');
  return data;
}

/** /urunc.json decoded the way urunc decodes it (Go base64.StdEncoding of UTF-8). */
export function uruncJson(definition: Uint8Array): Record<string, string> {
  const parsed = parseUruncJson(uruncJsonBytes(definition));
  // Keys are com.urunc.unikernel.*: a plain `error` key is parseUruncJson saying the bytes are bad.
  if (typeof parsed.error === 'string') throw new Error(parsed.error);
  return parsed as Record<string, string>;
}

export const NO_FROM = 'error: no FROM instruction: a Containerfile needs at least one stage (FROM scratch or FROM <image>)';

/** `punch llb .` run inside the context, so diagnostics name `Containerfile` as a user sees it. */
export function llb(dir: string, ...args: string[]) {
  return punch(['llb', '.', ...args], { cwd: dir });
}

/** The image config `punch llb --print-config` shows (fails the test on a non-zero exit). */
export function config(dir: string, ...args: string[]): { Labels?: Record<string, string>; Cmd?: string[] } {
  const r = llb(dir, '--print-config', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.toString()).config;
}

export function ok(dir: string, ...args: string[]): Uint8Array {
  const r = llb(dir, ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return new Uint8Array(r.stdout);
}

/** Exit 1, no output, `stderr` listed, then the count of what it lists as the last line. */
export function fails(dir: string, stderr: string) {
  const r = llb(dir);
  const errors = stderr.split('\n').filter((l) => l.includes(': error: ')).length;
  const warnings = stderr.split('\n').filter((l) => l.includes(': warning: ')).length;
  const count = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`;
  expect({ code: r.code, stdout: r.stdout.length, stderr: r.stderr }).toEqual({ code: 1, stdout: 0, stderr: stderr + count });
}
