// The engines the e2e suite runs against, what tests may rely on each having, and the
// PUNCH_E2E_ENGINES choice of which to start.

export const ENGINE_NAMES = ['docker20', 'docker26'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface EngineCaps {
  /** BuildKit writes manifest annotations (`exporter.image.annotations`) to pushed and OCI output. */
  readonly annotations: boolean;
  /** The containerd image store: `docker build` keeps indexes, attestations and manifest annotations. */
  readonly containerdStore: boolean;
  /** buildx attaches a provenance attestation by default (an index with an `unknown/unknown` manifest). */
  readonly provenance: boolean;
  /** `--platform a,b` gives one multi-platform image in the engine's own image store. */
  readonly multiPlatformImages: boolean;
}

/** One running engine; plain data (it crosses from the global setup to the test workers). */
export interface EngineInfo {
  readonly name: EngineName;
  /** `docker version`'s server version, e.g. `20.10.24+dfsg1` or `26.1.5+dfsg1`. */
  readonly serverVersion: string;
  /** Debian 13 packages the engine was unpacked from (empty for Debian 12's installed docker.io). */
  readonly packages: readonly string[];
  /** `unix://<socket>` of its private dockerd. */
  readonly dockerHost: string;
  /** Its DOCKER_CONFIG: no user settings; Docker 26's holds the buildx plugin. */
  readonly dockerConfig: string;
  /** The client binary to use: Debian 12's `/usr/bin/docker` 20.10, or Debian 13's 26 client. */
  readonly dockerCli: string;
  /** The dockerd log: gateway frontends' stderr ends up here. */
  readonly dockerdLog: string;
  readonly dockerdPidFile: string;
  /** Its own bridge and address (never docker0). */
  readonly bridge: { readonly name: string; readonly address: string };
  /** `docker buildx` is there (and `docker build` goes through it). */
  readonly buildx: boolean;
  readonly caps: EngineCaps;
}

/** The engines to start, in order (the first is the primary): from a comma list, default all. */
export function selectedEngines(value: string | undefined): EngineName[] {
  if (value === undefined || value.trim() === '') return [...ENGINE_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(ENGINE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`PUNCH_E2E_ENGINES=${value}: unknown engine ${unknown.join(', ')}; use a comma list of ${ENGINE_NAMES.join(', ')}`);
  }
  // Setup order follows ENGINE_NAMES, so docker20 stays the primary engine whenever it runs.
  return ENGINE_NAMES.filter((n) => names.includes(n));
}
