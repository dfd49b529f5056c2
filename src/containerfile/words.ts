// BuildKit's line parsers (frontend/dockerfile/parser/line_parsers.go) with character offsets kept, so
// every later diagnostic can point into the file. They split; they never expand variables.

/** A piece of an instruction's argument text: `text` (processed as the parser says) at [start, end). */
export interface Piece {
  text: string;
  start: number;
  end: number;
}

const isBlank = (ch: string): boolean => /\s/.test(ch);

/**
 * Leading `--flag[=value]` words (extractBuilderFlags): quotes removed, `\` escapes, a lone `--` ends
 * them. Returns the flags and where the rest of the arguments starts.
 */
export function splitFlags(text: string): { flags: Piece[]; rest: number } {
  const flags: Piece[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isBlank(text[pos]!)) pos++;
    if (!text.startsWith('--', pos)) return { flags, rest: pos };
    const start = pos;
    let word = '';
    let quote = '';
    for (; pos < text.length; pos++) {
      let ch = text[pos]!;
      if (quote === '' && isBlank(ch)) break;
      if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
        continue;
      }
      if (quote !== '' && ch === quote) {
        quote = '';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === text.length) continue;
        ch = text[++pos]!;
      }
      word += ch;
    }
    if (word === '--') {
      while (pos < text.length && isBlank(text[pos]!)) pos++;
      return { flags, rest: pos };
    }
    flags.push({ text: word, start, end: pos });
  }
}

/** parseStringsWhitespaceDelimited: words between blanks, nothing else interpreted. */
export function blankWords(text: string, offset = 0): Piece[] {
  const out: Piece[] = [];
  for (const m of text.matchAll(/[^\t\v\f\r\n ]+/g)) {
    out.push({ text: m[0], start: offset + m.index!, end: offset + m.index! + m[0].length });
  }
  return out;
}

/** parseWords: blank-separated words that respect quotes and the escape character, both kept in the text. */
export function quotedWords(text: string, escape: string, offset = 0): Piece[] {
  const out: Piece[] = [];
  let pos = 0;
  while (pos < text.length) {
    while (pos < text.length && isBlank(text[pos]!)) pos++;
    if (pos >= text.length) break;
    const start = pos;
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < text.length; pos++) {
      let ch = text[pos]!;
      if (quote === '') {
        if (isBlank(ch)) break;
        if (ch === '"' || ch === "'") {
          quote = ch;
          blankOk = true;
        } else if (ch === escape) {
          if (pos + 1 === text.length) continue;
          word += ch;
          ch = text[++pos]!;
        }
        word += ch;
      } else {
        if (ch === quote) quote = '';
        else if (ch === escape && quote !== "'") {
          if (pos + 1 === text.length) {
            quote = '';
            continue;
          }
          word += ch;
          ch = text[++pos]!;
        }
        word += ch;
      }
    }
    if (blankOk || word.length > 0) out.push({ text: word, start: offset + start, end: offset + pos });
  }
  return out;
}

export const NOT_STRINGS = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * The JSON form `["a", "b"]` (parseJSON): the strings with their offsets; `undefined` when the text is
 * not a JSON array (Docker then reads it as the shell form); an error for an array of non-strings.
 */
export function jsonArray(text: string, offset = 0): Piece[] | undefined | { error: string } {
  const lead = text.length - text.trimStart().length;
  if (text[lead] !== '[') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((v) => typeof v === 'string')) return { error: NOT_STRINGS };
  const out: Piece[] = [];
  const re = /"(?:[^"\\]|\\.)*"/gs;
  for (const m of text.matchAll(re)) {
    out.push({ text: JSON.parse(m[0]) as string, start: offset + m.index!, end: offset + m.index! + m[0].length });
  }
  return out;
}

export interface KeyValue {
  key: Piece;
  value: Piece;
}

/**
 * `KEY name=value …` or the legacy `KEY name value…` (parseNameVal, for ENV and LABEL). Keys and values
 * keep their quotes: expansion removes them later, as in Docker.
 */
export function keyValues(text: string, escape: string, instruction: string): KeyValue[] | { error: string; at: Piece } {
  const words = quotedWords(text, escape);
  if (words.length === 0) {
    return { error: `${instruction} requires at least one argument`, at: { text: '', start: 0, end: 0 } };
  }
  const first = words[0]!;
  if (!first.text.includes('=')) {
    const m = /[\t\v\f\r ]+/.exec(text);
    if (!m) return { error: `${instruction} must have two arguments`, at: first };
    const valueStart = m.index + m[0].length;
    return [
      {
        key: { text: text.slice(0, m.index), start: 0, end: m.index },
        value: { text: text.slice(valueStart), start: valueStart, end: text.length },
      },
    ];
  }
  const out: KeyValue[] = [];
  for (const w of words) {
    const eq = w.text.indexOf('=');
    if (eq === -1) {
      return { error: `Syntax error - can't find = in "${w.text}". Must be of the form: name=value`, at: w };
    }
    // Offsets of key/value inside the raw word: the escape/quote processing above keeps every character,
    // so the word text equals the raw slice.
    out.push({
      key: { text: w.text.slice(0, eq), start: w.start, end: w.start + eq },
      value: { text: w.text.slice(eq + 1), start: w.start + eq + 1, end: w.end },
    });
  }
  return out;
}
