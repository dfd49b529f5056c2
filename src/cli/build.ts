// `punch build`: run the graph `punch llb` prints in-process and write an OCI image. No daemon.
import { buildImage, type ImageOutput } from '../embedded/index.js';
import { formatPlatform } from '../platform.js';
import { cacheDir, layerCacheSettings } from './cache-settings.js';
import { localSessionInput } from './inputs.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';
import { commonOptions, localArgs, parseCommand, platforms, sourceDateEpoch } from './options.js';
import { defaultOutput, parseOutputSpec, type OutputSpec } from './output-spec.js';
import { createProgress, type ProgressMode } from './progress.js';

export const buildHelp = `Usage: punch build [-f FILE] [CONTEXT] -t NAME[:TAG] [--output SPEC] [options]
Builds the image in-process (no daemon) and writes it as OCI, with every annotation kept.
  -t, --tag NAME[:TAG]   image name (index ref.name, docker RepoTags, registry target)
  -o, --output SPEC      type=oci,dest=x.tar (default: NAME.tar) | type=oci-layout,dest=DIR
                         | type=docker,dest=x.tar (for docker load) | type=registry[,name=REF]
                         each with [,compression=gzip|zstd|uncompressed][,compression-level=N]
                         [,force-compression=true] (default gzip level 1)
  --platform P[,P...]    several platforms give an index
  --urunc VERSION        the urunc release to check against and write for (default: the newest)
  --tools-image REF      punch's image that initrd steps name (run in-process, never pulled)
  --build-context NAME=DIR|docker-image://REF|oci-layout://PATH[:TAG]
                         replace the stage or image NAME in FROM and COPY --from
  --build-arg K=V  --label K=V  --target STAGE  --progress auto|plain|tty|quiet
Environment: SOURCE_DATE_EPOCH (reproducible timestamps), PUNCH_CACHE_DIR (base image blobs and the
  layer cache; default ~/.cache/punch), PUNCH_CACHE_MAX (cap on both, default 10GiB; 0: no layer cache),
  PUNCH_CACHE_REHASH=1 (rehash every input instead of trusting unchanged stats). See punch cache --help.`;


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
  const layerCache = layerCacheSettings(io.env);

  const progress = createProgress(values.progress as ProgressMode, io.stderrIsTTY, (text) => io.stderr.write(text), Date.now);
  const { input, contextDir, namedDirs } = localSessionInput(localArgs(values, positionals, platforms(values.platform), io.env, io.cwd, io.arch));
  const name = pushName ?? tag;
  const imageOutput: ImageOutput = output.type === 'registry' ? { type: 'registry', name: pushName! } : { type: output.type, dest: output.dest };

  // Ctrl-C or a kill aborts the work and lets the writers remove what they staged.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    io.stderr.write(`punch: ${sig}: stopping, removing partial output\n`);
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const built = await buildImage({
      input,
      contextDir,
      namedDirs,
      contextDirAsGiven: positionals[0] ?? '.',
      cwd: io.cwd,
      output: imageOutput,
      ...(name !== undefined ? { name } : {}),
      ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
      ...(output.compression ? { compression: output.compression } : {}),
      cacheDir: cacheDir(io.env),
      ...(layerCache ? { layerCache } : {}),
      step: (text) => progress.step(text),
      layer: (description, size, cached) => progress.layer(description, size, cached),
      report: (ds) => io.report(ds),
      warn: (text) => io.stderr.write(`${text}\n`),
      signal: abort.signal,
    });
    progress.done(`${built.digest} (${built.platforms.map(formatPlatform).join(', ')}) from ${built.file}`);
    await io.write(`${built.digest}\n`);
    return 0;
  } catch (e) {
    // Whatever the interrupted step threw (often a bare AbortError), the user asked for the stop.
    if (!abort.signal.aborted) throw e;
    io.stderr.write('punch: interrupted: no image was written\n');
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
