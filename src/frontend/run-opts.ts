// The frontend opts that apply to every RUN (what `docker build --add-host/--network/--shm-size/
// --ulimit/--cgroup-parent` and buildctl `--opt` send), decoded like the Dockerfile frontend does.
import type { RunEngineOptions } from '../convert/index.js';
import type { HostIP, Ulimit } from '../llb/index.js';
import { FrontendError } from './errors.js';

/** `add-hosts`: comma-separated `host=ip` (or Docker's older `host:ip`). */
function extraHosts(value: string): HostIP[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      const at = eq !== -1 ? eq : entry.indexOf(':');
      if (at <= 0 || at === entry.length - 1) throw new FrontendError(`add-hosts: "${entry}" is not host=ip`);
      return { host: entry.slice(0, at), ip: entry.slice(at + 1) };
    });
}

/** `ulimit`: comma-separated `name=soft[:hard]` (a missing hard limit equals the soft one). */
function ulimits(value: string): Ulimit[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(entry);
      if (!m) throw new FrontendError(`ulimit: "${entry}" is not name=soft[:hard]`);
      const soft = Number(m[2]);
      return { name: m[1]!, soft, hard: m[3] !== undefined ? Number(m[3]) : soft };
    });
}

export function runEngineOptions(opts: Readonly<Record<string, string>>): RunEngineOptions {
  const out: RunEngineOptions = {};
  const hosts = opts['add-hosts'];
  if (hosts) out.extraHosts = extraHosts(hosts);
  const net = opts['force-network-mode'];
  if (net === 'host' || net === 'none') out.network = net;
  else if (net && net !== 'sandbox' && net !== 'default') throw new FrontendError(`force-network-mode=${net}: expected host, none or sandbox`);
  if (opts['hostname']) out.hostname = opts['hostname'];
  const shm = opts['shm-size'];
  if (shm) {
    if (!/^\d+$/.test(shm)) throw new FrontendError(`shm-size=${shm}: expected a size in bytes`);
    out.shmSize = Number(shm);
  }
  if (opts['ulimit']) out.ulimits = ulimits(opts['ulimit']);
  if (opts['cgroup-parent']) out.cgroupParent = opts['cgroup-parent'];
  return out;
}
