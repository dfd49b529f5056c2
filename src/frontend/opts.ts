// The frontend's options: BuildKit passes every build opt as BUILDKIT_FRONTEND_OPT_<n>=<key>=<value>
// (n in random order), the session as BUILDKIT_SESSION_ID. Parsed once into a typed value; anything
// punch cannot honour fails here with a message that says so.
import { formatPlatform, isPlatformError, parsePlatform, type Platform } from '../platform.js';
import type { RunEngineOptions } from '../convert/index.js';
import { runEngineOptions } from './run-opts.js';
import { findRelease, unknownReleaseMessage } from '../urunc/releases.js';
import { parseCacheImports, type CacheImportOpts } from './cache-imports.js';
import { HTTP2_SWITCH, parseHttp2Choice, type Http2Choice } from './connect.js';
import { FrontendError } from './errors.js';
import { parseRequestId } from './subrequests/index.js';
import { parseNamedContexts, type NamedContextOpt } from './named-contexts.js';
import { detectRemoteContext, type RemoteContext } from '../convert/index.js';

export type ImageResolveMode = 'default' | 'pull' | 'local';

/** `no-cache`: absent = use the cache; `""` = no cache for any stage; else the named stages. */
export type NoCache = { kind: 'none' } | { kind: 'all' } | { kind: 'stages'; stages: string[] };

export interface FrontendOptions {
  /** The Containerfile's path inside the dockerfile local (`filename`, default `Dockerfile`). */
  filename: string;
  /** Session dir holding the Containerfile (`dockerfilekey`, default `dockerfile`). */
  dockerfileKey: string;
  /** Session dir holding the build context (`contextkey`, default `context`). */
  contextKey: string;
  /**
   * The opt named like the context dir holds a git or http(s) URL: BuildKit fetches the context, and
   * the Containerfile is read from it unless `dockerfilekey` names a local dir (`localDockerfile`).
   */
  remoteContext?: RemoteContextOptions;
  target?: string;
  /** `platform` opt, in the order given, duplicates dropped; empty = the engine's default. */
  platforms: Platform[];
  /** `multi-platform=true`: return a platform map even for one platform. */
  multiPlatform: boolean;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  imageResolveMode: ImageResolveMode;
  noCache: NoCache;
  /** `cache-imports` and `cache-from`: passed on every Solve. */
  cacheImports: CacheImportOpts;
  /** `requestid`: a subrequest (outline, targets, lint, describe) to answer instead of building. */
  requestId?: string;
  /** BUILDKIT_SESSION_ID: the client session whose dirs `local://` sources read. */
  sessionId?: string;
  /** `urunc-version` opt: the urunc release to check against and write for. */
  uruncVersion?: string;
  /** `add-hosts`, `force-network-mode`, `hostname`, `shm-size`, `ulimit`, `cgroup-parent`: applied to every RUN. */
  run: RunEngineOptions;
  /** `context:NAME[::PLATFORM]` opts (`--build-context`): directories and images replacing stages and images. */
  namedContexts: NamedContextOpt[];
  /** `tools-image` opt: the punch image initrd steps run on. */
  toolsImage?: string;
  /** `source` opt: the image BuildKit runs this frontend from (the `#syntax=` line, BUILDKIT_SYNTAX, or gateway.v0's source). */
  source?: string;
  /** Which HTTP/2 carries the gRPC calls (build-arg or env PUNCH_FRONTEND_HTTP2); not a build arg of the file. */
  http2: Http2Choice;
}

export interface RemoteContextOptions {
  context: RemoteContext;
  /** `dockerfilekey` was given: the Containerfile comes from that session dir, not from the remote context. */
  localDockerfile: boolean;
  /** `build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR`: keep `.git` in a git context. */
  keepGitDir: boolean;
  /** `contextsubdir`: only this directory of the remote context is the context. */
  subdir?: string;
}

const OPT_PREFIX = 'BUILDKIT_FRONTEND_OPT_';

// Go's strconv.ParseBool, which the Dockerfile frontend reads BUILDKIT_CONTEXT_KEEP_GIT_DIR with.
const GO_TRUE = ['1', 't', 'T', 'true', 'TRUE', 'True'];

/**
 * The raw opts from the environment, as Go's grpcclient reads them: the var's value is split at the
 * first `=`; without one, the whole value is the key and the value is empty.
 */
export function rawFrontendOpts(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars = Object.keys(env)
    .filter((k) => k.startsWith(OPT_PREFIX))
    // n is random; order by it so a duplicated key resolves the same way every run.
    .sort((a, b) => Number(a.slice(OPT_PREFIX.length)) - Number(b.slice(OPT_PREFIX.length)) || (a < b ? -1 : 1));
  const opts: Record<string, string> = {};
  for (const name of vars) {
    const value = env[name] ?? '';
    const eq = value.indexOf('=');
    if (eq < 0) opts[value] = '';
    else opts[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return opts;
}

function parsePlatforms(value: string): Platform[] {
  const out: Platform[] = [];
  const seen = new Set<string>();
  for (const item of value.split(',')) {
    if (item.trim() === '') continue;
    const p = parsePlatform(item);
    if (isPlatformError(p)) throw new FrontendError(`platform option: ${p.error}`);
    const key = formatPlatform(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function parseResolveMode(value: string | undefined): ImageResolveMode {
  if (value === undefined || value === '' || value === 'default') return 'default';
  if (value === 'pull' || value === 'local') return value;
  throw new FrontendError(`image-resolve-mode option: invalid value "${value}": expected default, pull or local`);
}

function parseNoCache(value: string | undefined): NoCache {
  if (value === undefined) return { kind: 'none' };
  const stages = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return stages.length === 0 ? { kind: 'all' } : { kind: 'stages', stages };
}

function prefixed(opts: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(opts).sort()) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = opts[k]!;
  }
  return out;
}

/**
 * Typed options from raw opts. Ignored on purpose (informational, or about the engine's side of the
 * build): `source`, `cmdline`, `attest:*`, `frontend.caps`.
 */
export function parseFrontendOptions(opts: Record<string, string>, sessionId?: string, http2Env?: string): FrontendOptions {
  const requestId = parseRequestId(opts['requestid']);
  const dockerfileKey = opts['dockerfilekey'] || 'dockerfile';
  const contextKey = opts['contextkey'] || 'context';
  const remoteContext = parseRemoteContext(opts, contextKey);
  const target = opts['target'];
  const buildArgs = prefixed(opts, 'build-arg:');
  const http2 = parseHttp2Choice(buildArgs[HTTP2_SWITCH] ?? http2Env);
  delete buildArgs[HTTP2_SWITCH];
  const result: FrontendOptions = {
    filename: opts['filename'] || 'Dockerfile',
    dockerfileKey,
    contextKey,
    platforms: parsePlatforms(opts['platform'] ?? ''),
    multiPlatform: GO_TRUE.includes(opts['multi-platform'] ?? ''),
    buildArgs,
    labels: prefixed(opts, 'label:'),
    imageResolveMode: parseResolveMode(opts['image-resolve-mode']),
    noCache: parseNoCache(opts['no-cache']),
    cacheImports: parseCacheImports(opts),
    run: runEngineOptions(opts),
    namedContexts: parseNamedContexts(opts),
    http2,
  };
  if (remoteContext) result.remoteContext = remoteContext;
  if (target) result.target = target;
  if (opts['tools-image']) result.toolsImage = opts['tools-image'];
  if (opts['source']) result.source = opts['source'];
  if (requestId) result.requestId = requestId;
  if (sessionId) result.sessionId = sessionId;
  const urunc = opts['urunc-version'];
  if (urunc !== undefined && urunc !== '') {
    if (!findRelease(urunc)) throw new FrontendError(unknownReleaseMessage(urunc, 'option urunc-version'));
    result.uruncVersion = urunc;
  }
  return result;
}

/** The remote context named by the opt named like the context dir (as the Dockerfile frontend reads it). */
function parseRemoteContext(opts: Record<string, string>, contextKey: string): RemoteContextOptions | undefined {
  const value = opts[contextKey];
  if (value === undefined || value === '') return undefined;
  const context = detectRemoteContext(value);
  if (!context) {
    throw new FrontendError(
      `the build context option ${contextKey}=${value} is neither a git URL (https://host/repo.git#ref:dir, git://, git@host:repo) ` +
        'nor an http(s) URL of a tarball or Containerfile: give one of those, or build from a local directory',
    );
  }
  const subdir = opts['contextsubdir'];
  return {
    context,
    localDockerfile: 'dockerfilekey' in opts,
    keepGitDir: GO_TRUE.includes(opts['build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR'] ?? ''),
    ...(subdir !== undefined && subdir !== '' ? { subdir } : {}),
  };
}

/** Options of the running frontend process. */
export function frontendOptionsFromEnv(env: NodeJS.ProcessEnv): FrontendOptions {
  return parseFrontendOptions(rawFrontendOpts(env), env['BUILDKIT_SESSION_ID'] || undefined, env[HTTP2_SWITCH]);
}
