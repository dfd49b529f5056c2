// Named contexts (`--build-context NAME=…`, BuildKit's `context:NAME[::PLATFORM]` opts) read once for
// every way in: each key's value checked and normalised, each directory's own .dockerignore parsed,
// and the lookup the planner matches FROM names, stage names and `--from` values against.
import type { ContextSource, NamedContexts, NamedInput, NamedLocal, OciStore, RemoteContext } from '../convert/index.js';
import { contextName, isOciLayoutRef, isReferenceError, normalizeReference } from '../oci/reference.js';
import { formatPlatform, isPlatformError, parsePlatform, type Platform } from '../platform.js';
import type { NamedContextSource } from '../plan/types.js';
import { excludePatterns } from './ignore.js';

/** A named context as a way in received it, its value already told apart by kind. */
export type NamedContextValue =
  /** `docker-image://REF`, REF as written (`scratch` is the empty image). */
  | { kind: 'image'; ref: string }
  /** `oci-layout://…`, the whole reference; through BuildKit, the client's OCI store that holds it. */
  | { kind: 'oci-layout'; ref: string; store?: OciStore }
  /** A directory; `ignore` is its `.dockerignore`, if it has one. */
  | { kind: 'local'; local: Omit<ContextSource, 'excludePatterns'>; ignore?: Uint8Array; sharedKey?: string }
  /** A git repository or an HTTP download, which BuildKit fetches. */
  | { kind: 'remote'; remote: RemoteContext }
  /** A frontend input (a bake target's result), with its image config if it has one. */
  | ({ kind: 'input' } & NamedInput);

export interface NamedContextInput {
  /** `NAME` or `NAME::PLATFORM`. */
  key: string;
  value: NamedContextValue;
}

/** A named context that cannot be used; the message names the key (the edges say which flag or opt). */
export class NamedContextError extends Error {}

/** `NAME[::PLATFORM]` → the name as lookups match it and the platform, if any. */
function splitKey(key: string): { name: string; platform?: Platform } {
  const sep = key.indexOf('::');
  const name = sep < 0 ? key : key.slice(0, sep);
  if (name === '') throw new NamedContextError(`named context "${key}": the name is empty`);
  // Matched the way a FROM name is (docker.io/library/alpine:latest is alpine); a key that is no
  // reference keeps its text and only an identical name matches it.
  const matched = contextName(name) ?? name;
  if (sep < 0) return { name: matched };
  const p = parsePlatform(key.slice(sep + 2));
  if (isPlatformError(p)) throw new NamedContextError(`named context "${key}": ${p.error}`);
  return { name: matched, platform: p };
}

function source(key: string, value: NamedContextValue): NamedContextSource {
  if (value.kind === 'local' || value.kind === 'remote' || value.kind === 'input') return { kind: 'local', key };
  if (value.kind === 'oci-layout') {
    if (!isOciLayoutRef(value.ref)) throw new NamedContextError(`named context "${key}": ${value.ref} is not an oci-layout:// reference`);
    return { kind: 'image', ref: value.ref };
  }
  if (value.ref === 'scratch') return { kind: 'scratch' };
  const ref = normalizeReference(value.ref);
  if (isReferenceError(ref)) throw new NamedContextError(`named context "${key}": docker-image://${value.ref} is not a valid image reference: ${ref.error}`);
  return { kind: 'image', ref };
}

/** Reads the named contexts; a `NAME::PLATFORM` key wins over `NAME` for a stage built for that platform. */
export function readNamedContexts(inputs: readonly NamedContextInput[]): NamedContexts {
  const byKey = new Map<string, NamedContextSource>();
  const locals = new Map<string, NamedLocal>();
  const ociStores = new Map<string, OciStore>();
  const remotes = new Map<string, RemoteContext>();
  const given = new Map<string, NamedInput>();
  for (const { key, value } of inputs) {
    const { name, platform } = splitKey(key);
    byKey.set(platform ? `${name}::${formatPlatform(platform)}` : name, source(key, value));
    if (value.kind === 'oci-layout' && value.store) ociStores.set(value.ref, value.store);
    if (value.kind === 'remote') remotes.set(key, value.remote);
    if (value.kind === 'input') {
      const { kind: _, ...input } = value;
      given.set(key, input);
    }
    if (value.kind === 'local') {
      locals.set(key, { ...value.local, key, sharedKey: value.sharedKey ?? '', excludePatterns: excludePatterns(value.ignore, `${key}/.dockerignore`) });
    }
  }
  return {
    lookup: (name, platform) => byKey.get(`${name}::${formatPlatform(platform)}`) ?? byKey.get(name),
    locals,
    ociStores,
    remotes,
    inputs: given,
  };
}
