// Loads TypeScript from src/ and test/ into the bench: esbuild bundles it into bench/.cache/ (two
// levels below the repo, like test/e2e/*.ts, so code that finds the repo from import.meta.url works).
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const repo = join(import.meta.dirname, '..', '..');
const cacheDir = join(repo, 'bench', '.cache');

/** Bundles `source` (module text resolved from the repo root) as ESM and imports it. */
export async function importBundled(name, source) {
  const outfile = join(cacheDir, `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: repo, loader: 'ts', sourcefile: `bench-${name}.ts` },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // CommonJS dependencies (protobufjs, dockerfile-ast) call require() for node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    external: ['vitest', 'vitest/*'],
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

export function bundledPath(name) {
  return join(cacheDir, `${name}.mjs`);
}
