// COPY sources that .dockerignore keeps out of the build context. BuildKit never receives such a file,
// and its own error (`failed to compute cache key: "/app.hvt" not found`) does not say why; punch
// reports it at the COPY with the pattern that excludes it.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { cleanPath } from '../gopath.js';
import { PatternError, PatternMatcher } from '../patterns/index.js';
import type { CopyStep } from '../plan/types.js';

const WILDCARD = /[*?[\\]/;

/**
 * Errors for COPY/ADD sources of the context that the ignore patterns exclude. Only literal paths
 * are checked, and only when no `!` pattern could bring back something below them.
 */
export function ignoredSources(file: string, steps: readonly CopyStep[], excludePatterns: readonly string[]): Diagnostic[] {
  if (excludePatterns.length === 0) return [];
  let matcher: PatternMatcher;
  try {
    matcher = new PatternMatcher(excludePatterns);
  } catch (e) {
    // src/session reports a bad pattern at its line in the ignore file, before any graph is built.
    if (e instanceof PatternError) return [];
    throw e;
  }
  const patterns = matcher.patterns;
  const out: Diagnostic[] = [];
  for (const step of steps) {
    if (step.from.kind !== 'context') continue;
    for (const src of step.sources) {
      if (WILDCARD.test(src.value)) continue;
      const path = cleanPath(`/${src.value}`).slice(1);
      if (path === '' || path === '.') continue;
      const by = matcher.matchedBy(path);
      if (!by) continue;
      const reincludes = patterns.some((p) => p.exclusion && (WILDCARD.test(p.text) || p.text.slice(1).startsWith(`${path}/`)));
      if (reincludes) continue;
      out.push(
        diagnostic(
          'error',
          file,
          src.range,
          `${step.instruction} source ${src.value} is excluded by the .dockerignore pattern "${by.text}", so it is not sent to the builder: ` +
            'remove it from .dockerignore or stop copying it',
        ),
      );
    }
  }
  return out;
}
