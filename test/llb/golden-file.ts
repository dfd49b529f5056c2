// Reads the golden LLB vector files in test/fixtures/ (llb-golden.txt: Go client/llb v0.8 graphs;
// llb-golden-exec.txt: ExecOp graphs and the Dockerfile frontend's RUN output, BuildKit v0.11.6):
// bytes, digests, JSON and metadata per op, the whole Definition, and per-case notes.
import { readFileSync } from 'node:fs';
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
  /** `# note: ...`: e.g. that Go's op order in the Definition varies for this case. */
  note?: string;
  /** `# dockerfile="..."`: the Dockerfile text behind a frontend case. */
  dockerfile?: string;
  /** `image=...`: the image config JSON the Dockerfile frontend returned. */
  image?: string;
}

export type GoldenFile = 'llb-golden.txt' | 'llb-golden-exec.txt';

/** The path of a fixture file; the fixtures live in the repo so that a fresh clone runs these tests. */
export function goldenPath(file: GoldenFile): string {
  return fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url));
}

export function readGoldenCases(file: GoldenFile = 'llb-golden.txt'): GoldenCase[] {
  const cases: GoldenCase[] = [];
  let current: GoldenCase | undefined;
  let op: Partial<GoldenOp> | undefined;
  for (const line of readFileSync(goldenPath(file), 'utf8').split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^### (.+)$/.exec(line))) {
      current = { name: m[1]!, ops: [], definitionHex: '' };
      cases.push(current);
    } else if (current === undefined) {
      continue; // the file's header comments
    } else if ((m = /^op\[(\d+)\] (sha256:[0-9a-f]{64})$/.exec(line))) {
      op = { digest: m[2]! };
      current.ops.push(op as GoldenOp);
    } else if ((m = /^ {2}(hex|json|meta)=(.*)$/.exec(line))) {
      op![m[1] as 'hex' | 'json' | 'meta'] = m[2]!;
    } else if ((m = /^definition hex=([0-9a-f]+)$/.exec(line))) {
      current.definitionHex = m[1]!;
    } else if ((m = /^# note: (.*)$/.exec(line))) {
      current.note = m[1]!;
    } else if ((m = /^# dockerfile=(".*")$/.exec(line))) {
      current.dockerfile = JSON.parse(m[1]!) as string;
    } else if ((m = /^image=(.*)$/.exec(line))) {
      current.image = m[1]!;
    }
  }
  return cases;
}
