// Which files of the build context a build needs: BuildKit then transfers only those.
import { cleanPath } from '../gopath.js';
import type { CopyFrom, Step } from '../plan/types.js';

const mainContext = (from: CopyFrom): boolean => from.kind === 'context';

/**
 * Include patterns for a context local, derived from the COPY/ADD sources and RUN mounts that read it
 * (`reads`: the main context unless told). `undefined` means the whole context (a source names its root).
 */
export function contextIncludePatterns(steps: readonly Step[], reads: (from: CopyFrom) => boolean = mainContext): string[] | undefined {
  const patterns = new Set<string>();
  for (const src of steps.flatMap((s) => contextPaths(s, reads))) {
    const clean = cleanPath(`/${src}`).slice(1);
    if (clean === '' || clean === '.') return undefined;
    patterns.add(clean);
  }
  return [...patterns].sort();
}

/** The context paths a step reads: COPY sources, RUN bind (and cache) mount sources, initrd items. */
function contextPaths(step: Step, reads: (from: CopyFrom) => boolean): string[] {
  if (step.kind === 'copy') return reads(step.from) ? step.sources.map((s) => s.value) : [];
  if (step.kind === 'initrd') return step.items.flatMap((i) => (reads(i.from) ? [i.source.value] : []));
  if (step.kind === 'workdir') return [];
  return step.mounts.flatMap((m) => ((m.type === 'bind' || m.type === 'cache') && m.from && reads(m.from) ? [m.source] : []));
}
