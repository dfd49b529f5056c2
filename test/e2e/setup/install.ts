// Installs what the e2e suite needs on a fresh Debian 12 machine: Debian 12's docker.io (Docker 20.10,
// containerd 1.6, runc), registry, skopeo, umoci, cpio, bsdcpio, zstd and gzip with apt-get; and Docker 26 (daemon, client,
// buildx 0.13) from Debian 13's packages, downloaded with a private package list (the machine's apt
// state stays Debian 12) and unpacked with `dpkg -x` into a cache that later runs reuse as is.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { commandFailed, run } from '../exec.js';
import { log } from './log.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const REQUIRED_TOOLS = ['/usr/bin/docker', '/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/umoci', '/usr/bin/cpio', '/usr/bin/bsdcpio', '/bin/busybox', '/usr/bin/zstd', '/usr/bin/gzip'];
// cpio and libarchive-tools (bsdcpio): independent readers of punch's initramfs archives.
// busybox-static: a static shell for the busybox base image that RUN tests start from.
// zstd and gzip: independent readers of punch's compressed layers (`zstd -t`, `gzip -t`).
const APT_PACKAGES = ['docker.io', 'docker-registry', 'skopeo', 'umoci', 'cpio', 'libarchive-tools', 'busybox-static', 'zstd', 'gzip'];
const APT_TIMEOUT_MS = 30 * 60_000;

function aptEnv(): NodeJS.ProcessEnv {
  // NEEDRESTART_MODE=l: the recommended needrestart only lists, never restarts or asks.
  return { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'l', PATH: SYSTEM_PATH };
}

async function apt(cmd: 'apt-get' | 'apt-cache', args: readonly string[], aptLog: string, cwd?: string): Promise<string> {
  const r = await run(cmd, args, { env: aptEnv(), timeoutMs: APT_TIMEOUT_MS, cwd });
  writeFileSync(aptLog, `$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`, { flag: 'a' });
  if (r.code !== 0) throw commandFailed(`${cmd} failed (log: ${aptLog})`, cmd, args, r);
  return r.stdout;
}

/** Debian 12's engines and tools, installed with apt-get when any is missing. */
export async function ensureDebianTools(aptLog: string): Promise<void> {
  const missing = () => REQUIRED_TOOLS.filter((t) => !existsSync(t));
  if (missing().length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing().join(', ')} and not root: install them with \`apt-get install -y ${APT_PACKAGES.join(' ')}\``);
  }
  log(`installing ${APT_PACKAGES.join(' ')} (missing: ${missing().join(', ')})`);
  // Keep the package from starting a system dockerd: it would take docker0 and run beside ours.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# written by punch test/e2e/setup/install.ts during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    await apt('apt-get', ['update'], aptLog);
    await apt('apt-get', ['install', '-y', ...APT_PACKAGES], aptLog);
  } finally {
    if (ownPolicy) await rm(policy, { force: true });
  }
  if (missing().length > 0) throw new Error(`still missing after apt-get install: ${missing().join(', ')} (see ${aptLog})`);
}

/** Where unpacked engines are kept between runs: $PUNCH_E2E_CACHE, else ~/.cache/punch-e2e. */
export function engineCacheDir(): string {
  const explicit = process.env['PUNCH_E2E_CACHE'];
  if (explicit) return explicit;
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'punch-e2e');
}

export interface Docker26Files {
  /** Unpacked root: usr/sbin/dockerd, usr/sbin/docker-proxy, usr/bin/docker-init, usr/bin/docker. */
  readonly root: string;
  readonly dockerd: string;
  readonly docker: string;
  /** The buildx CLI plugin, to be placed in a DOCKER_CONFIG's cli-plugins folder. */
  readonly buildx: string;
  /** Debian 13 package versions, e.g. `docker.io=26.1.5+dfsg1-9+deb13u1+b1`. */
  readonly packages: readonly string[];
}

/** Debian 13's packages that make Docker 26 with buildx; containerd and runc stay Debian 12's. */
const DOCKER26_PACKAGES = ['docker.io', 'docker-cli', 'docker-buildx'];
const DOCKER26_SUITE = 'trixie';

function docker26Files(root: string, packages: readonly string[]): Docker26Files {
  return {
    root,
    dockerd: join(root, 'usr', 'sbin', 'dockerd'),
    docker: join(root, 'usr', 'bin', 'docker'),
    buildx: join(root, 'usr', 'libexec', 'docker', 'cli-plugins', 'docker-buildx'),
    packages,
  };
}

/** The machine's Debian mirror, as apt is configured here (deb822 sources or the classic list). */
function debianMirror(): string {
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    const m = /^URIs:\s*(\S+)/m.exec(readFileSync(deb822, 'utf8'));
    if (m) return m[1]!;
  }
  const classic = '/etc/apt/sources.list';
  if (existsSync(classic)) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(readFileSync(classic, 'utf8'));
    if (m) return m[1]!;
  }
  throw new Error(`no Debian mirror found in ${deb822} or ${classic}: Docker 26 is installed from Debian 13's packages`);
}

/**
 * Docker 26 + buildx unpacked under the cache (`<cache>/docker26/<versions>`); a complete unpack is
 * marked by its `packages` file, so a rerun finds it without touching the network.
 */
export async function ensureDocker26(aptLog: string): Promise<Docker26Files> {
  const base = join(engineCacheDir(), 'docker26');
  const current = join(base, 'current');
  if (existsSync(join(current, 'packages'))) {
    const packages = readFileSync(join(current, 'packages'), 'utf8').trim().split('\n');
    const files = docker26Files(join(current, 'root'), packages);
    if ([files.dockerd, files.docker, files.buildx].every((f) => existsSync(f))) return files;
  }
  log(`fetching Debian 13 (${DOCKER26_SUITE}) ${DOCKER26_PACKAGES.join(', ')} into ${base}`);
  const apt13 = join(base, 'apt');
  mkdirSync(join(apt13, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(apt13, 'etc'), { recursive: true });
  const sourceList = join(apt13, 'etc', 'sources.list');
  writeFileSync(sourceList, `deb ${debianMirror()} ${DOCKER26_SUITE} main\n`);
  const own = [
    '-o', `Dir::State::Lists=${join(apt13, 'lists')}`,
    '-o', `Dir::Etc::SourceList=${sourceList}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', 'APT::Sandbox::User=root', // downloads land in our folder, which _apt may not write
  ];
  await apt('apt-get', [...own, 'update'], aptLog);
  const staging = join(base, `staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'debs'), { recursive: true });
  await apt('apt-get', [...own, 'download', ...DOCKER26_PACKAGES], aptLog, join(staging, 'debs'));
  const debs = readdirSync(join(staging, 'debs')).filter((f) => f.endsWith('.deb'));
  const packages: string[] = [];
  for (const deb of debs.sort()) {
    const file = join(staging, 'debs', deb);
    const args = ['-x', file, join(staging, 'root')];
    const r = await run('dpkg', args, { env: aptEnv() });
    if (r.code !== 0) throw commandFailed('unpacking a Docker 26 package failed', 'dpkg', args, r);
    const v = await run('dpkg-deb', ['-f', file, 'Package', 'Version'], { env: aptEnv() });
    packages.push(v.stdout.trim().replace(/^Package: (\S+)\nVersion: (\S+)$/, '$1=$2'));
  }
  await rm(join(staging, 'debs'), { recursive: true, force: true });
  writeFileSync(join(staging, 'packages'), `${packages.join('\n')}\n`);
  const files = docker26Files(join(staging, 'root'), packages);
  for (const f of [files.dockerd, files.docker, files.buildx]) {
    if (!existsSync(f)) throw new Error(`${f} is not in Debian 13's ${DOCKER26_PACKAGES.join(', ')} (${packages.join(', ')})`);
  }
  await rm(current, { recursive: true, force: true });
  renameSync(staging, current);
  log(`Docker 26 unpacked: ${packages.join(', ')}`);
  return docker26Files(join(current, 'root'), packages);
}
