// Embedded builder: `punch build` of a FROM-scratch image whose kernel is a 1 GiB artifact, written
// as an OCI tarball, against its peer `tar -cf - kernel | gzip -1 > /dev/null` timed in the same
// rounds. Time and peak RSS of the punch process, median over a few runs.
// Targets (issue 4): at most 1.5x the peer, peak memory under 150 MiB.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './lib/ts.mjs';
import { bareNodeEnv, fmtMs, median, timeCommands } from './lib/stats.mjs';

const bundle = join(repo, 'dist', 'punch.cjs');
const SIZE = 2 ** 30;

/** Why `punch build` cannot be measured here, or undefined. */
export function packMissing() {
  const r = spawnSync(process.execPath, [bundle, 'build', '--help'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `\`punch build\` is not available (${(r.stderr || r.stdout).trim().split('\n')[0]})`;
}

/** 1 GiB of incompressible bytes: one random-looking MiB (fixed seed) repeated; gzip's window is 32 KiB. */
function writeArtifact(path) {
  const block = Buffer.alloc(2 ** 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  const fd = openSync(path, 'w');
  try {
    for (let off = 0; off < SIZE; off += block.length) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
}

export async function pack({ runs = 3 } = {}) {
  const missing = packMissing();
  if (missing) return `not measured: ${missing}`;
  const dir = mkdtempSync(join(tmpdir(), 'punch-bench-pack-'));
  try {
    writeArtifact(join(dir, 'kernel'));
    writeFileSync(join(dir, 'Containerfile'), [
      'FROM scratch',
      'COPY kernel /unikernel/kernel',
      'LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu',
      '',
    ].join('\n'));
    const times = [];
    const peers = [];
    const rss = [];
    for (let r = 0; r < runs; r++) {
      const p0 = process.hrtime.bigint();
      const peer = spawnSync('bash', ['-o', 'pipefail', '-c', `tar -cf - -C '${dir}' kernel | gzip -1 > /dev/null`]);
      if (peer.status !== 0) return `not measured: the peer tar | gzip -1 failed (${peer.status})`;
      peers.push(Number(process.hrtime.bigint() - p0) / 1e6);
      const out = join(dir, `out-${r}.tar`);
      const rssFile = join(dir, 'rss');
      const t0 = process.hrtime.bigint();
      // The layer cache off: every round packs the artifact (a hit would measure the cache).
      const p = spawnSync(process.execPath, ['-r', join(repo, 'bench', 'lib', 'peak-rss.cjs'), bundle, 'build', '-t', 'bench/pack:1', '-o', `type=oci,dest=${out}`, '--progress', 'quiet', dir], {
        env: { ...process.env, PUNCH_BENCH_RSS: rssFile, SOURCE_DATE_EPOCH: '0', PUNCH_CACHE_MAX: '0' },
        encoding: 'utf8',
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (p.status !== 0) return `not measured: punch build failed (${p.status}): ${p.stderr.trim().split('\n').slice(0, 3).join(' ')}`;
      rss.push(Number(readFileSync(rssFile, 'utf8')));
      rmSync(out, { force: true });
    }
    const ratio = median(times.map((t, i) => t / peers[i]));
    const peakMiB = median(rss) / 2 ** 20;
    return [
      `\`punch build\` of a FROM scratch image with a 1 GiB incompressible kernel to an OCI tarball, against \`tar -cf - kernel | gzip -1 > /dev/null\`, ${runs} interleaved rounds.`,
      '',
      `- punch build: ${fmtMs(median(times))} (${((SIZE / 2 ** 20) / (median(times) / 1000)).toFixed(0)} MiB/s)`,
      `- tar | gzip -1: ${fmtMs(median(peers))}`,
      `- ratio (median of per-round ratios): ×${ratio.toFixed(2)} — target ≤ 1.5×: **${ratio <= 1.5 ? 'met' : 'missed'}**`,
      `- peak RSS of punch: ${peakMiB.toFixed(0)} MiB — target < 150 MiB: **${peakMiB < 150 ? 'met' : 'missed'}**`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A small build end to end: `punch build` of examples/rumprun-hvt-redis to an OCI archive against
 * `node -e 0`, interleaved (issue 4's target: under 1.5x), code cache warm.
 */
export function smallBuild({ runs = 20 } = {}) {
  const missing = packMissing();
  if (missing) return `not measured: ${missing}`;
  const dir = mkdtempSync(join(tmpdir(), 'punch-bench-small-'));
  try {
    const node = process.execPath;
    const env = { ...process.env, PUNCH_COMPILE_CACHE: join(dir, 'cache') };
    const argv = [node, bundle, 'build', '-t', 'bench/redis:1', '--progress', 'quiet', '-o', `type=oci,dest=${join(dir, 'out.tar')}`, join('examples', 'rumprun-hvt-redis')];
    const bare = bareNodeEnv();
    const cmds = [
      { name: 'node -e 0', argv: [node, '-e', '0'] },
      { name: 'punch build', argv, env },
    ];
    if (bare) cmds.push({ name: 'node -e 0 bare', argv: [node, '-e', '0'], env: bare }, { name: 'punch build bare', argv, env: { ...bare, PUNCH_COMPILE_CACHE: env.PUNCH_COMPILE_CACHE }, peer: 2 });
    const [floor, build, bareFloor, bareBuild] = timeCommands(cmds, { runs, cwd: repo });
    const verdict = (r) => `×${r.ratio.toFixed(2)} — target ≤ 1.5×: **${r.ratio <= 1.5 ? 'met' : 'missed'}**`;
    return [
      `\`punch build\` of examples/rumprun-hvt-redis to an OCI archive against \`node -e 0\`, ${runs} interleaved rounds, code cache warm.`,
      '',
      `- punch build: ${fmtMs(build.ms)}; node -e 0: ${fmtMs(floor.ms)}`,
      `- ratio (median of per-round ratios): ${verdict(build)}`,
      ...(bareBuild
        ? [
            `- without NODE_EXTRA_CA_CERTS (set on this machine; see section 1): punch build ${fmtMs(bareBuild.ms)}; node -e 0: ${fmtMs(bareFloor.ms)}; ratio ${verdict(bareBuild)}`,
          ]
        : []),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
