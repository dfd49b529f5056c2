// Every problem in one run: the urunc checks run even when the Containerfile has errors (on what
// could be read of it), the `# check=` directive (or BUILDKIT_DOCKERFILE_CHECK) applies, and the
// result is sorted by position.
import { fileLines, parseDirectives } from '../containerfile/directives.js';
import { lineRange, ruleDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { Platform } from '../platform.js';
import type { Plan } from '../plan/types.js';
import { CHECK_ARG, NO_CHECK_CONFIG, collectDiagnostics, parseCheckConfig, type CheckConfig } from '../urunc/check-config.js';
import type { UruncRelease } from '../urunc/releases.js';
import type { BuildInput } from './api.js';
import { resolveBases } from './bases.js';
import { uruncMetadata } from './metadata.js';
import { stageGraphs } from './stage-graph.js';

/** The check configuration: the build argument wins over the directive, as in BuildKit. */
export function checkConfig(input: Pick<BuildInput, 'file' | 'text' | 'buildArgs'>): { config: CheckConfig; diagnostics: Diagnostic[] } {
  const fromArg = input.buildArgs[CHECK_ARG];
  const text = fromArg ?? parseDirectives(input.text).check;
  if (text === undefined) return { config: NO_CHECK_CONFIG, diagnostics: [] };
  const parsed = parseCheckConfig(text);
  if (!('problem' in parsed)) return { config: parsed, diagnostics: [] };
  const line = fromArg !== undefined ? 1 : fileLines(input.text).findIndex((l) => /^\s*#\s*check\s*=/i.test(l)) + 1;
  const where = fromArg !== undefined ? ` (build argument ${CHECK_ARG})` : '';
  return { config: NO_CHECK_CONFIG, diagnostics: [ruleDiagnostic('check-directive', 'error', input.file, lineRange(Math.max(line, 1)), `${parsed.problem}${where}`)] };
}

/**
 * The urunc diagnostics of a plan that has errors elsewhere, without resolving its bases (a build
 * that fails anyway should not pull images). Empty when what was read is too broken to check.
 */
export async function partialDiagnostics(partial: Plan, input: BuildInput, target: Platform, release: UruncRelease): Promise<Diagnostic[]> {
  const unresolved: BuildInput = { ...input };
  delete unresolved.resolveImage;
  try {
    const { bases } = await resolveBases(partial, input.file, target, input.labels, undefined);
    const finalConfig = stageGraphs(partial, unresolved, bases, target).configs.get(partial.target);
    if (!finalConfig) return [];
    // The instructions in error are missing from the partial plan, so the files they would write
    // are too: a "not in the image" finding would only echo the error.
    return uruncMetadata(partial, unresolved, bases, target, finalConfig, release).diagnostics.filter((d) => d.rule !== 'urunc-missing-file');
  } catch {
    // The errors already found are what the user must fix first.
    return [];
  }
}

/** Applies the check configuration and sorts by position: what the user sees, in the file's order. */
export function finish(ds: readonly Diagnostic[], config: CheckConfig): Diagnostic[] {
  return collectDiagnostics([ds], config);
}
