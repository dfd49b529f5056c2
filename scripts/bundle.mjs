// Bundles the CLI (and with it the frontend) into one file: dist/punch.cjs.
// One file keeps the frontend image small and start-up fast (no module resolution at run time).
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outfile = join(root, 'dist', 'punch.cjs');

const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'bin.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define: { PUNCH_VERSION: JSON.stringify(version) },
  metafile: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stderr.write(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB)\n`);
