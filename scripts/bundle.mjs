// Bundles the CLI (and with it the frontend) into one file: dist/punch.cjs.
// One file keeps the frontend image small and start-up fast (no module resolution at run time).
//
// The file is a small loader with the minified program embedded in it. The loader compiles the
// program through vm.Script with a V8 code cache kept under the user's cache directory, so a warm
// `punch llb` skips parsing and compiling the program (Node 20 has no module.enableCompileCache).
// The cache is an optimisation only: any error reading or writing it is ignored.
//
// The program sits in a block comment inside a function that is never called: V8 skips a comment
// much faster than it scans a 450 KB string literal (~2-3 ms of every run), and the function's
// toString() gives the text back without reading the file again. A `*/` in the program is written
// `*\x01/` there (the ASCII program holds no \x01: checked below).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outfile = join(root, 'dist', 'punch.cjs');

const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'bin.ts')],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // ASCII output: the program travels as a JS string literal and V8 keeps it one byte per char.
  charset: 'ascii',
  // No `module` condition: packages resolve to their CommonJS builds. dockerfile-ast require()s
  // vscode-languageserver-types from a dozen files; its ESM build made each require copy ~100
  // exports into a fresh object (esbuild's __toCommonJS), ~1 ms of every run.
  conditions: [],
  legalComments: 'none',
  define: { PUNCH_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
const program = result.outputFiles[0].text;
if (program.includes('\x01')) throw new Error('the bundled program contains \\x01, which its comment encoding reserves');

/**
 * The loader, emitted as source text (never run here). `carrier` is the never-called function whose
 * comment holds the CommonJS program text; `id` names this build (version and program hash) so a
 * cache never outlives its program.
 * Commands that run in a fresh container every time (frontend) only read a cache, never write one.
 */
function loader(carrier, id) {
  const wrapped = carrier.toString();
  let program = wrapped.slice(wrapped.indexOf('/*') + 2, wrapped.lastIndexOf('*/'));
  if (program.includes('*\x01/')) program = program.replaceAll('*\x01/', '*/');
  const vm = require('node:vm');
  const fs = require('node:fs');
  const path = require('node:path');
  const env = process.env;
  const cmd = process.argv[2];
  const kind = cmd === 'llb' || cmd === 'check' || cmd === 'build' || cmd === 'frontend' ? cmd : 'other';
  const cacheDir = () => env.PUNCH_COMPILE_CACHE || path.join(env.XDG_CACHE_HOME || path.join(env.HOME || require('node:os').homedir(), '.cache'), 'punch');
  let file;
  let cachedData;
  if (env.PUNCH_NO_COMPILE_CACHE !== '1') {
    try {
      file = path.join(cacheDir(), `${id}-${process.version}-${process.arch}-${kind}.v8cache`);
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${program}\n})`;
  // `punch write-compile-cache KIND` (used by frontend.Dockerfile): compile every function now and
  // store the cache for KIND, without running anything. The frontend runs in a fresh container each
  // time, so only a cache baked into its image helps it. The flag goes back to its default before the
  // cache is made: V8 rejects a cache made under other flags.
  if (cmd === 'write-compile-cache') {
    const v8 = require('node:v8');
    v8.setFlagsFromString('--no-lazy');
    const eager = new vm.Script(source, { filename: __filename });
    v8.setFlagsFromString('--lazy');
    const target = path.join(cacheDir(), `${id}-${process.version}-${process.arch}-${process.argv[3] || 'frontend'}.v8cache`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, eager.createCachedData());
    process.stderr.write(`wrote ${target}\n`);
    return;
  }
  const script = new vm.Script(source, {
    filename: __filename,
    ...(cachedData ? { cachedData } : {}),
  });
  if (env.PUNCH_COMPILE_CACHE_REPORT === '1') {
    const state = !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
    process.stderr.write(`punch: compile cache ${state}: ${file ?? 'off'}\n`);
  }
  // Not mkdirSync({ recursive: true }): on some paths (e.g. under /proc) Node 20's loops forever.
  const mkdirs = (dir) => {
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      if (e.code === 'EEXIST') return;
      if (e.code !== 'ENOENT' || path.dirname(dir) === dir) throw e;
      mkdirs(path.dirname(dir));
      fs.mkdirSync(dir);
    }
  };
  if (file && kind !== 'frontend' && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache holds every function this command compiled, not just the top level.
    process.once('exit', () => {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        mkdirs(path.dirname(file));
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, file);
        // Caches of other builds are dead weight: each build has its own id.
        for (const name of fs.readdirSync(path.dirname(file))) {
          if (name.endsWith('.v8cache') && !name.startsWith(`${id}-`)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
        }
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // nothing more to do: the cache is optional
        }
      }
    });
  }
  script.runInThisContext()(module.exports, require, module, __filename, __dirname);
}

const id = `${version}-${createHash('sha256').update(program).digest('hex').slice(0, 16)}`;
const text = `#!/usr/bin/env node
"use strict";
(${loader.toString()})(function () {/*${program.replaceAll('*/', '*\x01/')}*/}, ${JSON.stringify(id)});
`;
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(outfile, text);
chmodSync(outfile, 0o755);
process.stderr.write(`bundled ${outfile} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, build ${id})\n`);
