// `# check=skip=<rule>[,<rule>];error=true`: the parser directive Docker's Dockerfile frontend reads
// for its lint rules (and the BUILDKIT_DOCKERFILE_CHECK build argument, which overrides it), applied
// to punch's rules with the same syntax: up to three `;`-separated `key=value` parts, keys `skip`
// (rule names, or `all`), `error` (a Go boolean) and `experimental` (accepted; punch has no
// experimental rules).
import { sortByPosition, type Diagnostic } from '../diagnostics.js';
import { DEFAULT_RULE } from './rules.js';

export interface CheckConfig {
  skipAll: boolean;
  skip: readonly string[];
  /** `error=true`: every warning that is reported fails the build, as an error. */
  error: boolean;
}

export const NO_CHECK_CONFIG: CheckConfig = { skipAll: false, skip: [], error: false };

/** The build argument that overrides the directive, as in BuildKit. */
export const CHECK_ARG = 'BUILDKIT_DOCKERFILE_CHECK';

const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

function names(v: string): string[] {
  return v.split(',').map((r) => r.trim());
}

/** Parses the directive's value the way BuildKit's linter.ParseLintOptions does. */
export function parseCheckConfig(text: string): CheckConfig | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === '') return NO_CHECK_CONFIG;
  let skipAll = false;
  let skip: string[] = [];
  let error = false;
  // Go's strings.SplitN(s, ";", 3): a third part keeps any further `;`.
  const parts = trimmed.split(';');
  const limited = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(';')] : parts;
  for (const part of limited) {
    const eq = part.indexOf('=');
    if (eq < 0) return { problem: `invalid check option "${part}": write skip=<rule>[,<rule>], skip=all or error=true, separated by ;` };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'skip') {
      if (value === 'all') skipAll = true;
      else skip = names(value);
    } else if (key === 'error') {
      if (GO_TRUE.includes(value)) error = true;
      else if (GO_FALSE.includes(value)) error = false;
      else return { problem: `invalid check option "${part}": error takes a boolean (true or false)` };
    } else if (key !== 'experimental') {
      return { problem: `invalid check option "${key}": punch knows skip, error and experimental` };
    }
  }
  return { skipAll, skip, error };
}

/**
 * Drops the warnings of skipped rules and, with `error=true`, turns the remaining warnings into
 * errors. Errors are never skipped: they mean the selected urunc release refuses the image.
 */
export function applyCheckConfig(ds: readonly Diagnostic[], config: CheckConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of ds) {
    if (d.severity === 'error') {
      out.push(d);
      continue;
    }
    const rule = d.rule ?? DEFAULT_RULE;
    if (config.skipAll || config.skip.includes(rule)) continue;
    out.push(config.error ? { ...d, severity: 'error', message: `${d.message} (check=error=true)` } : d);
  }
  return out;
}

/**
 * What a user sees from any input (Containerfile, bunnyfile): the diagnostics of every check, the
 * check configuration applied, sorted by position. One call per file.
 */
export function collectDiagnostics(groups: ReadonlyArray<readonly Diagnostic[]>, config: CheckConfig = NO_CHECK_CONFIG): Diagnostic[] {
  return sortByPosition(applyCheckConfig(groups.flat(), config));
}
