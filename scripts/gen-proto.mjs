// Generates src/gen/pb.js (protobufjs static code) and src/gen/pb.d.ts from proto/*.proto.
// Static code keeps start-up fast: no .proto parsing and no reflection at run time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outDir = join(root, 'src', 'gen');
mkdirSync(outDir, { recursive: true });
const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(protoDir, f));
const bin = (name) => join(root, 'node_modules', 'protobufjs-cli', 'bin', name);
const js = join(outDir, 'pb.js');
const commented = join(tmpdir(), `punch-pb-${process.pid}.js`);
const pbjs = (out, extra) => execFileSync(process.execPath, [
  bin('pbjs'), '-t', 'static-module', '-w', 'es6', '--keep-case',
  '--no-verify', '--no-delimited', '--no-service', '--no-convert', '--no-typeurl', ...extra,
  '-p', protoDir, '-o', out, ...protos,
], { stdio: 'inherit' });

// The runtime copy has no comments; pbts needs the JSDoc of a commented copy to write types.
pbjs(js, ['--no-beautify', '--no-comments']);
// Node's ESM resolver needs the file extension of the runtime entry point.
writeFileSync(js, readFileSync(js, 'utf8').replace('"protobufjs/minimal"', '"protobufjs/minimal.js"'));
pbjs(commented, []);
try {
  execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', join(outDir, 'pb.d.ts'), commented], { stdio: 'inherit' });
} finally {
  rmSync(commented, { force: true });
}
