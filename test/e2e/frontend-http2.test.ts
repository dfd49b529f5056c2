// PUNCH_FRONTEND_HTTP2=node runs the frontend's gRPC calls over node:http2 instead of punch's own
// HTTP/2 client, so a user can tell a transport bug from a protocol bug with one build argument.
// Through a real engine: the switch reaches the frontend (a wrong value is refused by name) and a
// build over node:http2 gives the same image as the default transport.
import { describe, expect, test } from 'vitest';
import { imageInspect, imageRootfs, makeContext, onEachEngine } from './engine.js';
import { URUNC, buildError, punchBuild, punchBuildOk, syntaxLine, tree } from './frontend-support.js';

const FILE = `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\nCMD ["app", "-v"]\n`;

function context(): string {
  return makeContext({ Containerfile: `${syntaxLine()}${FILE}`, 'app.hvt': 'app\n' });
}

onEachEngine(() => {
  describe('PUNCH_FRONTEND_HTTP2', () => {
    test('=node builds the same image as punch\'s own HTTP/2 client', async () => {
      const ctx = context();
      await punchBuildOk({ context: ctx, file: 'Containerfile', tag: 'punch-e2e/http2:punch' });
      await punchBuildOk({ context: ctx, file: 'Containerfile', tag: 'punch-e2e/http2:node', buildArgs: { PUNCH_FRONTEND_HTTP2: 'node' } });
      expect(tree(await imageRootfs('punch-e2e/http2:node'))).toEqual(tree(await imageRootfs('punch-e2e/http2:punch')));
      const config = async (tag: string) => (await imageInspect(tag)).Config;
      expect(await config('punch-e2e/http2:node')).toEqual(await config('punch-e2e/http2:punch'));
    });

    test('an unknown value is refused by name, so the switch is known to reach the frontend', async () => {
      const r = await punchBuild({ context: context(), file: 'Containerfile', tag: 'punch-e2e/http2:bad', buildArgs: { PUNCH_FRONTEND_HTTP2: 'grpc' } });
      expect(r.code, r.stderr.slice(-2000)).not.toBe(0);
      expect(buildError(r)).toContain('PUNCH_FRONTEND_HTTP2: invalid value "grpc": expected node');
    });
  });
});
