// One vertex → one pb.Op plus its OpMetadata, field for field as Go's client/llb v0.8 writes them.
import { pb } from '../gen/ops.js';
import { normalizePlatform, type Platform } from '../platform.js';
import { Caps, CUSTOM_NAME_KEY } from './caps.js';
import { execInputs, execOp } from './execop.js';
import { toInt64 } from './int64.js';
import type { OpMetadataValue } from './metadata.js';
import { sortedRecord } from '../order.js';
import { cleanPath, joinPath } from '../gopath.js';
import { normalizePath } from './path.js';
import type { ChownSpec, ExecVertex, FileActionSpec, FileVertex, Output, SourceVertex, UserSpec, Vertex } from './vertex.js';

/** What an op needs from the rest of the marshal: the default platform and its inputs' digests. */
export interface OpContext {
  defaultPlatform: Platform;
  /** The engine's LLB caps when known: exec ops then set the default PATH as Go's client does. */
  caps: ReadonlySet<string> | undefined;
  digestOf(output: Output): string;
}

export interface OpWithMetadata {
  op: pb.Op.$Properties;
  metadata: OpMetadataValue;
}

/** Input index meaning "no input" (scratch) or "no output", written as a 10-byte varint. */
const NONE = -1;

/** The outputs a vertex depends on, in the order Go's Vertex.Inputs() visits them (which fixes `def` order). */
export function vertexInputs(v: Vertex): Output[] {
  switch (v.kind) {
    case 'source':
      return [];
    case 'definition':
      return [...v.inputs];
    case 'exec':
      return execInputs(v);
    case 'file': {
      // FileAction.allOutputs: the base state, then each action's copy source from the last action back.
      const out: Output[] = [];
      const add = (o: Output | undefined): void => {
        if (o && !out.some((x) => x.vertex === o.vertex && x.index === o.index)) out.push(o);
      };
      add(v.base);
      for (let i = v.actions.length - 1; i >= 0; i--) {
        const a = v.actions[i]!;
        if (a.kind === 'copy') add(a.src);
      }
      return out;
    }
  }
}

/** The vertex's marshalled pb.Op and its metadata; an op from another Definition keeps its bytes. */
export function opBytesOf(v: Vertex, ctx: OpContext): { bytes: Uint8Array; metadata: OpMetadataValue } {
  if (v.kind === 'definition') return { bytes: v.bytes, metadata: v.metadata };
  const { op, metadata } = opOf(v, ctx);
  return { bytes: pb.Op.encode(op).finish(), metadata };
}

function opOf(v: Exclude<Vertex, { kind: 'definition' }>, ctx: OpContext): OpWithMetadata {
  switch (v.kind) {
    case 'source':
      return sourceOp(v, ctx);
    case 'file':
      return fileOp(v, ctx);
    case 'exec':
      return execOpOf(v, ctx);
  }
}

function pbPlatform(p: Platform): pb.Platform.$Properties {
  const n = normalizePlatform(p);
  return n.variant ? { Architecture: n.architecture, OS: n.os, Variant: n.variant } : { Architecture: n.architecture, OS: n.os };
}

function metadataOf(caps: readonly string[], customName: string | undefined, ignoreCache?: boolean, description?: Readonly<Record<string, string>>): OpMetadataValue {
  const m: OpMetadataValue = {};
  if (ignoreCache) m.ignore_cache = true;
  const d: Record<string, string> = { ...description };
  if (customName !== undefined && customName !== '') d[CUSTOM_NAME_KEY] = customName;
  if (Object.keys(d).length > 0) m.description = sortedRecord(d);
  m.caps = sortedRecord(Object.fromEntries(caps.map((c) => [c, true])));
  return m;
}

function sourceOp(v: SourceVertex, ctx: OpContext): OpWithMetadata {
  const op: pb.Op.$Properties = { source: { identifier: v.identifier, attrs: sortedRecord(v.attrs) } };
  if (v.platformSpecific) op.platform = pbPlatform(v.platform ?? ctx.defaultPlatform);
  op.constraints = {};
  return { op, metadata: metadataOf(v.caps, v.customName, v.ignoreCache) };
}

function execOpOf(v: ExecVertex, ctx: OpContext): OpWithMetadata {
  const { op, caps } = execOp(v, ctx);
  op.platform = pbPlatform(v.platform ?? ctx.defaultPlatform);
  op.constraints = {};
  return { op, metadata: metadataOf(caps, v.customName, v.ignoreCache, v.description) };
}

function fileOp(v: FileVertex, ctx: OpContext): OpWithMetadata {
  const inputs: pb.Input.$Properties[] = [];
  const addInput = (o: Output): number => {
    const digest = ctx.digestOf(o);
    const found = inputs.findIndex((i) => i.digest === digest && i.index === o.index);
    if (found !== -1) return found;
    inputs.push({ digest, index: o.index });
    return inputs.length - 1;
  };
  // Go's marshalState.add order: the base state first, then each copy source in action order.
  const base = v.base ? addInput(v.base) : NONE;
  const secondary = v.actions.map((a) => (a.kind === 'copy' && a.src ? addInput(a.src) : NONE));

  const caps: string[] = [Caps.fileBase];
  const actions = v.actions.map((a, i): pb.FileAction.$Properties => {
    if (a.kind === 'copy' && ((a.info.includePatterns?.length ?? 0) > 0 || (a.info.excludePatterns?.length ?? 0) > 0)) {
      if (!caps.includes(Caps.fileCopyIncludeExcludePatterns)) caps.push(Caps.fileCopyIncludeExcludePatterns);
    }
    return {
      // A chained action reads the previous action's result, numbered after the op's real inputs.
      input: i === 0 ? base : inputs.length + i - 1,
      secondaryInput: secondary[i]!,
      output: i === v.actions.length - 1 ? 0 : NONE,
      ...actionBody(a, v.baseDir, base),
    };
  });

  const op: pb.Op.$Properties = {
    inputs,
    file: { actions },
    platform: pbPlatform(v.platform ?? ctx.defaultPlatform),
    constraints: {},
  };
  return { op, metadata: metadataOf(caps, v.customName, v.ignoreCache) };
}

type ActionBody = Pick<pb.FileAction.$Properties, 'copy' | 'mkfile' | 'mkdir' | 'rm'>;

function actionBody(a: FileActionSpec, parentDir: string, base: number): ActionBody {
  switch (a.kind) {
    case 'copy': {
      const info = a.info;
      const src = cleanPath(a.srcPath);
      const copy: pb.FileActionCopy.$Properties = {
        src: src.startsWith('/') ? src : joinPath(a.srcDir, src),
        dest: normalizePath(parentDir, a.dest, true),
        // -1 means "keep the source mode": 0 would chmod to 0000.
        mode: info.mode === undefined ? NONE : info.mode | 0,
        followSymlink: !!info.followSymlinks,
        dirCopyContents: !!info.dirCopyContents,
        attemptUnpackDockerCompatibility: !!info.attemptUnpack,
        createDestPath: !!info.createDestPath,
        allowWildcard: !!info.allowWildcard,
        allowEmptyWildcard: !!info.allowEmptyWildcard,
        timestamp: timestampOf(info.timestamp),
      };
      if (info.chown) copy.owner = chownOpt(info.chown, base);
      if (info.includePatterns?.length) copy.include_patterns = [...info.includePatterns];
      if (info.excludePatterns?.length) copy.exclude_patterns = [...info.excludePatterns];
      return { copy };
    }
    case 'mkfile': {
      const mkfile: pb.FileActionMkFile.$Properties = {
        path: normalizePath(parentDir, a.path, false),
        mode: permissionBits(a.mode),
        data: a.data,
        timestamp: timestampOf(a.info.timestamp),
      };
      if (a.info.chown) mkfile.owner = chownOpt(a.info.chown, base);
      return { mkfile };
    }
    case 'mkdir': {
      const mkdir: pb.FileActionMkDir.$Properties = {
        path: normalizePath(parentDir, a.path, false),
        mode: permissionBits(a.mode),
        makeParents: !!a.info.makeParents,
        timestamp: timestampOf(a.info.timestamp),
      };
      if (a.info.chown) mkdir.owner = chownOpt(a.info.chown, base);
      return { mkdir };
    }
    case 'rm':
      return {
        rm: {
          path: normalizePath(parentDir, a.path, false),
          allowNotFound: !!a.info.allowNotFound,
          allowWildcard: !!a.info.allowWildcard,
        },
      };
  }
}

function permissionBits(mode: number): number {
  return mode & 0o777;
}

/** Nanoseconds since the epoch, or -1 for "unset" (the backend reads 0 as 1970). */
function timestampOf(ts: bigint | undefined): pb.FileActionCopy.$Properties['timestamp'] {
  return ts === undefined ? NONE : toInt64(ts);
}

function chownOpt(c: ChownSpec, base: number): pb.ChownOpt.$Properties {
  const out: pb.ChownOpt.$Properties = { user: userOpt(c.user, base) };
  if (c.group) out.group = userOpt(c.group, base);
  return out;
}

const MAX_ID = 0xffffffff;

/** Go's rules: numbers and `root` are ids; other names resolve in the base input's passwd/group files. */
function userOpt(u: UserSpec, base: number): pb.UserOpt.$Properties {
  if ('id' in u) {
    if (!Number.isInteger(u.id) || u.id < 0 || u.id > MAX_ID) {
      throw new Error(`invalid user/group id ${u.id}: expected an integer from 0 to ${MAX_ID}`);
    }
    return { byID: u.id };
  }
  if (u.name === 'root') return { byID: 0 };
  if (/^[0-9]+$/.test(u.name) && Number(u.name) <= 0x7fffffff) return { byID: Number(u.name) };
  if (u.name === '') throw new Error('empty user/group name in chown: give a name or a numeric id');
  return { byName: { name: u.name, input: base } };
}
