// An image reference as the distribution API sees it: which host to talk to, which repository, what to fetch.
import { formatReference, isReferenceError, parseReference, withDefaultTag } from '../oci/reference.js';
import { RegistryError } from './errors.js';

export interface RegistryRef {
  /** Normalised text, e.g. `docker.io/library/alpine:latest` or `127.0.0.1:5000/punch@sha256:…`. */
  text: string;
  /** The registry as users name it (`docker.io`, `127.0.0.1:5000`): the key for credentials. */
  domain: string;
  /** The host the API lives on (`registry-1.docker.io` for docker.io). */
  apiHost: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Docker Hub is named docker.io but served from registry-1.docker.io. */
export function apiHostFor(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' ? 'registry-1.docker.io' : domain;
}

export function toRegistryRef(text: string): RegistryRef {
  const parsed = parseReference(text);
  if (isReferenceError(parsed)) throw new RegistryError('bad-reference', `${parsed.error}: "${text}"`);
  // A reference with neither tag nor digest means :latest, as docker pull does.
  const full = withDefaultTag(parsed);
  const ref: RegistryRef = { text: formatReference(full), domain: full.domain, apiHost: apiHostFor(full.domain), repository: full.path };
  if (full.tag !== undefined) ref.tag = full.tag;
  if (full.digest !== undefined) ref.digest = full.digest;
  return ref;
}

/** What to ask the manifests endpoint for: the digest when pinned (the tag is then informational). */
export function manifestReference(ref: RegistryRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Loopback registries speak plain HTTP (as dockerd and BuildKit assume); everything else HTTPS. */
export function isLoopbackHost(host: string): boolean {
  let name = host;
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.split(':').length === 2) name = name.slice(0, name.indexOf(':'));
  name = name.toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
