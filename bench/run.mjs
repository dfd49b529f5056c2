// `npm run bench`: measures punch and writes bench/RESULTS.md (machine, date, every figure).
//   node bench/run.mjs [--only latency,scale,docker,pack,disk] [--quick]
// Each section runs only when its prerequisites exist; otherwise RESULTS.md says why not. A section
// not selected with --only keeps its figures from the RESULTS.md it replaces, marked with that run's date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { disk } from './disk.mjs';
import { dockerFigures } from './frontend.mjs';
import { latency } from './latency.mjs';
import { repo } from './lib/ts.mjs';
import { pack, smallBuild } from './pack.mjs';
import { scale } from './scale.mjs';

const { values } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const only = new Set((values.only ?? 'latency,scale,docker,pack,disk').split(','));
const out = join(repo, 'bench', 'RESULTS.md');

/** The previous RESULTS.md's sections by heading number ("1.", "5b."), and its date. */
function previousRun() {
  const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const date = /^- date: (\S+)/m.exec(text)?.[1];
  const sections = new Map();
  for (const part of text.split(/^## /m).slice(1)) {
    const key = /^(\S+)/.exec(part)?.[1];
    if (key) sections.set(key, part.slice(part.indexOf('\n') + 1).trim());
  }
  return { date, sections };
}
const previous = previousRun();
const q = values.quick;

function machine() {
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- cpu: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- node: ${process.version} (${process.platform}/${process.arch})`,
    `- load average at start (1/5/15 min): ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`,
  ].join('\n');
}

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
async function section(name, enabled, fn) {
  if (!enabled) {
    const kept = previous.sections.get(name.split(' ')[0]);
    if (kept && !kept.startsWith('not measured') && !kept.startsWith('_Not selected')) return `## ${name}\n\n_Not selected in this run (--only); figures from the run of ${previous.date}:_\n\n${kept}\n`;
    if (kept?.startsWith('_Not selected')) return `## ${name}\n\n${kept}\n`;
    return `## ${name}\n\nnot measured: not selected (--only)\n`;
  }
  log(`${name}...`);
  const t0 = Date.now();
  try {
    const body = await fn();
    log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return `## ${name}\n\n${body}\n`;
  } catch (e) {
    log(`${name}: failed: ${e.message}`);
    return `## ${name}\n\nnot measured: ${String(e.message).split('\n')[0]}\n`;
  }
}

const parts = [
  '# punch benchmarks',
  '',
  'Written by `npm run bench` (bench/run.mjs); figures are medians. Re-run to refresh.',
  '',
  machine(),
  '',
  await section('1. Emission latency (`punch llb` vs `node -e 0`, target ≤ 1.3×)', only.has('latency'), async () => (await latency({ runs: q ? 10 : 30 })).markdown),
  await section('2. Scale (parse + validate + marshal in-process, target 10 000 instructions < 1 s, linear)', only.has('scale'), async () => (await scale({ runs: q ? 3 : 7 })).markdown),
];
// The Docker figures share one start of the engines; they are measured here, reported in order below.
if (only.has('docker')) log('Docker figures (frontend overhead, context transfer, frontend image)...');
const docker = only.has('docker') ? await dockerFigures({ runs: q ? 3 : 9 }) : undefined;
const dockerSection = (n, name) => section(`${n}. ${name}`, only.has('docker'), async () => docker[name]);
parts.push(await dockerSection(3, 'Frontend overhead'), await dockerSection(4, 'Context transfer'));
parts.push(await section('5. Embedded builder (1 GiB artifact packed)', only.has('pack'), () => pack({ runs: q ? 1 : 3 })));
parts.push(await section('5b. Embedded builder (a small example end to end)', only.has('pack'), async () => smallBuild({ runs: q ? 5 : 20 })));
parts.push(await dockerSection(6, 'Frontend image'));
parts.push(await section('7. Big artifacts: a 1 GiB ext4 disk (issue 14)', only.has('disk'), () => disk({ runs: q ? 1 : 5, warmup: q ? 0 : 1, log })));

writeFileSync(out, `${parts.join('\n')}`);
log(`wrote ${out}`);
