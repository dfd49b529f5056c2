// `created_by` texts as BuildKit writes them into the image history.

const NAMED: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's `%q` of a string (strconv.Quote) for the characters that matter here. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const named = NAMED[ch];
    if (named) out += named;
    else {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      // Printable ASCII as is. Beyond it, what strconv.Quote escapes: not printable (IsPrint), or a
      // space other than U+0020. Building these Unicode property classes costs ~1 ms: ASCII never does.
      else if (cp < 0x7f) out += ch;
      else if (/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]$/u.test(ch) || (/^\p{Z}$/u.test(ch) && ch !== ' ')) {
        out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
      } else out += ch;
    }
  }
  return `${out}"`;
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(words: readonly string[]): string {
  return `[${words.map(goQuote).join(' ')}]`;
}

/** Go's `%v` of a []string: `[a b]`. */
export function goList(words: readonly string[]): string {
  return `[${words.join(' ')}]`;
}
