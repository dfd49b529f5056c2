// Build-file bytes → a build file read once: decoded (invalid UTF-8 and NUL are errors at their
// position, whichever way in the bytes came) and parsed into a Planner that every platform reuses.
// This is where a new kind of build file plugs in: detect it here and return its own Planner.
import { containerfilePlanner, decodeContainerfile } from '../containerfile/index.js';
import type { Planner } from '../plan/types.js';

export interface BuildFile {
  kind: 'containerfile';
  /** The name diagnostics show (`Containerfile`, `sub/Containerfile`). */
  file: string;
  /** The decoded text (the frontend's Warn shows it to BuildKit's clients). */
  text: string;
  /** Plans the file for one target platform; the file is not read again. */
  planner: Planner;
}

/** Decodes and reads a build file; throws PunchError at the first byte that is not text. */
export function parseBuildFile(bytes: Uint8Array, file: string): BuildFile {
  const text = decodeContainerfile(bytes, file);
  return { kind: 'containerfile', file, text, planner: containerfilePlanner(text) };
}
