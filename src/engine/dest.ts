// Output destinations: the folders above `dest` that are missing are made first, as buildctl's and
// buildx's local exporters do (`--output type=oci,dest=out/x.tar` in a fresh checkout just works),
// and removed again when the export fails, so a failed build still leaves nothing behind.
import { mkdirSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The folder's stats, or undefined when it is missing (ENOTDIR: a file above it; found further up). */
function statIfThere(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Makes the missing parent folders of `dest` (absolute), outermost first; returns the ones it made. */
export function makeParentDirs(dest: string): string[] {
  const missing: string[] = [];
  let dir = dirname(dest);
  for (;;) {
    const st = statIfThere(dir);
    if (st !== undefined) {
      if (!st.isDirectory()) throw new Error(`output ${dest}: ${dir} is a file, not a folder; choose another dest`);
      break;
    }
    missing.unshift(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const made: string[] = [];
  try {
    for (const d of missing) {
      mkdirSync(d, { mode: 0o755 });
      made.push(d);
    }
  } catch (e) {
    removeMadeDirs(made);
    throw new Error(`output ${dest}: cannot create the folder ${missing[made.length]}: ${(e as Error).message}`);
  }
  return made;
}

/** Removes folders makeParentDirs made, innermost first; a folder something else has filled stays. */
export function removeMadeDirs(made: readonly string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or gone): leave it and its parents
    }
  }
}
