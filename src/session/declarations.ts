// What the frontend's subrequests (outline, targets, lint) read of a build file without building it:
// its plan for one platform, and its declarations as written (stages, doc comments).
export { docComment, readDeclarations, type Declarations, type StageHeader } from '../containerfile/declarations.js';
export { buildPlan } from '../containerfile/index.js';
export type { DeclaredArg, Plan } from '../plan/types.js';
