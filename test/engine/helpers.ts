// Shared fixtures for the embedded builder tests: temp dirs, building States, reading results back.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach } from 'vitest';
import { executeDefinition, listRootfs, type ExecResult, type RootfsEntry } from '../../src/engine/index.js';
import type { BaseImage, ImageProvider } from '../../src/engine/types.js';
import { encodeDefinition, marshal, type State } from '../../src/llb/index.js';
import { readTar, type TarEntry } from '../e2e/tar.js';

export const amd64 = { os: 'linux', architecture: 'amd64' };

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'punch-build-test-'));
  dirs.push(d);
  return d;
}

/** Writes files (path → content; a path ending in `/` is a dir) under a new temp dir. */
/** mtime of everything makeDir writes: builds of two such dirs must not differ by the clock. */
export const FIXED_MTIME = 1_700_000_000;

export function makeDir(files: Record<string, string | Buffer>): string {
  const root = tempDir();
  const written: string[] = [];
  for (const [p, content] of Object.entries(files)) {
    const abs = join(root, p);
    if (p.endsWith('/')) {
      mkdirSync(abs, { recursive: true });
    } else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
    for (let d = abs; d.startsWith(root) && d !== root; d = dirname(d)) written.push(d);
  }
  // Deepest first: setting a dir's time after its children keeps it.
  for (const p of [...new Set(written)].sort((a, b) => b.length - a.length)) utimesSync(p, FIXED_MTIME, FIXED_MTIME);
  return root;
}

const noImages: ImageProvider = async (ref) => {
  throw new Error(`no image ${ref} in this test`);
};

export async function build(state: State, locals: Record<string, string>, images: ImageProvider = noImages): Promise<ExecResult> {
  const def = encodeDefinition(marshal(state, { platform: amd64 }));
  return executeDefinition(def, { locals, images, workDir: tempDir(), platform: amd64 });
}

export function fakeImages(byRef: Record<string, BaseImage>): ImageProvider {
  return async (ref) => {
    const img = byRef[ref];
    if (!img) throw new Error(`no image ${ref} in this test`);
    return img;
  };
}

/** path → entry of the rootfs, without the root itself. */
export function rootfsMap(result: ExecResult): Map<string, RootfsEntry> {
  return new Map(listRootfs(result.rootfs).filter((e) => e.path !== '/').map((e) => [e.path, e]));
}

export function contentOf(e: RootfsEntry | undefined): string {
  if (!e?.content) throw new Error('not a file');
  return e.content.kind === 'bytes' ? Buffer.from(e.content.data).toString() : readFileSync(e.content.path, 'utf8');
}

/** A layer blob (gzip or plain) read back as tar entries. */
export function readLayer(path: string): TarEntry[] {
  const raw = readFileSync(path);
  return readTar(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw);
}
