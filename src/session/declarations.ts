// What the frontend's subrequests (outline, targets, lint) read of a build file without building it:
// its plan for one platform (the build file's own planner), and its declarations as written (stages,
// doc comments).
import { readDeclarations, type Declarations } from '../containerfile/declarations.js';
import type { BuildFile } from './buildfile.js';

export { docComment, readDeclarations, type Declarations, type StageHeader } from '../containerfile/declarations.js';
export type { DeclaredArg, Plan } from '../plan/types.js';

/**
 * The stages a build file declares. A bunnyfile declares one unnamed stage (the whole file) with no
 * base as written, and has no comments that describe stages or args.
 */
export function buildFileDeclarations(file: BuildFile): Declarations {
  if (file.kind === 'containerfile') return readDeclarations(file.text);
  const lines = file.text.replace(/\n$/, '').split('\n').length;
  return {
    stages: [{ name: '', base: '', platform: '', range: { start: { line: 1, col: 1 }, end: { line: lines, col: 1 } }, description: '' }],
    comments: new Map(),
  };
}
