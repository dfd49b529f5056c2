// Remote build contexts, read as BuildKit's Dockerfile frontend reads the `context` opt
// (frontend/dockerui/context.go, v0.13): a git URL becomes a git source, any other http(s) URL an
// HTTP download that is unpacked when it is an archive.
import { copy, git, http, parseGitRemote, scratch, type State } from '../llb/index.js';

/** The file name the Dockerfile frontend gives an HTTP context's download (and the build file, when it is not an archive). */
export const HTTP_CONTEXT_FILE = 'context';

export type RemoteContext =
  | {
      kind: 'git';
      /** The context opt as given (progress names quote it). */
      url: string;
      /** What `git` clones (the URL without its fragment). */
      remote: string;
      /** Branch, tag or commit from `#ref`; empty = the remote's default. */
      ref: string;
      /** `#ref:subdir`: the directory of the repository that is the context; empty = the root. */
      subdir: string;
    }
  | { kind: 'http'; url: string };

// dfgitutil/gitutil.ParseGitRef: an http(s) URL is a git context only when its path ends in .git.
function isGitContext(value: string): boolean {
  if (value.startsWith('./') || value.startsWith('../')) return false;
  if (value.startsWith('github.com/')) return true;
  const remote = parseGitRemote(value);
  if ('error' in remote) return false;
  if (remote.scheme === 'http' || remote.scheme === 'https') return remote.path.endsWith('.git');
  return true;
}

/** The remote context a `context` opt names, or undefined for a local (session) context. */
export function detectRemoteContext(value: string | undefined): RemoteContext | undefined {
  if (value === undefined || value === '') return undefined;
  if (isGitContext(value)) {
    const parsed = parseGitRemote(value.startsWith('github.com/') ? `https://${value}` : value);
    if ('error' in parsed) return undefined;
    return { kind: 'git', url: value, remote: parsed.remote, ref: parsed.ref, subdir: parsed.subdir };
  }
  if (/^https?:\/\//.test(value)) return { kind: 'http', url: value };
  return undefined;
}

/** The git checkout of a git context (`build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR` keeps `.git`). */
export function gitContextState(c: Extract<RemoteContext, { kind: 'git' }>, keepGitDir: boolean): State {
  const ref = c.subdir !== '' ? `${c.ref}:${c.subdir}` : c.ref;
  return git(c.remote, ref, { customName: `[internal] load git source ${c.url}`, ...(keepGitDir ? { keepGitDir: true } : {}) });
}

/** The download of an HTTP context, one file named `context`; `name` is its progress line. */
export function httpContextState(c: Extract<RemoteContext, { kind: 'http' }>, name = '[internal] load remote build context'): State {
  return http(c.url, { filename: HTTP_CONTEXT_FILE, customName: name });
}

/**
 * A named context that is a git repository or an HTTP download, as Docker's frontend loads it
 * (dockerui/namedcontext.go): the checkout, or the download as one file named `context`, never unpacked.
 */
export function namedRemoteState(c: RemoteContext, key: string): State {
  return c.kind === 'git' ? gitContextState(c, false) : httpContextState(c, `[context ${key}] ${c.url}`);
}

/** An archive download unpacked into an empty filesystem (Docker's ADD rules: tar, gzip, bzip2, xz). */
export function unpackedContext(download: State): State {
  return scratch().file(copy(download, `/${HTTP_CONTEXT_FILE}`, '/', { attemptUnpack: true }));
}

/** The `contextsubdir` opt: only that directory's contents, as the root. */
export function contextSubdir(context: State, dir: string): State {
  return scratch().file(copy(context, dir, '/', { dirCopyContents: true }));
}

const COMPRESSED: readonly (readonly number[])[] = [
  [0x42, 0x5a, 0x68], // bzip2
  [0x1f, 0x8b, 0x08], // gzip
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
];

/**
 * Whether the first bytes (the frontend reads 1024) start an archive, as Go's dockerui isArchive says:
 * a compression magic, or a tar header that Go's tar reader accepts.
 */
export function isArchive(header: Uint8Array): boolean {
  if (COMPRESSED.some((m) => header.length >= m.length && m.every((b, i) => header[i] === b))) return true;
  return tarHeaderAt(header, 0);
}

function tarHeaderAt(bytes: Uint8Array, offset: number): boolean {
  const block = bytes.subarray(offset, offset + 512);
  if (block.length < 512) return false;
  if (block.every((b) => b === 0)) return false;
  const stored = octal(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) return false;
  // A PAX or GNU long-name header is followed by its data and then the real header, which Go's
  // reader must also find in the bytes it was given.
  const type = String.fromCharCode(block[156]!);
  if ('xgLK'.includes(type)) {
    const size = octal(block.subarray(124, 136));
    if (size === undefined) return false;
    return tarHeaderAt(bytes, offset + 512 + Math.ceil(size / 512) * 512);
  }
  return true;
}

function octal(field: Uint8Array): number | undefined {
  const text = Buffer.from(field).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}
