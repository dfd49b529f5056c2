// Which LLB caps a RUN needs, checked against what the engine announced: a feature the engine lacks
// is an error at the flag that asks for it, not a build that breaks or silently ignores it.
import type { RunEngineOptions } from './api.js';
import { diagnostic, type Diagnostic, type SourceRange } from '../diagnostics.js';
import type { RunStep } from '../plan/types.js';

/** The first BuildKit (and Docker) release with each cap, for the message. */
const SINCE: Record<string, string> = {
  'exec.mount.tmpfs.size': 'BuildKit v0.10 (Docker 23)',
  'exec.meta.ulimit': 'BuildKit v0.10 (Docker 23)',
  'exec.meta.cgroup.parent': 'BuildKit v0.10 (Docker 23)',
  'exec.secretenv': 'BuildKit v0.10 (Docker 23)',
};

interface Need {
  cap: string;
  what: string;
  range: SourceRange;
}

function needs(step: RunStep, engine: RunEngineOptions): Need[] {
  const out: Need[] = [];
  for (const m of step.mounts) {
    const what = `--mount=type=${m.type}`;
    if (m.type === 'cache') out.push({ cap: 'exec.mount.cache', what, range: m.range }, { cap: 'exec.mount.cache.sharing', what, range: m.range });
    if (m.type === 'tmpfs') out.push({ cap: 'exec.mount.tmpfs', what, range: m.range });
    if (m.type === 'tmpfs' && m.size > 0) out.push({ cap: 'exec.mount.tmpfs.size', what: `${what},size=…`, range: m.range });
    if (m.type === 'secret') out.push({ cap: 'exec.mount.secret', what, range: m.range });
    if (m.type === 'ssh') out.push({ cap: 'exec.mount.ssh', what, range: m.range });
    if ((m.type === 'bind' || m.type === 'cache') && m.source !== '/') out.push({ cap: 'exec.mount.selector', what: `${what},source=…`, range: m.range });
  }
  if (step.network && step.network.value !== 'default') out.push({ cap: 'exec.meta.network', what: `--network=${step.network.value}`, range: step.network.range });
  if (step.security?.value === 'insecure') out.push({ cap: 'exec.meta.security', what: '--security=insecure', range: step.security.range });
  if (engine.ulimits?.length) out.push({ cap: 'exec.meta.ulimit', what: 'the ulimit option', range: step.range });
  if (engine.cgroupParent) out.push({ cap: 'exec.meta.cgroup.parent', what: 'the cgroup-parent option', range: step.range });
  return out;
}

/** Errors for the caps `step` needs that the engine lacks; none when the engine's caps are unknown. */
export function missingRunCaps(file: string, step: RunStep, engine: RunEngineOptions | undefined): Diagnostic[] {
  const caps = engine?.llbCaps;
  if (!caps) return [];
  const seen = new Set<string>();
  return needs(step, engine).flatMap((n) => {
    if (caps.has(n.cap) || seen.has(n.cap)) return [];
    seen.add(n.cap);
    const since = SINCE[n.cap] ? `, added in ${SINCE[n.cap]}` : '';
    return [diagnostic('error', file, n.range, `RUN ${n.what} needs the engine's LLB cap ${n.cap}${since}, which this engine lacks: drop it or build on a newer BuildKit`)];
  });
}
