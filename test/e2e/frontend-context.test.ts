// The build context: punch asks BuildKit only for the files its COPY/ADD steps name, so a large file
// that no COPY names is never transferred.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { imageRootfs, onEachEngine } from './engine.js';
import { URUNC, contextTransfers, expectTree, fileNode, punchBuildOk, punchContext, tree, uruncJsonNode } from './frontend-support.js';

const BIG = 256 * 1024 * 1024;
const CONTAINERFILE = `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

/** A sparse file: 256 MiB to read and send, no disk used. */
function addBigFile(context: string): void {
  execFileSync('truncate', ['-s', String(BIG), join(context, 'big.img')]);
}

interface Timed {
  ms: number;
  transfers: number[];
}

async function timedPunchBuild(context: string, tag: string): Promise<Timed> {
  const started = Date.now();
  const r = await punchBuildOk({ context, tag });
  return { ms: Date.now() - started, transfers: contextTransfers(r) };
}

onEachEngine(() => {
  describe('the context transfer', () => {
    test('a 256 MiB file that no COPY names is not transferred: the same bytes as without it', async () => {
      // Same-sized contents, different bytes: BuildKit cannot reuse the other build's transfer.
      const small = punchContext(CONTAINERFILE, { 'app.hvt': 'app 1\n' });
      const big = punchContext(CONTAINERFILE, { 'app.hvt': 'app 2\n' });
      addBigFile(big);
      const without = await timedPunchBuild(small, 'punch-e2e/context:small');
      const withBig = await timedPunchBuild(big, 'punch-e2e/context:big');
      process.stderr.write(`[e2e] context transfer: without the big file ${without.ms} ms, with it ${withBig.ms} ms\n`);
      // [.dockerignore, build context]: the Containerfile is loaded from its own dir.
      expect(withBig.transfers).toEqual(without.transfers);
      expect(Math.max(...withBig.transfers)).toBeLessThan(1024);
      expect(tree(await imageRootfs('punch-e2e/context:big'))).toEqual(
        expectTree({
          '/unikernel/app.hvt': fileNode('app 2\n'),
          '/urunc.json': uruncJsonNode({
            [`${URUNC}binary`]: '/unikernel/app.hvt',
            [`${URUNC}hypervisor`]: 'hvt',
            [`${URUNC}unikernelType`]: 'rumprun',
          }),
        }),
      );
    });

    test('the transferred size is what this test reads: a COPY of the whole context sends a 1 MiB file', async () => {
      const context = punchContext(
        `FROM scratch\nCOPY . /ctx/\nLABEL ${URUNC}binary=/ctx/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`,
        { 'app.hvt': 'app 3\n', 'data.bin': Buffer.alloc(1024 * 1024, 7) },
      );
      const r = await punchBuildOk({ context, tag: 'punch-e2e/context:whole' });
      expect(Math.max(...contextTransfers(r))).toBeGreaterThanOrEqual(1024 * 1024);
    });
  });
});
