// The check every engine runs on its result: each file a urunc label names (binary, initrd, block)
// must be a file in the built image. The engine supplies the lookup; the verdict is written once here.
import { missingArtifactMessage, type Artifact } from '../convert/index.js';
import { PunchError, diagnostic } from '../diagnostics.js';

/**
 * What the result holds at a path: `'file'`, another entry type (`'directory'`, `'symlink'`, ...),
 * undefined when nothing is there, or `'unchecked'` when the engine cannot tell.
 */
export type ArtifactLookup = (path: string) => Promise<string | undefined>;

/** Throws one PunchError naming every artifact the result lacks; `platform` names the image in a multi-platform build. */
export async function checkArtifacts(file: string, artifacts: readonly Artifact[], lookup: ArtifactLookup, platform = ''): Promise<void> {
  const found = await Promise.all(artifacts.map((a) => lookup(a.path)));
  const missing = artifacts.flatMap((a, i) =>
    found[i] === 'file' || found[i] === 'unchecked' ? [] : [diagnostic('error', file, a.range, missingArtifactMessage(a, found[i], platform))],
  );
  if (missing.length > 0) throw new PunchError(missing);
}
