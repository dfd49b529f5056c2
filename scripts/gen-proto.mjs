// Generates the protobufjs static code from proto/*.proto, in two modules:
//   src/gen/ops.js (+ .d.ts): package `pb` (ops.proto) only, what `punch llb` and `punch check` need;
//   src/gen/pb.js  (+ .d.ts): every package; it re-exports `pb` from ops.js and adds the gateway ones.
// Static code keeps start-up fast (no .proto parsing, no reflection); the split keeps the LLB path
// from evaluating the gateway messages, which only frontend mode loads (lazily, via import()).
// Both modules share protobufjs' default root, and cross-package references go through it at call
// time, so splitting one pbjs output by package is exact.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outDir = join(root, 'src', 'gen');
/** The package split into its own module, and that module's name. */
const OPS_PACKAGE = 'pb';
const OPS_MODULE = 'ops';

mkdirSync(outDir, { recursive: true });
const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(protoDir, f));
const bin = (name) => join(root, 'node_modules', 'protobufjs-cli', 'bin', name);
const tmp = (name) => join(tmpdir(), `punch-${process.pid}-${name}`);
const pbjs = (out, extra) => execFileSync(process.execPath, [
  bin('pbjs'), '-t', 'static-module', '-w', 'es6', '--keep-case',
  '--no-verify', '--no-delimited', '--no-service', '--no-convert', '--no-typeurl', ...extra,
  '-p', protoDir, '-o', out, ...protos,
], { stdio: 'inherit' });

/**
 * Splits generated text into what precedes the first top-level package block, the blocks by package
 * name, and what follows the last one. A block opens with a line matching `open(name)` at column 0
 * and closes at the next line that starts with `}` at column 0.
 */
function splitPackages(text, open) {
  const lines = text.split('\n');
  const head = [];
  const blocks = new Map();
  const tail = [];
  for (let i = 0; i < lines.length; i++) {
    const m = open.exec(lines[i]);
    if (!m) {
      (blocks.size === 0 ? head : tail).push(lines[i]);
      continue;
    }
    if (tail.some((l) => l.trim() !== '')) throw new Error(`gen-proto: unexpected text between package blocks before line ${i + 1}`);
    tail.length = 0;
    let j = i;
    while (j < lines.length && !lines[j].startsWith('}')) j++;
    if (j === lines.length) throw new Error(`gen-proto: package ${m[1]} has no closing line`);
    blocks.set(m[1], lines.slice(i, j + 1).join('\n'));
    i = j;
  }
  if (!blocks.has(OPS_PACKAGE)) throw new Error(`gen-proto: no package ${OPS_PACKAGE} in the generated code`);
  return { head: head.join('\n'), blocks, tail: tail.join('\n') };
}

function writeModules(ext, text, open, reexport) {
  const { head, blocks, tail } = splitPackages(text, open);
  const rest = [...blocks].filter(([name]) => name !== OPS_PACKAGE).map(([, block]) => block);
  writeFileSync(join(outDir, `${OPS_MODULE}${ext}`), `${head}${blocks.get(OPS_PACKAGE)}\n`);
  writeFileSync(join(outDir, `pb${ext}`), `${head}\n${reexport}\n\n${rest.join('\n\n')}\n${tail}`);
}

// The runtime copy has no comments; pbts needs the JSDoc of a commented copy to write types.
const js = tmp('pb.js');
const commented = tmp('pb-commented.js');
const dts = tmp('pb.d.ts');
try {
  pbjs(js, ['--no-beautify', '--no-comments']);
  pbjs(commented, []);
  execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', dts, commented], { stdio: 'inherit' });
  // Node's ESM resolver needs the file extension of the runtime entry point.
  const runtime = readFileSync(js, 'utf8').replace('"protobufjs/minimal"', '"protobufjs/minimal.js"');
  const reexport = `import { ${OPS_PACKAGE} } from "./${OPS_MODULE}.js";\nexport { ${OPS_PACKAGE} };`;
  writeModules('.js', runtime, /^export const (\w+) = \$root\.\w+ = \(\(\) => \{$/, reexport);
  writeModules('.d.ts', readFileSync(dts, 'utf8'), /^export namespace (\w+) \{$/, reexport);
} finally {
  for (const f of [js, commented, dts]) rmSync(f, { force: true });
}
