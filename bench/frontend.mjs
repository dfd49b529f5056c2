// Figures that need Docker 20.10 with BuildKit: frontend overhead, context transfer and the frontend
// image. The private dockerd, loopback registry and frontend image come from the e2e suite's own
// setup (test/e2e/global-setup.ts), imported, not copied; this file only times builds.
import { cpSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBundled, repo } from './lib/ts.mjs';
import { fmtMs, median } from './lib/stats.mjs';

const TOOLS = ['/usr/bin/docker', '/usr/sbin/dockerd', '/usr/bin/docker-registry', '/usr/bin/skopeo'];
const EXAMPLE = 'unikraft-qemu-nginx';

/** Why the Docker figures cannot be measured here, or undefined when they can. */
export function dockerMissing() {
  if (process.env.PUNCH_BENCH_DOCKER === '0') return 'PUNCH_BENCH_DOCKER=0';
  if (process.getuid?.() !== 0) return 'the e2e engines (private dockerd) need root';
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length > 0) return `missing ${missing.join(', ')} (apt-get install docker.io docker-registry skopeo)`;
  return undefined;
}

/** Starts the e2e engines; returns the environment and a stop function. */
async function startEngines() {
  const harness = await importBundled('e2e-harness', `
    export { default as setup } from './test/e2e/global-setup.ts';
    export { run } from './test/e2e/exec.ts';
    export { dockerClientEnv, DOCKER_CLI } from './test/e2e/docker-env.ts';`);
  let env;
  const stop = await harness.setup({ provide: (key, value) => { if (key === 'e2e') env = value; } });
  const dockerEnv = harness.dockerClientEnv(env.dockerHost, env.dockerConfig);
  const docker = async (args, cwd) => {
    const r = await harness.run(harness.DOCKER_CLI, args, { cwd, env: dockerEnv, timeoutMs: 10 * 60_000 });
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}):\n${r.stderr.slice(-2000)}`);
    return r;
  };
  const skopeo = async (args) => {
    const r = await harness.run('/usr/bin/skopeo', args, { timeoutMs: 5 * 60_000 });
    if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} failed (${r.code}):\n${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  return { env, docker, skopeo, stop };
}

/** The example's context with its Containerfile, through punch (`#syntax=`) or the built-in frontend. */
function context(e, via, extra) {
  const dir = mkdtempSync(join(e.env.scratchDir, `bench-${via}-`));
  cpSync(join(repo, 'examples', EXAMPLE), dir, { recursive: true });
  const text = readFileSync(join(dir, 'Containerfile'), 'utf8').replace(/^#\s*syntax=.*\n/, '');
  writeFileSync(join(dir, 'Containerfile'), via === 'punch' ? `#syntax=${e.env.frontendImage}\n${text}` : text);
  extra?.(dir);
  return dir;
}

async function timeBuild(e, dir, noCache) {
  const args = ['build', '--progress=plain', '-f', 'Containerfile', '-t', 'bench/punch:latest', ...(noCache ? ['--no-cache'] : []), '.'];
  const t0 = process.hrtime.bigint();
  await e.docker(args, dir);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Rounds of punch vs built-in, interleaved; returns medians and the median per-round difference. */
async function compare(e, runs, make) {
  const punch = [];
  const builtin = [];
  const diff = [];
  for (let r = -1; r < runs; r++) {
    const p = await make('punch');
    const b = await make('builtin');
    if (r < 0) continue; // first round pulls the frontend image and fills caches
    punch.push(p);
    builtin.push(b);
    diff.push(p - b);
  }
  return { punch: median(punch), builtin: median(builtin), overhead: median(diff), ratio: median(punch) / median(builtin) };
}

async function overhead(e, runs) {
  const dirs = { punch: context(e, 'punch'), builtin: context(e, 'builtin') };
  const cached = await compare(e, runs, (via) => timeBuild(e, dirs[via], false));
  const uncached = await compare(e, runs, (via) => timeBuild(e, dirs[via], true));
  const row = (name, c) => `| ${name} | ${fmtMs(c.punch)} | ${fmtMs(c.builtin)} | ${fmtMs(c.overhead)} | ×${c.ratio.toFixed(2)} |`;
  return [
    `\`docker build\` of examples/${EXAMPLE}, ${runs} interleaved rounds after one warm-up round. Target: overhead < 150 ms median.`,
    '',
    '| build | punch frontend | built-in Dockerfile | overhead (median of per-round differences) | ratio |',
    '|---|---:|---:|---:|---:|',
    row('cached', cached),
    row('--no-cache', uncached),
  ].join('\n');
}

async function contextTransfer(e, runs) {
  // A sparse 1 GiB file no COPY names: free to create, still 1 GiB for whoever reads the context.
  const withBig = (dir) => {
    writeFileSync(join(dir, 'unused.bin'), '');
    truncateSync(join(dir, 'unused.bin'), 2 ** 30);
  };
  // Fresh contexts every build: BuildKit's local-source sync would otherwise send only changes.
  const small = await compare(e, runs, (via) => timeBuild(e, context(e, via), true));
  const large = await compare(e, runs, (via) => timeBuild(e, context(e, via, withBig), true));
  return [
    `Fresh context per build (\`--no-cache\`), ${runs} rounds; the large context adds a 1 GiB file that no COPY names.`,
    '',
    '| context | punch frontend | built-in Dockerfile |',
    '|---|---:|---:|',
    `| example only | ${fmtMs(small.punch)} | ${fmtMs(small.builtin)} |`,
    `| + 1 GiB unused file | ${fmtMs(large.punch)} | ${fmtMs(large.builtin)} |`,
    `| effect of the big file | ${fmtMs(large.punch - small.punch)} | ${fmtMs(large.builtin - small.builtin)} |`,
  ].join('\n');
}

/**
 * Cold start of the frontend process as it logs it (PUNCH_FRONTEND_LOG_TIMING=1 in an image derived
 * from the frontend image): ms from process start to ready, to Ping answered, and to Return sent.
 */
async function coldStart(e, runs) {
  const dir = mkdtempSync(join(e.env.scratchDir, 'bench-timing-image-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${e.env.frontendImage}\nENV PUNCH_FRONTEND_LOG_TIMING=1\n`);
  const image = 'punch-bench/frontend:timing';
  await e.docker(['build', '-t', image, '.'], dir);
  const { loggedTimings } = await importBundled('frontend-debug', `export { loggedTimings } from './src/frontend/debug.ts';`);
  const before = loggedTimings(readFileSync(e.env.dockerdLog, 'utf8')).length;
  for (let r = 0; r < runs; r++) {
    const ctx = context(e, 'punch');
    writeFileSync(join(ctx, 'Containerfile'), readFileSync(join(ctx, 'Containerfile'), 'utf8').replace(/^#syntax=.*$/m, `#syntax=${image}`));
    await timeBuild(e, ctx, true);
  }
  const t = loggedTimings(readFileSync(e.env.dockerdLog, 'utf8')).slice(before);
  if (t.length !== runs) throw new Error(`expected ${runs} timing lines in the daemon log, found ${t.length}`);
  return `- cold start, ${runs} \`--no-cache\` builds (medians, ms since the frontend process started): program loaded ${fmtMs(median(t.map((x) => x.ready)))}, \`Ping\` answered ${fmtMs(median(t.map((x) => x.pinged)))}, \`Return\` sent ${fmtMs(median(t.map((x) => x.returned)))}; \`Ping\` to \`Return\`: ${fmtMs(median(t.map((x) => x.returned - x.pinged)))}.`;
}

async function imageSize(e, runs) {
  const manifest = async (ref) => JSON.parse(await e.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]));
  const front = await manifest(e.env.frontendImage);
  const base = JSON.parse((await e.docker(['image', 'inspect', e.env.nodeImage], repo)).stdout)[0];
  const baseLayers = base.RootFS.Layers.length;
  const total = front.layers.reduce((n, l) => n + l.size, 0);
  const own = front.layers.slice(baseLayers).reduce((n, l) => n + l.size, 0);
  return [
    `Frontend image ${e.env.frontendImage} (e2e build: the Node base is the machine's node binary and its libraries).`,
    '',
    `- compressed size: ${(total / 2 ** 20).toFixed(1)} MiB, of which punch's own layers ${(own / 2 ** 10).toFixed(0)} KiB over the Node base (${baseLayers} base layer${baseLayers === 1 ? '' : 's'}).`,
    await coldStart(e, runs),
  ].join('\n');
}

/** All Docker figures as markdown sections; each is measured only when the engines start. */
export async function dockerFigures({ runs = 5 } = {}) {
  const missing = dockerMissing();
  const sections = ['Frontend overhead', 'Context transfer', 'Frontend image'];
  if (missing) return Object.fromEntries(sections.map((s) => [s, `not measured: ${missing}`]));
  let e;
  try {
    e = await startEngines();
  } catch (err) {
    const reason = `not measured: the e2e engines did not start: ${String(err.message ?? err).split('\n')[0]}`;
    return Object.fromEntries(sections.map((s) => [s, reason]));
  }
  const out = {};
  try {
    for (const [name, fn] of [[sections[0], () => overhead(e, runs)], [sections[1], () => contextTransfer(e, Math.max(2, runs >> 1))], [sections[2], () => imageSize(e, runs)]]) {
      try {
        out[name] = await fn();
      } catch (err) {
        out[name] = `not measured: ${String(err.message ?? err).split('\n').slice(0, 3).join(' ')}`;
      }
    }
  } finally {
    await e.stop();
  }
  return out;
}
