// The in-process LLB executor behind `punch build`: runs the pb.Definition bytes `punch llb` prints
// (source and file ops, and the one ExecOp punch runs in-process: `punch initrd` on punch's own image)
// over in-memory snapshots whose contents stay on disk.
import { pb } from '../gen/pb.js';
import { decodeDefinition, type DecodedOp } from '../llb/definition.js';
import { int64ToBigInt, int64ToNumber, type Int64 } from '../llb/int64.js';
import type { Platform } from '../platform.js';
import { ContentStore } from './content.js';
import { copyAction, type CopyParams, type Owner } from './copy.js';
import { diffTrees } from './diff.js';
import { loadImageTree } from './imagefs.js';
import { readLocalTree } from './local.js';
import { recogniseInitrd, runInitrd } from './initrd-exec.js';
import { globToRegex, splitWildcards } from './wildcards.js';
import { cleanComponents, emptyRoot, joinComponents, lookup, resolvePath, sortedChildren, WorkTree } from './tree.js';
import type { Content, DirNode, FsNode, ImageProvider, LayerSpec } from './types.js';
import { resolveOwner } from './users.js';

export interface ExecEnv {
  /** Directories for `local://NAME` sources, by name (e.g. `{ context: '/path/to/ctx' }`). */
  locals: Record<string, string>;
  images: ImageProvider;
  /**
   * Scratch dir for contents extracted from image layers and ADD'ed archives; the caller removes it.
   * A function is called only when scratch space is first needed (a FROM scratch build never does).
   */
  workDir: string | (() => string);
  /** Platform of ops that carry none. */
  platform: Platform;
  warn?: (msg: string) => void;
  /** Called as each FileOp starts, with its progress name (e.g. `COPY kernel /unikernel/kernel`). */
  onStep?: (description: string) => void;
  signal?: AbortSignal;
  /**
   * Punch's own image (as the graph names it, without `docker-image://`): its `punch initrd` ExecOps run
   * in-process (src/initrd-builtin.ts). Every other ExecOp is refused.
   */
  toolsImage?: string;
}

export interface ExecResult {
  /** Base layers (passed through) then one new layer per FileOp on the result's chain. */
  layers: LayerSpec[];
  rootfs: DirNode;
}

interface Snapshot {
  root: DirNode;
  layers: LayerSpec[];
}

const CUSTOM_NAME = 'llb.customname';

export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
}

/**
 * A FileOp that failed (e.g. a COPY source is missing), named by its progress name (`llb.customname`,
 * e.g. `COPY kernel /unikernel/kernel`) so the caller can point at the Containerfile line. The
 * message is the underlying error's.
 */
export class FileOpError extends Error {
  override name = 'FileOpError';
  constructor(
    readonly description: string | undefined,
    cause: Error,
  ) {
    super(cause.message, { cause });
  }
}

/** Runs the definition and returns its result's layers and rootfs. An empty definition is scratch. */
export async function executeDefinition(defBytes: Uint8Array, env: ExecEnv): Promise<ExecResult> {
  const decoded = decodeDefinition(defBytes);
  if (decoded.ops.length === 0) return { layers: [], rootfs: emptyRoot() };
  const terminal = decoded.terminal;
  if (!terminal) throw new Error('invalid LLB: the last op has no inputs (it must be the terminal op)');
  const exec = new Executor(decoded.byDigest, env);
  const snap = await exec.output(terminal.digest, terminal.index);
  return { layers: snap.layers, rootfs: snap.root };
}

class Executor {
  readonly #ops: Map<string, DecodedOp>;
  readonly #env: ExecEnv;
  readonly #store: ContentStore;
  readonly #memo = new Map<string, Promise<Snapshot>>();

  constructor(ops: Map<string, DecodedOp>, env: ExecEnv) {
    this.#ops = ops;
    this.#env = env;
    this.#store = new ContentStore(env.workDir);
  }

  output(digest: string, index: number): Promise<Snapshot> {
    const key = index === 0 ? digest : `${digest} ${index}`;
    let p = this.#memo.get(key);
    if (!p) {
      p = this.#run(digest, index);
      this.#memo.set(key, p);
    }
    return p;
  }

  async #run(digest: string, index: number): Promise<Snapshot> {
    this.#env.signal?.throwIfAborted();
    const d = this.#ops.get(digest);
    if (!d) throw new Error(`invalid LLB: missing input digest ${digest}`);
    const op = d.op;
    if (index !== 0 && !op.exec) throw new Error(`invalid LLB: output ${index} of op ${digest} (source and file ops have one output)`);
    if (op.source) return this.#source(op.source, op.platform ?? undefined);
    if (op.file) return this.#file(d);
    if (op.exec) return this.#exec(d, index);
    const kind = op.exec ? 'RUN/exec' : op.build ? 'build' : op.merge ? 'merge' : op.diff ? 'diff' : 'unknown';
    throw new UnsupportedOpError(
      `punch build cannot execute ${kind} ops; use BuildKit (punch llb | buildctl build, or the punch frontend)`,
    );
  }

  /**
   * ExecOps: this engine has no container runtime. It runs punch's initrd builtin in-process (the only
   * output anything reads is /out); any other op is refused. (`punch build` refuses RUN files before
   * it gets here, at the RUN's line; this catches any graph that reaches it anyway.)
   */
  async #exec(d: DecodedOp, index: number): Promise<Snapshot> {
    const initrd = recogniseInitrd(d, this.#ops, this.#env.toolsImage);
    if (typeof initrd === 'string') {
      const why = this.#env.toolsImage === undefined ? '' : ` (this one is not punch's initrd builtin: ${initrd})`;
      throw new UnsupportedOpError(`punch build cannot execute RUN/exec ops${why}; use BuildKit (punch llb | buildctl build, or the punch frontend)`);
    }
    if (index !== 1) throw new UnsupportedOpError(`punch build runs punch initrd for its /out result only, not output ${index}`);
    const tree = initrd.tree ? (await this.output(initrd.tree.digest, initrd.tree.index)).root : emptyRoot();
    const description = d.metadata.description?.[CUSTOM_NAME];
    if (description !== undefined) this.#env.onStep?.(description);
    try {
      return { root: await runInitrd(tree, initrd.epoch, this.#store, this.#env.signal), layers: [] };
    } catch (e) {
      if (this.#env.signal?.aborted || !(e instanceof Error)) throw e;
      throw new FileOpError(description, e);
    }
  }

  #platform(p: pb.Platform.$Properties | undefined): Platform {
    if (!p || !p.OS || !p.Architecture) return this.#env.platform;
    return p.Variant ? { os: p.OS, architecture: p.Architecture, variant: p.Variant } : { os: p.OS, architecture: p.Architecture };
  }

  async #source(src: pb.SourceOp.$Properties, platform: pb.Platform.$Properties | undefined): Promise<Snapshot> {
    const id = src.identifier ?? '';
    const attrs = src.attrs ?? {};
    if (id.startsWith('docker-image://') || id.startsWith('oci-layout://')) {
      const ref = id.startsWith('docker-image://') ? id.slice('docker-image://'.length) : id;
      const img = await this.#env.images(ref, this.#platform(platform));
      const root = await loadImageTree(img.layers, this.#store, `image ${ref}`, this.#env.signal);
      return { root, layers: img.layers.map((blob) => ({ kind: 'blob', blob })) };
    }
    if (id.startsWith('local://')) {
      const name = id.slice('local://'.length);
      const dir = this.#env.locals[name];
      if (dir === undefined) {
        throw new Error(`the build uses local source "${name}" but no directory was given for it (known: ${Object.keys(this.#env.locals).join(', ') || 'none'})`);
      }
      const root = await readLocalTree(dir, {
        includePatterns: jsonList(attrs['local.includepattern'], 'local.includepattern'),
        excludePatterns: jsonList(attrs['local.excludepatterns'], 'local.excludepatterns'),
        followPaths: jsonList(attrs['local.followpaths'], 'local.followpaths'),
      });
      return { root, layers: [{ kind: 'entries', entries: diffTrees(undefined, root), description: `local://${name}` }] };
    }
    const scheme = id.includes('://') ? id.slice(0, id.indexOf('://')) : id;
    throw new UnsupportedOpError(`punch build cannot fetch ${scheme} sources (${id}); use BuildKit`);
  }

  async #file(d: DecodedOp): Promise<Snapshot> {
    const op = d.op;
    const inputs = op.inputs ?? [];
    const actions = op.file!.actions ?? [];
    const n = inputs.length;
    const inputSnap = (i: number): Promise<Snapshot> => {
      const input = inputs[i]!;
      return this.output(input.digest ?? '', int64ToNumber(input.index));
    };
    const results = new Map<number, Promise<DirNode>>();
    const treeOf = async (idx: number, from: number): Promise<DirNode> => {
      if (idx === -1) return emptyRoot();
      if (idx < -1) throw new Error(`invalid FileOp: input index ${idx}`);
      if (idx < n) return (await inputSnap(idx)).root;
      const j = idx - n;
      if (j >= from || j >= actions.length) throw new Error(`invalid FileOp: action ${from} refers to action ${j}, which does not come before it`);
      return actionResult(j);
    };
    const actionResult = (j: number): Promise<DirNode> => {
      let p = results.get(j);
      if (!p) {
        p = this.#action(actions[j]!, j, inputs, (idx) => treeOf(idx, j));
        results.set(j, p);
      }
      return p;
    };

    const outIdx = actions.findIndex((a) => int64ToNumber(a.output) === 0);
    if (outIdx < 0) throw new Error('invalid FileOp: no action has output 0');
    // The layer sits on the input at the root of the output action's chain.
    let base = int64ToNumber(actions[outIdx]!.input);
    for (let hops = 0; base >= n; hops++) {
      if (hops > actions.length) throw new Error('invalid FileOp: actions refer to each other in a cycle');
      base = int64ToNumber(actions[base - n]?.input);
    }
    const description = d.metadata.description?.[CUSTOM_NAME];
    const baseSnap: Snapshot = base === -1 ? { root: emptyRoot(), layers: [] } : await inputSnap(base);
    if (description !== undefined) this.#env.onStep?.(description);
    let root: DirNode;
    try {
      root = await actionResult(outIdx);
    } catch (e) {
      // Failures of input ops are already named by those ops; an abort is not this op's failure.
      if (e instanceof FileOpError || e instanceof UnsupportedOpError || this.#env.signal?.aborted || !(e instanceof Error)) throw e;
      throw new FileOpError(description, e);
    }
    return { root, layers: [...baseSnap.layers, { kind: 'entries', entries: diffTrees(baseSnap.root, root), description }] };
  }

  async #action(
    a: pb.FileAction.$Properties,
    index: number,
    inputs: readonly pb.Input.$Properties[],
    treeOf: (idx: number) => Promise<DirNode>,
  ): Promise<DirNode> {
    this.#env.signal?.throwIfAborted();
    const what = `file action ${index}`;
    const unknown = (a as { $unknowns?: unknown[] }).$unknowns;
    const body = a.copy ?? a.mkfile ?? a.mkdir ?? a.rm;
    if (!body || (unknown && unknown.length > 0) || ((body as { $unknowns?: unknown[] }).$unknowns?.length ?? 0) > 0) {
      throw new UnsupportedOpError(`${what} uses a FileOp feature punch build does not know (e.g. symlink, modeStr); use BuildKit`);
    }
    const tree = new WorkTree(await treeOf(int64ToNumber(a.input)));
    const sourceName = (idx: number): string => {
      const input = idx >= 0 && idx < inputs.length ? inputs[idx] : undefined;
      const id = input ? this.#ops.get(input.digest ?? '')?.op.source?.identifier : undefined;
      if (id?.startsWith('local://')) return `local "${id.slice('local://'.length)}"`;
      if (id?.startsWith('docker-image://')) return `image ${id.slice('docker-image://'.length)}`;
      return id ?? 'the copy source';
    };
    const intOf = (v: unknown): number => int64ToNumber(v as Int64);
    const owner = (chown: pb.ChownOpt.$Properties | null | undefined): Promise<Owner | undefined> => resolveOwner(chown, treeOf, intOf);
    if (a.copy) {
      const c = a.copy;
      const src = await treeOf(int64ToNumber(a.secondaryInput));
      const params: CopyParams = {
        src: c.src ?? '',
        dest: c.dest ?? '',
        mode: c.mode ?? 0,
        followSymlink: !!c.followSymlink,
        dirCopyContents: !!c.dirCopyContents,
        attemptUnpack: !!c.attemptUnpackDockerCompatibility,
        createDestPath: !!c.createDestPath,
        allowWildcard: !!c.allowWildcard,
        allowEmptyWildcard: !!c.allowEmptyWildcard,
        mtime: seconds(c.timestamp),
        includePatterns: c.include_patterns ?? [],
        excludePatterns: c.exclude_patterns ?? [],
        alwaysReplaceExistingDestPaths: false,
      };
      const warn = this.#env.warn ?? ((): void => undefined);
      const ctx = { store: this.#store, srcName: sourceName(int64ToNumber(a.secondaryInput)), warn, ...(this.#env.signal ? { signal: this.#env.signal } : {}) };
      await copyAction(tree, src, params, await owner(c.owner), ctx);
    } else if (a.mkfile) {
      mkfile(tree, a.mkfile, await owner(a.mkfile.owner));
    } else if (a.mkdir) {
      mkdir(tree, a.mkdir, await owner(a.mkdir.owner));
    } else if (a.rm) {
      rm(tree, a.rm);
    }
    return tree.root;
  }
}

function jsonList(v: string | undefined, attr: string): string[] | undefined {
  if (v === undefined || v === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new Error(`invalid ${attr} attribute: expected a JSON array of strings, got ${v}`);
  }
  if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'string')) {
    throw new Error(`invalid ${attr} attribute: expected a JSON array of strings, got ${v}`);
  }
  return parsed as string[];
}

/** A nanosecond timestamp as whole seconds; -1 means unset (BuildKit's timestampToTime). */
function seconds(ts: Int64 | null | undefined): number | undefined {
  const v = int64ToBigInt(ts);
  if (v === -1n) return undefined;
  const s = v / 1_000_000_000n;
  return Number(v < 0n && v % 1_000_000_000n !== 0n ? s - 1n : s);
}

/** BuildKit's mkfile: writes through symlinks; an existing file keeps its mode (WriteFile does not chmod). */
function mkfile(tree: WorkTree, m: pb.FileActionMkFile.$Properties, owner: Owner | undefined): void {
  const comps = resolvePath(tree.root, joinComponents(cleanComponents(m.path ?? '')));
  if (comps.length === 0) throw new Error(`mkfile ${m.path}: cannot write the root directory`);
  const parent = tree.get(comps.slice(0, -1));
  if (parent?.type !== 'dir') throw new Error(`mkfile ${m.path}: parent directory ${joinComponents(comps.slice(0, -1))} does not exist`);
  const existing = tree.get(comps);
  if (existing?.type === 'dir') throw new Error(`mkfile ${m.path}: is a directory`);
  const data = m.data ?? new Uint8Array();
  const content: Content = { kind: 'bytes', data };
  const keep = existing?.type === 'file' ? existing.meta : undefined;
  tree.set(comps, {
    type: 'file',
    size: data.length,
    content,
    meta: {
      mode: keep ? keep.mode : (m.mode ?? 0) & 0o777,
      uid: owner?.uid ?? keep?.uid ?? 0,
      gid: owner?.gid ?? keep?.gid ?? 0,
      mtime: seconds(m.timestamp),
    },
  });
}

/** BuildKit's mkdir: makeParents creates every missing dir with the given mode; otherwise an existing path is fine. */
function mkdir(tree: WorkTree, m: pb.FileActionMkDir.$Properties, owner: Owner | undefined): void {
  const comps = resolvePath(tree.root, joinComponents(cleanComponents(m.path ?? '')));
  const mtime = seconds(m.timestamp);
  const mode = (m.mode ?? 0) & 0o777;
  const meta = { mode, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime };
  if (m.makeParents) {
    for (let i = 1; i <= comps.length; i++) {
      const p = comps.slice(0, i);
      const node = tree.get(p);
      if (node?.type === 'dir') continue;
      if (node) throw new Error(`mkdir ${m.path}: ${joinComponents(p)} exists and is not a directory`);
      tree.set(p, { type: 'dir', meta, children: new Map() });
    }
    return;
  }
  if (comps.length === 0 || tree.get(comps)) return;
  const parent = tree.get(comps.slice(0, -1));
  if (parent?.type !== 'dir') throw new Error(`mkdir ${m.path}: parent directory ${joinComponents(comps.slice(0, -1))} does not exist (use makeParents)`);
  tree.set(comps, { type: 'dir', meta, children: new Map() });
}

/** BuildKit's rm: RemoveAll of the path (parents resolved, the last component not followed). */
function rm(tree: WorkTree, r: pb.FileActionRm.$Properties): void {
  const paths: string[] = [];
  if (r.allowWildcard) {
    const { dir, rest } = splitWildcards(r.path ?? '');
    if (rest.length === 0) paths.push(joinComponents(dir));
    else {
      const base = resolvePath(tree.root, joinComponents(dir));
      const node = lookup(tree.root, base);
      const re = globToRegex(rest.join('/'));
      const walk = (n: FsNode, rel: string[]): void => {
        if (rel.length > 0 && re.test(rel.join('/'))) {
          paths.push(joinComponents([...base, ...rel]));
          return;
        }
        if (n.type === 'dir') for (const [name, child] of sortedChildren(n)) walk(child, [...rel, name]);
      };
      if (node) walk(node, []);
    }
  } else {
    paths.push(r.path ?? '');
  }
  for (const p of paths) {
    const clean = cleanComponents(p);
    if (clean.length === 0) throw new Error(`rm ${p}: cannot remove the root directory`);
    const comps = [...resolvePath(tree.root, joinComponents(clean.slice(0, -1))), clean[clean.length - 1]!];
    if (!tree.remove(comps) && !r.allowNotFound) throw new Error(`rm ${p}: no such file or directory`);
  }
}
