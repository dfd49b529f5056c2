// `punch llb | buildctl build` for engines that have no buildctl: the Definition `punch llb` prints
// and the config `--print-config` prints go, unchanged, to a tiny test-only gateway frontend
// (llb-frontend/main.ts) that solves the one and returns it with the other. The frontend image is
// built once, on the primary engine (whose store has the Node base), and served by the loopback registry.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { dockerBuild, e2e, engine, makeContext, type RunResult } from './engine.js';
import { punchStdout } from './frontend-support.js';

let image: Promise<string> | undefined;

/** The llb frontend image, `<registry>/punch-e2e/llb-frontend:test`. */
export function llbFrontend(): Promise<string> {
  image ??= (async () => {
    const env = e2e();
    const dir = makeContext({});
    await build({
      entryPoints: [join(env.repoRoot, 'test', 'e2e', 'llb-frontend', 'main.ts')],
      outfile: join(dir, 'llb-frontend.cjs'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${env.nodeImage}\nCOPY llb-frontend.cjs /llb-frontend.cjs\nENTRYPOINT ["node", "/llb-frontend.cjs"]\n`);
    const tag = `${env.registry}/punch-e2e/llb-frontend:test`;
    const primary = engine(env.primary);
    await primary.build({ context: dir, tag, check: true });
    await primary.docker(['push', tag], { check: true, timeoutMs: 5 * 60_000 });
    return tag;
  })();
  return image;
}

/**
 * Builds `-t tag` on the current engine from what `punch llb [args] .` and `--print-config` print in
 * `context`; BuildKit reads the context's files from the client, as with `buildctl --local context=.`.
 */
export async function llbBuild(context: string, tag: string, args: readonly string[] = []): Promise<RunResult> {
  const definition = await punchStdout(['llb', ...args, '.'], context);
  const config = await punchStdout(['llb', ...args, '--print-config', '.'], context);
  const dir = mkdtempSync(join(e2e().scratchDir, 'llb-'));
  writeFileSync(join(dir, 'Dockerfile'), `#syntax=${await llbFrontend()}\n`);
  writeFileSync(join(dir, 'definition.pb'), definition);
  writeFileSync(join(dir, 'config.json'), config);
  return dockerBuild({ context, file: join(dir, 'Dockerfile'), tag, timeoutMs: 10 * 60_000 });
}
