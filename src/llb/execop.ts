// ExecVertex → pb.Op with its caps, field for field as Go's client/llb (v0.11) ExecOp.Marshal writes it.
import { pb } from '../gen/ops.js';
import { DEFAULT_PATH, type Platform } from '../platform.js';
import { Caps } from './caps.js';
import { envKey } from './exec.js';
import { toInt64 } from './int64.js';
import type { ExecVertex, Output } from './vertex.js';

/** What the exec marshaller needs from the rest of the marshal. */
export interface ExecContext {
  defaultPlatform: Platform;
  /** The engine's LLB caps when known (Go's Constraints.Caps); undefined when marshalling blind. */
  caps: ReadonlySet<string> | undefined;
  digestOf(output: Output): string;
}

/** Input index meaning "no input" (scratch) or "no output", written as a 10-byte varint. */
const NONE = -1;

/** What Docker and BuildKit give a command whose image sets no PATH. */
export { DEFAULT_PATH };

const NETWORK: Record<ExecVertex['network'], pb.NetMode> = { sandbox: pb.NetMode.UNSET, host: pb.NetMode.HOST, none: pb.NetMode.NONE };
const SHARING = { shared: pb.CacheSharingOpt.SHARED, private: pb.CacheSharingOpt.PRIVATE, locked: pb.CacheSharingOpt.LOCKED };

/** The outputs an exec reads: each mount source once, in (sorted) mount order. */
export function execInputs(v: ExecVertex): Output[] {
  const out: Output[] = [];
  for (const m of v.mounts) {
    if (m.source && !out.some((o) => o.vertex === m.source!.vertex && o.index === m.source!.index)) out.push(m.source);
  }
  return out;
}

export function execOp(v: ExecVertex, ctx: ExecContext): { op: pb.Op.$Properties; caps: string[] } {
  const caps = new Set<string>();
  const platform = v.platform ?? ctx.defaultPlatform;
  const env = [...v.meta.env];
  if (ctx.caps !== undefined) {
    // An engine that sets the default PATH itself says so; for older ones the client adds it.
    if (ctx.caps.has(Caps.execMetaSetsDefaultPath)) caps.add(Caps.execMetaSetsDefaultPath);
    else if (platform.os !== 'windows' && !env.some((e) => envKey(e) === 'PATH')) env.push(`PATH=${DEFAULT_PATH}`);
  }

  const meta: pb.Meta.$Properties = { args: [...v.meta.args], cwd: v.meta.cwd, removeMountStubsRecursive: true };
  if (env.length > 0) meta.env = env;
  if (v.meta.user) meta.user = v.meta.user;
  if (v.meta.hostname) meta.hostname = v.meta.hostname;
  if (v.meta.cgroupParent) meta.cgroupParent = v.meta.cgroupParent;
  if (v.meta.extraHosts.length > 0) meta.extraHosts = v.meta.extraHosts.map((h) => ({ Host: h.host, IP: h.ip }));
  if (v.meta.ulimits.length > 0) {
    caps.add(Caps.execMetaUlimit);
    meta.ulimit = v.meta.ulimits.map((u) => ({ Name: u.name, Soft: toInt64(u.soft), Hard: toInt64(u.hard) }));
  }

  const exec: pb.ExecOp.$Properties = { meta, mounts: [] };
  if (v.network !== 'sandbox') {
    exec.network = NETWORK[v.network];
    caps.add(Caps.execMetaNetwork);
  }
  if (v.security === 'insecure') {
    exec.security = pb.SecurityMode.INSECURE;
    caps.add(Caps.execMetaSecurity);
  }
  if (v.proxyEnv) {
    const p = v.proxyEnv;
    meta.proxy_env = { http_proxy: p.httpProxy, https_proxy: p.httpsProxy, ftp_proxy: p.ftpProxy, no_proxy: p.noProxy, all_proxy: p.allProxy };
    caps.add(Caps.execMetaProxy);
  }
  caps.add(Caps.execMetaBase);

  const inputs: pb.Input.$Properties[] = [];
  for (const m of v.mounts) {
    if (m.selector) caps.add(Caps.execMountSelector);
    if (m.cache) {
      caps.add(Caps.execMountCache);
      caps.add(Caps.execMountCacheSharing);
    } else if (m.tmpfs) {
      caps.add(Caps.execMountTmpfs);
      if (m.tmpfs.size > 0) caps.add(Caps.execMountTmpfsSize);
    } else if (m.source) {
      caps.add(Caps.execMountBind);
    }

    let input = NONE;
    if (m.source) {
      const digest = ctx.digestOf(m.source);
      input = inputs.findIndex((i) => i.digest === digest && i.index === m.source!.index);
      if (input === -1) input = inputs.push({ digest, index: m.source.index }) - 1;
    }
    const mount: pb.Mount.$Properties = { input, dest: m.target, output: m.output ?? NONE };
    if (m.selector) mount.selector = m.selector;
    if (m.readonly) mount.readonly = true;
    if (m.cache) {
      mount.mountType = pb.MountType.CACHE;
      mount.cacheOpt = { ID: m.cache.id, sharing: SHARING[m.cache.sharing] };
    }
    if (m.tmpfs) {
      mount.mountType = pb.MountType.TMPFS;
      mount.TmpfsOpt = { size: toInt64(m.tmpfs.size) };
    }
    exec.mounts!.push(mount);
  }

  if (v.secrets.length > 0) caps.add(Caps.execMountSecret);
  for (const s of v.secrets) {
    if ('env' in s) {
      caps.add(Caps.execSecretEnv);
      (exec.secretenv ??= []).push({ ID: s.id, name: s.env, optional: s.optional });
    } else {
      // v0.11 leaves input and output of secret and SSH mounts at 0 (unset on the wire).
      exec.mounts!.push({
        dest: s.target,
        mountType: pb.MountType.SECRET,
        secretOpt: { ID: s.id, uid: s.uid, gid: s.gid, mode: s.mode, optional: s.optional },
      });
    }
  }
  if (v.ssh.length > 0) caps.add(Caps.execMountSSH);
  for (const s of v.ssh) {
    exec.mounts!.push({
      dest: s.target,
      mountType: pb.MountType.SSH,
      SSHOpt: { ID: s.id, uid: s.uid, gid: s.gid, mode: s.mode, optional: s.optional },
    });
  }

  return { op: { inputs, exec }, caps: [...caps] };
}
