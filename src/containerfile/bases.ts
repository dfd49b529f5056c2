// What a FROM line builds on, set on the stage being read: an image (its Env seen by what follows),
// or what a named context stands for (an image, the empty image, a directory).
import { cleanPath } from '../gopath.js';
import type { BaseImageFacts, NamedContextSource } from '../plan/types.js';
import type { StageState } from './context.js';
import { DEFAULT_PATH } from './run.js';

function envMap(list: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    out.set(eq === -1 ? kv : kv.slice(0, eq), eq === -1 ? '' : kv.slice(eq + 1));
  }
  return out;
}

type BaseLookup = ((ref: string) => BaseImageFacts | undefined) | undefined;

/**
 * FROM an image: its Env (when resolved) is in scope, RUN gets Docker's default PATH if it has none,
 * and the stage starts in its WorkingDir with its Shell, as Docker's frontend starts it.
 */
export function imageBase(state: StageState, ref: string, written: string, baseImage: BaseLookup): void {
  state.stage.base = { kind: 'image', ref, written };
  const base = baseImage?.(ref);
  state.scope.env = envMap(base?.env);
  if (base?.workdir) state.workdir = cleanPath(`/${base.workdir}`);
  if (base?.shell && base.shell.length > 0) state.shell = [...base.shell];
  state.emptyScratch = false;
  // Docker gives a base without PATH the default one (it also lands in the image config).
  state.runEnv = new Map(state.scope.env);
  if (!state.runEnv.has('PATH')) state.runEnv.set('PATH', DEFAULT_PATH);
}

/** FROM a name a named context stands for. */
export function baseFromContext(state: StageState, source: NamedContextSource, written: string, baseImage: BaseLookup): void {
  if (source.kind === 'image') return imageBase(state, source.ref, written, baseImage);
  if (source.kind === 'scratch') return;
  state.stage.base = { kind: 'local', key: source.key, written };
  state.emptyScratch = false;
  state.runEnv = new Map([['PATH', DEFAULT_PATH]]);
}
