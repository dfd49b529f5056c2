// The gateway frontend's flow, from Ping to Return (BuildKit starts it from the `#syntax=` image):
// load the Containerfile and .dockerignore from the client's session dirs, build the graph, solve it,
// check the unikernel files exist, and return the image(s) with their config and annotations.
// Every failure the user can hit ends as Return{error}. BuildKit never closes stdin and waits for the
// process: the caller must process.exit() with the returned code as soon as runFrontend resolves.
import type { Readable, Writable } from 'node:stream';
import { buildGraph, type BuildGraph, type ImageResolver, type ResolvedImage } from '../convert/index.js';
import { PunchError, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { google, type moby } from '../gen/pb.js';
import { encodeDefinition } from '../llb/index.js';
import { isOciLayoutRef } from '../oci/reference.js';
import type { ImageConfig } from '../oci/types.js';
import { formatPlatform, hostPlatform, type Platform } from '../platform.js';
import { NamedContextError, buildFileDeclarations, checkArtifacts, parseBuildFile, planSession, type GraphBuilder, type SessionInput } from '../session/index.js';
import { Cap, LLBBridge, MissingCapError, solveBeforePing } from './bridge.js';
import { definitionLogLine, logsDefinitions, logsRss, logsTiming, processMemory, rssLogLine, timingLogLine } from './debug.js';
import { FrontendError, UnsupportedSubrequestError, messageNamingImage } from './errors.js';
import { frontendOptionsFromEnv, type FrontendOptions, type RemoteContextOptions } from './opts.js';
import { remoteContextInputs, stateDefinition } from './remote-context.js';
import { returnResult, type SolvedImage } from './result.js';
import { REQUEST_DESCRIBE, answerSubrequest } from './subrequests/index.js';
import { describeResult } from './subrequests/results.js';
import { localDefinition, toPbDefinition } from './sources.js';
import { locateSolveError } from './step-error.js';
import { GrpcCode } from './grpc-status.js';
import { connectTransport } from './connect.js';
import { GrpcError, joinStreams, type UnaryCaller } from './transport.js';
import { warnOptions, type WarningTarget } from './warnings.js';
import { loadNamedContexts, ociLayoutResolve, requireGitSubdirCap, requireOciLayoutCap } from './named-contexts.js';

export interface FrontendIO {
  /** Bytes from BuildKit (the process's stdin). */
  input: Readable;
  /** Bytes to BuildKit (the process's stdout): nothing else may ever be written there. */
  output: Writable;
  /** Diagnostics for the daemon's log (stderr); users never see these. */
  log: (msg: string) => void;
}

/** Builds one platform's graph (buildGraph; tests stub it). The session around it is shared with the CLI. */
export type BuildFunction = GraphBuilder;

/** Runs one frontend session; resolves to the process exit code. */
export async function runFrontend(env: NodeJS.ProcessEnv, io: FrontendIO, build: BuildFunction = buildGraph): Promise<number> {
  const code = await serve(env, io, build);
  // Last, so that the peak covers the whole session, whatever its outcome.
  if (logsRss(env)) io.log(rssLogLine(processMemory()));
  return code;
}

async function serve(env: NodeJS.ProcessEnv, io: FrontendIO, build: BuildFunction): Promise<number> {
  const ready = performance.now();
  // Options that do not parse are reported through Return, once the session is up (over punch's HTTP/2).
  const opts = optionsOrUndefined(env);
  const transport = connectTransport(opts?.http2 ?? 'punch', joinStreams(io.input, io.output));
  const connecting = LLBBridge.connect(transport, opts ? { solveDefaults: opts.cacheImports } : {});
  // describe needs no input at all.
  // A remote context's inputs depend on what BuildKit fetches (and on its caps): they wait for Ping.
  const early = opts && opts.requestId !== REQUEST_DESCRIBE && !opts.remoteContext ? solveInputsWithPing(transport, opts) : undefined;
  let bridge: LLBBridge;
  let pinged = 0;
  try {
    bridge = await connecting;
    pinged = performance.now();
  } catch (e) {
    io.log(`punch frontend: no answer to Ping from BuildKit: ${errorText(e)}`);
    await transport.close();
    return 1;
  }
  const session = new FrontendSession(bridge, io.log, logsDefinitions(env), early);
  let result: moby.buildkit.v1.frontend.Result.$Properties | undefined;
  let error: google.rpc.Status.$Properties | undefined;
  try {
    result = await session.run(env, build);
  } catch (e) {
    error = await session.failure(e);
  }
  try {
    if (result) await bridge.returnResult(result);
    else await bridge.returnError(error!);
    if (logsTiming(env)) io.log(timingLogLine({ ready, pinged, returned: performance.now() }));
  } catch (e) {
    io.log(`punch frontend: Return failed: ${errorText(e)}`);
    await bridge.close();
    return 1;
  }
  await bridge.close();
  return 0;
}

/** The two input definitions: the Containerfile's directory and the context's .dockerignore. */
function inputDefinitions(opts: FrontendOptions): { containerfile: ReturnType<typeof localDefinition>; contextIgnore: ReturnType<typeof localDefinition> } {
  const { filename, sessionId } = opts;
  const session = sessionId ? { sessionId } : {};
  // Local sources carry no platform, so the bytes do not depend on the one given here.
  const platform = hostPlatform(process.arch);
  return {
    containerfile: localDefinition(
      opts.dockerfileKey,
      {
        ...session,
        followPaths: [filename, `${filename}.dockerignore`],
        sharedKeyHint: opts.dockerfileKey,
        customName: `[internal] load build definition from ${filename}`,
      },
      platform,
    ),
    contextIgnore: localDefinition(
      opts.contextKey,
      {
        ...session,
        followPaths: ['.dockerignore'],
        sharedKeyHint: `${opts.contextKey}-.dockerignore`,
        customName: '[internal] load .dockerignore',
      },
      platform,
    ),
  };
}

function refOf(result: moby.buildkit.v1.frontend.Result.$Properties): string {
  if (result.ref) return result.ref.id ?? '';
  if (result.refDeprecated !== undefined && result.refDeprecated !== null) return result.refDeprecated;
  throw new FrontendError('BuildKit answered Solve without a single result ref; this engine is not supported');
}

/** The build file (its name as diagnostics show it, bytes, vertex for warnings), ignore file and context. */
interface LoadedInputs {
  file: string;
  bytes: Uint8Array;
  ignore: { file: string; bytes: Uint8Array } | undefined;
  digest: string;
  context: SessionInput['context'];
}

interface InputRefs {
  fileRef: string;
  ignoreRef: string;
}

function optionsOrUndefined(env: NodeJS.ProcessEnv): FrontendOptions | undefined {
  try {
    return frontendOptionsFromEnv(env);
  } catch {
    return undefined;
  }
}

/** Sends the input Solves together with Ping (they need no caps), saving a round trip on every build. */
function solveInputsWithPing(transport: UnaryCaller, opts: FrontendOptions): Promise<InputRefs> {
  const defs = inputDefinitions(opts);
  const solve = (d: typeof defs.containerfile): ReturnType<typeof solveBeforePing> => solveBeforePing(transport, d.definition, opts.cacheImports);
  const refs = Promise.all([solve(defs.containerfile), solve(defs.contextIgnore)]).then(([file, ignore]) => ({ fileRef: refOf(file), ignoreRef: refOf(ignore) }));
  // Awaited later (or never, if Ping fails): an early failure must not be an unhandled rejection.
  refs.catch(() => undefined);
  return refs;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class FrontendSession {
  private warningTarget: WarningTarget | undefined;
  private readonly warned = new Set<string>();

  constructor(
    private readonly bridge: LLBBridge,
    private readonly log: (msg: string) => void,
    private readonly logDefinitions = false,
    /** The input Solves already sent with Ping, if any. */
    private readonly early?: Promise<InputRefs>,
  ) {}

  async run(env: NodeJS.ProcessEnv, build: BuildFunction): Promise<moby.buildkit.v1.frontend.Result.$Properties> {
    const opts = frontendOptionsFromEnv(env);
    const caps = this.bridge.caps;
    const defaultPlatform = caps.platforms[0] ?? hostPlatform(process.arch);
    if (opts.requestId === REQUEST_DESCRIBE) return { metadata: describeResult() };
    requireOciLayoutCap(opts.namedContexts, caps.llb);
    requireGitSubdirCap(opts.namedContexts, caps.llb);
    const loaded = await this.loadInputs(opts);
    const file = loaded.file;
    this.warningTarget = { digest: loaded.digest, file, data: loaded.bytes };

    const sessionInput: SessionInput = {
      file,
      bytes: loaded.bytes,
      ...(loaded.ignore ? { ignore: loaded.ignore.bytes, ignoreFile: loaded.ignore.file } : {}),
      buildArgs: opts.buildArgs,
      labels: opts.labels,
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      ...(opts.uruncVersion !== undefined ? { uruncVersion: opts.uruncVersion } : {}),
      platforms: opts.platforms,
      defaultPlatform,
      context: loaded.context,
      run: { ...opts.run, llbCaps: caps.llb },
      resolveImage: this.imageResolver(opts),
      // The initrd ExecOp runs on punch's own image, pinned by digest so its cache key is stable.
      ...(opts.toolsImage !== undefined ? { toolsImage: opts.toolsImage } : {}),
      ...(opts.source !== undefined ? { frontendImage: opts.source } : {}),
      pinToolsImage: true,
      namedContexts: await loadNamedContexts(
        opts.namedContexts,
        opts.sessionId,
        async (definition) => this.readOptional(await this.solveRef(definition), '.dockerignore'),
        () => this.bridge.inputs(),
      ),
      ...(opts.noCache.kind === 'all' ? { noCache: true as const } : opts.noCache.kind === 'stages' ? { noCache: opts.noCache.stages } : {}),
    };
    if (opts.requestId) {
      const parsed = parseBuildFile(loaded.bytes, file);
      const metadata = await answerSubrequest(opts.requestId, {
        file: parsed.file,
        text: parsed.text,
        planner: parsed.planner,
        declarations: buildFileDeclarations(parsed),
        buildArgs: opts.buildArgs,
        labels: opts.labels,
        ...(opts.target !== undefined ? { target: opts.target } : {}),
        targetPlatform: opts.platforms[0] ?? defaultPlatform,
        buildPlatform: defaultPlatform,
        // Lint checks one platform, and never solves.
        check: async () => (await planSession({ ...sessionInput, platforms: opts.platforms.slice(0, 1) }, build)).diagnostics,
      });
      return { metadata };
    }
    const planned = await planSession(sessionInput, build);
    await this.warn(planned.diagnostics);
    const graphs = planned.graphs;

    const multi = graphs.length > 1 || opts.multiPlatform;
    const images = await Promise.all(graphs.map((g) => this.solveImage(g, file, multi)));
    return returnResult(images, { multiPlatform: opts.multiPlatform, annotations: caps.llb.has(Cap.annotations) });
  }

  /** The status for Return.error; warnings carried by a PunchError still reach the user. */
  async failure(e: unknown): Promise<google.rpc.Status.$Properties> {
    if (e instanceof PunchError) {
      await this.warn(e.diagnostics);
      return { code: GrpcCode.UNKNOWN, message: e.message };
    }
    if (e instanceof UnsupportedSubrequestError) return e.toStatus();
    if (e instanceof FrontendError || e instanceof NamedContextError) return { code: GrpcCode.UNKNOWN, message: e.message };
    // A failed Solve (or another engine error) goes back unchanged: its details carry the failing
    // vertex and source location that BuildKit's CLI shows.
    if (e instanceof GrpcError) return e.toStatus();
    this.log(`punch frontend: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return { code: GrpcCode.UNKNOWN, message: `punch: internal error: ${errorText(e)} (please report this)` };
  }

  /** Containerfile and ignore file bytes, read the way the Dockerfile frontend reads them (src/session decodes them). */
  private async loadInputs(opts: FrontendOptions): Promise<LoadedInputs> {
    if (opts.remoteContext) return this.loadRemoteInputs(opts, opts.remoteContext);
    const { filename } = opts;
    const { containerfile, contextIgnore } = inputDefinitions(opts);
    // Solve is lazy and each call is a round trip: both inputs at once, usually already sent with Ping.
    const { fileRef, ignoreRef } = await (this.early ??
      Promise.all([this.solveRef(containerfile.definition), this.solveRef(contextIgnore.definition)]).then(([fileRef, ignoreRef]) => ({ fileRef, ignoreRef })));
    const [data, ownIgnore, ctxIgnore] = await Promise.all([
      this.bridge.readFile(fileRef, filename).catch((e: unknown) => {
        throw new FrontendError(
          `cannot read ${filename} from the build's Containerfile directory (session dir "${opts.dockerfileKey}"): ` +
            `${errorText(e)}; name the file with -f (docker build -f ${filename} .)`,
        );
      }),
      this.readOptional(fileRef, `${filename}.dockerignore`),
      this.readOptional(ignoreRef, '.dockerignore'),
    ]);
    const ignore = ownIgnore ? { file: `${filename}.dockerignore`, bytes: ownIgnore } : ctxIgnore ? { file: '.dockerignore', bytes: ctxIgnore } : undefined;
    const context = { name: opts.contextKey, ...(opts.sessionId ? { sessionId: opts.sessionId } : {}) };
    return { file: filename, bytes: data, ignore, digest: containerfile.digest, context };
  }

  /** The remote context, and the build file from it (or from the local dir `dockerfilekey` names); no ignore file applies. */
  private async loadRemoteInputs(opts: FrontendOptions, remote: RemoteContextOptions): Promise<LoadedInputs> {
    const platform = hostPlatform(process.arch);
    const inputs = await remoteContextInputs(remote, opts.filename, this.bridge, platform, (d) => this.solveRef(d));
    const source = remote.localDockerfile ? inputDefinitions(opts).containerfile : stateDefinition(inputs.buildFileSource, platform);
    const file = remote.localDockerfile ? opts.filename : inputs.filename;
    const where = remote.localDockerfile ? `the build's Containerfile directory (session dir "${opts.dockerfileKey}")` : `the build context ${remote.context.url}`;
    const bytes = await this.bridge.readFile(await this.solveRef(source.definition), file).catch((e: unknown) => {
      throw new FrontendError(`cannot read ${file} from ${where}: ${errorText(e)}; name the file with -f (its path in the context)`);
    });
    return { file, bytes, ignore: undefined, digest: source.digest, context: { remote: inputs.context } };
  }

  /** A file that may be absent (the Dockerfile frontend ignores any error reading ignore files). */
  private async readOptional(ref: string, path: string): Promise<Uint8Array | undefined> {
    try {
      return await this.bridge.readFile(ref, path);
    } catch (e) {
      if (!(e instanceof GrpcError)) throw e;
      return undefined;
    }
  }

  private async solveRef(definition: Parameters<LLBBridge['solve']>[0]['definition'], evaluate = false): Promise<string> {
    return refOf(await this.bridge.solve({ definition, evaluate }));
  }

  private imageResolver(opts: FrontendOptions): ImageResolver {
    const cache = new Map<string, Promise<ResolvedImage>>();
    return (ref, platform) => {
      const key = `${ref} ${formatPlatform(platform)}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = this.resolveImage(ref, platform, opts);
        cache.set(key, hit);
      }
      return hit;
    };
  }

  private async resolveImage(ref: string, platform: Platform, opts: FrontendOptions): Promise<ResolvedImage> {
    const store = ociLayoutResolve(opts.namedContexts, opts.sessionId, ref);
    if (!store && isOciLayoutRef(ref)) {
      throw new FrontendError(`${opts.filename}: ${ref}: oci-layout:// bases are read by punch build only; through BuildKit, push the image to a registry and name it in FROM`);
    }
    const request = store ? { ...store, platform } : { ref, platform, resolveMode: opts.imageResolveMode, logName: `[internal] load metadata for ${ref}` };
    const res = await this.bridge.resolveImageConfig(request).catch((e: unknown) => {
      if (!(e instanceof GrpcError)) throw e;
      // Still the engine's status (code, details), only with a message that names the image.
      const status = e.toStatus();
      const message = messageNamingImage(ref, status.message ?? '');
      throw new GrpcError(status.code ?? e.code, message, google.rpc.Status.encode({ ...status, message }).finish());
    });
    const resolved: ResolvedImage = {};
    if (res.digest) resolved.digest = res.digest;
    if (res.config.length > 0) {
      try {
        resolved.config = JSON.parse(Buffer.from(res.config).toString('utf8')) as ImageConfig;
      } catch (e) {
        throw new FrontendError(`the image config of ${ref} (${formatPlatform(platform)}) is not valid JSON: ${errorText(e)}`);
      }
    }
    return resolved;
  }

  private async solveImage(graph: BuildGraph, file: string, multi: boolean): Promise<SolvedImage> {
    if (this.logDefinitions) this.log(definitionLogLine(formatPlatform(graph.platform), encodeDefinition(graph.definition)));
    const refId = await this.solveRef(toPbDefinition(graph.definition), true).catch((e: unknown) => {
      throw e instanceof GrpcError ? locateSolveError(e, graph.definition) : e;
    });
    const where = multi ? formatPlatform(graph.platform) : '';
    await checkArtifacts(file, graph.artifacts, (path) => this.statArtifact(refId, path), where);
    return { platform: graph.platform, refId, config: graph.config, annotations: graph.annotations };
  }

  /** `'file'` when the result has the path, undefined when BuildKit says it has not. */
  private async statArtifact(refId: string, path: string): Promise<string | undefined> {
    try {
      await this.bridge.statFile(refId, path);
      return 'file';
    } catch (e) {
      if (e instanceof MissingCapError) {
        this.log(`punch frontend: cannot check that ${path} exists: ${e.message}`);
        return 'unchecked';
      }
      if (e instanceof GrpcError && /no such file|not found|does not exist/i.test(e.message)) return undefined;
      throw e;
    }
  }

  /** Sends each warning once: through Warn when the engine has it (v0.10+), else to the log. */
  private async warn(diagnostics: readonly Diagnostic[]): Promise<void> {
    const target = this.warningTarget;
    for (const d of diagnostics) {
      if (d.severity !== 'warning') continue;
      const text = formatDiagnostic(d);
      if (this.warned.has(text)) continue;
      this.warned.add(text);
      let sent = false;
      if (target && target.digest) {
        try {
          sent = await this.bridge.warn(warnOptions(d, target));
        } catch (e) {
          this.log(`punch frontend: Warn failed: ${errorText(e)}`);
        }
      }
      if (!sent) this.log(text);
    }
  }
}
