// Reads /work/shared/testdata/llb-golden.txt: Go client/llb's bytes, digests, JSON and metadata per case.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GoldenOp {
  digest: string;
  hex: string;
  json: string;
  meta: string;
}

export interface GoldenCase {
  name: string;
  ops: GoldenOp[];
  definitionHex: string;
}

/** The repo root is the nearest directory above this file with a package.json; the golden file sits beside it. */
function goldenPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('llb-golden.txt: no package.json above the test file');
    dir = up;
  }
  return join(dir, '..', 'shared', 'testdata', 'llb-golden.txt');
}

export function readGoldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  let current: GoldenCase | undefined;
  let op: Partial<GoldenOp> | undefined;
  for (const line of readFileSync(goldenPath(), 'utf8').split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^### (.+)$/.exec(line))) {
      current = { name: m[1]!, ops: [], definitionHex: '' };
      cases.push(current);
    } else if ((m = /^op\[(\d+)\] (sha256:[0-9a-f]{64})$/.exec(line))) {
      op = { digest: m[2]! };
      current!.ops.push(op as GoldenOp);
    } else if ((m = /^ {2}(hex|json|meta)=(.*)$/.exec(line))) {
      op![m[1] as 'hex' | 'json' | 'meta'] = m[2]!;
    } else if ((m = /^definition hex=([0-9a-f]+)$/.exec(line))) {
      current!.definitionHex = m[1]!;
    }
  }
  return cases;
}
