// File actions (copy, mkfile, mkdir, rm), chainable like Go's *llb.FileAction: `mkdir(..).mkfile(..)`
// runs both in one FileOp, the second on the result of the first.
import type { State } from './state.js';
import type { CopyInfo, FileActionSpec, MkdirInfo, MkfileInfo, RmInfo } from './vertex.js';

export class FileAction {
  /** The chain, first action first. */
  readonly actions: readonly FileActionSpec[];

  private constructor(actions: readonly FileActionSpec[]) {
    this.actions = Object.freeze([...actions]);
    Object.freeze(this);
  }

  /** Internal: a one-action chain. */
  static of(spec: FileActionSpec): FileAction {
    return new FileAction([Object.freeze(spec)]);
  }

  #then(spec: FileActionSpec): FileAction {
    return new FileAction([...this.actions, Object.freeze(spec)]);
  }

  copy(src: State, srcPath: string, dest: string, info: CopyInfo = {}): FileAction {
    return this.#then(copySpec(src, srcPath, dest, info));
  }

  mkfile(path: string, mode: number, data: Uint8Array | string, info: MkfileInfo = {}): FileAction {
    return this.#then(mkfileSpec(path, mode, data, info));
  }

  mkdir(path: string, mode: number, info: MkdirInfo = {}): FileAction {
    return this.#then({ kind: 'mkdir', path, mode, info: freezeInfo(info) });
  }

  rm(path: string, info: RmInfo = {}): FileAction {
    return this.#then({ kind: 'rm', path, info: freezeInfo(info) });
  }
}

/** Copies `srcPath` of `src` to `dest` of the state the action is applied to. */
export function copy(src: State, srcPath: string, dest: string, info: CopyInfo = {}): FileAction {
  return FileAction.of(copySpec(src, srcPath, dest, info));
}

/** Creates a file; `mode` is a permission mode such as 0o644 (only the 0o777 bits are used, as in Go). */
export function mkfile(path: string, mode: number, data: Uint8Array | string, info: MkfileInfo = {}): FileAction {
  return FileAction.of(mkfileSpec(path, mode, data, info));
}

export function mkdir(path: string, mode: number, info: MkdirInfo = {}): FileAction {
  return FileAction.of({ kind: 'mkdir', path, mode, info: freezeInfo(info) });
}

export function rm(path: string, info: RmInfo = {}): FileAction {
  return FileAction.of({ kind: 'rm', path, info: freezeInfo(info) });
}

function copySpec(src: State, srcPath: string, dest: string, info: CopyInfo): FileActionSpec {
  return { kind: 'copy', src: src.output, srcDir: src.dir, srcPath, dest, info: freezeInfo(info) };
}

function mkfileSpec(path: string, mode: number, data: Uint8Array | string, info: MkfileInfo): FileActionSpec {
  // Copy the bytes: the caller may reuse its buffer, and the graph must not change under it.
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
  return { kind: 'mkfile', path, mode, data: bytes, info: freezeInfo(info) };
}

/** A deep frozen copy (pattern lists, chown specs), so later caller mutations cannot reach the graph. */
function freezeInfo<T extends object>(info: T): Readonly<T> {
  return deepFrozenCopy(info) as Readonly<T>;
}

function deepFrozenCopy(v: unknown): unknown {
  if (Array.isArray(v)) return Object.freeze(v.map(deepFrozenCopy));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = deepFrozenCopy(x);
    return Object.freeze(out);
  }
  return v;
}
