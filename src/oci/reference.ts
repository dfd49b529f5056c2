// Docker image references, parsed and normalised like distribution/reference's ParseNormalizedNamed
// followed by TagNameOnly: `alpine` → `docker.io/library/alpine:latest`.

export interface ParsedReference {
  /** Registry host, with port if any: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/alpine`, `me/app`. */
  path: string;
  tag?: string;
  /** `sha256:<64 hex>` (or another algorithm's digest). */
  digest?: string;
}

export interface ReferenceError {
  error: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar of distribution/reference regexp.go, one piece per constant.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;
// Digest algorithms go-digest knows, with the length of their hex encoding.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const invalid = (why?: string): ReferenceError => ({
  error: why ? `invalid reference format: ${why}` : 'invalid reference format',
});

export function isReferenceError<T>(r: T | ReferenceError): r is ReferenceError {
  return typeof r === 'object' && r !== null && 'error' in r;
}

/** Splits `name` into registry domain and repository path the way Docker does (splitDockerDomain). */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // A first component is a registry only if it looks like a host: a dot, a port, or `localhost`.
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost');
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let remainder = isDomain ? name.slice(slash + 1) : name;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

function checkDigest(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm in "${digest}"`;
  if (!/^[a-f0-9]*$/.test(hex)) return `invalid checksum digest format in "${digest}"`;
  if (hex.length !== length) return `invalid checksum digest length in "${digest}"`;
  return undefined;
}

/**
 * Parses a reference as Docker does (`alpine`, `me/app:1`, `ghcr.io/x/y@sha256:…`, `localhost:5000/x`),
 * filling in `docker.io` and `library/`. Does not add a default tag: see normalizeReference.
 */
export function parseReference(text: string): ParsedReference | ReferenceError {
  if (text === '') return invalid('repository name must have at least one component');
  if (ANCHORED_IDENTIFIER_RE.test(text)) {
    return { error: `invalid repository name (${text}), cannot specify 64-byte hexadecimal strings` };
  }
  const { domain, remainder } = splitDomain(text);
  const colon = remainder.indexOf(':');
  const at = remainder.indexOf('@');
  const nameEnd = [colon, at].filter((i) => i !== -1).reduce((a, b) => Math.min(a, b), remainder.length);
  const remoteName = remainder.slice(0, nameEnd);
  if (remoteName.toLowerCase() !== remoteName) return invalid('repository name must be lowercase');

  const full = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (full !== full.toLowerCase() && REFERENCE_RE.test(full.toLowerCase())) {
      return invalid('repository name must be lowercase');
    }
    return invalid();
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    return invalid(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const parsed: ParsedReference = { domain, path: name.slice(domain.length + 1) };
  if (m[2] !== undefined) parsed.tag = m[2];
  if (m[3] !== undefined) {
    const bad = checkDigest(m[3]);
    if (bad) return invalid(bad);
    parsed.digest = m[3];
  }
  return parsed;
}

/** `domain/path[:tag][@digest]`. */
export function formatReference(ref: ParsedReference): string {
  let out = `${ref.domain}/${ref.path}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** TagNameOnly: a bare name gets `:latest`; a tag or a digest is left as it is. */
export function withDefaultTag(ref: ParsedReference): ParsedReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** The fully qualified form: `alpine` → `docker.io/library/alpine:latest`. */
export function normalizeReference(text: string): string | ReferenceError {
  const parsed = parseReference(text);
  return isReferenceError(parsed) ? parsed : formatReference(withDefaultTag(parsed));
}

export { isOciLayoutRef } from './layout.js';

/**
 * The name a named context (`context:NAME`) must have to stand for `text`, as BuildKit's Dockerfile
 * frontend matches them: the familiar form without `:latest` (`docker.io/library/alpine:latest` →
 * `alpine`). Undefined when `text` is no reference at all (such a name never matches).
 */
export function contextName(text: string): string | undefined {
  const parsed = parseReference(text);
  if (isReferenceError(parsed)) return undefined;
  const official = parsed.domain === DEFAULT_DOMAIN;
  const path = official && parsed.path.startsWith(OFFICIAL_REPO_PREFIX) ? parsed.path.slice(OFFICIAL_REPO_PREFIX.length) : parsed.path;
  let familiar = official ? path : `${parsed.domain}/${path}`;
  if (parsed.tag !== undefined) familiar += `:${parsed.tag}`;
  if (parsed.digest !== undefined) familiar += `@${parsed.digest}`;
  return familiar.endsWith(':latest') ? familiar.slice(0, -':latest'.length) : familiar;
}
