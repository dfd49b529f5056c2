// COPY sources that .dockerignore keeps out of the build context. BuildKit never receives such a file,
// and its own error (`failed to compute cache key: "/app.hvt" not found`) does not say why; punch
// reports it at the COPY with the pattern that excludes it.
import { posix } from 'node:path';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { CopyStep } from '../plan/types.js';

interface IgnorePattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
}

// Characters with a regexp meaning but none in filepath.Match; `[`/`]` stay classes, as in Go.
const ESCAPED = new Set(['.', '$', '^', '+', '(', ')', '|', '{', '}']);

/** moby/patternmatcher's translation: `**` spans folders, `*` and `?` stay within one. */
function patternRegex(pattern: string): RegExp | undefined {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++;
      re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\') re += i + 1 < pattern.length ? `\\${pattern[++i]}` : '\\\\';
    else if (ESCAPED.has(ch)) re += `\\${ch}`;
    else re += ch;
  }
  try {
    return new RegExp(`${re}$`, 's');
  } catch {
    return undefined; // an invalid pattern fails in BuildKit with its own message
  }
}

function compile(patterns: readonly string[]): IgnorePattern[] | undefined {
  const out: IgnorePattern[] = [];
  for (const raw of patterns) {
    const exclusion = raw.startsWith('!');
    const text = exclusion ? raw.slice(1) : raw;
    if (text === '') continue;
    const re = patternRegex(text);
    if (!re) return undefined;
    out.push({ text: raw, exclusion, re });
  }
  return out;
}

/**
 * patternmatcher's MatchesOrParentMatches: the last pattern that matches the path or one of its
 * parent folders decides. Returns the excluding pattern, or undefined when the path is sent.
 */
function excludedBy(patterns: readonly IgnorePattern[], path: string): IgnorePattern | undefined {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched: IgnorePattern | undefined;
  for (const p of patterns) {
    if (p.exclusion !== (matched !== undefined)) continue;
    if (candidates.some((c) => p.re.test(c))) matched = p.exclusion ? undefined : p;
  }
  return matched;
}

const WILDCARD = /[*?[\\]/;

/**
 * Errors for COPY/ADD sources of the context that the ignore patterns exclude. Only literal paths
 * are checked, and only when no `!` pattern could bring back something below them.
 */
export function ignoredSources(file: string, steps: readonly CopyStep[], excludePatterns: readonly string[]): Diagnostic[] {
  if (excludePatterns.length === 0) return [];
  const patterns = compile(excludePatterns);
  if (!patterns) return [];
  const out: Diagnostic[] = [];
  for (const step of steps) {
    if (step.from.kind !== 'context') continue;
    for (const src of step.sources) {
      if (WILDCARD.test(src.value)) continue;
      const path = posix.normalize(`/${src.value}`).replace(/^\/+/, '').replace(/\/+$/, '');
      if (path === '' || path === '.') continue;
      const by = excludedBy(patterns, path);
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
