// The `context:NAME[::PLATFORM]=VALUE` opts buildx sends for `--build-context` (and
// `sharedkey:localdir:NAME`), read as BuildKit's Dockerfile frontend reads them
// (frontend/dockerui/namedcontext.go): the value's kind before the first `:`, `//` after it optional.
// A directory's own .dockerignore is loaded through the session before the build, as Docker's does;
// a git repository or an HTTP download is fetched by BuildKit when a step needs it; `input:NAME` (a
// bake target's result) is the frontend input of that name, with the image config buildx sends in
// `input-metadata:NAME`.
import type { NamedContextInput } from '../session/index.js';
import { pb } from '../gen/ops.js';
import type { ImageConfig } from '../oci/types.js';
import { detectRemoteContext, type RemoteContext } from '../convert/index.js';
import { formatReference, isReferenceError, parseReference } from '../oci/reference.js';
import { Caps, type OciStore } from '../llb/index.js';
import { hostPlatform } from '../platform.js';
import { FrontendError } from './errors.js';
import { localDefinition } from './sources.js';

/** A named context as the opts give it. */
export type NamedContextOpt =
  | { key: string; kind: 'image'; ref: string }
  | { key: string; kind: 'local'; name: string; sharedKey: string }
  /**
   * An image in the client's OCI store `storeId`, which buildx sends as
   * `oci-layout://<storeID>[:tag]@<digest>`; `ref` names it as BuildKit's frontend does: the context's
   * name with the digest (`docker.io/library/kernel@sha256:…`), for logs and the source identifier.
   */
  | { key: string; kind: 'oci-layout'; storeId: string; ref: string; digest: string }
  /** `git://…`, `git@…`, or an http(s) URL: a git repository (a `.git` path), else a download. */
  | { key: string; kind: 'remote'; remote: RemoteContext }
  /** `input:NAME`: the frontend input NAME; `config`, the image config its metadata carries, if any. */
  | { key: string; kind: 'input'; input: string; config?: ImageConfig };

const CONTEXT_PREFIX = 'context:';
const FORMS = 'expected docker-image://REF, local:DIR, oci-layout://REF, a git URL or an http(s) URL';

function unsupported(key: string, value: string, what: string): FrontendError {
  return new FrontendError(`build context ${key}=${value}: ${what}`);
}

/** The named contexts among the opts, by key; a value punch cannot read is an error naming it. */
export function parseNamedContexts(opts: Record<string, string>): NamedContextOpt[] {
  const out: NamedContextOpt[] = [];
  for (const k of Object.keys(opts).sort()) {
    if (!k.startsWith(CONTEXT_PREFIX)) continue;
    const key = k.slice(CONTEXT_PREFIX.length);
    const value = opts[k]!;
    const colon = value.indexOf(':');
    if (colon < 0) throw unsupported(key, value, `invalid context specifier: ${FORMS}`);
    // As Docker's: `git@host:repo` (an SSH URL with no scheme) is a git context.
    const kind = value.startsWith('git@') ? 'git' : value.slice(0, colon);
    const rest = value.slice(colon + 1).replace(/^\/\//, '');
    if (kind === 'docker-image') out.push({ key, kind: 'image', ref: rest });
    else if (kind === 'local') out.push({ key, kind: 'local', name: rest, sharedKey: opts[`sharedkey:localdir:${key}`] ?? '' });
    else if (kind === 'oci-layout') out.push(ociLayoutContext(key, value, rest));
    else if (kind === 'input') out.push(inputContext(key, value, rest, opts[`input-metadata:${rest}`]));
    else if (kind === 'git' || kind === 'http' || kind === 'https') {
      const remote = detectRemoteContext(value);
      if (!remote || (kind === 'git' && remote.kind !== 'git')) throw unsupported(key, value, `invalid git context: write git://HOST/REPO[#REF[:DIR]], git@HOST:REPO[#REF[:DIR]] or https://HOST/REPO.git[#REF[:DIR]]`);
      out.push({ key, kind: 'remote', remote });
    } else throw unsupported(key, value, `unsupported context source ${kind}: ${FORMS}`);
  }
  return out;
}

/**
 * `input:NAME`, with `input-metadata:NAME`: JSON of byte strings (base64, as Go writes []byte) whose
 * `containerimage.config` is the input's image config, as Docker's frontend reads it.
 */
function inputContext(key: string, value: string, input: string, metadata: string | undefined): NamedContextOpt {
  if (input === '') throw unsupported(key, value, 'the input has no name: bake sends input:NAME');
  if (metadata === undefined) return { key, kind: 'input', input };
  let config: ImageConfig | undefined;
  try {
    const m = JSON.parse(metadata) as Record<string, unknown>;
    const raw = m['containerimage.config'];
    if (raw !== undefined) {
      if (typeof raw !== 'string') throw new Error('containerimage.config is not a byte string');
      config = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as ImageConfig;
    }
  } catch (e) {
    throw unsupported(key, value, `input-metadata:${input} does not read as bake's JSON: ${(e as Error).message}`);
  }
  return config ? { key, kind: 'input', input, config } : { key, kind: 'input', input };
}

/** `<storeID>[:tag]@<digest>` (buildx resolves the tag to the digest before it sends the opt). */
function ociLayoutContext(key: string, value: string, rest: string): NamedContextOpt {
  const at = rest.indexOf('@');
  if (at < 0) throw unsupported(key, value, 'the oci-layout reference has no digest: buildx sends oci-layout://<store>[:tag]@sha256:…; pass --build-context NAME=oci-layout://DIR[:TAG] to buildx');
  const named = rest.slice(0, at);
  const digest = rest.slice(at + 1);
  const colon = named.lastIndexOf(':');
  const storeId = colon > named.lastIndexOf('/') ? named.slice(0, colon) : named;
  const name = key.split('::')[0]!;
  const parsed = parseReference(`${name}@${digest}`);
  if (storeId === '') throw unsupported(key, value, 'the oci-layout reference has no store ID');
  if (isReferenceError(parsed)) throw unsupported(key, value, `could not parse the oci-layout reference: ${parsed.error}`);
  return { key, kind: 'oci-layout', storeId, ref: formatReference(parsed), digest };
}

/** The engine must know oci-layout sources (BuildKit v0.11+; Docker 20.10's v0.8 does not). */
export function requireOciLayoutCap(contexts: readonly NamedContextOpt[], llbCaps: { has(cap: string): boolean }): void {
  const oci = contexts.find((c) => c.kind === 'oci-layout');
  if (oci && !llbCaps.has(Caps.sourceOciLayout)) {
    throw new FrontendError(
      `build context ${oci.key}: this BuildKit cannot read oci-layout contexts (no LLB capability ${Caps.sourceOciLayout}; BuildKit v0.11+ has it): update the engine, or push the image to a registry and pass docker-image://REF`,
    );
  }
}

/** A git context's `#ref:dir` needs BuildKit v0.9+ (Docker 20.10's v0.8 checks out whole repositories only). */
export function requireGitSubdirCap(contexts: readonly NamedContextOpt[], llbCaps: { has(cap: string): boolean }): void {
  const sub = contexts.find((c) => c.kind === 'remote' && c.remote.kind === 'git' && c.remote.subdir !== '');
  if (sub && !llbCaps.has(Caps.sourceGitSubdir)) {
    throw new FrontendError(
      `build context ${sub.key}: this BuildKit cannot check out a directory of a repository (no LLB capability ${Caps.sourceGitSubdir}; BuildKit v0.9+ has it): ` +
        'name the repository without :DIR and COPY --from the directory, or use a newer engine',
    );
  }
}

/** How the frontend resolves an oci-layout context's image config: in the client's store, named as Docker's frontend names it. */
export function ociLayoutResolve(contexts: readonly NamedContextOpt[], sessionId: string | undefined, ref: string): { ref: string; logName: string; ociStore: OciStore } | undefined {
  const c = contexts.find((x) => x.kind === 'oci-layout' && `oci-layout://${x.ref}` === ref);
  if (!c || c.kind !== 'oci-layout' || !sessionId) return undefined;
  return { ref: c.ref, logName: `[context ${c.key}] load metadata for ${c.ref}`, ociStore: { sessionId, storeId: c.storeId } };
}

/** Solves and reads one session dir's `.dockerignore`; undefined when it has none. */
export type IgnoreReader = (definition: ReturnType<typeof localDefinition>['definition']) => Promise<Uint8Array | undefined>;

/** The frontend inputs of the build (the bridge's Inputs call), asked for only when a context names one. */
export type InputsReader = () => Promise<Record<string, pb.Definition.$Properties>>;

/** The session's view of the named contexts: each directory with its own .dockerignore, read through BuildKit. */
export async function loadNamedContexts(contexts: readonly NamedContextOpt[], sessionId: string | undefined, readIgnore: IgnoreReader, readInputs: InputsReader): Promise<NamedContextInput[]> {
  const session = sessionId ? { sessionId } : {};
  const inputs = contexts.some((c) => c.kind === 'input') ? await readInputs() : {};
  return Promise.all(
    contexts.map(async (c): Promise<NamedContextInput> => {
      if (c.kind === 'image') return { key: c.key, value: { kind: 'image', ref: c.ref } };
      if (c.kind === 'input') {
        const definition = inputs[c.input];
        if (!definition) throw new FrontendError(`build context ${c.key}=input:${c.input}: the build has no input ${c.input} (bake sends one for a target: context)`);
        const bytes = pb.Definition.encode(definition).finish();
        return { key: c.key, value: { kind: 'input', definition: bytes, ...(c.config ? { config: c.config } : {}) } };
      }
      if (c.kind === 'remote') return { key: c.key, value: { kind: 'remote', remote: c.remote } };
      if (c.kind === 'oci-layout') {
        return { key: c.key, value: { kind: 'oci-layout', ref: `oci-layout://${c.ref}`, ...(sessionId ? { store: { sessionId, storeId: c.storeId } } : {}) } };
      }
      const { definition } = localDefinition(
        c.name,
        {
          ...session,
          followPaths: ['.dockerignore'],
          sharedKeyHint: `context:${c.key}-.dockerignore`,
          customName: `[context ${c.key}] load .dockerignore`,
        },
        // Local sources carry no platform, so the bytes do not depend on the one given here.
        hostPlatform(process.arch),
      );
      const ignore = await readIgnore(definition);
      return { key: c.key, value: { kind: 'local', local: { name: c.name, ...session }, sharedKey: c.sharedKey, ...(ignore ? { ignore } : {}) } };
    }),
  );
}
