// Which files of the build context a build needs: BuildKit then transfers only those.
import { cleanPath } from '../gopath.js';
import type { Step } from '../plan/types.js';

/**
 * Include patterns for the context local, derived from the COPY/ADD sources and RUN mounts that read the context.
 * `undefined` means the whole context (a source names the context root).
 */
export function contextIncludePatterns(steps: readonly Step[]): string[] | undefined {
  const patterns = new Set<string>();
  for (const src of steps.flatMap(contextPaths)) {
    const clean = cleanPath(`/${src}`).slice(1);
    if (clean === '' || clean === '.') return undefined;
    patterns.add(clean);
  }
  return [...patterns].sort();
}

/** The context paths a step reads: COPY sources, RUN bind (and cache) mount sources, initrd items. */
function contextPaths(step: Step): string[] {
  if (step.kind === 'copy') return step.from.kind === 'context' ? step.sources.map((s) => s.value) : [];
  if (step.kind === 'initrd') return step.items.flatMap((i) => (i.from.kind === 'context' ? [i.source.value] : []));
  return step.mounts.flatMap((m) => ((m.type === 'bind' || m.type === 'cache') && m.from?.kind === 'context' ? [m.source] : []));
}
