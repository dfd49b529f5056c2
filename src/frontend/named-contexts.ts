// The `context:NAME[::PLATFORM]=VALUE` opts buildx sends for `--build-context` (and
// `sharedkey:localdir:NAME`), read as BuildKit's Dockerfile frontend reads them
// (frontend/dockerui/namedcontext.go): the value's kind before the first `:`, `//` after it optional.
// A directory's own .dockerignore is loaded through the session before the build, as Docker's does.
import type { NamedContextInput } from '../session/index.js';
import { hostPlatform } from '../platform.js';
import { FrontendError } from './errors.js';
import { localDefinition } from './sources.js';

/** A named context as the opts give it. */
export type NamedContextOpt =
  | { key: string; kind: 'image'; ref: string }
  | { key: string; kind: 'local'; name: string; sharedKey: string };

const CONTEXT_PREFIX = 'context:';

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
    if (colon < 0) throw unsupported(key, value, 'invalid context specifier: expected docker-image://REF, local:DIR or oci-layout://REF');
    const kind = value.slice(0, colon);
    const rest = value.slice(colon + 1).replace(/^\/\//, '');
    if (kind === 'docker-image') out.push({ key, kind: 'image', ref: rest });
    else if (kind === 'local') out.push({ key, kind: 'local', name: rest, sharedKey: opts[`sharedkey:localdir:${key}`] ?? '' });
    else if (kind === 'oci-layout') {
      throw unsupported(key, value, 'oci-layout contexts are read by punch build only; through BuildKit, push the image to a registry and pass docker-image://REF');
    } else if (kind === 'input') {
      throw unsupported(key, value, "a bake target's result as a context is not supported by punch; build that target, push it and pass docker-image://REF");
    } else if (kind === 'git' || kind === 'http' || kind === 'https' || kind.startsWith('git@')) {
      throw unsupported(key, value, 'remote named contexts are not supported by punch; clone or download it and pass the directory');
    } else throw unsupported(key, value, `unsupported context source ${kind}: expected docker-image://REF, local:DIR or oci-layout://REF`);
  }
  return out;
}

/** Solves and reads one session dir's `.dockerignore`; undefined when it has none. */
export type IgnoreReader = (definition: ReturnType<typeof localDefinition>['definition']) => Promise<Uint8Array | undefined>;

/** The session's view of the named contexts: each directory with its own .dockerignore, read through BuildKit. */
export async function loadNamedContexts(contexts: readonly NamedContextOpt[], sessionId: string | undefined, readIgnore: IgnoreReader): Promise<NamedContextInput[]> {
  const session = sessionId ? { sessionId } : {};
  return Promise.all(
    contexts.map(async (c): Promise<NamedContextInput> => {
      if (c.kind === 'image') return { key: c.key, value: { kind: 'image', ref: c.ref } };
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
