// Docker's shell lexer (buildkit frontend/dockerfile/shell/lex.go), as a pure function: `$V`, `${V}`,
// `${V:-x}`, `${V:+x}`, `${V:?x}` (and the colon-less forms), quotes and the escape character.
// `#`, `%` and `/` modifiers are refused like BuildKit v0.8 (the one in Docker 20.10) refuses them.

/** Looks a variable up; undefined means unset (which `${V-x}` tells apart from empty). */
export type Lookup = (name: string) => string | undefined;

export interface LexResult {
  /** The word with variables expanded and quotes removed (spaces kept). */
  value: string;
  /** The same, split into words at unquoted whitespace (whitespace from variables splits too). */
  words: string[];
}

export function isSpace(ch: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(ch);
}

// Go's unicode.IsLetter / IsDigit. ASCII is decided directly: building a Unicode property class
// costs ~1 ms (V8 does it where the regexp literal is evaluated), which only a non-ASCII variable
// name should pay.
const isLetter = (ch: string): boolean => (ch < '\x80' ? (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') : /^\p{L}$/u.test(ch));
const isDigit = (ch: string): boolean => (ch < '\x80' ? ch >= '0' && ch <= '9' : /^\p{Nd}$/u.test(ch));
const isSpecialParam = (ch: string): boolean => '@*#?-$!0'.includes(ch);

class LexError extends Error {}

/** BuildKit's Lex switches that punch uses. */
interface LexMode {
  /** Quotes are plain characters (SkipProcessQuotes: heredoc bodies). */
  skipQuotes?: boolean;
  /** Quotes work but stay in the output (RawQuotes: how Docker prints a RUN). */
  rawQuotes?: boolean;
  /** An unset variable stays as written (SkipUnsetEnv). */
  skipUnset?: boolean;
}

/** Accumulates the split words the way lex.go's wordsStruct does. */
class Words {
  words: string[] = [];
  word = '';
  inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) this.words.push(this.word);
    this.word = '';
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private i = 0;

  constructor(
    text: string,
    private readonly lookup: Lookup | undefined,
    private readonly escape: string,
    private readonly mode: LexMode = {},
  ) {
    this.chars = Array.from(text);
  }

  private peek(): string | undefined {
    return this.chars[this.i];
  }

  private next(): string | undefined {
    return this.chars[this.i++];
  }

  /** Processes up to `stop` (consumed) or to the end when stop is undefined. */
  run(stop?: string): LexResult {
    let value = '';
    const words = new Words();
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) break;
      if (stop !== undefined && ch === stop) {
        this.next();
        return { value, words: words.finish() };
      }
      if (ch === '$' && this.lookup) {
        const v = this.dollar();
        value += v;
        words.addString(v);
      } else if (!this.mode.skipQuotes && (ch === "'" || ch === '"')) {
        const inner = ch === "'" ? this.singleQuote() : this.doubleQuote();
        const v = this.mode.rawQuotes ? `${ch}${inner}${ch}` : inner;
        value += v;
        words.addRaw(v);
      } else {
        this.next();
        if (ch === this.escape) {
          const escaped = this.next();
          if (escaped === undefined) break;
          words.addRaw(escaped);
          value += escaped;
        } else {
          words.addChar(ch);
          value += ch;
        }
      }
    }
    if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
    return { value, words: words.finish() };
  }

  private singleQuote(): string {
    this.next();
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return out;
      out += ch;
    }
  }

  private doubleQuote(): string {
    this.next();
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return out;
      }
      if (ch === '$' && this.lookup) {
        out += this.dollar();
        continue;
      }
      this.next();
      if (ch === this.escape) {
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escape) {
          out += this.next();
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    let name = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) return name;
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek()!)) name += this.next();
        return name;
      }
      if (name === '' && isSpecialParam(ch)) return this.next()!;
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') return name;
      name += this.next();
    }
  }

  private dollar(): string {
    const lookup = this.lookup!;
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const v = lookup(name);
      return v === undefined && this.mode.skipUnset ? `$${name}` : (v ?? '');
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.name();
    let op = this.next();
    if (op === '}') {
      const v = lookup(name);
      return v === undefined && this.mode.skipUnset ? `\${${name}}` : (v ?? '');
    }
    let modifier = op ?? '';
    const nullIsUnset = op === ':';
    if (nullIsUnset) {
      op = this.next();
      modifier += op ?? '';
    }
    if (op !== '-' && op !== '+' && op !== '?') {
      if (op === undefined) throw new LexError("syntax error: missing '}'");
      throw new LexError(`unsupported modifier (${modifier}) in substitution`);
    }
    let word: string;
    try {
      word = this.run('}').value;
    } catch (e) {
      if (this.peek() === undefined) throw new LexError("syntax error: missing '}'");
      throw e;
    }
    const value = lookup(name);
    const unset = value === undefined || (nullIsUnset && value === '');
    if (op === '-') return unset ? word : value!;
    if (op === '+') return unset ? '' : word;
    if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
    if (unset) throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
    return value;
  }
}

function lex(text: string, lookup: Lookup | undefined, escape: string, mode: LexMode = {}): LexResult | { error: string } {
  try {
    return new Lexer(text, lookup, escape, mode).run();
  } catch (e) {
    if (e instanceof LexError) return { error: e.message };
    throw e;
  }
}

/** Expands variables and removes quotes (Docker's ProcessWord). */
export function expandWord(text: string, lookup: Lookup, escape = '\\'): LexResult | { error: string } {
  return lex(text, lookup, escape);
}

/**
 * Expands the variables of a heredoc body as BuildKit's ExpandRaw does: quotes are kept as written
 * (the body is a file, not a word) and the escape is always a backslash, whatever `# escape=` says.
 */
export function expandHeredoc(text: string, lookup: Lookup): LexResult | { error: string } {
  return lex(text, lookup, '\\', { skipQuotes: true });
}

/** A RUN line as Docker prints it: variables expanded, quotes and unset variables left as written. */
export function expandForDisplay(text: string, lookup: Lookup, escape = '\\'): LexResult | { error: string } {
  return lex(text, lookup, escape, { rawQuotes: true, skipUnset: true });
}

/**
 * Shell-form CMD/ENTRYPOINT → words, quotes and escapes removed like Docker's lexer, `$` left alone
 * (Docker never expands variables in CMD/ENTRYPOINT: the shell would, and a unikernel has none).
 */
export function splitShellWords(text: string, escape = '\\'): string[] | { error: string } {
  const r = lex(text, undefined, escape);
  return 'error' in r ? r : r.words;
}
