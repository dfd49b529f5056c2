// Reads what a local build needs from disk, undecoded: the Containerfile's and the ignore file's bytes
// and the context identity. src/session decodes and validates them, as it does for the frontend.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { detectRemoteContext, gitContextState, httpContextState, unpackedContext } from '../convert/index.js';
import type { SessionInput } from '../session/index.js';
import type { Platform } from '../platform.js';
import { readBuildContexts } from './build-contexts.js';
import { UsageError } from './usage-error.js';

export { UsageError };


export interface LocalBuildArgs {
  file?: string;
  context: string;
  buildArgs: Record<string, string>;
  /** `--build-context` values as given (NAME=DIR|docker-image://REF|oci-layout://PATH…). */
  buildContexts: string[];
  labels: Record<string, string>;
  target?: string;
  platforms: Platform[];
  defaultPlatform: Platform;
  unique?: string;
  /** `--urunc VERSION`: the urunc release to check against and write for. */
  uruncVersion?: string;
  /** `--tools-image REF`: the punch image initrd steps run on. */
  toolsImage?: string;
  cwd: string;
}

/** `-f` if given, else `Containerfile`, else `Dockerfile`, else `bunnyfile` in the context (the names users write). */
export function locateContainerfile(args: Pick<LocalBuildArgs, 'file' | 'context' | 'cwd'>): string {
  if (args.file !== undefined) return resolve(args.cwd, args.file);
  for (const name of ['Containerfile', 'Dockerfile', 'bunnyfile']) {
    const p = resolve(args.cwd, args.context, name);
    if (existsSync(p)) return p;
  }
  throw new UsageError(`no Containerfile, Dockerfile or bunnyfile in ${args.context}: name one with -f FILE`);
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : String((e as Error).message)}`);
  }
}

/** `<file>.dockerignore` next to the Containerfile wins over the context's `.dockerignore`, as in BuildKit. */
export function readIgnoreFile(containerfile: string, contextDir: string): { path: string; bytes: Uint8Array } | undefined {
  for (const path of [`${containerfile}.dockerignore`, resolve(contextDir, '.dockerignore')]) {
    if (existsSync(path)) return { path, bytes: readFileSync(path) };
  }
  return undefined;
}

/** A path as the user would write it from `cwd` (absolute when it lies outside). */
function shownPath(path: string, cwd: string): string {
  const shown = relative(cwd, path) || path;
  return shown.startsWith('..') ? path : shown;
}

/** A stable `local.unique`: Go uses a random one; punch derives it from the context directory. */
export function contextUnique(contextDir: string): string {
  return bytesToHex(sha256(utf8ToBytes(realpathSync(contextDir)))).slice(0, 32);
}

/** The session fields every way of naming a context shares: the command line's build settings. */
function commonInput(args: LocalBuildArgs, namedContexts: NonNullable<SessionInput['namedContexts']>): Omit<SessionInput, 'file' | 'bytes' | 'context'> {
  return {
    buildArgs: args.buildArgs,
    labels: args.labels,
    ...(args.target !== undefined ? { target: args.target } : {}),
    platforms: args.platforms,
    defaultPlatform: args.defaultPlatform,
    ...(args.uruncVersion !== undefined ? { uruncVersion: args.uruncVersion } : {}),
    ...(args.toolsImage !== undefined ? { toolsImage: args.toolsImage } : {}),
    ...(namedContexts.length > 0 ? { namedContexts } : {}),
  };
}

export function localSessionInput(args: LocalBuildArgs): { input: SessionInput; containerfile: string; contextDir: string; namedDirs: Record<string, string> } {
  const contextDir = resolve(args.cwd, args.context);
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    throw new UsageError(`build context ${args.context} is not a directory`);
  }
  const containerfile = locateContainerfile(args);
  const bytes = readBytes(containerfile, 'Containerfile');
  const file = shownPath(containerfile, args.cwd);
  const ignore = readIgnoreFile(containerfile, contextDir);
  const named = readBuildContexts(args.buildContexts, args.cwd);
  const input: SessionInput = {
    file,
    bytes,
    ...(ignore ? { ignore: ignore.bytes, ignoreFile: shownPath(ignore.path, args.cwd) } : {}),
    ...commonInput(args, named.contexts),
    context: { name: 'context', unique: args.unique ?? contextUnique(contextDir) },
  };
  return { input, containerfile, contextDir, namedDirs: named.dirs };
}

/**
 * `punch llb -f FILE URL`: a git or http(s) URL (that is no local directory) as the build context.
 * BuildKit fetches it when it runs the LLB; punch reads no network, so the Containerfile is the local
 * `-f` file. An HTTP download is always copied with ADD's unpacking (an archive is unpacked, any other
 * file lands as /context), where the frontend first reads it to tell which it is.
 */
export function remoteSessionInput(args: LocalBuildArgs): { input: SessionInput; containerfile: string; namedDirs: Record<string, string> } | undefined {
  if (existsSync(resolve(args.cwd, args.context))) return undefined;
  const remote = detectRemoteContext(args.context);
  if (!remote) return undefined;
  if (args.file === undefined) {
    throw new UsageError(
      `the build context ${args.context} is fetched by BuildKit when it runs the LLB, and punch llb reads nothing from the network: ` +
        'name the local Containerfile with -f FILE',
    );
  }
  const containerfile = resolve(args.cwd, args.file);
  const keepGitDir = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(args.buildArgs['BUILDKIT_CONTEXT_KEEP_GIT_DIR'] ?? '');
  const state = remote.kind === 'git' ? gitContextState(remote, keepGitDir) : unpackedContext(httpContextState(remote));
  const named = readBuildContexts(args.buildContexts, args.cwd);
  const input: SessionInput = {
    file: shownPath(containerfile, args.cwd),
    bytes: readBytes(containerfile, 'Containerfile'),
    ...commonInput(args, named.contexts),
    context: { remote: state },
  };
  return { input, containerfile, namedDirs: named.dirs };
}
