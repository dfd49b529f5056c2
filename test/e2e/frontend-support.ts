// Helpers for e2e tests of the punch gateway frontend: build contexts that select it with `#syntax=`,
// builds that also return what the frontend logged, exact expected filesystems, /urunc.json, a
// Unikraft-style multi-platform index in the loopback registry, and the frontend's solved Definition.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LOG_DEFINITION_ENV, LOG_RSS_ENV, loggedDefinitions } from '../../src/frontend/debug.js';
import { commandFailed, runRaw } from './exec.js';
import { currentEngine, daemonLog, docker, dockerBuild, e2e, makeContext, skopeo, type DockerBuildOptions, type FsNode, type Rootfs, type RunResult } from './engine.js';

export const URUNC = 'com.urunc.unikernel.';

/** `#syntax=` line that selects the punch frontend image under test (or `image`). */
export function syntaxLine(image = e2e().frontendImage): string {
  return `#syntax=${image}\n`;
}

/** A context whose `Containerfile` starts with the punch `#syntax=` line, plus `files`. */
export function punchContext(containerfile: string, files: Record<string, string | Buffer> = {}): string {
  return makeContext({ Containerfile: syntaxLine() + containerfile, ...files });
}

/** A copy of examples/<name> whose build file's `#syntax=` line names the frontend under test (or `image`). */
export function exampleContext(name: string, image?: string, buildFile = 'Containerfile'): string {
  const dir = makeContext({});
  cpSync(join(e2e().repoRoot, 'examples', name), dir, { recursive: true });
  const file = join(dir, buildFile);
  const text = readFileSync(file, 'utf8');
  if (!text.startsWith('#syntax=')) throw new Error(`examples/${name}/${buildFile} does not start with #syntax=`);
  writeFileSync(file, syntaxLine(image) + text.slice(text.indexOf('\n') + 1));
  return dir;
}

export interface PunchBuild extends RunResult {
  /** What the daemon logged during the build: the frontend's stderr is there. */
  readonly daemonLog: string;
}

export type PunchBuildOptions = Omit<DockerBuildOptions, 'file' | 'check'> & { readonly file?: string };

/** `docker build` (file `Containerfile` unless given), with the daemon's log lines of this build. */
export async function punchBuild(o: PunchBuildOptions): Promise<PunchBuild> {
  const before = daemonLog().length;
  const r = await dockerBuild({ file: 'Containerfile', ...o });
  return { ...r, daemonLog: daemonLog().slice(before) };
}

/** Like punchBuild, but a failed build throws with its output and the frontend's log. */
export async function punchBuildOk(o: PunchBuildOptions): Promise<PunchBuild> {
  const r = await punchBuild(o);
  if (r.code !== 0) {
    throw new Error(`docker build of ${o.context} failed (${r.code}):\n${r.stderr.slice(-4000)}\n--- daemon log ---\n${frontendLines(r.daemonLog)}`);
  }
  return r;
}

/**
 * The daemon log without dockerd's own lines (`time=...`, and Go's `2006/01/02 15:04:05 ...` log
 * lines, such as Docker 26's http2 server noise): what the frontend wrote.
 */
export function frontendLines(log: string): string {
  return log
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('time=') && !/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /.test(l))
    .join('\n');
}

/**
 * The last line `docker build` prints for an error the frontend (or BuildKit under it) returned:
 * BuildKit v0.8 wraps the message in both frontends' names and the gRPC status; buildx prints it
 * after `ERROR: failed to solve: `.
 */
export function solveError(message: string): string {
  const prefix = currentEngine().info.buildx
    ? 'ERROR: failed to solve: '
    : 'failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: rpc error: code = Unknown desc = ';
  return prefix + message;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** BuildKit's error for a COPY source missing from the context (`path` absolute), as solveError prints it. */
export function missingSourceError(path: string): RegExp {
  const quoted = escapeRegExp(JSON.stringify(path));
  const message = currentEngine().info.buildx
    ? `failed to compute cache key: failed to calculate checksum of ref \\S+: ${quoted}: not found`
    : `failed to compute cache key: ${quoted} not found: not found`;
  return new RegExp(`^${escapeRegExp(solveError(''))}${message}$`);
}

/** The error `docker build` printed last (its last non-empty line). */
export function buildError(r: RunResult): string {
  return buildErrorLines(r, 1)[0] ?? '';
}

/**
 * The last `n` lines `docker build` printed. buildx words the same failure `failed to run Build
 * function: ` instead of `failed to solve: ` when BuildKit ends the build job before the frontend's
 * Return arrives (seen with both cores busy); the wording is BuildKit's race, not punch's, so it
 * reads here as `failed to solve: `.
 */
export function buildErrorLines(r: RunResult, n: number): string[] {
  return r.stderr
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => l.replace(/^ERROR: failed to run Build function: /, 'ERROR: failed to solve: '));
}

/** The sizes of every `transferring context: <n>B` the plain progress output reports, in bytes. */
export function contextTransfers(r: RunResult): number[] {
  const units: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
  const out: number[] = [];
  for (const m of r.stderr.matchAll(/transferring context: ([0-9.]+)([kKMG]i?B|B)/g)) out.push(Number(m[1]) * units[m[2]!]!);
  return out;
}

// --- expected filesystems ----------------------------------------------------------------------------

export type Tree = Record<string, FsNode>;

export function fileNode(content: string | Buffer, mode = 0o644, uid = 0, gid = 0): FsNode {
  return { type: 'file', mode, uid, gid, content: Buffer.from(content) };
}

export function dirNode(mode = 0o755, uid = 0, gid = 0): FsNode {
  return { type: 'dir', mode, uid, gid };
}

function sortedTree(entries: [string, FsNode][]): Tree {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The image filesystem as a plain object, for one exact `toEqual`. */
export function tree(fs: Rootfs): Tree {
  return sortedTree([...fs.entries()]);
}

/** An expected filesystem: the given nodes plus their parent folders (root-owned, 0755) unless listed. */
export function expectTree(nodes: Tree): Tree {
  const out: Tree = {};
  for (const path of Object.keys(nodes)) {
    const parts = path.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) out[`/${parts.slice(0, i).join('/')}`] ??= dirNode();
  }
  return sortedTree(Object.entries({ ...out, ...nodes }));
}

/** A file of the repository's examples folder, as the image should hold it. */
export function exampleFile(example: string, path: string): FsNode {
  return fileNode(readFileSync(join(e2e().repoRoot, 'examples', example, path)));
}

/** The com.urunc.unikernel.* entries of a label set. */
export function uruncLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith(URUNC)));
}

/** /urunc.json as urunc reads it: the JSON object with every value base64-decoded. */
export function decodeUruncJson(fs: Rootfs): Record<string, string> {
  const node = fs.get('/urunc.json');
  if (node?.type !== 'file') throw new Error('the image has no /urunc.json file');
  const raw = JSON.parse(node.content.toString('utf8')) as Record<string, string>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The /urunc.json node punch must write for these urunc values: one line, keys sorted, std base64. */
export function uruncJsonNode(values: Record<string, string>): FsNode {
  const body = Object.keys(values)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(Buffer.from(values[k]!).toString('base64'))}`);
  return fileNode(`{${body.join(',')}}`);
}

// --- the frontend's Definition -------------------------------------------------------------------------

const derivedImages = new Map<string, Promise<string>>();

/**
 * The frontend image with `env` added to its Env, pushed as `<registry>/punch-e2e/punch:<name>`: how
 * tests turn on the frontend's opt-in debug hooks. Built once per name and served by the loopback
 * registry, so every engine can run it as a `#syntax=` image, whichever engine built it.
 */
export function frontendWithEnv(name: string, env: Record<string, string>): Promise<string> {
  let image = derivedImages.get(name);
  if (!image) {
    image = (async () => {
      const tag = `${e2e().registry}/punch-e2e/punch:${name}`;
      const lines = Object.entries(env).map(([k, v]) => `ENV ${k}=${v}\n`);
      const context = makeContext({ Dockerfile: `FROM ${e2e().frontendImage}\n${lines.join('')}` });
      await dockerBuild({ context, tag, check: true });
      await docker(['push', tag], { check: true, timeoutMs: 5 * 60_000 });
      return tag;
    })();
    derivedImages.set(name, image);
  }
  return image;
}

/** The frontend with PUNCH_FRONTEND_LOG_DEFINITION=1: it logs each image Definition it solves. */
export function definitionLoggingFrontend(): Promise<string> {
  return frontendWithEnv('log-definition', { [LOG_DEFINITION_ENV]: '1' });
}

/** The frontend with PUNCH_FRONTEND_LOG_RSS=1: each run logs its memory as its last act. */
export function rssLoggingFrontend(): Promise<string> {
  return frontendWithEnv('log-rss', { [LOG_RSS_ENV]: '1' });
}

/** The single image Definition the frontend logged during a build. */
export function solvedDefinition(r: PunchBuild): Buffer {
  const defs = loggedDefinitions(r.daemonLog);
  if (defs.length !== 1) throw new Error(`expected one logged Definition, found ${defs.length}:\n${frontendLines(r.daemonLog)}`);
  return defs[0]!.definition;
}

/** `node dist/punch.cjs <args>` in `cwd`: its stdout bytes; throws on a non-zero exit. */
export async function punchStdout(args: readonly string[], cwd: string): Promise<Buffer> {
  const bundle = join(e2e().repoRoot, 'dist', 'punch.cjs');
  const r = await runRaw(process.execPath, [bundle, ...args], { cwd });
  if (r.code !== 0) throw commandFailed('punch failed', 'punch', args, { ...r, stdout: '' });
  return r.stdout;
}

// --- images in the loopback registry ---------------------------------------------------------------------

export interface UnikraftIndexPlatform {
  /** The machine type kraftkit puts in the platform's os: qemu, fc, xen. */
  readonly os: string;
  readonly kernel: string;
  readonly initrd: string;
}

export interface PublishedIndex {
  readonly ref: string;
  /** Digest of the pushed index. */
  readonly digest: string;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A tar of /unikraft/bin/{kernel,initrd}: root-owned, folders 0755, files 0644, made by GNU tar. */
async function unikraftLayer(p: UnikraftIndexPlatform): Promise<Buffer> {
  const dir = mkdtempSync(join(e2e().scratchDir, 'layer-'));
  mkdirSync(join(dir, 'unikraft', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'unikraft', 'bin', 'kernel'), p.kernel);
  writeFileSync(join(dir, 'unikraft', 'bin', 'initrd'), p.initrd);
  const args = ['-C', dir, '--numeric-owner', '--owner=0', '--group=0', '--mode=u=rwX,go=rX', '--mtime=@0', '--sort=name', '-cf', '-', 'unikraft'];
  const r = await runRaw('tar', args);
  if (r.code !== 0) throw commandFailed('tar failed', 'tar', args, { ...r, stdout: '' });
  return r.stdout;
}

/**
 * Publishes, as `<registry>/<name>`, an OCI index like kraftkit's: one manifest per machine type with
 * platform `{os: <machine>, architecture: "x86_64"}`, each with a layer holding /unikraft/bin/kernel
 * and /unikraft/bin/initrd, and a config with `env` and `labels`. Goes through an OCI layout and
 * `skopeo copy --all`, keeping the digests.
 */
export async function publishUnikraftIndex(
  name: string,
  platforms: readonly UnikraftIndexPlatform[],
  config: { env: string[]; labels: Record<string, string> },
): Promise<PublishedIndex> {
  const layout = mkdtempSync(join(e2e().scratchDir, 'oci-'));
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer, mediaType: string, extra: Record<string, unknown> = {}) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
    return { mediaType, digest, size: data.length, ...extra };
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const manifests = [];
  for (const p of platforms) {
    const tar = await unikraftLayer(p);
    const layer = put(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
    const cfg = put(
      json({
        architecture: 'amd64',
        os: p.os,
        config: { Env: config.env, Labels: config.labels },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [{ created_by: `kraft pkg --plat ${p.os}` }],
      }),
      'application/vnd.oci.image.config.v1+json',
    );
    manifests.push(
      put(
        json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cfg, layers: [layer] }),
        'application/vnd.oci.image.manifest.v1+json',
        { platform: { os: p.os, architecture: 'x86_64' } },
      ),
    );
  }
  const tag = name.slice(name.lastIndexOf(':') + 1);
  const index = put(
    json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    'application/vnd.oci.image.index.v1+json',
    { annotations: { 'org.opencontainers.image.ref.name': tag } },
  );
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [index] }));
  const ref = `${e2e().registry}/${name}`;
  await skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${ref}`], { check: true });
  return { ref, digest: index.digest };
}

/** Builds `dockerfile` with Docker's own frontend, pushes it as `<registry>/<name>` and drops the local copy. */
export async function publishImage(name: string, dockerfile: string, files: Record<string, string>): Promise<string> {
  const context = makeContext({ Dockerfile: dockerfile, ...files });
  const ref = `${e2e().registry}/${name}`;
  await dockerBuild({ context, tag: ref, check: true });
  await docker(['push', ref], { check: true });
  // Out of the local store, so that the punch build must resolve and pull it from the registry.
  await docker(['image', 'rm', ref], { check: true });
  return ref;
}
