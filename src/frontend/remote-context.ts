// A remote build context (the `context` opt holds a git or http(s) URL), set up the way BuildKit's
// Dockerfile frontend sets it up: a git checkout; or an HTTP download, which is solved and its first
// KiB read to decide whether it is an archive (then unpacked) or the build file itself.
import {
  HTTP_CONTEXT_FILE,
  contextSubdir,
  gitContextState,
  httpContextState,
  isArchive,
  unpackedContext,
} from '../convert/index.js';
import { Caps, marshal, type State } from '../llb/index.js';
import type { Platform } from '../platform.js';
import type { LLBBridge } from './bridge.js';
import { FrontendError } from './errors.js';
import type { RemoteContextOptions } from './opts.js';
import { headDigest, toPbDefinition, type SourceDefinition } from './sources.js';

export interface RemoteContextInputs {
  /** What COPY and RUN mounts read as the build context. */
  context: State;
  /** The state the build file is read from (the context before `contextsubdir` scopes it). */
  buildFileSource: State;
  /** The build file's path in `buildFileSource`: `filename`, or `context` for a plain HTTP download. */
  filename: string;
}

/** The number of bytes the Dockerfile frontend reads of an HTTP context to tell an archive. */
const ARCHIVE_SNIFF_BYTES = 1024;

/** A definition of a state the frontend solves and reads itself. */
export function stateDefinition(state: State, platform: Platform): SourceDefinition {
  const definition = toPbDefinition(marshal(state, { platform }));
  return { definition, digest: headDigest(definition) };
}

export async function remoteContextInputs(
  remote: RemoteContextOptions,
  filename: string,
  bridge: LLBBridge,
  platform: Platform,
  solveRef: (definition: SourceDefinition['definition']) => Promise<string>,
): Promise<RemoteContextInputs> {
  const c = remote.context;
  let context: State;
  let file = filename;
  if (c.kind === 'git') {
    if (c.subdir !== '' && !bridge.caps.llb.has(Caps.sourceGitSubdir)) {
      throw new FrontendError(
        `the build context ${c.url} names the directory ${c.subdir} of the repository, but this BuildKit cannot check out ` +
          `a directory (it lacks the LLB cap ${Caps.sourceGitSubdir}, BuildKit v0.9 and later; Docker 20.10 has v0.8): ` +
          'build from the repository root and name the file with -f, or use a newer engine',
      );
    }
    context = gitContextState(c, remote.keepGitDir);
  } else {
    const download = httpContextState(c);
    const ref = await solveRef(stateDefinition(download, platform).definition);
    let head: Uint8Array;
    try {
      head = await bridge.readFile(ref, HTTP_CONTEXT_FILE, { offset: 0, length: ARCHIVE_SNIFF_BYTES });
    } catch (e) {
      throw new FrontendError(`cannot read the downloaded build context ${c.url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (isArchive(head)) {
      context = unpackedContext(download);
    } else {
      // Not an archive: the download is the build file, whatever -f said.
      context = download;
      file = HTTP_CONTEXT_FILE;
    }
  }
  return { context: remote.subdir !== undefined ? contextSubdir(context, remote.subdir) : context, buildFileSource: context, filename: file };
}
