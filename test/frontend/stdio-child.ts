// Entry point for the stdio test: a frontend process speaking gRPC on its own stdin/stdout, like
// `punch frontend` under BuildKit. Bundled by the test with esbuild and run with node.
import { runFrontend } from '../../src/frontend/run.js';
import { image, marshal } from '../../src/llb/index.js';
import { DEFAULT_RELEASE } from '../../src/urunc/index.js';

const code = await runFrontend(
  process.env,
  { input: process.stdin, output: process.stdout, log: (m) => process.stderr.write(`${m}\n`) },
  async (input) => {
    const platform = input.platform ?? input.defaultPlatform;
    return {
      definition: marshal(image('alpine', { platform }), { platform }),
      platform,
      config: { architecture: platform.architecture, os: platform.os, config: {}, rootfs: { type: 'layers', diff_ids: [] } },
      annotations: {},
      uruncRelease: DEFAULT_RELEASE,
      urunc: {},
      artifacts: [],
      steps: [],
      diagnostics: [],
    };
  },
);
process.stderr.write(`exit ${code}\n`);
process.exit(code);
