// Raw inputs → per-platform graphs: the one session the three ways in (frontend, `punch llb` and
// `punch check`, `punch build`) share. The build file is decoded and read once, the ignore file
// parsed once, the BuildInput assembled once; only the target platform varies between graphs.
import { buildGraph, type BuildGraph, type BuildInput, type ContextSource, type ImageResolver, type RemoteContextSource, type RunEngineOptions } from '../convert/index.js';
import { PunchError, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { Platform } from '../platform.js';
import { parseBuildFile, type BuildFile } from './buildfile.js';
import { readNamedContexts, type NamedContextInput } from './contexts.js';
import { excludePatterns } from './ignore.js';

export { excludePatterns } from './ignore.js';

export interface SessionInput {
  /** The build file's name as diagnostics show it. */
  file: string;
  /** The build file's bytes, undecoded. */
  bytes: Uint8Array;
  /** The ignore file's bytes (`<file>.dockerignore` if present, else the context's `.dockerignore`). */
  ignore?: Uint8Array;
  /** The ignore file's name as diagnostics show it (default `.dockerignore`). */
  ignoreFile?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  /** Target platforms in order; empty means one graph for the default (or the Unikraft rule). */
  platforms: readonly Platform[];
  defaultPlatform: Platform;
  /** The context local, its exclude patterns from `ignore`; or a remote context (no ignore file applies). */
  context: Omit<ContextSource, 'excludePatterns'> | RemoteContextSource;
  resolveImage?: ImageResolver;
  /** Named contexts (`--build-context`, `context:NAME` opts). */
  namedContexts?: readonly NamedContextInput[];
  noCache?: true | string[];
  uruncVersion?: string;
  run?: RunEngineOptions;
  /** The image initrd steps run on (`--tools-image`, the `tools-image` opt). */
  toolsImage?: string;
  /** The frontend's `source` opt: the punch image BuildKit runs. */
  frontendImage?: string;
  /** Pin the tools image by digest through `resolveImage` (the frontend). */
  pinToolsImage?: boolean;
}

export interface SessionPlan {
  buildFile: BuildFile;
  /** The input every graph was built from (its `platform` unset). */
  input: BuildInput;
  /** One graph per target platform, in order. */
  graphs: BuildGraph[];
  /** Every graph's warnings, each once (errors are thrown as PunchError). */
  diagnostics: Diagnostic[];
}

/** Builds one platform's graph from the shared input (buildGraph; the frontend's tests stub it). */
export type GraphBuilder = (input: BuildInput) => Promise<BuildGraph>;

function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = formatDiagnostic(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Decodes and validates the raw inputs once, then builds a graph for each target platform. */
export async function planSession(raw: SessionInput, build: GraphBuilder = buildGraph): Promise<SessionPlan> {
  const buildFile = parseBuildFile(raw.bytes, raw.file);
  const input: BuildInput = {
    file: buildFile.file,
    text: buildFile.text,
    planner: buildFile.planner,
    buildArgs: raw.buildArgs,
    labels: raw.labels,
    defaultPlatform: raw.defaultPlatform,
    context: 'remote' in raw.context ? raw.context : { ...raw.context, excludePatterns: excludePatterns(raw.ignore, raw.ignoreFile ?? '.dockerignore') },
    ...(raw.target !== undefined ? { target: raw.target } : {}),
    ...(raw.resolveImage ? { resolveImage: raw.resolveImage } : {}),
    ...(raw.namedContexts && raw.namedContexts.length > 0 ? { namedContexts: readNamedContexts(raw.namedContexts) } : {}),
    ...(raw.noCache !== undefined ? { noCache: raw.noCache } : {}),
    ...(raw.uruncVersion !== undefined ? { uruncVersion: raw.uruncVersion } : {}),
    ...(raw.run ? { run: raw.run } : {}),
    ...(raw.toolsImage !== undefined ? { toolsImage: raw.toolsImage } : {}),
    ...(raw.frontendImage !== undefined ? { frontendImage: raw.frontendImage } : {}),
    ...(raw.pinToolsImage ? { pinToolsImage: true } : {}),
  };
  // The build's platforms win over the one the file asks for (a bunnyfile's platforms.architecture).
  const targets: (Platform | undefined)[] = raw.platforms.length > 0 ? [...raw.platforms] : [buildFile.platform];
  const graphs: BuildGraph[] = [];
  for (const platform of targets) {
    try {
      graphs.push(await build(platform ? { ...input, platform } : input));
    } catch (e) {
      // The warnings of the platforms already planned still reach the user with the error.
      if (e instanceof PunchError && graphs.length > 0) throw new PunchError(dedupe([...graphs.flatMap((g) => g.diagnostics), ...e.diagnostics]));
      throw e;
    }
  }
  return { buildFile, input, graphs, diagnostics: dedupe(graphs.flatMap((g) => g.diagnostics)) };
}
