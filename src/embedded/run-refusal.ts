// punch build has no container runtime: a graph with RUN steps is refused before anything runs or is
// written, at the first RUN's line, naming the two ways that can build it.
import { diagnostic, PunchError, type SourceRange } from '../diagnostics.js';

export interface RefusalContext {
  /** The Containerfile as the user named it. */
  file: string;
  /** The context directory as the user named it. */
  contextDir: string;
}

/** Quotes a word for a POSIX shell only when it needs it. */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The error for the build's first RUN (src/session's firstRunStep). */
export function runRefusal(run: { range: SourceRange; description: string }, at: RefusalContext): PunchError {
  const ctx = sh(at.contextDir);
  const llb = `punch llb -f ${sh(at.file)} ${ctx} | buildctl build --local context=${ctx} --output type=oci,dest=image.tar`;
  return new PunchError([
    diagnostic(
      'error',
      at.file,
      run.range,
      `punch build cannot run ${run.description.split('\n')[0]}: the embedded builder has no container runtime. ` +
        `Build this file with BuildKit instead: \`${llb}\`, or through the frontend (put \`# syntax=<registry>/punch:<tag>\` ` +
        `first in ${at.file} and run \`docker buildx build -f ${sh(at.file)} ${ctx}\`)`,
    ),
  ]);
}
