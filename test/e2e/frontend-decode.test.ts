// The frontend decodes the Containerfile through the shared session, as `punch llb` and `punch build`
// do: through `docker build`, invalid UTF-8 and a NUL byte are errors at their position, never a
// silent U+FFFD in a COPY source.
import { describe, expect, test } from 'vitest';
import { makeContext } from './engine.js';
import { URUNC, buildError, punchBuild, syntaxLine } from './frontend-support.js';

const PREFIX = 'failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: rpc error: code = Unknown desc = ';
const LABELS = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

/** `docker build` of a Containerfile whose lines after `#syntax=` are `body`, with an app.hvt beside it. */
async function build(name: string, body: Buffer) {
  const context = makeContext({ Containerfile: Buffer.concat([Buffer.from(syntaxLine()), body]), 'app.hvt': 'app\n' });
  return punchBuild({ context, tag: `punch-e2e/decode:${name}`, timeoutMs: 120_000 });
}

describe('Containerfile bytes through docker build (Docker 20.10)', () => {
  test('invalid UTF-8 is an error at its line and column, like the CLI', async () => {
    const r = await build('utf8', Buffer.concat([Buffer.from('FROM scratch\nCOPY caf'), Buffer.from([0xe9]), Buffer.from(` /unikernel/app.hvt\n${LABELS}`)]));
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    expect(buildError(r)).toBe(`${PREFIX}Containerfile:3:9: error: invalid UTF-8 (byte 0xe9): a Containerfile must be UTF-8 text; save it as UTF-8`);
  });

  test('a NUL byte is an error at its position', async () => {
    const r = await build('nul', Buffer.from(`FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${LABELS}LABEL x=a\0b\n`));
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    expect(buildError(r)).toBe(`${PREFIX}Containerfile:5:10: error: NUL byte in the Containerfile: it must be text (does -f name a binary file?)`);
  });
});
