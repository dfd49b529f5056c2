// The shared session: raw inputs → decoded, validated, per-platform graphs; the result check. The public face of src/session/.
export { parseBuildFile, type BuildFile } from './buildfile.js';
export { planSession, type GraphBuilder, type SessionInput, type SessionPlan } from './plan.js';
export { checkArtifacts, type ArtifactLookup } from './artifacts.js';
export { buildFileDeclarations, docComment, readDeclarations, type Declarations, type DeclaredArg, type Plan, type StageHeader } from './declarations.js';
export { NamedContextError, readNamedContexts, type NamedContextInput, type NamedContextValue } from './contexts.js';
export { firstRunStep, type PlannedRun } from './run-steps.js';
