// Path patterns: moby/patternmatcher (.dockerignore, local include/exclude, copy include/exclude) and
// Go's filepath.Match (COPY wildcards). Paths are slash-separated and relative (`a/b/c`).
import { cleanPath } from '../gopath.js';
import { cleanComponents } from './tree.js';

const REGEX_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** patternmatcher's pattern → regexp translation (`**` spans directories, `*` and `?` do not). */
function dockerPatternRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      re += i + 1 < pattern.length ? `\\${pattern[++i]}` : '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
    } else if (REGEX_SPECIAL.has(ch)) {
      re += `\\${ch}`;
    } else {
      re += ch;
    }
  }
  try {
    return new RegExp(`${re}$`, 's');
  } catch {
    throw new Error(`invalid pattern "${pattern}"`);
  }
}

interface Pattern {
  exclusion: boolean;
  dirs: number;
  re: RegExp;
}

/** A list of patterns where a later `!pattern` re-includes what an earlier one matched. */
export class PatternMatcher {
  readonly #patterns: Pattern[] = [];
  /** True when some pattern starts with `!` (an excluded dir may then still hold included paths). */
  readonly exclusions: boolean;

  constructor(patterns: readonly string[]) {
    let exclusions = false;
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        exclusion = true;
        exclusions = true;
        p = p.slice(1);
      }
      p = goClean(p);
      this.#patterns.push({ exclusion, dirs: p.split('/').length, re: dockerPatternRegex(p) });
    }
    this.exclusions = exclusions;
  }

  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  /** patternmatcher's MatchesOrParentMatches: a pattern matching a parent dir matches its contents too. */
  matches(file: string): boolean {
    const parentDirs = file.split('/').slice(0, -1);
    let matched = false;
    for (const pattern of this.#patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.re.test(file);
      for (let i = 0; !match && i < parentDirs.length; i++) {
        match = pattern.re.test(parentDirs.slice(0, i + 1).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

/** Go's filepath.Clean on slash paths (keeps a leading `/` if there is one). */
export const goClean = cleanPath;

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
