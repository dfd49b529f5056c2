// The one ExecOp punch runs on its own image: `punch initrd` over a mounted tree. src/convert makes it,
// src/engine recognises it (and runs the same archive writer in-process): both read this contract.
import { DEFAULT_PATH } from './platform.js';

/** Where the assembled tree is mounted (read-only). */
export const INITRD_IN = '/in';
/** The output mount (scratch); the archive is `/out/initrd` there, `/initrd` in the mount's result. */
export const INITRD_OUT = '/out';
export const INITRD_NAME = 'initrd';

/**
 * The command: the bundle by its path in the image (node from PATH), owners kept as the tree holds
 * them (src/convert chowns context files to 0:0; a stage's or image's owners are part of the source),
 * directories stamped with the epoch (BuildKit v0.8 and v0.13 copies leave different directory times).
 */
export const INITRD_ARGS: readonly string[] = Object.freeze(['node', '/punch/punch.cjs', 'initrd', '--keep-owner', '--epoch-dirs', INITRD_IN, '-o', `${INITRD_OUT}/${INITRD_NAME}`]);

/** system.DefaultPathEnv("linux"), set explicitly so the op is the same whatever the engine adds. */
const PATH_ENV = `PATH=${DEFAULT_PATH}`;

/** The command's environment: PATH, then the epoch mtimes are clamped to. */
export function initrdEnv(epoch: number): string[] {
  return [PATH_ENV, `SOURCE_DATE_EPOCH=${epoch}`];
}

/** The epoch of an environment `initrdEnv` made, or undefined when `env` is anything else. */
export function initrdEpoch(env: readonly string[]): number | undefined {
  if (env.length !== 2 || env[0] !== PATH_ENV) return undefined;
  const m = /^SOURCE_DATE_EPOCH=(0|[1-9][0-9]{0,15})$/.exec(env[1]!);
  return m ? Number(m[1]) : undefined;
}

export function isInitrdArgs(args: readonly string[]): boolean {
  return args.length === INITRD_ARGS.length && args.every((a, i) => a === INITRD_ARGS[i]);
}
