// Helpers for e2e tests: talk to the private dockerd, the loopback registry and skopeo that
// global-setup.ts started, and read what an image really contains.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inject } from 'vitest';
import { dockerClientEnv, DOCKER_CLI } from './docker-env.js';
import { commandFailed, run, runRaw, type RunResult } from './exec.js';
import { applyLayers, type Rootfs } from './rootfs.js';
import { readTar, type TarEntry } from './tar.js';
import type { E2eEnvironment } from './global-setup.js';

export type { RunResult } from './exec.js';
export type { FsNode, Rootfs } from './rootfs.js';

export interface CommandOptions {
  readonly cwd?: string;
  readonly input?: string | Buffer;
  /** Extra environment variables on top of the docker client's. */
  readonly env?: Record<string, string>;
  /** Throw (with the command's stderr) when it exits non-zero. Default: false, return the result. */
  readonly check?: boolean;
  readonly timeoutMs?: number;
}

export function e2e(): E2eEnvironment {
  return inject('e2e');
}

/** Environment for any docker client process a test starts itself (e.g. the punch CLI). */
export function dockerEnv(): NodeJS.ProcessEnv {
  const { dockerHost, dockerConfig } = e2e();
  return dockerClientEnv(dockerHost, dockerConfig);
}

/** Runs Debian's /usr/bin/docker against the private daemon, with BuildKit on. */
export async function docker(args: readonly string[], opts: CommandOptions = {}): Promise<RunResult> {
  const r = await run(DOCKER_CLI, args, {
    cwd: opts.cwd,
    input: opts.input,
    env: { ...dockerEnv(), ...opts.env },
    timeoutMs: opts.timeoutMs,
  });
  if (opts.check && r.code !== 0) throw commandFailed('docker failed', DOCKER_CLI, args, r);
  return r;
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
  readonly check?: boolean;
  /** Kill the client (SIGKILL, code -1) after this long. Default: 10 minutes. */
  readonly timeoutMs?: number;
}

/** `docker build --progress=plain`; the build log is in `stderr`. */
export function dockerBuild(o: DockerBuildOptions): Promise<RunResult> {
  const args = ['build', '--progress=plain', '-f', o.file ?? 'Dockerfile', '-t', o.tag];
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (o.target !== undefined) args.push('--target', o.target);
  if (o.noCache) args.push('--no-cache');
  if (o.platform !== undefined) args.push('--platform', o.platform);
  args.push('.');
  return docker(args, { cwd: o.context, check: o.check, timeoutMs: o.timeoutMs ?? 10 * 60_000 });
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

/** The image's config as Docker stores it; absent labels/env come back as {} / []. */
export async function imageInspect(tag: string): Promise<ImageInspect> {
  const r = await docker(['image', 'inspect', tag], { check: true });
  const [raw] = JSON.parse(r.stdout) as Array<{
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

/** The image's filesystem, from `docker save`: its layers applied in order, whiteouts honoured. */
export async function imageRootfs(tag: string): Promise<Rootfs> {
  const r = await runRaw(DOCKER_CLI, ['save', tag], { env: dockerEnv(), timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw commandFailed('docker save failed', DOCKER_CLI, ['save', tag], r);
  return rootfsFromSave(r.stdout);
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

function layerBytes(files: Map<string, TarEntry>, path: string): Buffer {
  let entry = files.get(path);
  // docker save may store a repeated layer as a symlink to its first copy.
  for (let hops = 0; entry?.type === 'symlink' && hops < 8; hops++) {
    entry = files.get(posix.normalize(posix.join(posix.dirname(path), entry.linkname)));
  }
  if (entry?.type !== 'file') throw new Error(`docker save output: layer ${path} not found`);
  const data = entry.content;
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
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

/** The private dockerd's pid, from the pidfile next to its socket (global-setup.ts puts both in its state dir). */
export function dockerdPid(): number {
  const socket = e2e().dockerHost.replace(/^unix:\/\//, '');
  return Number(readFileSync(join(dirname(socket), 'dockerd.pid'), 'utf8').trim());
}

/** The private dockerd's log; gateway frontends' stderr is only visible here. */
export function daemonLog(): string {
  return readFileSync(e2e().dockerdLog, 'utf8');
}
