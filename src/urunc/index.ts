// urunc metadata: what each urunc release accepts (releases.ts), the named check rules (rules.ts),
// validation of labels from any input (Containerfile, bunnyfile: labels with their ranges), /urunc.json
// bytes, command-line consistency, and collectDiagnostics: the findings of every check with the
// `# check=` configuration applied, in file order.
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
export {
  CHECK_ARG,
  NO_CHECK_CONFIG,
  parseCheckConfig,
  applyCheckConfig,
  collectDiagnostics,
  type CheckConfig,
} from './check-config.js';
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
export { suggest } from './suggest.js';
