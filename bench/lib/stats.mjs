// Small statistics and timing helpers shared by the bench sections.
import { spawnSync } from 'node:child_process';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Wall time (ms) of each command, run round-robin so that load changes on the machine hit every
 * command alike. Returns per-command medians and the median of per-round ratios to its peer:
 * `cmds[c.peer ?? 0]`. A command: { name, argv, env?, prepare?, peer? } — `prepare` runs untimed
 * before each run.
 * stdin is empty and stdout a pipe, as in `punch llb | buildctl build`. Non-zero exit aborts.
 */
export function timeCommands(cmds, { runs = 30, warmup = 3, cwd } = {}) {
  const times = cmds.map(() => []);
  const ratios = cmds.map(() => []);
  for (let r = -warmup; r < runs; r++) {
    const round = cmds.map((c) => timeOnce(c, cwd));
    if (r < 0) continue;
    round.forEach((t, i) => {
      times[i].push(t);
      ratios[i].push(t / round[cmds[i].peer ?? 0]);
    });
  }
  return cmds.map((c, i) => ({ name: c.name, ms: median(times[i]), ratio: median(ratios[i]), runs }));
}

function timeOnce({ name, argv, env, prepare }, cwd) {
  if (prepare) prepare();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: env ?? process.env, cwd, input: '', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`);
  return ms;
}

export const fmtMs = (ms) => `${ms.toFixed(1)} ms`;

/**
 * NODE_EXTRA_CA_CERTS makes every node process parse that CA bundle at start-up (on the machine this
 * suite was written on, ~40 ms of a ~65 ms `node -e 0`). It inflates the floor as much as punch, so
 * ratios to it flatter punch: where it is set, the Node figures are also measured without it.
 */
export function bareNodeEnv(env = process.env) {
  if (env.NODE_EXTRA_CA_CERTS === undefined) return undefined;
  const bare = { ...env };
  delete bare.NODE_EXTRA_CA_CERTS;
  return bare;
}
