// Big artifacts (issue 14): `punch build` of a Linux guest image whose disk is a 1 GiB ext4 image
// holding ~700 MiB of real files (`mkfs.ext4 -d` of the system library folder), beside the shell
// pipelines a user would compare it with, all timed in the same interleaved rounds.
// Targets: first build gzip ≤ 1.1× `pigz -1 -p 2`, zstd ≤ 1.2× `zstd -1 -T2`; rebuild with only CMD
// changed ≤ 1.0× `sha256sum` of the disk, and under 0.5 s on the stat fast path; peak RSS < 150 MiB.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './lib/ts.mjs';
import { median } from './lib/stats.mjs';

const bundle = join(repo, 'dist', 'punch.cjs');
const DISK_BYTES = 2 ** 30;
const TOOLS = { 'mkfs.ext4': 'e2fsprogs', pigz: 'pigz', zstd: 'zstd', gzip: 'gzip', tar: 'tar', sha256sum: 'coreutils' };

const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** The bench's own setup: the tools it compares with, from Debian packages, installed when missing. */
function ensureTools(log) {
  const missing = () => Object.keys(TOOLS).filter((t) => !onPath(t));
  if (missing().length === 0) return undefined;
  const pkgs = [...new Set(missing().map((t) => TOOLS[t]))];
  if (process.getuid?.() !== 0) return `missing ${missing().join(', ')} (apt-get install -y ${pkgs.join(' ')})`;
  log(`installing ${pkgs.join(' ')} with apt-get`);
  const install = () => spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    install();
  }
  return missing().length === 0 ? undefined : `still missing after apt-get install: ${missing().join(', ')}`;
}

/** The system library folder: the multiarch one (Debian's ~700 MiB of shared libraries), else /usr/lib. */
function librarySource() {
  const triplet = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim();
  for (const dir of [triplet && `/usr/lib/${triplet}`, `/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`, '/usr/lib']) {
    if (dir && existsSync(dir)) return dir;
  }
  throw new Error('no system library folder to fill the disk with');
}

/** A deterministic small kernel stand-in: the image's binary label needs a file. */
function writeKernel(path) {
  const b = Buffer.alloc(4 << 20);
  let x = 0x2545f491;
  for (let i = 0; i < b.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  writeFileSync(path, b);
}

function containerfile(cmd) {
  return [
    'FROM scratch',
    'COPY vmlinux /boot/vmlinux',
    'COPY disk.ext4 /disk/rootfs.ext4',
    'LABEL com.urunc.unikernel.binary=/boot/vmlinux com.urunc.unikernel.block=/disk/rootfs.ext4 com.urunc.unikernel.blkMntPoint=/ \\',
    '      com.urunc.unikernel.unikernelType=linux com.urunc.unikernel.hypervisor=firecracker',
    `CMD ["console=ttyS0", "${cmd}"]`,
    '',
  ].join('\n');
}

/** Whether this punch has the layer cache (`punch cache du`): the rebuild rows need it. */
function hasLayerCache(env) {
  return spawnSync(process.execPath, [bundle, 'cache', 'du'], { env, stdio: 'ignore' }).status === 0;
}

const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (ok) => `**${ok ? 'met' : 'missed'}**`;

export async function disk({ runs = 5, warmup = 1, log = () => {} } = {}) {
  if (!existsSync(bundle)) return `not measured: ${bundle} is not built (npm run build)`;
  const missing = ensureTools(log);
  if (missing) return `not measured: ${missing}`;
  const dir = mkdtempSync(join(tmpdir(), 'punch-bench-disk-'));
  try {
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    const src = librarySource();
    const srcMiB = Number(execFileSync('du', ['-sm', src], { encoding: 'utf8' }).split('\t')[0]);
    const diskPath = join(ctx, 'disk.ext4');
    log(`making the disk: mkfs.ext4 -d ${src} (${srcMiB} MiB)`);
    // A fixed UUID and hash seed; the files keep their own times, as a user's disk does.
    execFileSync('mkfs.ext4', ['-q', '-F', '-U', '6a2c3e2e-0b1c-4d5e-8f90-123456789abc', '-E', 'root_owner=0:0,hash_seed=6a2c3e2e-0b1c-4d5e-8f90-123456789abc', '-d', src, diskPath, `${DISK_BYTES / 1024}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const usedMiB = Number(execFileSync('du', ['-sm', diskPath], { encoding: 'utf8' }).split('\t')[0]);
    writeKernel(join(ctx, 'vmlinux'));
    writeFileSync(join(ctx, 'Containerfile'), containerfile('round-0'));

    const rssFile = join(dir, 'rss');
    const baseEnv = { ...process.env, SOURCE_DATE_EPOCH: '0', PUNCH_BENCH_RSS: rssFile };
    const q = (s) => `'${s}'`;
    const pipe = (tool) => ({ shell: `tar -cf - -C ${q(ctx)} disk.ext4 | ${tool} > /dev/null` });
    // An OCI archive (what `punch build` writes by default), or a layout folder (rebuilds: a cached
    // blob is hard-linked there, where an archive must copy it in).
    const out = (name, layout) => join(dir, layout ? `${name}-layout` : `${name}.tar`);
    const freshCache = (name) => {
      const d = join(dir, `cache-${name}`);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
      return d;
    };
    const punch = (name, compression, cache, layout = false) => ({
      punch: true,
      argv: [process.execPath, '-r', join(repo, 'bench', 'lib', 'peak-rss.cjs'), bundle, 'build', '-t', 'bench/disk:1', '--progress', 'quiet', '-o', `type=${layout ? 'oci-layout' : 'oci'},dest=${out(name, layout)},compression=${compression}`, ctx],
      env: () => ({ ...baseEnv, PUNCH_CACHE_DIR: cache() }),
      after: () => rmSync(out(name, layout), { recursive: true, force: true }),
    });
    const cmds = [
      { name: '`tar -cf - disk.ext4 | gzip -1`', ...pipe('gzip -1') },
      { name: '`tar -cf - disk.ext4 | pigz -1 -p 2`', ...pipe('pigz -1 -p 2') },
      { name: '`tar -cf - disk.ext4 | zstd -1 -T2`', ...pipe('zstd -1 -T2') },
      { name: '`sha256sum disk.ext4`', argv: ['sha256sum', diskPath] },
      { name: '`punch build`, first build, gzip', ...punch('gzip', 'gzip', () => freshCache('gzip')) },
      { name: '`punch build`, first build, zstd', ...punch('zstd', 'zstd', () => freshCache('zstd')) },
    ];
    const cached = hasLayerCache({ ...baseEnv, PUNCH_CACHE_DIR: freshCache('probe') });
    let round = 0;
    if (cached) {
      // Each rebuild changes CMD only. Warm: the cache holds the layers but no stat entry is trusted,
      // so the disk's content is hashed again. Fast path: the disk's stat entry is trusted.
      const rebuild = (name, prime, layout = true) => {
        const c = punch(name, 'gzip', () => join(dir, `cache-${name}`), layout);
        return {
          ...c,
          // Warm: PUNCH_CACHE_REHASH=1 trusts no stat entry, so the disk's bytes are hashed again.
          // (Touching the disk instead would also void the fast-path row's stat entry: one disk.)
          ...(prime === 'warm' ? { env: () => ({ ...c.env(), PUNCH_CACHE_REHASH: '1' }) } : {}),
          prepare: () => {
            if (prime === 'cold') freshCache(name);
            writeFileSync(join(ctx, 'Containerfile'), containerfile(`round-${++round}`));
          },
        };
      };
      // One untimed build fills the warm and fast-path caches before the rounds.
      for (const name of ['warm', 'fast', 'fast-archive']) {
        mkdirSync(join(dir, `cache-${name}`), { recursive: true });
        const c = rebuild(name, 'none');
        const r = spawnSync(c.argv[0], c.argv.slice(1), { env: c.env() });
        if (r.status !== 0) throw new Error(`priming the ${name} cache: ${r.stderr}`);
      }
      cmds.push(
        { name: 'rebuild, CMD changed, cold cache (oci-layout)', ...rebuild('cold', 'cold') },
        { name: 'rebuild, CMD changed, warm cache, disk rehashed (oci-layout)', ...rebuild('warm', 'warm') },
        { name: 'rebuild, CMD changed, stat fast path (oci-layout)', ...rebuild('fast', 'none') },
        { name: 'rebuild, CMD changed, stat fast path (oci archive: the disk layer copied in)', ...rebuild('fast-archive', 'none', false) },
      );
    } else {
      cmds.push({
        name: 'rebuild, CMD changed (this punch has no layer cache)',
        ...punch('rebuild', 'gzip', () => freshCache('rebuild')),
        prepare: () => writeFileSync(join(ctx, 'Containerfile'), containerfile(`round-${++round}`)),
      });
    }

    const load0 = loadavg();
    const times = cmds.map(() => []);
    const rss = cmds.map(() => []);
    for (let r = -warmup; r < runs; r++) {
      log(`round ${r < 0 ? 'warm-up' : r + 1}/${runs}`);
      cmds.forEach((c, i) => {
        c.prepare?.();
        const env = typeof c.env === 'function' ? c.env() : process.env;
        rmSync(rssFile, { force: true });
        const t0 = process.hrtime.bigint();
        const p = c.shell ? spawnSync('bash', ['-o', 'pipefail', '-c', c.shell], { env }) : spawnSync(c.argv[0], c.argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (p.status !== 0) throw new Error(`${c.name}: exit ${p.status}: ${String(p.stderr).trim().split('\n').slice(0, 3).join(' ')}`);
        c.after?.();
        if (r < 0) return;
        times[i].push(ms);
        if (c.punch) rss[i].push(Number(readFileSync(rssFile, 'utf8')) / 2 ** 20);
      });
    }
    const load1 = loadavg();

    const med = times.map(median);
    const ratioTo = (i, peer) => median(times[i].map((t, k) => t / times[peer][k]));
    const PIGZ = 1, ZSTD = 2, SHA = 3;
    const target = new Map([
      [4, { peer: PIGZ, max: 1.1, text: '≤ 1.1× pigz -1 -p 2' }],
      [5, { peer: ZSTD, max: 1.2, text: '≤ 1.2× zstd -1 -T2' }],
    ]);
    cmds.forEach((c, i) => {
      if (i > 5 && c.name.includes('warm')) target.set(i, { peer: SHA, max: 1.0, text: '≤ 1.0× sha256sum' });
      if (i > 5 && !cached) target.set(i, { peer: SHA, max: 1.0, text: '≤ 1.0× sha256sum (needs the layer cache)' });
    });
    const rows = cmds.map((c, i) => {
      const t = target.get(i);
      const fast = c.name.includes('fast path');
      const ratio = t ? `×${ratioTo(i, t.peer).toFixed(2)}` : '';
      const goal = t ? `${t.text}: ${verdict(ratioTo(i, t.peer) <= t.max)}` : fast ? `< 0.5 s: ${verdict(med[i] < 500)}` : '';
      const peak = c.punch ? `${median(rss[i]).toFixed(0)} MiB` : '';
      return `| ${c.name.replaceAll('|', '\\|')} | ${sec(med[i])} | ${ratio} | ${goal} | ${peak} |`;
    });
    const peakAll = Math.max(...rss.flat());
    return [
      `A Linux guest image (FROM scratch, a 4 MiB kernel, \`COPY disk.ext4\`, CMD) whose disk is a 1 GiB ext4 image made by \`mkfs.ext4 -d ${src}\` (${srcMiB} MiB of files; ${usedMiB} MiB of the image allocated), built by \`punch build -o type=oci,dest=x.tar,compression=…\` (rebuilds: \`type=oci-layout,dest=DIR\`, where a cached layer is hard-linked, unless marked) beside the shell pipelines. A rebuild changes only CMD; its cache was filled by one untimed build (cold: emptied before each run; warm: \`PUNCH_CACHE_REHASH=1\`, so the disk's bytes are hashed again). ${runs} interleaved round${runs === 1 ? '' : 's'} after ${warmup} warm-up round${warmup === 1 ? '' : 's'}${warmup > 0 ? ' (the disk is in the page cache)' : ''}; cells are medians, ratios the median of per-round ratios. Each first build gets an empty PUNCH_CACHE_DIR.`,
      '',
      `Machine load (1-minute average, 2 cores shared with other work): ${load0[0].toFixed(1)} before, ${load1[0].toFixed(1)} after.`,
      '',
      '| command | time (median) | ratio | target | peak RSS |',
      '|---|---:|---:|---|---:|',
      ...rows,
      '',
      `- peak RSS of punch build, highest of all runs: ${peakAll.toFixed(0)} MiB — target < 150 MiB: ${verdict(peakAll < 150)}`,
      ...(cached ? [] : ['- rebuild rows for the layer cache (cold, warm, stat fast path): not measured, this punch has no `punch cache` command']),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
