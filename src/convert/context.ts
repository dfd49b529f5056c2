// Which files of the build context a build needs: BuildKit then transfers only those.
import { cleanPath } from '../gopath.js';
import type { CopyStep } from '../plan/types.js';

/**
 * Include patterns for the context local, derived from the COPY/ADD sources that read the context.
 * `undefined` means the whole context (a source names the context root).
 */
export function contextIncludePatterns(steps: readonly CopyStep[]): string[] | undefined {
  const patterns = new Set<string>();
  for (const step of steps) {
    if (step.from.kind !== 'context') continue;
    for (const src of step.sources) {
      const clean = cleanPath(`/${src.value}`).slice(1);
      if (clean === '' || clean === '.') return undefined;
      patterns.add(clean);
    }
  }
  return [...patterns].sort();
}
