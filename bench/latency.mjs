// Emission latency: `punch llb` on each example against `node -e 0` (the floor of any Node CLI),
// with the V8 code cache warm (written by an earlier run), cold (no cache yet: this run compiles
// and writes it) and off (PUNCH_NO_COMPILE_CACHE=1).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './lib/ts.mjs';
import { bareNodeEnv, fmtMs, timeCommands } from './lib/stats.mjs';

export const TARGET_RATIO = 1.3;

export function examples() {
  return readdirSync(join(repo, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export async function latency({ runs = 30 } = {}) {
  const bundle = join(repo, 'dist', 'punch.cjs');
  const cacheRoot = mkdtempSync(join(tmpdir(), 'punch-bench-cache-'));
  try {
    const node = process.execPath;
    const bare = bareNodeEnv();
    const cmds = [{ name: 'node -e 0', argv: [node, '-e', '0'] }];
    if (bare) cmds.push({ name: 'node -e 0 bare', argv: [node, '-e', '0'], env: bare });
    for (const ex of examples()) {
      const argv = [node, bundle, 'llb', join('examples', ex)];
      const warm = join(cacheRoot, `warm-${ex}`);
      const cold = join(cacheRoot, `cold-${ex}`);
      cmds.push(
        { name: `${ex} warm`, argv, env: { ...process.env, PUNCH_COMPILE_CACHE: warm } },
        { name: `${ex} cold`, argv, env: { ...process.env, PUNCH_COMPILE_CACHE: cold }, prepare: () => rmSync(cold, { recursive: true, force: true }) },
        { name: `${ex} off`, argv, env: { ...process.env, PUNCH_NO_COMPILE_CACHE: '1' } },
      );
      if (bare) cmds.push({ name: `${ex} warm bare`, argv, env: { ...bare, PUNCH_COMPILE_CACHE: warm }, peer: 1 });
    }
    // Warm-up rounds write the warm caches before any timed run.
    const results = timeCommands(cmds, { runs, cwd: repo });
    const floor = results[0];
    const byName = new Map(results.map((r) => [r.name, r]));
    const cell = (r) => `${fmtMs(r.ms)} (×${r.ratio.toFixed(2)})`;
    const bareFloor = byName.get('node -e 0 bare');
    const lines = [
      `Floor \`node -e 0\`: ${fmtMs(floor.ms)}. Cells: median wall time (median per-round ratio to the floor). ${runs} rounds, commands interleaved.`,
      ...(bareFloor
        ? [
            '',
            `This machine sets NODE_EXTRA_CA_CERTS, so every node process, the floor included, first parses that CA bundle: ` +
              `\`node -e 0\` takes ${fmtMs(floor.ms)} with it and ${fmtMs(bareFloor.ms)} without. The last two columns run ` +
              'both sides without it: the ratio to what Node itself costs.',
          ]
        : []),
      '',
      `| example | warm cache | cold cache | cache off | warm ≤ 1.3× |${bareFloor ? ' warm, no NODE_EXTRA_CA_CERTS | ≤ 1.3× |' : ''}`,
      `|---|---:|---:|---:|:---:|${bareFloor ? '---:|:---:|' : ''}`,
    ];
    for (const ex of examples()) {
      const [w, c, o] = ['warm', 'cold', 'off'].map((m) => byName.get(`${ex} ${m}`));
      const b = byName.get(`${ex} warm bare`);
      const bareCells = b ? ` ${cell(b)} | ${b.ratio <= TARGET_RATIO ? 'yes' : 'no'} |` : '';
      lines.push(`| ${ex} | ${cell(w)} | ${cell(c)} | ${cell(o)} | ${w.ratio <= TARGET_RATIO ? 'yes' : 'no'} |${bareCells}`);
    }
    return { results, markdown: lines.join('\n') };
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}
