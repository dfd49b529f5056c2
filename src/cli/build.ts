// `punch build`: run the graph `punch llb` prints in-process and write an OCI image. No daemon.
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportImage, executeDefinition, FileOpError, listRootfs, type BaseImage, type PlatformImage } from '../engine/index.js';
import { diagnostic, PunchError } from '../diagnostics.js';
import { buildGraph, missingArtifactMessage, URUNC_JSON_PATH } from '../convert/index.js';
import type { ResolvedImage } from '../convert/api.js';
import { encodeDefinition } from '../llb/index.js';
import { isOciLayoutRef } from '../oci/reference.js';
import { formatPlatform, type Platform } from '../platform.js';
import type { RegistryClient, RegistryOptions } from '../registry/index.js';
import { locateStepFailure } from './build-errors.js';
import { localBuildInput } from './inputs.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';
import { commonOptions, localArgs, parseCommand, platforms } from './options.js';
import { defaultOutput, parseOutputSpec, type OutputSpec } from './output-spec.js';
import { createProgress, type ProgressMode } from './progress.js';

export const buildHelp = `Usage: punch build [-f FILE] [CONTEXT] -t NAME[:TAG] [--output SPEC] [options]
Builds the image in-process (no daemon) and writes it as OCI, with every annotation kept.
  -t, --tag NAME[:TAG]   image name (index ref.name, docker RepoTags, registry target)
  -o, --output SPEC      type=oci,dest=x.tar (default: NAME.tar) | type=oci-layout,dest=DIR
                         | type=docker,dest=x.tar (for docker load) | type=registry[,name=REF]
  --platform P[,P...]    several platforms give an index
  --urunc VERSION        the urunc release to check against and write for (default: the newest)
  --build-arg K=V  --label K=V  --target STAGE  --progress auto|plain|tty|quiet
Environment: SOURCE_DATE_EPOCH (reproducible timestamps), PUNCH_CACHE_DIR (base image blobs).`;

/** Base image blobs are cached by digest here, shared across builds. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.PUNCH_CACHE_DIR) return env.PUNCH_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'punch');
}

export function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new UsageError(`SOURCE_DATE_EPOCH=${v}: expected whole seconds since 1970`);
  return Number(v);
}

/** `oci-layout://dir[:tag]` with a relative dir is read relative to the build context, like COPY. */
export function layoutRefInContext(ref: string, contextDir: string): string {
  if (!isOciLayoutRef(ref)) return ref;
  const rest = ref.slice('oci-layout://'.length);
  return rest.startsWith('/') ? ref : `oci-layout://${resolve(contextDir, rest)}`;
}

/**
 * The registry client, created on first use: it brings node:crypto, streams and fetch with it, which
 * a FROM scratch build written to a file never needs (they would be a sixth of its run time).
 */
function lazyRegistry(opts: () => RegistryOptions): () => Promise<RegistryClient> {
  let client: Promise<RegistryClient> | undefined;
  return () => (client ??= import('../registry/index.js').then((m) => m.createRegistryClient(opts())));
}

function imageProvider(registry: () => Promise<RegistryClient>, contextDir: string): (ref: string, platform: Platform) => Promise<BaseImage> {
  return async (ref, platform) => {
    const pulled = await (await registry()).pull(layoutRefInContext(ref, contextDir), platform);
    return {
      config: pulled.config,
      layers: pulled.layers.map((l) => ({ path: l.path, mediaType: l.mediaType, digest: l.digest, diffID: l.diffId, size: l.size })),
    };
  };
}

export async function runBuild(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    ...commonOptions,
    tag: { type: 'string', short: 't' },
    output: { type: 'string', short: 'o' },
    progress: { type: 'string', default: 'auto' },
  });
  if (values.help) {
    await io.write(`${buildHelp}\n`);
    return 0;
  }
  if (!['auto', 'plain', 'tty', 'quiet'].includes(values.progress)) throw new UsageError(`--progress ${values.progress}: expected auto, plain, tty or quiet`);
  const tag = values.tag;
  let output: OutputSpec;
  if (values.output !== undefined) output = parseOutputSpec(values.output);
  else if (tag !== undefined) output = defaultOutput(tag);
  else throw new UsageError('name the image with -t NAME[:TAG], or say where it goes with --output type=oci,dest=FILE');
  const pushName = output.type === 'registry' ? (output.name ?? tag) : undefined;
  if (output.type === 'registry' && pushName === undefined) throw new UsageError('type=registry needs -t NAME or name=REF');
  const epoch = sourceDateEpoch(io.env);

  const progress = createProgress(values.progress as ProgressMode, io.stderrIsTTY, (text) => io.stderr.write(text), Date.now);
  const say = (text: string): void => progress.step(text);
  const registry = lazyRegistry(() => ({ cacheDir: cacheDir(io.env), log: say }));
  const plats = platforms(values.platform);
  const targets: Array<Platform | undefined> = plats.length > 0 ? plats : [undefined];

  // Ctrl-C or a kill aborts the work and lets the writers remove what they staged.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    io.stderr.write(`punch: ${sig}: stopping, removing partial output\n`);
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Scratch space (base image contents, a registry push's staging layout), made on first need.
  let work: string | undefined;
  const workDir = (): string => (work ??= mkdtempSync(join(tmpdir(), 'punch-build-')));
  try {
    const images: PlatformImage[] = [];
    let containerfile = '';
    for (const platform of targets) {
      const args = localArgs(values, positionals, platform, io.env, io.cwd, io.arch);
      const { input, contextDir } = localBuildInput(args);
      containerfile = input.file;
      const resolveImage = async (ref: string, p: Platform): Promise<ResolvedImage> => {
        say(`resolve ${ref} for ${formatPlatform(p)}`);
        return (await registry()).resolve(layoutRefInContext(ref, contextDir), p);
      };
      const graph = await buildGraph({ ...input, resolveImage });
      io.report(graph.diagnostics);
      const shown = formatPlatform(graph.platform);
      say(`[${shown}] execute ${graph.definition.def.length - 1} ops`);
      let result;
      const index = images.length;
      try {
        result = await executeDefinition(encodeDefinition(graph.definition), {
          locals: { [input.context.name]: contextDir },
          images: imageProvider(registry, contextDir),
          workDir: () => join(workDir(), String(index)),
          platform: graph.platform,
          warn: (msg) => io.stderr.write(`${input.file}: warning: ${msg}\n`),
          onStep: (step) => say(`[${shown}] ${step}`),
          signal: abort.signal,
        });
      } catch (e) {
        throw e instanceof FileOpError ? locateStepFailure(graph, input.file, e) : e;
      }
      const files = new Map(listRootfs(result.rootfs).map((e) => [e.path, e]));
      for (const a of graph.artifacts) {
        const found = files.get(a.path)?.type;
        if (found !== 'file') throw new PunchError([diagnostic('error', input.file, a.range, missingArtifactMessage(a, found))]);
      }
      if (files.get(URUNC_JSON_PATH)?.type !== 'file') throw new Error(`${input.file}: ${URUNC_JSON_PATH} is missing from the built image (a bug in punch: please report it)`);
      images.push({ platform: graph.platform, config: graph.config, layers: result.layers, annotations: graph.annotations });
    }
    const name = pushName ?? tag;
    const dest = output.type === 'registry' ? { type: 'oci-layout' as const, dest: join(workDir(), 'push') } : { ...output, dest: resolve(io.cwd, output.dest) };
    say(`write ${output.type}${output.type === 'registry' ? ` ${pushName}` : ` ${output.dest}`}`);
    const exported = await exportImage(images, dest, {
      ...(name !== undefined ? { name } : {}),
      ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
      onLayer: (l) => progress.layer(l.description, l.size),
      signal: abort.signal,
    });
    if (output.type === 'registry') {
      const { pushImageFromLayout } = await import('../registry/index.js');
      const pushed = await (await registry()).push(pushName!, await pushImageFromLayout(dest.dest));
      say(`pushed ${pushName}@${pushed.digest}`);
    }
    progress.done(`${exported.digest} (${images.map((i) => formatPlatform(i.platform)).join(', ')}) from ${containerfile}`);
    await io.write(`${exported.digest}\n`);
    return 0;
  } catch (e) {
    // Whatever the interrupted step threw (often a bare AbortError), the user asked for the stop.
    if (!abort.signal.aborted) throw e;
    io.stderr.write('punch: interrupted: no image was written\n');
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }
}

