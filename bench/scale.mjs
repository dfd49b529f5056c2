// Scale: generated Containerfiles of 10 … 10 000 instructions (COPY and LABEL mixed), parsed,
// validated and marshalled in-process (buildGraph + encodeDefinition, what `punch llb` runs).
// Each run is a fresh child process, so time includes the JIT warming up (as on the command line)
// and peak RSS is that of the run alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundledPath, importBundled } from './lib/ts.mjs';
import { median } from './lib/stats.mjs';

export const SIZES = [10, 100, 1000, 10000];
const ENTRY = `export { buildGraph } from './src/convert/index.ts';
export { encodeDefinition } from './src/llb/index.ts';`;

/** A valid urunc Containerfile of exactly `n` instructions: 3 fixed, then COPY and LABEL alternating. */
export function containerfile(n) {
  const lines = [
    'FROM scratch',
    'COPY kernel /unikernel/kernel',
    'LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu',
  ];
  for (let i = 0; lines.length < n; i++) {
    lines.push(i % 2 === 0 ? `COPY files/f${i} /data/d${i % 97}/f${i}` : `LABEL bench.key${i}="value ${i}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Child side: one measurement, printed as JSON on stdout. */
async function child(n) {
  const { buildGraph, encodeDefinition } = await import(bundledPath('scale'));
  const text = containerfile(n);
  const input = {
    file: 'Containerfile',
    text,
    buildArgs: {},
    labels: {},
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
    context: { name: 'context', unique: 'bench', excludePatterns: [] },
  };
  const rssBefore = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const graph = await buildGraph(input);
  const bytes = encodeDefinition(graph.definition);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ms, bytes: bytes.length, peakRss, rssBefore }));
}

export async function scale({ runs = 7 } = {}) {
  await importBundled('scale', ENTRY);
  const rows = [];
  for (const n of SIZES) {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(n)], { maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`scale child (${n} instructions) failed: ${p.stderr}`);
      samples.push(JSON.parse(p.stdout.toString()));
    }
    const ms = median(samples.map((s) => s.ms));
    rows.push({
      n,
      ms,
      usPerInstruction: (ms * 1000) / n,
      peakRssMiB: median(samples.map((s) => s.peakRss)) / 2 ** 20,
      workMiB: median(samples.map((s) => s.peakRss - s.rssBefore)) / 2 ** 20,
      definitionKiB: samples[0].bytes / 1024,
    });
  }
  const last = rows.at(-1);
  const prev = rows.at(-2);
  // Linear growth: 10× the instructions costs about 10× the time (per-instruction cost flat).
  const growth = last.ms / prev.ms;
  const table = [
    '| instructions | time (median) | per instruction | peak RSS | RSS above start | Definition |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.n} | ${r.ms.toFixed(1)} ms | ${r.usPerInstruction.toFixed(1)} µs | ${r.peakRssMiB.toFixed(0)} MiB | ${r.workMiB.toFixed(0)} MiB | ${r.definitionKiB.toFixed(0)} KiB |`),
  ];
  const verdict = [
    `- 10 000 instructions: ${last.ms.toFixed(0)} ms — target < 1 000 ms: **${last.ms < 1000 ? 'met' : 'NOT met'}**.`,
    `- Growth 1 000 → 10 000: ×${growth.toFixed(1)} time for ×10 instructions (${growth < 13 ? 'linear' : 'super-linear'}).`,
  ];
  if (growth >= 13) verdict.push('- To find the super-linear spot: `node --cpu-prof bench/scale.mjs --child 10000` (after a bench run built bench/.cache/scale.mjs).');
  return { rows, growth, markdown: [...table, '', ...verdict].join('\n') };
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
