// State: an immutable handle on one output of the LLB graph (or scratch), like Go's llb.State.
import type { Platform } from '../platform.js';
import type { FileAction } from './fileaction.js';
import { execVertex, type RunOptions } from './exec.js';
import { joinPath } from '../gopath.js';
import type { SourceLocation } from './sourcemap.js';
import type { ExecVertex, FileVertex, Output } from './vertex.js';

export class State {
  readonly #output: Output | undefined;
  readonly #platform: Platform | undefined;
  readonly #dir: string;

  /** Internal: use scratch(), image() or local(). */
  constructor(output: Output | undefined, platform: Platform | undefined, dir = '/') {
    this.#output = output;
    this.#platform = platform ? Object.freeze({ ...platform }) : undefined;
    this.#dir = dir;
    Object.freeze(this);
  }

  /** The graph output this state stands for; undefined for scratch. */
  get output(): Output | undefined {
    return this.#output;
  }

  /** The platform remembered on this state (e.g. from image()); undefined means the marshal default. */
  get platform(): Platform | undefined {
    return this.#platform;
  }

  /** Working directory that relative paths resolve against. */
  get dir(): string {
    return this.#dir;
  }

  get isScratch(): boolean {
    return this.#output === undefined;
  }

  /** The same filesystem, with ops derived from it built for `platform`. */
  withPlatform(platform: Platform): State {
    return new State(this.#output, platform, this.#dir);
  }

  /** The same filesystem with another working directory (Go's State.Dir: relative to the current one). */
  withDir(dir: string): State {
    return new State(this.#output, this.#platform, dir.startsWith('/') ? dir : joinPath(this.#dir, dir));
  }

  /** Applies a chain of file actions (copy, mkfile, mkdir, rm) to this state. */
  file(action: FileAction, opts: { customName?: string; ignoreCache?: boolean; locations?: SourceLocation[] } = {}): State {
    const vertex: FileVertex = Object.freeze({
      kind: 'file',
      base: this.#output,
      baseDir: this.#dir,
      platform: this.#platform,
      actions: action.actions,
      customName: opts.customName,
      ...(opts.ignoreCache ? { ignoreCache: true } : {}),
      ...(opts.locations?.length ? { locations: Object.freeze([...opts.locations]) } : {}),
    });
    return new State({ vertex, index: 0 }, this.#platform, this.#dir);
  }

  /**
   * Runs a command with this state as the root filesystem (Go's State.Run). The working directory
   * defaults to this state's; mounts, secrets and SSH sockets are given up front, so the op never changes.
   */
  run(opts: RunOptions): ExecState {
    return new ExecState(execVertex(this.#output, this.#dir, this.#platform, opts), this.#platform, this.#dir);
  }
}

/** The result of a run: the changed root and the other writable mounts' contents, each a State. */
export class ExecState {
  readonly #vertex: ExecVertex;
  readonly #platform: Platform | undefined;
  readonly #dir: string;

  /** Internal: use State.run(). */
  constructor(vertex: ExecVertex, platform: Platform | undefined, dir: string) {
    this.#vertex = vertex;
    this.#platform = platform;
    this.#dir = dir;
    Object.freeze(this);
  }

  /** The root filesystem after the command. */
  root(): State {
    return this.getMount('/');
  }

  /**
   * The filesystem at `target` after the command. A read-only mount gives back its source unchanged;
   * cache, tmpfs and no-output mounts have no result and throw.
   */
  getMount(target: string): State {
    const m = this.#vertex.mounts.find((x) => x.target === target);
    if (!m) throw new Error(`the command has no mount at ${target}`);
    if (m.readonly) return new State(m.source, this.#platform, this.#dir);
    if (m.output === undefined) {
      const why = m.cache ? 'a cache mount' : m.tmpfs ? 'a tmpfs mount' : 'marked no-output';
      throw new Error(`the mount at ${target} is ${why}: it has no result to build on`);
    }
    return new State({ vertex: this.#vertex, index: m.output }, this.#platform, this.#dir);
  }
}

/** The empty filesystem. */
export function scratch(): State {
  return new State(undefined, undefined);
}
