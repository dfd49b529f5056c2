// InitrdStep → LLB: a FileOp assembles the listed files into a scratch tree, ONE ExecOp runs
// `punch initrd` on punch's own image with that tree read-only at /in and an empty /out (no network),
// and a FileOp copies /out/initrd into the stage. The archive depends only on the tree and the epoch,
// so every engine (BuildKit, or punch build running this op in-process) writes the same bytes.
import { INITRD_ARGS, INITRD_IN, INITRD_NAME, INITRD_OUT, initrdEnv } from '../initrd-builtin.js';
import { PunchError, diagnostic, lineRange } from '../diagnostics.js';
import { cleanPath } from '../gopath.js';
import { copy, scratch, type CopyInfo, type FileAction, type State } from '../llb/index.js';
import type { InitrdItem, InitrdStep } from '../plan/types.js';
import type { SourceState } from './run-step.js';

export interface InitrdContext {
  source: SourceState;
  /** Punch's own image, for the build platform (node runs on the worker, whatever the target). */
  tools: State;
  /** Mtimes are clamped to this (SOURCE_DATE_EPOCH, 0 when unset). */
  epoch: number;
  ignoreCache: boolean;
}

const ROOT_OWNER = { user: { id: 0 }, group: { id: 0 } };

/** The item's destination in the tree: absolute, clean, a trailing `/` kept (COPY's "into this directory"). */
function treeDest(item: InitrdItem): string {
  const clean = cleanPath(`/${item.dest.value}`);
  return item.dest.value.endsWith('/') && clean !== '/' ? `${clean}/` : clean;
}

function itemAction(item: InitrdItem, src: State, prev: FileAction | undefined): FileAction {
  // COPY's rules, except that a source matching nothing is an error: a listed file must exist.
  const info: CopyInfo = {
    followSymlinks: true,
    dirCopyContents: true,
    createDestPath: true,
    allowWildcard: true,
    // Context files belong to whoever checked them out: the archive holds them as root's.
    ...(item.from.kind === 'context' ? { chown: ROOT_OWNER } : {}),
  };
  return prev ? prev.copy(src, item.source.value, treeDest(item), info) : copy(src, item.source.value, treeDest(item), info);
}

/** The stage's state with the archive written at `step.dest`. */
export function initrdStep(state: State, step: InitrdStep, ic: InitrdContext): State {
  const nocache = ic.ignoreCache ? { ignoreCache: true } : {};
  let action: FileAction | undefined;
  for (const item of step.items) action = itemAction(item, ic.source(item.from), action);
  const tree = action ? scratch().file(action, { customName: `[punch] ${step.description}: gather the files`, ...nocache }) : scratch();
  const run = ic.tools.run({
    args: [...INITRD_ARGS],
    env: initrdEnv(ic.epoch),
    cwd: '/',
    network: 'none',
    mounts: [
      { target: INITRD_IN, source: tree.output, readonly: true },
      { target: INITRD_OUT },
    ],
    customName: `[punch] ${step.description}: write the archive`,
    ...nocache,
  });
  const out = run.getMount(INITRD_OUT);
  return state.file(
    copy(out, `/${INITRD_NAME}`, step.dest.value, {
      createDestPath: true,
      mode: 0o644,
      chown: ROOT_OWNER,
      timestamp: BigInt(ic.epoch) * 1_000_000_000n,
    }),
    { customName: step.description, ...nocache },
  );
}

export const EPOCH_ARG = 'SOURCE_DATE_EPOCH';

/** SOURCE_DATE_EPOCH as BuildKit hands it to a frontend (`build-arg:SOURCE_DATE_EPOCH`), 0 when unset. */
export function sourceDateEpoch(buildArgs: Readonly<Record<string, string>>, file: string): number {
  const text = buildArgs[EPOCH_ARG];
  if (text === undefined || text === '') return 0;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) {
    throw new PunchError([diagnostic('error', file, lineRange(1), `build argument ${EPOCH_ARG}=${text} is not a whole number of seconds since 1970: give e.g. $(git log -1 --format=%ct)`)]);
  }
  return Number(text);
}
