// Go's filepath.Match syntax, checked over the whole pattern as Go (1.16+) does: patternmatcher
// rejects a pattern that Match would reject, before any path is matched.
//   pattern: { term }
//   term:    '*' | '?' | '[' [ '^' ] { character-range } ']' | c | '\' c
//   range:   c | c '-' c        (c is not '-' or ']' unless escaped; the class is not empty)

/** Go's filepath.ErrBadPattern text, which BuildKit's clients print for a bad pattern. */
export const BAD_PATTERN = 'syntax error in pattern';

/** Why `pattern` is not a valid filepath.Match pattern (a short reason), or undefined when it is. */
export function matchSyntaxError(pattern: string): string | undefined {
  const p = [...pattern];
  let i = 0;
  /** One class character (getEsc): escaped or plain, never a bare `-` or `]`, never the last one. */
  const classChar = (): string | undefined => {
    if (i >= p.length) return 'unterminated [';
    if (p[i] === '-' || p[i] === ']') return `"${p[i]}" must be escaped (\\${p[i]}) or come after a character in a [...] class`;
    if (p[i] === '\\') {
      i++;
      if (i >= p.length) return 'a \\ at the end escapes nothing';
    }
    i++;
    return i >= p.length ? 'unterminated [' : undefined;
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      i++;
      if (i >= p.length) return 'a \\ at the end escapes nothing';
      i++;
    } else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      for (let ranges = 0; ; ranges++) {
        if (p[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = classChar();
        if (lo) return lo;
        if (p[i] === '-') {
          i++;
          const hi = classChar();
          if (hi) return hi;
        }
      }
    } else {
      i++;
    }
  }
  return undefined;
}
