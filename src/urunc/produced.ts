// Which paths the final stage's COPY/ADD steps write, so that binary/initrd/block can be checked
// to exist at build time. Statically a COPY source may be a file or a directory, and a wildcard
// matches names we cannot list: those cases become a `tree` (anything under a directory) so the
// check never rejects a path that might exist.
import type { SourceRange } from '../diagnostics.js';
import { copySteps } from '../plan/steps.js';
import type { CopyStep, Plan } from '../plan/types.js';
import { cleanPath } from '../gopath.js';

export type ProducedPath =
  /** Exactly this file (absolute, clean). */
  | { kind: 'file'; path: string; range: SourceRange }
  /** Unknown names below this directory (absolute, clean): a directory source, a wildcard, an archive. */
  | { kind: 'tree'; dir: string; range: SourceRange };

/** What the caller knows about a source: `undefined` when it cannot tell (the check then accepts both). */
export type SourceKindOracle = (step: CopyStep, source: string) => 'file' | 'dir' | undefined;

const wildcard = /[*?[]/;

function isUrl(source: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source) || source.startsWith('git@');
}

/** Last path element of a source (URL path for URLs), '' when there is none. */
function baseName(source: string): string {
  const path = isUrl(source) ? source.replace(/^[^:]+:\/\/[^/]*/, '').replace(/[?#].*$/, '') : source;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts[parts.length - 1] ?? '';
}

function join(dir: string, name: string): string {
  return cleanPath(`${dir}/${name}`);
}

/** The paths one COPY/ADD writes (BuildKit semantics: a trailing `/` or several sources make dest a directory). */
export function producedByCopy(step: CopyStep, sourceKind?: SourceKindOracle): ProducedPath[] {
  const range = step.range;
  const destWritten = step.dest.value;
  const dest = cleanPath(destWritten.startsWith('/') ? destWritten : `/${destWritten}`);
  const intoDir = destWritten.endsWith('/') || step.sources.length + step.inline.length > 1;
  const out: ProducedPath[] = [];
  const tree = (): void => void out.push({ kind: 'tree', dir: dest, range });
  for (const { value: source } of step.sources) {
    const url = isUrl(source);
    const pattern = !url && wildcard.test(source);
    const name = baseName(source);
    // Into a directory, a file keeps its own name; a pattern's names are unknown.
    const filePath = !intoDir ? dest : name === '' || pattern ? undefined : join(dest, name);
    const dirSyntax = !url && (source.endsWith('/') || name === '' || /(^|\/)\.\.?$/.test(source));
    const kind = url || pattern ? undefined : dirSyntax ? 'dir' : sourceKind?.(step, source);
    if (kind !== 'dir' && filePath !== undefined) out.push({ kind: 'file', path: filePath, range });
    if (kind !== 'file') tree();
  }
  // A here-document is one file, named after its word inside a directory destination.
  for (const doc of step.inline) out.push({ kind: 'file', path: intoDir ? join(dest, doc.name) : dest, range });
  return dedupe(out);
}

function dedupe(paths: ProducedPath[]): ProducedPath[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const id = p.kind === 'file' ? `f:${p.path}` : `t:${p.dir}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export interface StageFiles {
  produced: ProducedPath[];
  /** Where the chain of `FROM <stage>` ends: scratch means `produced` is the whole rootfs. */
  base: 'scratch' | 'image';
}

/** Paths written by a stage and every stage it is built FROM (earlier stages first). */
export function stageFiles(plan: Plan, stageIndex: number, sourceKind?: SourceKindOracle): StageFiles {
  const chain: number[] = [];
  let index = stageIndex;
  for (;;) {
    const stage = plan.stages[index];
    if (stage === undefined || chain.includes(index)) return { produced: [], base: 'image' };
    chain.unshift(index);
    if (stage.base.kind !== 'stage') {
      const base = stage.base.kind === 'scratch' ? 'scratch' : 'image';
      const produced = chain.flatMap((i) => copySteps([plan.stages[i]!]).flatMap((s) => producedByCopy(s, sourceKind)));
      // An initrd step writes exactly its archive.
      for (const s of chain.flatMap((i) => plan.stages[i]!.steps)) {
        if (s.kind === 'initrd') produced.push({ kind: 'file', path: cleanPath(`/${s.dest.value}`), range: s.range });
      }
      // A RUN may write anywhere: what it makes is known only once the build has run.
      const run = chain.flatMap((i) => plan.stages[i]!.steps).find((s) => s.kind === 'run');
      if (run) produced.push({ kind: 'tree', dir: '/', range: run.range });
      return { produced: dedupe(produced), base };
    }
    index = stage.base.stage;
  }
}

export type Presence = { kind: 'file' } | { kind: 'maybe' } | { kind: 'directory' } | { kind: 'absent' };

/** Whether an absolute clean path is written by `produced`. */
export function findProduced(path: string, produced: readonly ProducedPath[]): Presence {
  if (produced.some((p) => p.kind === 'file' && p.path === path)) return { kind: 'file' };
  if (produced.some((p) => p.kind === 'tree' && (p.dir === '/' || path.startsWith(p.dir + '/')))) return { kind: 'maybe' };
  if (produced.some((p) => p.kind === 'tree' && p.dir === path)) return { kind: 'directory' };
  return { kind: 'absent' };
}
