// Run options → an immutable ExecVertex, as Go's client/llb builds an ExecOp from State.Run(...) and
// its mount, secret and SSH options. Marshalling is separate (execop.ts).
import type { Platform } from '../platform.js';
import { joinPath } from '../gopath.js';
import type { SourceLocation } from './sourcemap.js';
import type {
  CacheSharing,
  ExecMount,
  ExecSecret,
  ExecSSH,
  ExecVertex,
  HostIP,
  NetworkMode,
  Output,
  ProxyEnv,
  SecurityMode,
  Ulimit,
} from './vertex.js';

/** A filesystem mounted into the command, besides the root. */
export interface MountSpec {
  target: string;
  /** The mounted state's output; undefined (scratch) gives an empty directory. */
  source?: Output | undefined;
  readonly?: boolean;
  /** Mount this path of the source instead of its root (llb.SourcePath). */
  selector?: string;
  /** A persistent cache directory shared between builds (llb.AsPersistentCacheDir). */
  cache?: { id: string; sharing?: CacheSharing };
  /** A tmpfs; `size` in bytes, 0 for the engine's default. */
  tmpfs?: { size?: number };
  /** Writable, but its changes are not an output of the op (llb.ForceNoOutput). */
  noOutput?: boolean;
}

/** A secret from the client's session, as a file (target) or as an environment variable (env). */
export type SecretSpec =
  | { id: string; env: string; optional?: boolean }
  | { id: string; target: string; uid?: number; gid?: number; mode?: number; optional?: boolean };

export interface SSHSpec {
  /** The client's agent id; `default` when unset. */
  id?: string;
  /** Socket path; `/run/buildkit/ssh_agent.<n>` when unset (n counts the SSH mounts). */
  target?: string;
  uid?: number;
  gid?: number;
  /** Socket mode, 0o600 when unset. */
  mode?: number;
  optional?: boolean;
}

export interface RunOptions {
  args: string[];
  /** `KEY=value` entries in order. */
  env?: string[];
  /** Working directory; relative to the state's directory, which it defaults to. */
  cwd?: string;
  user?: string;
  hostname?: string;
  cgroupParent?: string;
  extraHosts?: HostIP[];
  ulimits?: Ulimit[];
  network?: NetworkMode;
  security?: SecurityMode;
  proxyEnv?: ProxyEnv;
  mounts?: MountSpec[];
  secrets?: SecretSpec[];
  ssh?: SSHSpec[];
  customName?: string;
  /** More OpMetadata description entries (Go's llb.WithDescription), e.g. the Dockerfile line. */
  description?: Record<string, string>;
  ignoreCache?: boolean;
  /** Where in the build file the command comes from (Definition.Source). */
  locations?: SourceLocation[];
}

/** Secret files default to mode 0400, SSH sockets to 0600 (client/llb AddSecret / AddSSHSocket). */
const SECRET_MODE = 0o400;
const SSH_MODE = 0o600;

/** The ExecVertex for running `opts` on `root` (undefined = scratch), with mount outputs numbered. */
export function execVertex(root: Output | undefined, dir: string, platform: Platform | undefined, opts: RunOptions): ExecVertex {
  if (opts.args.length === 0) throw new Error('exec needs at least one argument (the command to run)');
  const mounts = numberOutputs([{ target: '/', source: root }, ...(opts.mounts ?? [])]);
  const ssh = (opts.ssh ?? []).map(
    (s, i): ExecSSH =>
      Object.freeze({
        id: s.id || 'default',
        target: s.target || `/run/buildkit/ssh_agent.${i}`,
        uid: idOf(s.uid ?? 0, 'ssh uid'),
        gid: idOf(s.gid ?? 0, 'ssh gid'),
        mode: s.mode ?? SSH_MODE,
        optional: !!s.optional,
      }),
  );
  const env = [...(opts.env ?? [])];
  // Go points SSH_AUTH_SOCK at the first socket unless the command's environment already sets it.
  if (ssh.length > 0 && !env.some((e) => envKey(e) === 'SSH_AUTH_SOCK')) env.push(`SSH_AUTH_SOCK=${ssh[0]!.target}`);
  return Object.freeze({
    kind: 'exec',
    platform,
    meta: Object.freeze({
      args: Object.freeze([...opts.args]),
      env: Object.freeze(env),
      cwd: opts.cwd === undefined ? dir : opts.cwd.startsWith('/') ? opts.cwd : joinPath(dir, opts.cwd),
      user: opts.user ?? '',
      hostname: opts.hostname ?? '',
      cgroupParent: opts.cgroupParent ?? '',
      extraHosts: Object.freeze((opts.extraHosts ?? []).map((h) => Object.freeze({ host: h.host, ip: canonicalIP(h.ip, h.host) }))),
      ulimits: Object.freeze((opts.ulimits ?? []).map((u) => Object.freeze({ ...u }))),
    }),
    mounts,
    secrets: Object.freeze((opts.secrets ?? []).map(secretOf)),
    ssh: Object.freeze(ssh),
    network: opts.network ?? 'sandbox',
    security: opts.security ?? 'sandbox',
    proxyEnv: opts.proxyEnv ? Object.freeze({ ...opts.proxyEnv }) : undefined,
    customName: opts.customName,
    ...(opts.description ? { description: Object.freeze({ ...opts.description }) } : {}),
    ...(opts.ignoreCache ? { ignoreCache: true } : {}),
    ...(opts.locations?.length ? { locations: Object.freeze([...opts.locations]) } : {}),
  });
}

/** The variable name of a `KEY=value` entry. */
export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : entry.slice(0, eq);
}

function hasOutput(m: MountSpec): boolean {
  return !m.readonly && !m.noOutput && !m.cache && !m.tmpfs;
}

/** Sorts by target (Go sorts before marshalling) and numbers the writable mounts' outputs in that order. */
function numberOutputs(specs: MountSpec[]): readonly ExecMount[] {
  const sorted = [...specs].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  let next = 0;
  const seen = new Set<string>();
  return Object.freeze(
    sorted.map((m): ExecMount => {
      if (!m.target.startsWith('/')) throw new Error(`mount target "${m.target}" must be an absolute path`);
      if (seen.has(m.target)) throw new Error(`two mounts at ${m.target}: each target can be mounted once`);
      seen.add(m.target);
      if (m.tmpfs && m.source) throw new Error(`tmpfs mount at ${m.target} must use scratch, not a state`);
      if (m.cache && m.cache.id === '') throw new Error(`cache mount at ${m.target} needs an id`);
      return Object.freeze({
        target: m.target,
        source: m.source,
        readonly: !!m.readonly,
        selector: m.selector ?? '',
        cache: m.cache ? Object.freeze({ id: m.cache.id, sharing: m.cache.sharing ?? 'shared' }) : undefined,
        tmpfs: m.tmpfs ? Object.freeze({ size: m.tmpfs.size ?? 0 }) : undefined,
        noOutput: !!m.noOutput,
        output: hasOutput(m) ? next++ : undefined,
      });
    }),
  );
}

function secretOf(s: SecretSpec): ExecSecret {
  if (s.id === '') throw new Error('a secret needs an id');
  if ('env' in s) return Object.freeze({ id: s.id, env: s.env, optional: !!s.optional });
  return Object.freeze({
    id: s.id,
    target: s.target,
    uid: idOf(s.uid ?? 0, 'secret uid'),
    gid: idOf(s.gid ?? 0, 'secret gid'),
    mode: s.mode ?? SECRET_MODE,
    optional: !!s.optional,
  });
}

function idOf(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${what} ${n}: expected an integer from 0 to 4294967295`);
  return n;
}

/** An IP address in the form Go's net.IP.String() prints (IPv4 dotted, IPv6 compressed lower-case). */
export function canonicalIP(ip: string, host: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.every((p, i) => p <= 255 && String(p) === v4[i + 1])) return parts.join('.');
  } else if (ip.includes(':')) {
    try {
      const h = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
      // Go prints an IPv4-mapped address as plain IPv4.
      const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
      if (!mapped) return h;
      const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
    } catch {
      // fall through to the error
    }
  }
  throw new Error(`extra host "${host}": "${ip}" is not an IP address`);
}
