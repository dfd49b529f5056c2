// A gateway frontend for the e2e suite only, standing in for `buildctl build` where no buildctl is
// packaged (Debian 12 and 13 ship none): it reads `definition.pb` (what `punch llb` printed) and
// `config.json` (what `punch llb --print-config` printed) from the dockerfile local, solves that
// Definition unchanged, and returns its ref with the config, as buildctl's image exporter attrs would.
// Bundled with esbuild and run from an image by test/e2e/llb-frontend.ts.
import { pb } from '../../../src/gen/pb.js';
import { hostPlatform } from '../../../src/platform.js';
import { LLBBridge } from '../../../src/frontend/bridge.js';
import { frontendOptionsFromEnv } from '../../../src/frontend/opts.js';
import { localDefinition } from '../../../src/frontend/sources.js';
import { connectGrpc, joinStreams } from '../../../src/frontend/transport.js';

async function main(): Promise<number> {
  const bridge = await LLBBridge.connect(connectGrpc(joinStreams(process.stdin, process.stdout)));
  try {
    const opts = frontendOptionsFromEnv(process.env);
    const files = localDefinition(
      opts.dockerfileKey,
      { ...(opts.sessionId ? { sessionId: opts.sessionId } : {}), sharedKeyHint: opts.dockerfileKey, includePatterns: ['definition.pb', 'config.json'] },
      hostPlatform(process.arch),
    );
    const dir = await bridge.solve({ definition: files.definition });
    const definition = pb.Definition.decode(await bridge.readFile(dir.ref!.id!, 'definition.pb'));
    const config = await bridge.readFile(dir.ref!.id!, 'config.json');
    const solved = await bridge.solve({ definition });
    await bridge.returnResult({ ref: solved.ref!, metadata: { 'containerimage.config': config } });
  } catch (e) {
    process.stderr.write(`llb-frontend: ${e instanceof Error ? e.stack : String(e)}\n`);
    await bridge.returnError({ code: 2, message: `llb-frontend: ${e instanceof Error ? e.message : String(e)}` });
  }
  await bridge.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`llb-frontend: ${String(e)}\n`);
    process.exit(1);
  },
);
