// urunc's rules as data, one table per release, read from urunc's public source. Every fact names
// where it comes from (tag or release commit, file) so a reader can check it and the next release can
// be added by reading the same places.

/** How urunc reads the manifest annotations once an engine copies them into the runtime spec. */
export type SpecEncoding = 'base64' | 'raw';

/**
 * What urunc does with `com.urunc.unikernel.cmdline`: the guest's only command line (`only`), the
 * command line when the process args (Entrypoint+Cmd) are empty (`fallback`), or nothing (`ignored`).
 */
export type CmdlineUse = 'only' | 'fallback' | 'ignored';

export interface Citation {
  /** Release tag, or `release commit <sha>` where the tag is not in the snapshot read. */
  ref: string;
  file: string;
}

export interface UruncRelease {
  version: string;
  /** Release date (YYYY-MM-DD). */
  date: string;
  /** The release line punch groups releases in: what punch writes depends on it. */
  line: 2025 | 2026;
  /** Keys (without the prefix) this release reads from spec annotations and /urunc.json. */
  keys: readonly string[];
  /** unikernelType values it starts. */
  types: readonly string[];
  /** hypervisor values it starts. */
  hypervisors: readonly string[];
  /** monitor → frameworks it accepts; absent: no pair check (any known type on any known monitor). */
  pairs?: Readonly<Record<string, readonly string[]>>;
  /** Whether it checks binary/initrd/block/blkMntPoint with the path rules of paths.ts. */
  pathRules: boolean;
  /** Whether binary/initrd/block must be absolute (it makes them relative to `/` and fails otherwise). */
  absolutePaths: boolean;
  /** Whether mountRootfs/solo5*Dev values and unikernelVersion's length are checked before boot. */
  valueChecks: boolean;
  cmdline: CmdlineUse;
  spec: SpecEncoding;
  /** Guests for which a missing useDMBlock means "use the devmapper snapshot as block device". */
  dmBlockDefault?: readonly string[];
  /** Old value → the name this release uses instead. */
  renamed?: Readonly<Record<string, string>>;
  /** Monitors that refuse to start without an initrd. */
  needsInitrd?: readonly string[];
  sources: Readonly<Record<'keys' | 'types' | 'hypervisors' | 'pairs' | 'paths' | 'cmdline' | 'spec' | 'useDMBlock', Citation>>;
}

const KEYS_2025_EARLY = ['unikernelType', 'unikernelVersion', 'binary', 'cmdline', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'useDMBlock'];
const KEYS_2025 = ['unikernelType', 'unikernelVersion', 'binary', 'cmdline', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'mountRootfs'];
const KEYS_2026 = ['unikernelType', 'unikernelVersion', 'binary', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'mountRootfs', 'solo5NetDev', 'solo5BlkDev'];
const MONITORS_2025 = ['spt', 'hvt', 'qemu', 'firecracker', 'hedge'];
const PAIRS_2026: Record<string, readonly string[]> = {
  hvt: ['rumprun', 'mirage'],
  spt: ['rumprun', 'mirage'],
  qemu: ['unikraft', 'linux', 'mirage', 'mewz', 'hermit', 'freebsd'],
  firecracker: ['unikraft', 'linux', 'freebsd'],
  'cloud-hypervisor': ['linux'],
  'hyperlight-unikraft': ['unikraft'],
};

const cite = (ref: string, file: string): Citation => ({ ref, file: `pkg/unikontainers/${file}` });

function sources2025(ref: string, typesFile: string, execFile: string): UruncRelease['sources'] {
  return {
    keys: cite(ref, 'config.go'),
    types: cite(ref, typesFile),
    hypervisors: cite(ref, 'hypervisors/vmm.go'),
    pairs: cite(ref, 'config.go'),
    paths: cite(ref, execFile),
    cmdline: cite(ref, execFile),
    spec: cite(ref, 'config.go'),
    useDMBlock: cite(ref, execFile),
  };
}

const V080 = 'v0.8.0 (CHANGELOG.md)';

export const RELEASES: readonly UruncRelease[] = [
  {
    version: 'v0.5.0',
    date: '2025-04-10',
    line: 2025,
    keys: KEYS_2025_EARLY,
    types: ['rumprun', 'unikraft', 'mirage'],
    hypervisors: MONITORS_2025,
    pathRules: false,
    absolutePaths: true,
    valueChecks: false,
    cmdline: 'only',
    spec: 'base64',
    // SupportsBlock() is true for these; a useDMBlock that does not parse as a bool counts as true.
    dmBlockDefault: ['rumprun', 'mirage', 'linux'],
    sources: sources2025('v0.5.0', 'unikernels/unikernel.go', 'unikontainers.go'),
  },
  {
    version: 'v0.6.0',
    date: '2025-07-04',
    line: 2025,
    keys: KEYS_2025,
    types: ['rumprun', 'unikraft', 'mirage', 'mewz', 'linux'],
    hypervisors: MONITORS_2025,
    pathRules: false,
    absolutePaths: false,
    valueChecks: false,
    cmdline: 'fallback',
    spec: 'base64',
    sources: sources2025('release commit 54466f0', 'unikernels/unikernel.go', 'unikontainers.go'),
  },
  {
    version: 'v0.7.0',
    date: '2025-12-23',
    line: 2025,
    keys: KEYS_2025,
    types: ['rumprun', 'unikraft', 'mirage', 'mewz', 'linux'],
    hypervisors: MONITORS_2025,
    pathRules: false,
    absolutePaths: false,
    valueChecks: false,
    cmdline: 'fallback',
    spec: 'base64',
    sources: sources2025('release commit 6e5ea5e', 'unikernels/unikernel.go', 'unikontainers.go'),
  },
  {
    version: 'v0.8.0',
    date: '2026-09-07',
    line: 2026,
    keys: KEYS_2026,
    types: ['rumprun', 'mirage', 'unikraft', 'linux', 'mewz', 'hermit', 'freebsd'],
    hypervisors: ['hvt', 'spt', 'qemu', 'firecracker', 'cloud-hypervisor', 'hyperlight-unikraft'],
    pairs: PAIRS_2026,
    pathRules: true,
    absolutePaths: false,
    valueChecks: true,
    cmdline: 'ignored',
    spec: 'raw',
    renamed: { hyperlight: 'hyperlight-unikraft' },
    // "hyperlight-unikraft requires an initrd"
    needsInitrd: ['hyperlight-unikraft'],
    sources: {
      keys: cite(V080, 'config.go'),
      types: cite(V080, 'config.go (supportedGuestMonitorPairs)'),
      hypervisors: cite(V080, 'hypervisors/vmm.go, hypervisors/hyperlight.go'),
      pairs: cite(V080, 'config.go (supportedGuestMonitorPairs)'),
      paths: cite(V080, 'config.go (validateAnnotationPathClean)'),
      cmdline: cite(V080, 'config.go (no cmdline key; "cmdline annotations got deprecated")'),
      spec: cite(V080, 'config.go (GetUnikernelConfig decodes only urunc.json)'),
      useDMBlock: cite('v0.6.0', 'config.go (useDMBlock replaced by mountRootfs)'),
    },
  },
];

/** urunc's main branch after the newest release, as far as the public source shows: v0.8.0's rules. */
const MAIN: UruncRelease = { ...RELEASES[RELEASES.length - 1]!, version: 'main', date: '2026-09-07' };

export const KNOWN_RELEASES: readonly UruncRelease[] = [...RELEASES, MAIN];

/** The release checked against when none is selected: the newest one. */
export const DEFAULT_RELEASE: UruncRelease = RELEASES[RELEASES.length - 1]!;

/** The build argument that selects the release (`--build-arg PUNCH_URUNC_VERSION=v0.7.0`). */
export const URUNC_VERSION_ARG = 'PUNCH_URUNC_VERSION';

export function knownVersions(): string[] {
  return KNOWN_RELEASES.map((r) => r.version);
}

/**
 * Finds a release by what a user writes: `v0.7.0`, `0.7.0`, `v0.7`, `v0.7.x` (the newest of that
 * minor), or `main`. Undefined when punch does not know it.
 */
export function findRelease(text: string): UruncRelease | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'main') return MAIN;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+|x))?$/.exec(t);
  if (!m) return undefined;
  const prefix = `v${Number(m[1])}.${Number(m[2])}.`;
  const matching = RELEASES.filter((r) => r.version.startsWith(prefix));
  if (m[3] === undefined || m[3] === 'x') return matching.at(-1);
  return matching.find((r) => r.version === `${prefix}${Number(m[3])}`);
}

export function unknownReleaseMessage(text: string, where: string): string {
  return `unknown urunc release "${text}" (${where}): punch knows ${knownVersions().join(', ')}; the default is ${DEFAULT_RELEASE.version}`;
}

/** Versions written for a user: `from v0.8.0` (main included), `v0.5.0 to v0.7.0`, `v0.6.0 and v0.7.0`. */
export function describeReleases(versions: readonly string[]): string {
  const order = knownVersions();
  const sorted = [...versions].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (sorted.length === 0) return 'no known release';
  const runs: string[][] = [];
  for (const v of sorted) {
    const last = runs.at(-1);
    if (last && order.indexOf(v) === order.indexOf(last.at(-1)!) + 1) last.push(v);
    else runs.push([v]);
  }
  const words = runs.map((run) => {
    if (run.at(-1) === 'main' && run.length > 1) return `from ${run[0]}`;
    if (run.length === 1) return run[0]!;
    if (run.length === 2) return `${run[0]} and ${run[1]}`;
    return `${run[0]} to ${run.at(-1)}`;
  });
  return words.join(', ');
}

/** The versions of every known release for which `accepts` holds. */
export function releasesWhere(accepts: (r: UruncRelease) => boolean): string[] {
  return KNOWN_RELEASES.filter(accepts).map((r) => r.version);
}
