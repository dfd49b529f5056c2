// `--output type=...,dest=...` for punch build, in buildx's CSV form, with the image exporters'
// compression keys (compression=gzip|zstd|uncompressed, compression-level=N, force-compression=B).
import { compressionOf, LEVEL_RANGES, type Compression, type CompressionType } from '../embedded/index.js';
import { UsageError } from './usage-error.js';

/** `compression` is set only when the spec names one of the compression keys. */
export type OutputSpec = (
  | { type: 'oci'; dest: string }
  | { type: 'oci-layout'; dest: string }
  | { type: 'docker'; dest: string }
  | { type: 'registry'; name?: string }
) & { compression?: Compression };

const COMPRESSION_KEYS = ['compression', 'compression-level', 'force-compression'];
const compressionTypes: readonly CompressionType[] = ['gzip', 'zstd', 'uncompressed'];

/** Go's strconv.ParseBool, which BuildKit reads force-compression with. */
function parseBool(text: string, v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new UsageError(`--output ${text}: force-compression=${v}: expected true or false`);
}

function parseCompression(text: string, fields: Map<string, string>): Compression | undefined {
  if (!COMPRESSION_KEYS.some((k) => fields.has(k))) return undefined;
  const name = fields.get('compression') ?? 'gzip';
  if (name === 'estargz') throw new UsageError(`--output ${text}: compression=estargz is not supported by punch build; use gzip, zstd or uncompressed`);
  if (!(compressionTypes as readonly string[]).includes(name)) throw new UsageError(`--output ${text}: compression=${name}: expected gzip, zstd or uncompressed`);
  const type = name as CompressionType;
  const force = fields.has('force-compression') ? parseBool(text, fields.get('force-compression')!) : false;
  const levelText = fields.get('compression-level');
  if (levelText === undefined || type === 'uncompressed') return compressionOf(type, undefined, force);
  const [min, max] = LEVEL_RANGES[type];
  if (!/^-?[0-9]+$/.test(levelText) || Number(levelText) < min || Number(levelText) > max) {
    throw new UsageError(`--output ${text}: compression-level=${levelText}: ${type} takes a whole number from ${min} to ${max}`);
  }
  return compressionOf(type, Number(levelText), force);
}

const types = ['oci', 'oci-layout', 'docker', 'registry'] as const;

/** Parses `type=oci,dest=x.tar`; `name=` on registry overrides `-t`. Unknown keys are errors. */
export function parseOutputSpec(text: string): OutputSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--output ${text}: "${part}" is not key=value (e.g. type=oci,dest=image.tar)`);
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) throw new UsageError(`--output ${text}: ${key} is given twice`);
    fields.set(key, part.slice(eq + 1));
  }
  const type = fields.get('type');
  if (!type || !(types as readonly string[]).includes(type)) {
    throw new UsageError(`--output ${text}: type must be one of ${types.join(', ')}`);
  }
  const allowed = [...(type === 'registry' ? ['type', 'name'] : ['type', 'dest']), ...COMPRESSION_KEYS];
  for (const key of fields.keys()) {
    if (!allowed.includes(key)) throw new UsageError(`--output ${text}: ${key}= is not an option of type=${type} (allowed: ${allowed.join(', ')})`);
  }
  const compression = parseCompression(text, fields);
  const extra = compression ? { compression } : {};
  if (type === 'registry') {
    const name = fields.get('name');
    return name ? { type, name, ...extra } : { type, ...extra };
  }
  const dest = fields.get('dest');
  if (!dest) throw new UsageError(`--output ${text}: type=${type} needs dest=PATH`);
  return { type: type as 'oci' | 'oci-layout' | 'docker', dest, ...extra };
}

/** Without --output: an OCI archive named after the image, e.g. `-t nginx-uk:dev` → `nginx-uk.tar`. */
export function defaultOutput(tag: string): OutputSpec {
  const repo = tag.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const base = repo.split('/').pop() || 'image';
  return { type: 'oci', dest: `${base}.tar` };
}
