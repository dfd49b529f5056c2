// Containerfile → Plan. The public face of src/containerfile/.
export { buildPlan, containerfilePlanner, parseContainerfile, type ParsedContainerfile, type PlanOptions, type PlanResult } from './plan.js';
export { splitShellWords } from './lexer.js';
export { parseDirectives } from './directives.js';
export { decodeContainerfile } from './decode.js';
