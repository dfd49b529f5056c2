// Helpers for e2e tests: talk to the private dockerds, the loopback registry and skopeo that
// global-setup.ts started, and read what an image really contains.
//
// Engines: `engines()` lists the running ones (PUNCH_E2E_ENGINES chooses; the primary first), `engine(name)`
// gives one, each with its own docker(), build(), imageInspect(), imageRootfs() and daemonLog().
// The module-level helpers (docker(), dockerBuild(), e2e().dockerHost, ...) act on the *current* engine:
// inside `onEachEngine(...)` the engine of that block, else the primary (Docker 20.10 when it runs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { dockerClientEnv } from './docker-env.js';
import { commandFailed, run, runRaw, type RawRunResult, type RunResult } from './exec.js';
import { applyLayers, type Rootfs } from './rootfs.js';
import { readTar, type TarEntry } from './tar.js';
import type { E2eEnvironment, EngineInfo, EngineName } from './global-setup.js';

export type { RunResult } from './exec.js';
export type { FsNode, Rootfs } from './rootfs.js';
export type { EngineCaps, EngineInfo, EngineName } from './global-setup.js';

export interface CommandOptions {
  readonly cwd?: string;
  readonly input?: string | Buffer;
  /** Extra environment variables on top of the docker client's. */
  readonly env?: Record<string, string>;
  /** Throw (with the command's stderr) when it exits non-zero. Default: false, return the result. */
  readonly check?: boolean;
  readonly timeoutMs?: number;
}

export interface DockerBuildOptions {
  /** Build context folder; the build runs there, so `file` is relative to it. */
  readonly context: string;
  /** Default "Dockerfile". Passed as `-f`, which Docker needs for any other name. */
  readonly file?: string;
  readonly tag: string;
  readonly buildArgs?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly target?: string;
  readonly noCache?: boolean;
  readonly platform?: string;
  /** More arguments before the context, e.g. `['--output', 'type=oci,dest=x.tar']` (buildx). */
  readonly extraArgs?: readonly string[];
  readonly check?: boolean;
  /** Kill the client (SIGKILL, code -1) after this long. Default: 10 minutes. */
  readonly timeoutMs?: number;
}

/** One running engine and the commands tests run against it. */
export interface Engine {
  readonly name: EngineName;
  readonly info: EngineInfo;
  /** Environment for any docker client process a test starts itself (e.g. the punch CLI). */
  env(): NodeJS.ProcessEnv;
  /** Runs this engine's docker client against its daemon, with BuildKit on. */
  docker(args: readonly string[], opts?: CommandOptions): Promise<RunResult>;
  /** Like docker(), stdout as bytes (docker save, buildx --output -). */
  dockerRaw(args: readonly string[], opts?: CommandOptions): Promise<RawRunResult>;
  /** `docker build --progress=plain` (through buildx where the engine has it); the log is in stderr. */
  build(o: DockerBuildOptions): Promise<RunResult>;
  imageInspect(tag: string): Promise<ImageInspect>;
  /** The image's filesystem, from `docker save`: its layers applied in order, whiteouts honoured. */
  imageRootfs(tag: string): Promise<Rootfs>;
  /** The dockerd's log so far; gateway frontends' stderr is only visible here. */
  daemonLog(): string;
  dockerdPid(): number;
}

const made = new Map<EngineName, Engine>();
let selected: EngineName | undefined;

function env0(): E2eEnvironment {
  return inject('e2e');
}

/** The running engines, the primary first. */
export function engines(): Engine[] {
  const env = env0();
  const names = Object.keys(env.engines) as EngineName[];
  return [env.primary, ...names.filter((n) => n !== env.primary)].map(engine);
}

export function hasEngine(name: EngineName): boolean {
  return env0().engines[name] !== undefined;
}

/** The named engine; throws when this run did not start it (see PUNCH_E2E_ENGINES). */
export function engine(name: EngineName): Engine {
  let e = made.get(name);
  if (!e) {
    const info = env0().engines[name];
    if (!info) throw new Error(`engine ${name} is not running in this e2e run (PUNCH_E2E_ENGINES=${process.env['PUNCH_E2E_ENGINES'] ?? ''})`);
    e = makeEngine(info);
    made.set(name, e);
  }
  return e;
}

/** The engine module-level helpers act on: the one of the enclosing onEachEngine block, else the primary. */
export function currentEngine(): Engine {
  return engine(selected ?? env0().primary);
}

/**
 * Declares `body`'s tests once per running engine (those `filter` keeps), each in a `describe('on
 * <name>')` whose tests and hooks see that engine as the current one.
 */
export function onEachEngine(body: (engine: Engine) => void, filter: (engine: Engine) => boolean = () => true): void {
  for (const e of engines().filter(filter)) {
    describe(`on ${e.name}`, () => {
      beforeAll(() => {
        selected = e.name;
      });
      afterAll(() => {
        selected = undefined;
      });
      body(e);
    });
  }
}

/** The setup's environment, with dockerHost, dockerConfig and dockerdLog of the current engine. */
export function e2e(): E2eEnvironment {
  const env = env0();
  const info = currentEngine().info;
  return { ...env, dockerHost: info.dockerHost, dockerConfig: info.dockerConfig, dockerdLog: info.dockerdLog };
}

function makeEngine(info: EngineInfo): Engine {
  const env = (): NodeJS.ProcessEnv => dockerClientEnv(info.dockerHost, info.dockerConfig);
  const docker = async (args: readonly string[], opts: CommandOptions = {}): Promise<RunResult> => {
    const r = await run(info.dockerCli, args, { cwd: opts.cwd, input: opts.input, env: { ...env(), ...opts.env }, timeoutMs: opts.timeoutMs });
    if (opts.check && r.code !== 0) throw commandFailed(`docker (${info.name}) failed`, info.dockerCli, args, r);
    return r;
  };
  const dockerRaw = async (args: readonly string[], opts: CommandOptions = {}): Promise<RawRunResult> => {
    const r = await runRaw(info.dockerCli, args, { cwd: opts.cwd, input: opts.input, env: { ...env(), ...opts.env }, timeoutMs: opts.timeoutMs });
    if (opts.check && r.code !== 0) throw commandFailed(`docker (${info.name}) failed`, info.dockerCli, args, { ...r, stdout: '' });
    return r;
  };
  return {
    name: info.name,
    info,
    env,
    docker,
    dockerRaw,
    build: (o) => docker(buildArgs(o), { cwd: o.context, check: o.check, timeoutMs: o.timeoutMs ?? 10 * 60_000 }),
    imageInspect: async (tag) => parseInspect(tag, (await docker(['image', 'inspect', tag], { check: true })).stdout),
    imageRootfs: async (tag) => rootfsFromSave((await dockerRaw(['save', tag], { check: true, timeoutMs: 5 * 60_000 })).stdout),
    daemonLog: () => readFileSync(info.dockerdLog, 'utf8'),
    dockerdPid: () => Number(readFileSync(info.dockerdPidFile, 'utf8').trim()),
  };
}

function buildArgs(o: DockerBuildOptions): string[] {
  const args = ['build', '--progress=plain', '-f', o.file ?? 'Dockerfile', '-t', o.tag];
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (o.target !== undefined) args.push('--target', o.target);
  if (o.noCache) args.push('--no-cache');
  if (o.platform !== undefined) args.push('--platform', o.platform);
  args.push(...(o.extraArgs ?? []), '.');
  return args;
}

/** Environment for any docker client process a test starts itself, for the current engine. */
export function dockerEnv(): NodeJS.ProcessEnv {
  return currentEngine().env();
}

/** Runs the current engine's docker client against its daemon, with BuildKit on. */
export function docker(args: readonly string[], opts: CommandOptions = {}): Promise<RunResult> {
  return currentEngine().docker(args, opts);
}

/** `docker build --progress=plain` on the current engine; the build log is in `stderr`. */
export function dockerBuild(o: DockerBuildOptions): Promise<RunResult> {
  return currentEngine().build(o);
}

export interface ImageInspect {
  readonly Id: string;
  readonly Os: string;
  readonly Architecture: string;
  readonly Variant?: string;
  readonly Size: number;
  readonly Config: {
    readonly Labels: Record<string, string>;
    readonly Entrypoint: string[] | null;
    readonly Cmd: string[] | null;
    readonly Env: string[];
    readonly WorkingDir: string;
    readonly User: string;
  };
}

/** The image's config as the current engine stores it; absent labels/env come back as {} / []. */
export function imageInspect(tag: string): Promise<ImageInspect> {
  return currentEngine().imageInspect(tag);
}

/** The image's filesystem on the current engine, from `docker save`. */
export function imageRootfs(tag: string): Promise<Rootfs> {
  return currentEngine().imageRootfs(tag);
}

function parseInspect(tag: string, stdout: string): ImageInspect {
  const [raw] = JSON.parse(stdout) as Array<{
    Id: string; Os: string; Architecture: string; Variant?: string; Size: number;
    Config: { Labels?: Record<string, string> | null; Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string } | null;
  }>;
  if (!raw) throw new Error(`docker image inspect ${tag}: no image`);
  const c = raw.Config ?? {};
  return {
    Id: raw.Id,
    Os: raw.Os,
    Architecture: raw.Architecture,
    ...(raw.Variant ? { Variant: raw.Variant } : {}),
    Size: raw.Size,
    Config: {
      Labels: c.Labels ?? {},
      Entrypoint: c.Entrypoint ?? null,
      Cmd: c.Cmd ?? null,
      Env: c.Env ?? [],
      WorkingDir: c.WorkingDir ?? '',
      User: c.User ?? '',
    },
  };
}

/** Pure part of imageRootfs: a `docker save` archive (legacy or OCI-layout flavoured) to a Rootfs. */
export function rootfsFromSave(archive: Buffer): Rootfs {
  const files = new Map<string, TarEntry>(readTar(archive).map((e) => [e.path, e]));
  const manifestEntry = files.get('manifest.json');
  if (!manifestEntry) throw new Error('docker save output has no manifest.json');
  const manifest = JSON.parse(manifestEntry.content.toString('utf8')) as Array<{ Layers: string[] }>;
  if (manifest.length !== 1 || !manifest[0]) throw new Error(`docker save output has ${manifest.length} images; expected 1`);
  const layers = manifest[0].Layers.map((p) => readTar(layerBytes(files, p)));
  return applyLayers(layers);
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

function layerBytes(files: Map<string, TarEntry>, path: string): Buffer {
  let entry = files.get(path);
  // docker save may store a repeated layer as a symlink to its first copy.
  for (let hops = 0; entry?.type === 'symlink' && hops < 8; hops++) {
    entry = files.get(posix.normalize(posix.join(posix.dirname(path), entry.linkname)));
  }
  if (entry?.type !== 'file') throw new Error(`docker save output: layer ${path} not found`);
  const data = entry.content;
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
  // zstd (a compression=zstd image saved from the containerd store): Node 20's zlib has no zstd.
  if (data.subarray(0, 4).equals(ZSTD_MAGIC)) return execFileSync('zstd', ['-q', '-dc'], { input: data, maxBuffer: 1 << 30 });
  return data;
}

/** `127.0.0.1:<port>` of the loopback registry. */
export function registryHost(): string {
  return e2e().registry;
}

/** Base URL of the registry's HTTP API, e.g. `http://127.0.0.1:5000`. */
export function registryUrl(): string {
  return `http://${registryHost()}`;
}

/** Tags a local image as `<registry>/<name>` and pushes it; returns that reference. */
export async function pushToRegistry(localRef: string, name: string): Promise<string> {
  const ref = `${registryHost()}/${name}`;
  await docker(['tag', localRef, ref], { check: true });
  await docker(['push', ref], { check: true, timeoutMs: 5 * 60_000 });
  return ref;
}

/** Runs /usr/bin/skopeo (registry calls need `--tls-verify=false` for the loopback registry). */
export async function skopeo(args: readonly string[], opts: Omit<CommandOptions, 'input'> = {}): Promise<RunResult> {
  const r = await run('/usr/bin/skopeo', args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 5 * 60_000 });
  if (opts.check && r.code !== 0) throw commandFailed('skopeo failed', '/usr/bin/skopeo', args, r);
  return r;
}

/** Writes files (paths relative, "/"-separated) into a fresh folder under the scratch dir; returns it. */
export function makeContext(files: Record<string, string | Buffer>): string {
  const { scratchDir } = e2e();
  mkdirSync(scratchDir, { recursive: true });
  const dir = mkdtempSync(join(scratchDir, 'ctx-'));
  for (const [path, content] of Object.entries(files)) {
    const dest = join(dir, path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, content);
  }
  return dir;
}

/** The current engine's dockerd pid. */
export function dockerdPid(): number {
  return currentEngine().dockerdPid();
}

/** The current engine's dockerd log; gateway frontends' stderr is only visible here. */
export function daemonLog(): string {
  return currentEngine().daemonLog();
}
