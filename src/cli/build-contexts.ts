// `--build-context NAME=DIR|docker-image://REF|oci-layout://PATH[:TAG|@DIGEST]` (as `docker buildx
// build` takes it) → the session's named contexts. A directory is read from disk: its existence, its
// own .dockerignore, a stable `local.unique`; an oci-layout path is made absolute against the cwd.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NamedContextError, readNamedContexts, type NamedContextInput } from '../session/index.js';
import { contextUnique } from './inputs.js';
import { UsageError } from './usage-error.js';

const FORMS = 'write --build-context NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://PATH[:TAG]';

export interface BuildContexts {
  contexts: NamedContextInput[];
  /** Each directory by its local name (the key): `punch build` reads them, `punch llb` names them for buildctl --local. */
  dirs: Record<string, string>;
}

/** Reads every `--build-context` value; a malformed one is a usage error naming the flag and the forms. */
export function readBuildContexts(values: readonly string[] | undefined, cwd: string): BuildContexts {
  const contexts: NamedContextInput[] = [];
  const dirs: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (key === '' || value === '') throw new UsageError(`--build-context ${item}: expected NAME=VALUE; ${FORMS}`);
    if (key in dirs || contexts.some((c) => c.key === key)) throw new UsageError(`--build-context ${item}: ${key} is given twice; give each name once`);
    if (value.startsWith('docker-image://')) {
      contexts.push({ key, value: { kind: 'image', ref: value.slice('docker-image://'.length) } });
      continue;
    }
    if (value.startsWith('oci-layout://')) {
      const rest = value.slice('oci-layout://'.length);
      if (rest === '') throw new UsageError(`--build-context ${item}: the oci-layout:// path is empty; ${FORMS}`);
      // The tag or digest follows the path's last component: make only the path absolute.
      const m = /^(.*?)((?:@[a-z0-9]+:[0-9a-f]+)|(?::[\w][\w.-]*))?$/.exec(rest.replace(/\/$/, ''))!;
      const path = resolve(cwd, m[1]!);
      contexts.push({ key, value: { kind: 'oci-layout', ref: `oci-layout://${path}${m[2] ?? ''}` } });
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^git@/.test(value)) {
      throw new UsageError(`--build-context ${item}: punch's local builds read no remote contexts: clone or download it and pass the directory, or build through BuildKit (docker buildx build), whose punch frontend fetches it; ${FORMS}`);
    }
    const dir = resolve(cwd, value);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--build-context ${item}: ${value} is not a directory; ${FORMS}`);
    const ignore = resolve(dir, '.dockerignore');
    contexts.push({
      key,
      value: { kind: 'local', local: { name: key, unique: contextUnique(dir) }, ...(existsSync(ignore) ? { ignore: readFileSync(ignore) } : {}) },
    });
    dirs[key] = dir;
  }
  // Keys and references checked now, so a bad one is a usage error naming the flag.
  try {
    readNamedContexts(contexts.filter((c) => c.value.kind !== 'local'));
  } catch (e) {
    if (e instanceof NamedContextError) throw new UsageError(`--build-context: ${e.message}`);
    throw e;
  }
  return { contexts, dirs };
}
