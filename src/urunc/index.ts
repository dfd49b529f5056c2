// urunc metadata: what urunc accepts, build-time validation, /urunc.json bytes, command-line consistency.
export {
  URUNC_PREFIX,
  KNOWN_KEYS,
  REQUIRED_KEYS,
  RUNTIME_ONLY_KEYS,
  RENAMED_KEYS,
  MAX_VALUE_BYTES,
  GO_BOOLS,
  fullKey,
  type KnownKey,
} from './keys.js';
export type { Diagnostic, Severity, SourceRange, SourcePos } from '../diagnostics.js';
export {
  RELEASES,
  KNOWN_RELEASES,
  DEFAULT_RELEASE,
  URUNC_VERSION_ARG,
  findRelease,
  knownVersions,
  describeReleases,
  unknownReleaseMessage,
  type UruncRelease,
  type SpecEncoding,
  type CmdlineUse,
  type Citation,
} from './releases.js';
export { RULES, DEFAULT_RULE, ruleAnchor, isRuleName, type RuleInfo, type RuleName } from './rules.js';
export { validateUrunc, type LabelInput, type UruncContext, type UruncResult } from './validate.js';
export { renderUruncJson, parseUruncJson } from './json.js';
export { reconcileCommandLine, type CommandLineInput, type CommandLine } from './cmdline.js';
export { unikraftBasePlatform } from './platform.js';
export {
  producedByCopy,
  stageFiles,
  findProduced,
  type ProducedPath,
  type SourceKindOracle,
  type StageFiles,
  type Presence,
} from './produced.js';
export { pathProblem } from './paths.js';
