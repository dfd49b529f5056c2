// State: an immutable handle on one output of the LLB graph (or scratch), like Go's llb.State.
import type { Platform } from '../platform.js';
import type { FileAction } from './fileaction.js';
import type { ExecVertex, FileVertex, Output } from './vertex.js';

export interface ExecOptions {
  args: string[];
  /** Working directory; defaults to `/`. */
  cwd?: string;
  /** `KEY=value` entries, in order. */
  env?: string[];
  customName?: string;
}

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

  /** Applies a chain of file actions (copy, mkfile, mkdir, rm) to this state. */
  file(action: FileAction, opts: { customName?: string; ignoreCache?: boolean } = {}): State {
    const vertex: FileVertex = Object.freeze({
      kind: 'file',
      base: this.#output,
      baseDir: this.#dir,
      platform: this.#platform,
      actions: action.actions,
      customName: opts.customName,
      ...(opts.ignoreCache ? { ignoreCache: true } : {}),
    });
    return new State({ vertex, index: 0 }, this.#platform, this.#dir);
  }

  /** Runs a command with this state as the root filesystem; the result is the changed root. */
  exec(opts: ExecOptions): State {
    if (opts.args.length === 0) throw new Error('exec needs at least one argument (the command to run)');
    const vertex: ExecVertex = Object.freeze({
      kind: 'exec',
      root: this.#output,
      platform: this.#platform,
      args: Object.freeze([...opts.args]),
      env: Object.freeze([...(opts.env ?? [])]),
      cwd: opts.cwd ?? '/',
      customName: opts.customName,
    });
    return new State({ vertex, index: 0 }, this.#platform, this.#dir);
  }
}

/** The empty filesystem. */
export function scratch(): State {
  return new State(undefined, undefined);
}
