// moby/patternmatcher's rules, used for .dockerignore excludes and local include/exclude patterns
// alike: patterns are trimmed and path-cleaned; `!` re-includes what an earlier pattern matched;
// `*` and `?` stay within one path element, `**` spans any number; `[...]` is a character class.
// A path is matched when it or one of its parent folders matches (MatchesOrParentMatches).
import { cleanPath } from '../gopath.js';
import { BAD_PATTERN, matchSyntaxError } from './syntax.js';

/** A pattern punch cannot use, and why; BuildKit's clients fail the build on the same patterns. */
export class PatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid pattern "${pattern}": ${reason}`);
    this.name = 'PatternError';
  }
}

// Characters with a regexp meaning but none in filepath.Match. Not `^`: patternmatcher passes it through.
const ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

type Test = (path: string) => boolean;

/**
 * patternmatcher's compile: a pattern without wildcards is compared as a string; `prefix**` and
 * `**suffix` are prefix and suffix tests; anything else becomes a regular expression (Go's `.`
 * does not match a newline, so no `s` flag).
 */
function compile(pattern: string): Test {
  const chars = [...pattern];
  let re = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0, at = 0; at < chars.length; i++) {
    const ch = chars[at++]!;
    if (ch === '*') {
      if (chars[at] === '*') {
        at++;
        if (chars[at] === '/') at++;
        if (at >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPED.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (at < chars.length) {
        re += `\\${chars[at++]}`;
        kind = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      // `**/foo` also matches `foo` itself.
      const suffix = pattern.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      let compiled: RegExp;
      try {
        compiled = new RegExp(`${re}$`);
      } catch (e) {
        throw new PatternError(pattern, `${BAD_PATTERN} (${(e as Error).message})`);
      }
      return (path) => compiled.test(path);
    }
  }
}

export interface Pattern {
  /** As given (trimmed), `!` included: what a message about it quotes. */
  text: string;
  exclusion: boolean;
  test: Test;
}

/** A list of patterns where the last one that matches a path (or a parent folder of it) decides. */
export class PatternMatcher {
  readonly patterns: readonly Pattern[];
  /** True when some pattern starts with `!` (an excluded folder may then still hold included paths). */
  readonly exclusions: boolean;

  /** Throws PatternError for `!` alone and for what filepath.Match or the regexp rejects. */
  constructor(patterns: readonly string[]) {
    const out: Pattern[] = [];
    for (const raw of patterns) {
      const text = raw.trim();
      if (text === '') continue;
      // As patternmatcher.New: cleaned before the `!` is taken off.
      let p = cleanPath(text);
      const exclusion = p.startsWith('!');
      if (exclusion) {
        if (p.length === 1) throw new PatternError(text, 'illegal exclusion pattern: "!" re-includes nothing; name what to re-include, as in !keep.txt');
        p = p.slice(1);
      }
      const bad = matchSyntaxError(p);
      if (bad) throw new PatternError(text, `${BAD_PATTERN}: ${bad}`);
      out.push({ text, exclusion, test: compile(p) });
    }
    this.patterns = out;
    this.exclusions = out.some((p) => p.exclusion);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** The pattern that decides that `file` (slash-separated, relative) matches, or undefined when it does not. */
  matchedBy(file: string): Pattern | undefined {
    const slash = file.lastIndexOf('/');
    const parent = slash < 0 ? '.' : cleanPath(file.slice(0, slash) || '/');
    const parents = parent === '.' ? [] : parent.split('/');
    let decided: Pattern | undefined;
    for (const pattern of this.patterns) {
      // An inclusion cannot change a match, nor an exclusion a miss.
      if (pattern.exclusion !== (decided !== undefined)) continue;
      let match = pattern.test(file);
      for (let i = 0; !match && i < parents.length; i++) match = pattern.test(parents.slice(0, i + 1).join('/'));
      if (match) decided = pattern.exclusion ? undefined : pattern;
    }
    return decided;
  }

  /** patternmatcher's MatchesOrParentMatches. */
  matches(file: string): boolean {
    return this.matchedBy(file) !== undefined;
  }
}
