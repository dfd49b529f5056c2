// Source states: container images and local (session) directories, with the attrs and caps Go's client/llb sets.
import { isReferenceError, normalizeReference } from '../oci/reference.js';
import type { Platform } from '../platform.js';
import { Caps } from './caps.js';
import { goJSON } from './gojson.js';
import { sortedRecord } from '../order.js';
import type { SourceLocation } from './sourcemap.js';
import { State } from './state.js';
import type { SourceVertex } from './vertex.js';

/** What every source's options share: its progress name, and `--no-cache` (re-run, not cached). */
export interface SourceOptions {
  customName?: string;
  ignoreCache?: boolean;
  /** Where in the build file the source comes from (Docker's frontend gives an image its FROM line). */
  locations?: SourceLocation[];
}

export interface ImageOptions extends SourceOptions {
  platform?: Platform;
  /** `pull` always asks the registry, `local` prefers the daemon's store; `default` sets nothing. */
  resolveMode?: 'default' | 'pull' | 'local';
}

export interface LocalOptions extends SourceOptions {
  /** `local.session`: the session that serves this directory (frontends: BUILDKIT_SESSION_ID). */
  sessionId?: string;
  /** `local.unique`, used only without a session (Go puts a random id there; here the caller picks a stable one). */
  unique?: string;
  includePatterns?: string[];
  excludePatterns?: string[];
  followPaths?: string[];
  sharedKeyHint?: string;
}

/** A source op's own part; `platformSpecific` for the sources whose op carries a platform (images, OCI layouts). */
export interface SourceSpec {
  identifier: string;
  attrs: Record<string, string>;
  caps: readonly string[];
  platformSpecific?: true;
}

/**
 * Internal to src/llb: a source op's state, its attrs sorted and frozen, the options every source
 * shares applied. A platform-specific source's op and state take `opts.platform` (else the
 * marshal default); the others have none.
 */
export function sourceState(spec: SourceSpec, opts: SourceOptions & { platform?: Platform }): State {
  const platform = spec.platformSpecific ? opts.platform : undefined;
  const vertex: SourceVertex = Object.freeze({
    kind: 'source',
    identifier: spec.identifier,
    attrs: Object.freeze(sortedRecord(spec.attrs)),
    caps: Object.freeze([...spec.caps]),
    platformSpecific: spec.platformSpecific === true,
    platform,
    customName: opts.customName,
    ...(opts.ignoreCache ? { ignoreCache: true } : {}),
    ...(opts.locations?.length ? { locations: Object.freeze([...opts.locations]) } : {}),
  });
  return new State({ vertex, index: 0 }, platform);
}

/** A container image, e.g. `image('alpine')` → `docker-image://docker.io/library/alpine:latest`. */
export function image(ref: string, opts: ImageOptions = {}): State {
  const normalized = normalizeReference(ref);
  if (isReferenceError(normalized)) {
    throw new Error(`invalid image reference "${ref}": ${normalized.error}`);
  }
  const attrs: Record<string, string> = {};
  const caps: string[] = [Caps.sourceImage];
  const mode = opts.resolveMode ?? 'default';
  if (mode !== 'default') attrs['image.resolvemode'] = mode;
  // Only a forced pull changes what an old daemon would do, so only it declares the cap (as Go does).
  if (mode === 'pull') caps.push(Caps.sourceImageResolveMode);
  return sourceState({ identifier: `docker-image://${normalized}`, attrs, caps, platformSpecific: true }, opts);
}

/** The client's OCI content store that holds a layout's image (buildx's `--build-context NAME=oci-layout://`). */
export interface OciStore {
  /** `oci.session`: the session that serves the store (BUILDKIT_SESSION_ID). */
  sessionId: string;
  /** `oci.store`: the store's ID in that session, as the opt value names it. */
  storeId: string;
}

/**
 * An image in a local OCI layout, `oci-layout://<dir>[:tag]`. punch build reads it directly;
 * BuildKit (>= 0.11) knows such sources only through a session store (`store`), hence the cap.
 */
export function ociLayout(ref: string, opts: Omit<ImageOptions, 'resolveMode'> & { store?: OciStore } = {}): State {
  const attrs: Record<string, string> = {};
  if (opts.store) {
    attrs['oci.session'] = opts.store.sessionId;
    attrs['oci.store'] = opts.store.storeId;
  }
  return sourceState({ identifier: ref, attrs, caps: [Caps.sourceOciLayout], platformSpecific: true }, opts);
}

/** A directory the client sends over the session, e.g. the build context. */
export function local(name: string, opts: LocalOptions = {}): State {
  if (name === '') throw new Error('local source needs a name (the session directory, e.g. "context")');
  const attrs: Record<string, string> = {};
  const caps: string[] = [Caps.sourceLocal];
  if (opts.sessionId !== undefined && opts.sessionId !== '') {
    attrs['local.session'] = opts.sessionId;
    caps.push(Caps.sourceLocalSessionId);
  } else if (opts.unique !== undefined && opts.unique !== '') {
    attrs['local.unique'] = opts.unique;
    caps.push(Caps.sourceLocalUnique);
  }
  const lists: [string[] | undefined, string, string][] = [
    [opts.includePatterns, 'local.includepattern', Caps.sourceLocalIncludePatterns],
    [opts.excludePatterns, 'local.excludepatterns', Caps.sourceLocalExcludePatterns],
    [opts.followPaths, 'local.followpaths', Caps.sourceLocalFollowPaths],
  ];
  for (const [list, attr, cap] of lists) {
    if (list && list.length > 0) {
      attrs[attr] = goJSON(list);
      caps.push(cap);
    }
  }
  if (opts.sharedKeyHint !== undefined && opts.sharedKeyHint !== '') {
    attrs['local.sharedkeyhint'] = opts.sharedKeyHint;
    caps.push(Caps.sourceLocalSharedKeyHint);
  }
  return sourceState({ identifier: `local://${name}`, attrs, caps }, opts);
}
