// COPY wildcards: Go's filepath.Match and fsutil's wildcard splitting. Include/exclude patterns
// (.dockerignore, local and copy include/exclude) are src/patterns' PatternMatcher.
import { cleanComponents } from './tree.js';

/** Go's filepath.Match (whole-string match; `*`/`?` never cross `/`; `[^...]` negates; `\` escapes). */
export function globToRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\') re += i + 1 < pattern.length ? escapeRegex(pattern[++i]!) : '\\\\';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`invalid wildcard pattern "${pattern}": unterminated [`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^/' : ''}${body.replace(/[\]\\]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else re += escapeRegex(ch);
  }
  return new RegExp(`${re}$`, 's');
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** fsutil's containsWildcards: `*`, `?` or `[` not escaped by a backslash. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** fsutil's splitWildcards on an absolute path: the directory part before the first wildcard, and the rest. */
export function splitWildcards(p: string): { dir: string[]; rest: string[] } {
  const comps = cleanComponents(p);
  const i = comps.findIndex(containsWildcards);
  return i < 0 ? { dir: comps, rest: [] } : { dir: comps.slice(0, i), rest: comps.slice(i) };
}
