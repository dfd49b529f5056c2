// Image bases: which ones a plan needs, for which platform, and what resolving them told us.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { stepSources } from '../plan/steps.js';
import { formatPlatform, type Platform } from '../platform.js';
import type { BaseImageFacts, Plan } from '../plan/types.js';
import type { ImageResolver, ResolvedImage } from './api.js';
import { basePlatform, fileLabels, fromChain, neededStages } from './stages.js';

/** Resolved bases, keyed by reference and platform (one ref can be wanted for two platforms). */
export class Bases {
  readonly #byKey = new Map<string, ResolvedImage>();

  static key(ref: string, platform: Platform): string {
    return `${ref} ${formatPlatform(platform)}`;
  }

  set(ref: string, platform: Platform, r: ResolvedImage): void {
    this.#byKey.set(Bases.key(ref, platform), r);
  }

  has(ref: string, platform: Platform): boolean {
    return this.#byKey.has(Bases.key(ref, platform));
  }

  get(ref: string, platform: Platform): ResolvedImage | undefined {
    return this.#byKey.get(Bases.key(ref, platform));
  }

  /** What a resolved base's config tells the plan: Env, WorkingDir, Shell. */
  facts(ref: string): BaseImageFacts | undefined {
    for (const [k, r] of this.#byKey) {
      if (!k.startsWith(`${ref} `) || !r.config) continue;
      const c = r.config.config ?? {};
      return { env: c.Env ?? [], ...(c.WorkingDir ? { workdir: c.WorkingDir } : {}), ...(c.Shell?.length ? { shell: c.Shell } : {}) };
    }
    return undefined;
  }

  /** Whether any base brings facts the plan uses (else planning again changes nothing). */
  get anyFacts(): boolean {
    return [...this.#byKey.values()].some((r) => {
      const c = r.config?.config;
      return (c?.Env?.length ?? 0) > 0 || !!c?.WorkingDir || (c?.Shell?.length ?? 0) > 0;
    });
  }
}

/** Resolves every image base the target needs; without a resolver, each gets a warning instead. */
export async function resolveBases(plan: Plan, file: string, target: Platform, cliLabels: Record<string, string>, resolve: ImageResolver | undefined): Promise<{ bases: Bases; warnings: Diagnostic[] }> {
  const bases = new Bases();
  const warnings: Diagnostic[] = [];
  const labels = fileLabels(plan, cliLabels);
  const finalChain = new Set(fromChain(plan).map((s) => s.index));
  for (const st of neededStages(plan)) {
    const wanted: Array<{ ref: string; platform: Platform }> = [];
    if (st.base.kind === 'image') wanted.push({ ref: st.base.ref, platform: basePlatform(st, finalChain.has(st.index), target, labels) });
    for (const from of st.steps.flatMap(stepSources)) if (from.kind === 'image') wanted.push({ ref: from.ref, platform: target });
    for (const w of wanted) {
      if (bases.has(w.ref, w.platform)) continue;
      if (resolve) {
        bases.set(w.ref, w.platform, await resolve(w.ref, w.platform));
        continue;
      }
      bases.set(w.ref, w.platform, {});
      warnings.push(
        diagnostic(
          'warning',
          file,
          st.range,
          `base image ${w.ref} was not resolved: its config (Env, Cmd, Entrypoint, WorkingDir, Labels) is not inherited; build through the frontend or punch build to inherit it`,
        ),
      );
    }
  }
  return { bases, warnings };
}
