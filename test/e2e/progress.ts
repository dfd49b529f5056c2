// What a plain progress log (`--progress=plain`, BuildKit v0.8 and buildx alike) says about its steps.

/** The step names of a plain progress log (`#N [stage i/n] RUN ...`) that the log marks `#N CACHED`. */
export function cachedSteps(log: string): string[] {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === 'CACHED') cached.add(m[1]!);
    else if (!names.has(m[1]!)) names.set(m[1]!, m[2]!);
  }
  return [...cached].map((n) => names.get(n) ?? `#${n}`);
}

