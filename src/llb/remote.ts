// Remote sources: a git repository and a file fetched over HTTP(S), with the identifiers, attrs and
// caps Go's client/llb (v0.13, the Docker 26 line) gives llb.Git and llb.HTTP.
import { cleanPath } from '../gopath.js';
import { Caps } from './caps.js';
import { sourceState, type SourceOptions } from './source.js';
import type { State } from './state.js';

export interface GitOptions extends SourceOptions {
  /** `git.keepgitdir`: keep the `.git` directory in the checkout. */
  keepGitDir?: boolean;
}

export interface HTTPOptions extends SourceOptions {
  /** `http.filename`: the name of the downloaded file (BuildKit's default is taken from the URL). */
  filename?: string;
}

/** A git remote split the way BuildKit's gitutil.ParseURL splits it. */
export interface GitRemote {
  scheme: 'http' | 'https' | 'ssh' | 'git';
  /** Host (with port) the source identifier starts with. */
  host: string;
  path: string;
  /** The URL without its fragment: what `git` is given (`git.fullurl`). */
  remote: string;
  /** `#ref:subdir` split at the first colon; empty strings when absent. */
  ref: string;
  subdir: string;
}

const SCHEME = /^([a-zA-Z0-9]+):\/\//;
// sshutil's SCP-style form: user@host:path[#fragment].
const SCP = /^([a-zA-Z0-9\-_]+)@([a-zA-Z0-9\-.]+):(.*?)(?:#(.*))?$/;

/**
 * Splits a git URL (`https://`, `http://`, `git://`, `ssh://`, or SCP-style `user@host:path`); a URL
 * without a scheme is read as `https://`. An error string for another scheme or an unusable URL.
 */
export function parseGitRemote(url: string): GitRemote | { error: string } {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const scp = SCP.exec(url);
    if (scp) {
      const [ref, subdir] = splitFragment(scp[4] ?? '');
      return { scheme: 'ssh', host: scp[2]!, path: scp[3]!, remote: `${scp[1]}@${scp[2]}:${scp[3]}`, ref, subdir };
    }
    return parseGitRemote(`https://${url}`);
  }
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ssh' && scheme !== 'git') {
    return { error: `${scheme}:// is not a git protocol (use https://, http://, git:// or ssh://)` };
  }
  const hash = url.indexOf('#');
  const remote = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash + 1);
  const rest = remote.slice(remote.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host === '') return { error: `${url} names no host` };
  const [ref, subdir] = splitFragment(fragment);
  return { scheme, host, path: slash < 0 ? '' : rest.slice(slash), remote, ref, subdir };
}

function splitFragment(fragment: string): [string, string] {
  const colon = fragment.indexOf(':');
  return colon < 0 ? [fragment, ''] : [fragment.slice(0, colon), fragment.slice(colon + 1)];
}

/**
 * A git checkout, e.g. `git('https://host/repo.git', 'main')` → `git://host/repo.git#main`; `ref` may
 * carry a subdirectory (`main:sub`) as BuildKit's Dockerfile frontend passes it. Go's llb.Git also
 * names the GIT_AUTH_TOKEN / GIT_AUTH_HEADER secrets (used only when the client provides them).
 */
export function git(url: string, ref: string, opts: GitOptions = {}): State {
  const remote = parseGitRemote(url);
  if ('error' in remote) throw new Error(`invalid git URL "${url}": ${remote.error}`);
  const id = `${remote.host}${cleanPath(`/${remote.path}`)}${ref !== '' ? `#${ref}` : ''}`;
  const attrs: Record<string, string> = {
    'git.fullurl': remote.remote,
    'git.authtokensecret': 'GIT_AUTH_TOKEN',
    'git.authheadersecret': 'GIT_AUTH_HEADER',
  };
  const caps: string[] = [];
  if (opts.keepGitDir) {
    attrs['git.keepgitdir'] = 'true';
    caps.push(Caps.sourceGitKeepDir);
  }
  caps.push(Caps.sourceGitFullURL);
  if (remote.scheme === 'ssh') {
    // Go scans the host's keys here when it can (best effort); punch builds the graph without I/O and
    // leaves the check to the engine's own known_hosts.
    attrs['git.mountsshsock'] = 'default';
    caps.push(Caps.sourceGitKnownSSHHosts, Caps.sourceGitMountSSHSock);
  }
  caps.push(Caps.sourceGit);
  return sourceState({ identifier: `git://${id}`, attrs, caps }, opts);
}

/** A file downloaded over HTTP(S); the URL is the source identifier. */
export function http(url: string, opts: HTTPOptions = {}): State {
  if (!/^https?:\/\//.test(url)) throw new Error(`invalid HTTP source "${url}": the URL must start with http:// or https://`);
  const attrs: Record<string, string> = {};
  if (opts.filename !== undefined && opts.filename !== '') attrs['http.filename'] = opts.filename;
  return sourceState({ identifier: url, attrs, caps: [Caps.sourceHTTP] }, opts);
}
