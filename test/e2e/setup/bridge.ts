// A Linux bridge per dockerd of the suite. Two dockerds must not share docker0: the one that stops
// first can take the bridge (and its address) away from the other, and a dockerd of the machine may
// own docker0 already. Each daemon gets `--bridge=<ours>` on a private /24 nobody on the machine uses.
import { commandFailed, run } from '../exec.js';

export interface Bridge {
  readonly name: string;
  /** The bridge's own address with its prefix, e.g. `10.213.7.1/24`: the containers' gateway. */
  readonly address: string;
}

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

async function ip(args: readonly string[]): Promise<string> {
  const r = await run('ip', args, { env: { ...process.env, PATH: SYSTEM_PATH } });
  if (r.code !== 0) throw commandFailed('ip failed', 'ip', args, r);
  return r.stdout;
}

/** Whether a link of that name exists. */
export async function linkExists(name: string): Promise<boolean> {
  const r = await run('ip', ['link', 'show', 'dev', name], { env: { ...process.env, PATH: SYSTEM_PATH } });
  return r.code === 0;
}

function toNumber(a: string): number {
  return a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** `[first, last]` addresses of every IPv4 prefix in `ip` output (addresses and routes alike). */
export function usedRanges(ipOutput: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const m of ipOutput.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?\b/g)) {
    const bits = m[2] === undefined ? 32 : Number(m[2]);
    if (bits === 0) continue; // `default` routes print as words; a literal 0.0.0.0/0 says nothing about subnets
    const size = 2 ** (32 - bits);
    const first = Math.floor(toNumber(m[1]!) / size) * size;
    ranges.push([first, first + size - 1]);
  }
  return ranges;
}

/** The first free `10.X.Y.0/24` from a start derived from `seed`, as `10.X.Y.1/24`. */
export function freeSubnet(used: ReadonlyArray<[number, number]>, seed: number): string {
  const candidates = 40 * 256; // 10.210.0.0 - 10.249.255.0
  for (let i = 0; i < candidates; i++) {
    const n = (seed + i) % candidates;
    const first = toNumber(`10.${210 + Math.floor(n / 256)}.${n % 256}.0`);
    const last = first + 255;
    if (used.every(([a, b]) => b < first || a > last)) return `10.${210 + Math.floor(n / 256)}.${n % 256}.1/24`;
  }
  throw new Error('no free 10.210-249.x.0/24 subnet for the e2e bridges');
}

export async function createBridge(name: string, seed: number): Promise<Bridge> {
  if (await linkExists(name)) await removeBridge(name);
  const used = usedRanges((await ip(['-4', '-o', 'addr', 'show'])) + (await ip(['-4', 'route', 'show', 'table', 'all'])));
  const address = freeSubnet(used, seed);
  await ip(['link', 'add', name, 'type', 'bridge']);
  await ip(['addr', 'add', address, 'dev', name]);
  await ip(['link', 'set', name, 'up']);
  return { name, address };
}

/** Deletes the bridge if it is there (only bridges the suite named itself are ever passed). */
export async function removeBridge(name: string): Promise<void> {
  if (await linkExists(name)) await ip(['link', 'del', name]);
}
