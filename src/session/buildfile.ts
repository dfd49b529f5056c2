// Build-file bytes → a build file read once: decoded (invalid UTF-8 and NUL are errors at their
// position, whichever way in the bytes came) and parsed into a Planner that every platform reuses.
// This is where a new kind of build file plugs in: detect it here and return its own Planner.
import { isBunnyfile, readBunnyfile, looksLikeYaml, yamlTopKeys } from '../bunnyfile/index.js';
import { containerfilePlanner, decodeContainerfile } from '../containerfile/index.js';
import { diagnostic, hasErrors, lineRange } from '../diagnostics.js';
import type { Planner } from '../plan/types.js';
import type { Platform } from '../platform.js';

export interface BuildFile {
  kind: 'containerfile' | 'bunnyfile';
  /** The name diagnostics show (`Containerfile`, `sub/Containerfile`, `bunnyfile`). */
  file: string;
  /** The decoded text (the frontend's Warn shows it to BuildKit's clients). */
  text: string;
  /** Plans the file for one target platform; the file is not read again. */
  planner: Planner;
  /** The platform the file itself asks for (a bunnyfile's platforms.architecture); `--platform` wins. */
  platform?: Platform;
}

/**
 * A Containerfile that does not parse and reads as YAML is most likely a YAML file given by mistake
 * (or a bunnyfile without its keys): one error that says so, rather than one per `key:` line.
 */
function yamlAware(planner: Planner, text: string, file: string): Planner {
  if (!looksLikeYaml(text)) return planner;
  return (opts) => {
    const result = planner(opts);
    if (!hasErrors(result.diagnostics)) return result;
    const keys = yamlTopKeys(text);
    const found = keys && keys.length > 0 ? ` (its keys: ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''})` : '';
    const message = `${file} looks like YAML${found}, not a Containerfile, and is not a bunnyfile: a bunnyfile is a YAML mapping with the keys version, platforms and kernel (version: v0.1)`;
    return { diagnostics: [diagnostic('error', file, lineRange(1), message)] };
  };
}

/** Decodes and reads a build file; throws PunchError at the first byte that is not text. */
export function parseBuildFile(bytes: Uint8Array, file: string): BuildFile {
  const text = decodeContainerfile(bytes, file);
  if (isBunnyfile(text)) {
    const { planner, platform } = readBunnyfile(text, file);
    return { kind: 'bunnyfile', file, text, planner, ...(platform ? { platform } : {}) };
  }
  return { kind: 'containerfile', file, text, planner: yamlAware(containerfilePlanner(text), text, file) };
}
