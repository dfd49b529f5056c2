// The embedded builder's session, twin of the frontend's (src/frontend/run.ts): plan through the
// shared session, execute each platform's graph in-process, check the artifacts, export the image.
// No argv, no terminal: the CLI hands in the inputs and the callbacks that show progress.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BlobLease, cacheUsage, LayerCache, pruneCache } from '../cache/index.js';
import { URUNC_JSON_PATH, type ResolvedImage } from '../convert/index.js';
import type { Diagnostic } from '../diagnostics.js';
import { exportImage, executeDefinition, FileOpError, listRootfs, stopCompressionWorkers, type Compression, type PlatformImage } from '../engine/index.js';
import { encodeDefinition } from '../llb/index.js';
import { formatPlatform, type Platform } from '../platform.js';
import { checkArtifacts, firstRunStep, planSession, type SessionInput } from '../session/index.js';
import { imageProvider, lazyRegistry, layoutRefInContext } from './bases.js';
import { runRefusal } from './run-refusal.js';
import { locateStepFailure } from './step-failure.js';

export { layoutRefInContext } from './bases.js';

/** Where the image goes: a file or layout on disk, or a registry (staged as a layout first). */
export type ImageOutput =
  | { type: 'oci' | 'oci-layout' | 'docker'; dest: string }
  | { type: 'registry'; name: string };

export interface EmbeddedBuild {
  input: SessionInput;
  /** The context directory on disk (the `context` local). */
  contextDir: string;
  /** The named contexts' directories (`--build-context NAME=DIR`), by local name. */
  namedDirs?: Record<string, string>;
  /** The context directory as the user wrote it, for commands quoted back in messages. */
  contextDirAsGiven?: string;
  /** A relative `dest` is relative to this directory. */
  cwd: string;
  output: ImageOutput;
  /** The image name (`-t`): index `ref.name`, docker RepoTags. */
  name?: string;
  sourceDateEpoch?: number;
  /** Layer compression (`--output ...,compression=`); default gzip level 1. */
  compression?: Compression;
  /** punch's cache folder: base image blobs by digest in blobs/, the build's lease on them in leases/. */
  cacheDir: string;
  /** The layer cache (none: every layer is packed); the whole cache is pruned to `maxBytes` after a build that added to it. */
  layerCache?: { dir: string; maxBytes: number; trustStat: boolean };
  /** A running step or a note, for the progress display. */
  step: (text: string) => void;
  /** A layer written, with its size; `cached` when the layer cache had it. */
  layer: (description: string | undefined, size: number, cached: boolean) => void;
  /** The session's warnings, before any execution. */
  report: (diagnostics: readonly Diagnostic[]) => void;
  /** An engine warning, already prefixed with the file name. */
  warn: (text: string) => void;
  signal: AbortSignal;
}

export interface BuiltImage {
  digest: string;
  platforms: Platform[];
  file: string;
}

export async function buildImage(b: EmbeddedBuild): Promise<BuiltImage> {
  const say = b.step;
  // The base blobs this build reads are held until it ends, whatever a concurrent prune removes.
  const lease = new BlobLease(b.cacheDir);
  let pulled = 0;
  const registry = lazyRegistry(() => ({ cacheDir: b.cacheDir, log: say, useBlob: (p) => lease.use(p), onBlobAdded: () => void pulled++ }));
  // Scratch space (base image contents, a registry push's staging layout), made on first need.
  let work: string | undefined;
  const workDir = (): string => (work ??= mkdtempSync(join(tmpdir(), 'punch-build-')));
  try {
    const resolveImage = async (ref: string, p: Platform): Promise<ResolvedImage> => {
      say(`resolve ${ref} for ${formatPlatform(p)}`);
      return (await registry()).resolve(layoutRefInContext(ref, b.contextDir), p);
    };
    // Refused before any base is resolved, any op runs or any output exists (ExecOps otherwise meet
    // the engine's seam; a RUN file's base is usually a public image, out of reach offline).
    const run = firstRunStep(b.input);
    if (run) throw runRefusal(run, { file: run.file, contextDir: b.contextDirAsGiven ?? b.contextDir });
    const planned = await planSession({ ...b.input, resolveImage });
    b.report(planned.diagnostics);
    const file = planned.input.file;
    const images: PlatformImage[] = [];
    for (const graph of planned.graphs) {
      const shown = formatPlatform(graph.platform);
      say(`[${shown}] execute ${graph.definition.def.length - 1} ops`);
      const index = images.length;
      let result;
      try {
        result = await executeDefinition(encodeDefinition(graph.definition), {
          locals: { ...b.namedDirs, ['name' in planned.input.context ? planned.input.context.name : 'context']: b.contextDir },
          images: imageProvider(registry, b.contextDir),
          workDir: () => join(workDir(), String(index)),
          platform: graph.platform,
          warn: (msg) => b.warn(`${file}: warning: ${msg}`),
          onStep: (step) => say(`[${shown}] ${step}`),
          signal: b.signal,
          ...(graph.toolsImage !== undefined ? { toolsImage: graph.toolsImage } : {}),
        });
      } catch (e) {
        throw e instanceof FileOpError ? locateStepFailure(graph, file, e) : e;
      }
      const files = new Map(listRootfs(result.rootfs).map((e) => [e.path, e.type]));
      await checkArtifacts(file, graph.artifacts, async (path) => files.get(path));
      if (files.get(URUNC_JSON_PATH) !== 'file') throw new Error(`${file}: ${URUNC_JSON_PATH} is missing from the built image (a bug in punch: please report it)`);
      images.push({ platform: graph.platform, config: graph.config, layers: result.layers, annotations: graph.annotations });
    }
    const out = b.output;
    const dest = out.type === 'registry' ? { type: 'oci-layout' as const, dest: join(workDir(), 'push') } : { ...out, dest: resolve(b.cwd, out.dest) };
    say(`write ${out.type} ${out.type === 'registry' ? out.name : out.dest}`);
    const lc = b.layerCache;
    let packed = 0;
    const exported = await exportImage(images, dest, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.sourceDateEpoch !== undefined ? { sourceDateEpoch: b.sourceDateEpoch } : {}),
      ...(b.compression ? { compression: b.compression } : {}),
      ...(lc ? { layerCache: { cache: new LayerCache(lc.dir), trustStat: lc.trustStat } } : {}),
      warn: (msg) => b.warn(`punch: warning: ${msg}`),
      onLayer: (l) => {
        if (l.cache === 'miss') packed++;
        b.layer(l.description, l.size, l.cache === 'stat' || l.cache === 'hash');
      },
      signal: b.signal,
    });
    if (lc && (packed > 0 || pulled > 0)) keepUnder(b.cacheDir, lc.maxBytes, b.warn);
    if (out.type === 'registry') {
      const { pushImageFromLayout } = await import('../registry/index.js');
      const pushed = await (await registry()).push(out.name, await pushImageFromLayout(dest.dest));
      say(`pushed ${out.name}@${pushed.digest}`);
    }
    return { digest: exported.digest, platforms: images.map((i) => i.platform), file };
  } finally {
    // The compression workers are shared by the build's layers; none outlives it.
    await stopCompressionWorkers();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    lease.release();
  }
}

/** After a build that added to the cache, the least recently used layers and base blobs go until it fits its cap. */
function keepUnder(root: string, maxBytes: number, warn: (text: string) => void): void {
  try {
    if (cacheUsage(root).bytes > maxBytes) pruneCache(root, maxBytes);
  } catch (e) {
    warn(`punch: warning: cache ${root}: pruning failed: ${(e as Error).message}`);
  }
}
