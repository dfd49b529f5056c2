// A readable JSON view of LLB, shaped like Go's encoding/json of the pb types: what
// `buildctl debug dump-llb` prints (field names, order, omitempty, "Op"/"Action"/"User" oneof wrappers).
import type { pb } from '../gen/ops.js';
import { decodeDefinition } from './definition.js';
import { goJSON } from './gojson.js';
import { int64ToBigInt, type Int64 } from './int64.js';
import { compareBytes } from '../order.js';
import type { OpMetadataValue } from './metadata.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** int64 as a JSON number when exact, else as a decimal string (JSON readers lose precision past 2^53). */
function int64(v: Int64 | null | undefined): number | string {
  const b = int64ToBigInt(v);
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b.toString();
}

const base64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** Adds `key` only when Go's omitempty keeps it (structs that stay when empty are assigned directly). */
function put(o: Obj, key: string, v: Json | undefined): void {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return;
  if (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0) return;
  o[key] = v;
}

function sortedMap<V extends Json>(m: Record<string, V> | null | undefined): Obj | undefined {
  if (!m) return undefined;
  const out: Obj = {};
  for (const k of Object.keys(m).sort(compareBytes)) out[k] = m[k]!;
  return out;
}

function platformJSON(p: pb.Platform.$Properties): Obj {
  const o: Obj = {};
  put(o, 'Architecture', p.Architecture);
  put(o, 'OS', p.OS);
  put(o, 'Variant', p.Variant);
  put(o, 'OSVersion', p.OSVersion);
  put(o, 'OSFeatures', p.OSFeatures ? [...p.OSFeatures] : undefined);
  return o;
}

function userJSON(u: pb.UserOpt.$Properties): Obj {
  let inner: Json = null;
  if (u.byName != null) {
    const n: Obj = {};
    put(n, 'name', u.byName.name);
    n.input = int64(u.byName.input);
    inner = { byName: n };
  } else if (u.byID != null) {
    const id: Obj = {};
    put(id, 'byID', u.byID);
    inner = id;
  }
  return { User: inner };
}

function setOwner(x: Obj, c: pb.ChownOpt.$Properties | null | undefined): void {
  if (c == null) return;
  const o: Obj = {};
  if (c.user != null) o.user = userJSON(c.user);
  if (c.group != null) o.group = userJSON(c.group);
  x.owner = o;
}

function fileActionJSON(a: pb.FileAction.$Properties): Obj {
  const o: Obj = { input: int64(a.input), secondaryInput: int64(a.secondaryInput), output: int64(a.output) };
  let action: Json = null;
  if (a.copy != null) {
    const c = a.copy;
    const x: Obj = {};
    put(x, 'src', c.src);
    put(x, 'dest', c.dest);
    setOwner(x, c.owner);
    put(x, 'mode', c.mode);
    put(x, 'followSymlink', c.followSymlink);
    put(x, 'dirCopyContents', c.dirCopyContents);
    put(x, 'attemptUnpackDockerCompatibility', c.attemptUnpackDockerCompatibility);
    put(x, 'createDestPath', c.createDestPath);
    put(x, 'allowWildcard', c.allowWildcard);
    put(x, 'allowEmptyWildcard', c.allowEmptyWildcard);
    put(x, 'timestamp', int64(c.timestamp));
    put(x, 'include_patterns', c.include_patterns ? [...c.include_patterns] : undefined);
    put(x, 'exclude_patterns', c.exclude_patterns ? [...c.exclude_patterns] : undefined);
    action = { copy: x };
  } else if (a.mkfile != null) {
    const m = a.mkfile;
    const x: Obj = {};
    put(x, 'path', m.path);
    put(x, 'mode', m.mode);
    put(x, 'data', m.data && m.data.length > 0 ? base64(m.data) : undefined);
    setOwner(x, m.owner);
    put(x, 'timestamp', int64(m.timestamp));
    action = { mkfile: x };
  } else if (a.mkdir != null) {
    const m = a.mkdir;
    const x: Obj = {};
    put(x, 'path', m.path);
    put(x, 'mode', m.mode);
    put(x, 'makeParents', m.makeParents);
    setOwner(x, m.owner);
    put(x, 'timestamp', int64(m.timestamp));
    action = { mkdir: x };
  } else if (a.rm != null) {
    const x: Obj = {};
    put(x, 'path', a.rm.path);
    put(x, 'allowNotFound', a.rm.allowNotFound);
    put(x, 'allowWildcard', a.rm.allowWildcard);
    action = { rm: x };
  }
  o.Action = action;
  return o;
}

function execJSON(e: pb.ExecOp.$Properties): Obj {
  const o: Obj = {};
  if (e.meta != null) {
    const m = e.meta;
    const x: Obj = {};
    put(x, 'args', m.args ? [...m.args] : undefined);
    put(x, 'env', m.env ? [...m.env] : undefined);
    put(x, 'cwd', m.cwd);
    put(x, 'user', m.user);
    if (m.proxy_env != null) {
      const p: Obj = {};
      put(p, 'http_proxy', m.proxy_env.http_proxy);
      put(p, 'https_proxy', m.proxy_env.https_proxy);
      put(p, 'ftp_proxy', m.proxy_env.ftp_proxy);
      put(p, 'no_proxy', m.proxy_env.no_proxy);
      put(p, 'all_proxy', m.proxy_env.all_proxy);
      x.proxy_env = p;
    }
    put(
      x,
      'extraHosts',
      (m.extraHosts ?? []).map((h) => {
        const hj: Obj = {};
        put(hj, 'Host', h.Host);
        put(hj, 'IP', h.IP);
        return hj;
      }),
    );
    put(x, 'hostname', m.hostname);
    put(
      x,
      'ulimit',
      (m.ulimit ?? []).map((u) => {
        const uj: Obj = {};
        put(uj, 'Name', u.Name);
        put(uj, 'Soft', int64(u.Soft));
        put(uj, 'Hard', int64(u.Hard));
        return uj;
      }),
    );
    put(x, 'cgroupParent', m.cgroupParent);
    put(x, 'removeMountStubsRecursive', m.removeMountStubsRecursive);
    o.meta = x;
  }
  put(
    o,
    'mounts',
    (e.mounts ?? []).map((m) => {
      const x: Obj = { input: int64(m.input) };
      put(x, 'selector', m.selector);
      put(x, 'dest', m.dest);
      x.output = int64(m.output);
      put(x, 'readonly', m.readonly);
      put(x, 'mountType', m.mountType);
      // Pointer fields: Go prints them whenever set, even when every field inside is zero.
      if (m.TmpfsOpt != null) x.TmpfsOpt = ownFields({ size: int64(m.TmpfsOpt.size) });
      if (m.cacheOpt != null) x.cacheOpt = ownFields({ ID: m.cacheOpt.ID, sharing: m.cacheOpt.sharing });
      if (m.secretOpt != null) x.secretOpt = idModeJSON(m.secretOpt);
      if (m.SSHOpt != null) x.SSHOpt = idModeJSON(m.SSHOpt);
      put(x, 'resultID', m.resultID);
      return x;
    }),
  );
  put(o, 'network', e.network);
  put(o, 'security', e.security);
  put(
    o,
    'secretenv',
    (e.secretenv ?? []).map((s) => ownFields({ ID: s.ID, name: s.name, optional: s.optional })),
  );
  return o;
}

/** The non-empty fields of `fields`, in order (Go's omitempty). */
function ownFields(fields: Record<string, Json | undefined>): Obj {
  const o: Obj = {};
  for (const [k, v] of Object.entries(fields)) put(o, k, v);
  return o;
}

function idModeJSON(s: pb.SecretOpt.$Properties | pb.SSHOpt.$Properties): Obj {
  return ownFields({ ID: s.ID, uid: s.uid, gid: s.gid, mode: s.mode, optional: s.optional });
}

/** Any other message (build/merge/diff ops): own fields, int64 and bytes converted. */
function genericJSON(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return base64(v);
  if (Array.isArray(v)) return v.map(genericJSON);
  if (typeof v === 'object') {
    if ('low' in v && 'high' in v) return int64(v as Int64);
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (k !== '$unknowns') o[k] = genericJSON(x);
    return o;
  }
  return v as Json;
}

/** Go's JSON of one pb.Op (the `json=` lines of llb-golden.txt). */
export function opToJSON(op: pb.Op.$Properties): Obj {
  const o: Obj = {};
  put(
    o,
    'inputs',
    (op.inputs ?? []).map((i) => ({ digest: i.digest ?? '', index: int64(i.index) })),
  );
  let body: Json = null;
  if (op.exec != null) body = { exec: execJSON(op.exec) };
  else if (op.source != null) {
    const s: Obj = {};
    put(s, 'identifier', op.source.identifier);
    put(s, 'attrs', sortedMap(op.source.attrs ?? undefined));
    body = { source: s };
  } else if (op.file != null) {
    const f: Obj = {};
    put(f, 'actions', (op.file.actions ?? []).map(fileActionJSON));
    body = { file: f };
  } else if (op.build != null) body = { build: genericJSON(op.build) };
  else if (op.merge != null) body = { merge: genericJSON(op.merge) };
  else if (op.diff != null) body = { diff: genericJSON(op.diff) };
  o.Op = body;
  if (op.platform != null) o.platform = platformJSON(op.platform);
  if (op.constraints != null) {
    const c: Obj = {};
    put(c, 'filter', op.constraints.filter ? [...op.constraints.filter] : undefined);
    o.constraints = c;
  }
  return o;
}

/** Go's JSON of an OpMetadata (the `meta=` lines of llb-golden.txt). */
export function metadataToJSON(m: OpMetadataValue): Obj {
  const o: Obj = {};
  put(o, 'ignore_cache', m.ignore_cache);
  put(o, 'description', sortedMap(m.description));
  if (m.export_cache) o.export_cache = m.export_cache.Value ? { Value: true } : {};
  put(o, 'caps', sortedMap(m.caps));
  if (m.progress_group) {
    const g: Obj = {};
    put(g, 'id', m.progress_group.id);
    put(g, 'name', m.progress_group.name);
    put(g, 'weak', m.progress_group.weak);
    o.progress_group = g;
  }
  return o;
}

/** One `{"Op":…,"Digest":…,"OpMetadata":…}` line per op, like `buildctl debug dump-llb`. */
export function definitionToJSONLines(bytes: Uint8Array): string {
  return decodeDefinition(bytes)
    .ops.map((o) => goJSON({ Op: opToJSON(o.op), Digest: o.digest, OpMetadata: metadataToJSON(o.metadata) }) + '\n')
    .join('');
}

