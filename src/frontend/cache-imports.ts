// Remote cache sources a build imports (`--cache-from`, `--import-cache`): buildx and buildctl send
// them as opt `cache-imports` (a JSON list of {Type, Attrs}); Docker 20.10's `docker build` sends the
// older `cache-from` (comma-separated registry refs). The engine only looks cache up in them for
// Solves that name them, so the frontend passes them on every Solve, as BuildKit's Go gateway client
// and Dockerfile frontend do.
import { FrontendError } from './errors.js';

export interface CacheImport {
  /** Importer: `registry`, `local`, `gha`, `s3`, ... (the engine refuses one it does not know). */
  type: string;
  attrs: Record<string, string>;
}

/** What every Solve carries so that the engine imports the build's caches. */
export interface CacheImportOpts {
  imports: CacheImport[];
  /**
   * The raw `cache-imports` / `cache-from` opts, copied into each Solve's FrontendOpt as Go's gateway
   * client does (a nested frontend reads them from there).
   */
  frontendOpt: Record<string, string>;
}

function sortedAttrs(raw: Record<string, unknown>, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(raw).sort()) {
    const v = raw[k];
    if (typeof v !== 'string') throw new FrontendError(`${where}: attribute ${k} must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** Go's encoding/json matches field names case-insensitively (`Type`, `type`). */
function field(entry: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : entry[key];
}

function parseJsonList(value: string): CacheImport[] {
  const where = 'cache-imports option';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new FrontendError(`${where}: not JSON (${e instanceof Error ? e.message : String(e)}): ${JSON.stringify(value)}`);
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw new FrontendError(`${where}: expected a JSON list of {"Type":…,"Attrs":{…}}, got ${JSON.stringify(value)}`);
  return parsed.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new FrontendError(`${where}: entry ${i} is not an object: ${JSON.stringify(entry)}`);
    }
    const type = field(entry as Record<string, unknown>, 'type') ?? '';
    if (typeof type !== 'string') throw new FrontendError(`${where}: entry ${i}: Type must be a string`);
    const attrs = field(entry as Record<string, unknown>, 'attrs') ?? {};
    if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) {
      throw new FrontendError(`${where}: entry ${i}: Attrs must be an object of strings`);
    }
    return { type, attrs: sortedAttrs(attrs as Record<string, unknown>, `${where}: entry ${i}`) };
  });
}

/**
 * `cache-imports` entries first, then one registry import per `cache-from` ref, in the order given
 * (what BuildKit's Dockerfile frontend does with both).
 */
export function parseCacheImports(opts: Record<string, string>): CacheImportOpts {
  const imports: CacheImport[] = [];
  const frontendOpt: Record<string, string> = {};
  const json = opts['cache-imports'];
  if (json !== undefined) {
    frontendOpt['cache-imports'] = json;
    if (json !== '') imports.push(...parseJsonList(json));
  }
  const from = opts['cache-from'];
  if (from !== undefined) {
    frontendOpt['cache-from'] = from;
    for (const ref of from.split(',')) {
      if (ref.trim() !== '') imports.push({ type: 'registry', attrs: { ref: ref.trim() } });
    }
  }
  return { imports, frontendOpt: Object.fromEntries(Object.entries(frontendOpt).sort(([a], [b]) => (a < b ? -1 : 1))) };
}
