// Typed LLBBridge client: one method per RPC, payloads encoded with the generated protobuf code, and
// the engine's capabilities (from Ping) deciding which optional calls and fields are used at all.
import { fsutil, google, moby, pb } from '../gen/pb.js';
import { normalizePlatform, type Platform } from '../platform.js';
import type { CacheImportOpts } from './cache-imports.js';
import type { UnaryCaller } from './transport.js';

const gw = moby.buildkit.v1.frontend;

/** The enabled capability IDs of one kind (Ping lists disabled caps too, with Enabled=false). */
export class CapSet {
  private readonly ids: ReadonlySet<string>;

  constructor(ids: Iterable<string>) {
    this.ids = new Set(ids);
  }

  static fromPong(caps: readonly moby.buildkit.v1.apicaps.APICap.$Properties[] | null | undefined): CapSet {
    return new CapSet((caps ?? []).filter((c) => c.Enabled && c.ID).map((c) => c.ID!));
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Sorted, for logs and tests. */
  list(): string[] {
    return [...this.ids].sort();
  }
}

export interface BridgeCaps {
  frontend: CapSet;
  llb: CapSet;
  /** Platforms of the first worker, normalised; the first is the engine's default platform. */
  platforms: Platform[];
}

/** Frontend caps Go's gateway client assumes when Ping lists none (very old engines). */
const DEFAULT_FRONTEND_CAPS = ['solve.base', 'solve.inlinereturn', 'resolveimage', 'readfile'];

export const Cap = {
  warnings: 'gateway.warnings',
  solveEvaluate: 'gateway.solve.evaluate',
  evaluate: 'gateway.evaluate',
  inputs: 'frontend.inputs',
  readDir: 'readdir',
  statFile: 'statfile',
  annotations: 'exporter.image.annotations',
} as const;

export function capsFromPong(pong: moby.buildkit.v1.frontend.PongResponse.$Properties): BridgeCaps {
  const frontendList = pong.FrontendAPICaps ?? [];
  const frontend = frontendList.length === 0 ? new CapSet(DEFAULT_FRONTEND_CAPS) : CapSet.fromPong(frontendList);
  const worker = (pong.Workers ?? [])[0];
  const platforms = (worker?.platforms ?? [])
    .filter((p) => p.OS && p.Architecture)
    .map((p) => normalizePlatform(p.Variant ? { os: p.OS!, architecture: p.Architecture!, variant: p.Variant } : { os: p.OS!, architecture: p.Architecture! }));
  return { frontend, llb: CapSet.fromPong(pong.LLBCaps), platforms };
}

export function toPbPlatform(p: Platform): pb.Platform.$Properties {
  return p.variant ? { Architecture: p.architecture, OS: p.os, Variant: p.variant } : { Architecture: p.architecture, OS: p.os };
}

/** Raised when a call's capability is missing, so the caller can fall back instead of calling. */
export class MissingCapError extends Error {
  constructor(readonly cap: string, method: string) {
    super(`BuildKit does not support ${method} (capability ${cap}); update the engine`);
    this.name = 'MissingCapError';
  }
}

export interface SolveOptions {
  definition: pb.Definition.$Properties;
  /** Ask the engine to build now (errors surface at Solve); sent only with cap gateway.solve.evaluate. */
  evaluate?: boolean;
}

/** sourceresolver.ResolverTypeOCILayout (ResolverTypeRegistry is 0, the default). */
const RESOLVER_TYPE_OCI_LAYOUT = 1;

export interface ResolveImageOptions {
  ref: string;
  platform?: Platform;
  resolveMode?: 'default' | 'pull' | 'local';
  /** Progress name; BuildKit shows `resolve image config for <ref>` when empty. */
  logName?: string;
  /** Resolve in the client's OCI store (ResolverType 1, BuildKit's ResolverTypeOCILayout) instead of a registry. */
  ociStore?: { sessionId: string; storeId: string };
}

export interface ResolvedImageConfig {
  digest: string;
  /** Raw image config JSON (may be empty). */
  config: Uint8Array;
}

export interface WarnOptions {
  /** Digest of a vertex in a solved definition the warning is attached to. */
  digest: string;
  level?: number;
  short: string;
  detail?: string[];
  url?: string;
  info?: pb.SourceInfo.$Properties;
  ranges?: pb.Range.$Properties[];
}

/** What every Solve of a session carries, whoever makes it. */
export type SolveDefaults = CacheImportOpts;

const NO_DEFAULTS: SolveDefaults = { imports: [], frontendOpt: {} };

export interface ConnectOptions {
  pingTimeoutMs?: number;
  /** The build's cache imports, sent on every Solve (the engine looks cache up only where named). */
  solveDefaults?: SolveDefaults;
}

export class LLBBridge {
  private constructor(
    private readonly transport: UnaryCaller,
    /** Capabilities from the Ping made by `connect`. */
    readonly caps: BridgeCaps,
    private readonly defaults: SolveDefaults,
  ) {}

  /** Pings (as every frontend must first) and returns a client that knows the engine's caps. */
  static async connect(transport: UnaryCaller, options: ConnectOptions = {}): Promise<LLBBridge> {
    const pong = await ping(transport, options.pingTimeoutMs);
    return new LLBBridge(transport, capsFromPong(pong), options.solveDefaults ?? NO_DEFAULTS);
  }

  /** Ping again (the caps of this client stay those of the first Ping). */
  ping(): Promise<moby.buildkit.v1.frontend.PongResponse> {
    return ping(this.transport);
  }

  async solve(options: SolveOptions): Promise<moby.buildkit.v1.frontend.Result.$Properties> {
    return solveCall(this.transport, options.definition, options.evaluate === true && this.caps.frontend.has(Cap.solveEvaluate), this.defaults);
  }

  async readFile(ref: string, filePath: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    const req: moby.buildkit.v1.frontend.ReadFileRequest.$Properties = { Ref: ref, FilePath: filePath };
    if (range) req.Range = { Offset: range.offset, Length: range.length };
    const res = gw.ReadFileResponse.decode(await this.transport.call('ReadFile', gw.ReadFileRequest.encode(req).finish()));
    return res.Data;
  }

  async readDir(ref: string, dirPath: string, includePattern?: string): Promise<fsutil.types.Stat.$Properties[]> {
    this.require(Cap.readDir, 'ReadDir');
    const req: moby.buildkit.v1.frontend.ReadDirRequest.$Properties = { Ref: ref, DirPath: dirPath };
    if (includePattern) req.IncludePattern = includePattern;
    const res = gw.ReadDirResponse.decode(await this.transport.call('ReadDir', gw.ReadDirRequest.encode(req).finish()));
    return res.entries;
  }

  async statFile(ref: string, path: string): Promise<fsutil.types.Stat.$Properties> {
    this.require(Cap.statFile, 'StatFile');
    const res = gw.StatFileResponse.decode(
      await this.transport.call('StatFile', gw.StatFileRequest.encode({ Ref: ref, Path: path }).finish()),
    );
    return res.stat ?? {};
  }

  async resolveImageConfig(options: ResolveImageOptions): Promise<ResolvedImageConfig> {
    const req: moby.buildkit.v1.frontend.ResolveImageConfigRequest.$Properties = { Ref: options.ref };
    if (options.platform) req.Platform = toPbPlatform(options.platform);
    if (options.resolveMode) req.ResolveMode = options.resolveMode;
    if (options.logName) req.LogName = options.logName;
    if (options.ociStore) {
      req.ResolverType = RESOLVER_TYPE_OCI_LAYOUT;
      req.SessionID = options.ociStore.sessionId;
      req.StoreID = options.ociStore.storeId;
    }
    const res = gw.ResolveImageConfigResponse.decode(
      await this.transport.call('ResolveImageConfig', gw.ResolveImageConfigRequest.encode(req).finish()),
    );
    return { digest: res.Digest, config: res.Config };
  }

  /** Builds a solved ref now. Returns false (no call) when the engine lacks the Evaluate RPC. */
  async evaluate(ref: string): Promise<boolean> {
    if (!this.caps.frontend.has(Cap.evaluate)) return false;
    await this.transport.call('Evaluate', gw.EvaluateRequest.encode({ Ref: ref }).finish());
    return true;
  }

  /** Shows a warning on a vertex. Returns false (no call) when the engine lacks Warn (v0.8). */
  async warn(options: WarnOptions): Promise<boolean> {
    if (!this.caps.frontend.has(Cap.warnings)) return false;
    const req: moby.buildkit.v1.frontend.WarnRequest.$Properties = {
      digest: options.digest,
      level: options.level ?? 1,
      short: Buffer.from(options.short, 'utf8'),
      detail: (options.detail ?? []).map((d) => Buffer.from(d, 'utf8')),
    };
    if (options.url) req.url = options.url;
    if (options.info) req.info = options.info;
    if (options.ranges) req.ranges = options.ranges;
    await this.transport.call('Warn', gw.WarnRequest.encode(req).finish());
    return true;
  }

  async inputs(): Promise<Record<string, pb.Definition.$Properties>> {
    this.require(Cap.inputs, 'Inputs');
    const res = gw.InputsResponse.decode(await this.transport.call('Inputs', gw.InputsRequest.encode({}).finish()));
    return res.Definitions;
  }

  async returnResult(result: moby.buildkit.v1.frontend.Result.$Properties): Promise<void> {
    await this.transport.call('Return', gw.ReturnRequest.encode({ result }).finish());
  }

  async returnError(error: google.rpc.Status.$Properties): Promise<void> {
    await this.transport.call('Return', gw.ReturnRequest.encode({ error }).finish());
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private require(cap: string, method: string): void {
    if (!this.caps.frontend.has(cap)) throw new MissingCapError(cap, method);
  }
}

/** Go's gateway client gives Ping 15 s; an engine that does not answer by then is not there. */
const PING_TIMEOUT_MS = 15_000;

async function solveCall(
  transport: UnaryCaller,
  definition: pb.Definition.$Properties,
  evaluate: boolean,
  defaults: SolveDefaults,
): Promise<moby.buildkit.v1.frontend.Result.$Properties> {
  const req: moby.buildkit.v1.frontend.SolveRequest.$Properties = { Definition: definition, allowResultReturn: true, allowResultArrayRef: true };
  if (Object.keys(defaults.frontendOpt).length > 0) req.FrontendOpt = { ...defaults.frontendOpt };
  if (defaults.imports.length > 0) req.CacheImports = defaults.imports.map((c) => ({ Type: c.type, Attrs: { ...c.attrs } }));
  if (evaluate) req.Evaluate = true;
  const res = gw.SolveResponse.decode(await transport.call('Solve', gw.SolveRequest.encode(req).finish()));
  if (res.result) return res.result;
  // allowResultReturn=false engines answer with a bare ref id.
  return { ref: { id: res.ref } };
}

/**
 * A lazy Solve (no Evaluate) that needs no caps, so it may go out with Ping: the frontend sends its
 * input Solves (local sources, no platform) that way and saves a round trip.
 */
export function solveBeforePing(
  transport: UnaryCaller,
  definition: pb.Definition.$Properties,
  defaults: SolveDefaults = NO_DEFAULTS,
): Promise<moby.buildkit.v1.frontend.Result.$Properties> {
  return solveCall(transport, definition, false, defaults);
}

async function ping(transport: UnaryCaller, timeoutMs = PING_TIMEOUT_MS): Promise<moby.buildkit.v1.frontend.PongResponse> {
  const bytes = await transport.call('Ping', gw.PingRequest.encode({}).finish(), { timeoutMs });
  return gw.PongResponse.decode(bytes);
}
