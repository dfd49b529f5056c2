// Reading YAML nodes with positions: ranges from the parser's offsets, strings and lists checked by
// type, mappings checked for unknown keys (with a did-you-mean), every problem a diagnostic.
import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { diagnostic, type Diagnostic, type SourceRange } from '../diagnostics.js';
import type { Located } from '../plan/types.js';
import { suggest } from '../urunc/index.js';

/** The known word the user most likely meant: punch's did-you-mean, or two neighbouring letters swapped (`form` → `from`). */
export function closest(word: string, known: readonly string[]): string | undefined {
  const swapped = (a: string, b: string): boolean => {
    if (a.length !== b.length) return false;
    const diff = [...a].flatMap((c, i) => (c !== b[i] ? [i] : []));
    return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
  };
  return suggest(word, known) ?? known.find((k) => swapped(word.toLowerCase(), k.toLowerCase()));
}

export class Reader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  /** Offsets [start, end) of the text → a range (1-based line and column). */
  span(start: number, end: number): SourceRange {
    const s = this.lines.linePos(start);
    const e = this.lines.linePos(Math.max(start, end));
    return { start: { line: s.line, col: s.col }, end: { line: e.line, col: e.col } };
  }

  rangeOf(node: Node | null | undefined, fallback: SourceRange): SourceRange {
    const r = node?.range;
    return r ? this.span(r[0], r[1]) : fallback;
  }

  /** The whole `key: value` pair. */
  pairRange(pair: Pair): SourceRange {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    const start = key?.range?.[0] ?? value?.range?.[0] ?? 0;
    const end = value?.range?.[1] ?? key?.range?.[1] ?? start;
    return this.span(start, end);
  }

  error(range: SourceRange, message: string): undefined {
    this.diagnostics.push(diagnostic('error', this.file, range, message));
    return undefined;
  }

  warning(range: SourceRange, message: string): void {
    this.diagnostics.push(diagnostic('warning', this.file, range, message));
  }

  /**
   * A scalar as the text it means: strings as parsed, numbers and booleans as written (`version: 0.15`
   * is the string `0.15`, as bunny's Go YAML reads it into a string field).
   */
  string(node: unknown, what: string, at: SourceRange): Located<string> | undefined {
    if (isAlias(node)) return this.error(this.rangeOf(node, at), `${what}: YAML aliases (*name) are not read in a bunnyfile; write the value itself`);
    if (isMap(node) || isSeq(node)) {
      return this.error(this.rangeOf(node, at), `${what} must be a string, not a ${isMap(node) ? 'mapping' : 'list'}`);
    }
    if (!isScalar(node) || node.value === null || node.value === undefined) return this.error(at, `${what} needs a value`);
    const range = this.rangeOf(node, at);
    const v = node.value;
    if (typeof v === 'string') return { value: v, range };
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return { value: node.source ?? String(v), range };
    return this.error(range, `${what} must be a string`);
  }

  /** A list of strings (`cmd: ["nginx", "-c", "/nginx.conf"]`); each item located. */
  strings(node: unknown, what: string, at: SourceRange, example: string): { list: Located<string>[]; range: SourceRange } | undefined {
    if (!isSeq(node)) {
      const hint = isScalar(node) && typeof node.value === 'string' ? `; write ${what}: ${example}` : '';
      return this.error(this.rangeOf(node as Node, at), `${what} must be a list of strings${hint}`);
    }
    const list: Located<string>[] = [];
    let ok = true;
    for (const item of node.items) {
      const s = this.string(item, `${what} item`, this.rangeOf(node, at));
      if (s) list.push(s);
      else ok = false;
    }
    return ok ? { list, range: this.rangeOf(node, at) } : undefined;
  }

  /**
   * A mapping's pairs by key; an unknown key is an error with the closest known one (bunny ignores
   * unknown keys, so a typo there would build the wrong image), a non-string key too.
   */
  mapping(node: unknown, what: string, at: SourceRange, known: readonly string[]): Map<string, Pair> | undefined {
    if (isAlias(node)) return this.error(this.rangeOf(node, at), `${what}: YAML aliases (*name) are not read in a bunnyfile; write the value itself`);
    if (!isMap(node)) {
      const kind = isSeq(node) ? 'a list' : isScalar(node) && node.value !== null ? `"${String(node.value)}"` : 'empty';
      return this.error(this.rangeOf(node as Node | null, at), `${what} must be a mapping with keys ${known.join(', ')}; it is ${kind}`);
    }
    const out = new Map<string, Pair>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key as Node | null;
      const keyRange = this.rangeOf(key, at);
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.error(keyRange, `${what}: keys must be plain names (${known.join(', ')})`);
        continue;
      }
      const name = key.value;
      if (!known.includes(name)) {
        const guess = closest(name, known);
        const where = what === 'the bunnyfile' ? 'bunnyfile key' : `key in ${what}`;
        this.error(keyRange, `unknown ${where} "${name}"${guess !== undefined ? `; did you mean "${guess}"?` : ''} (known: ${known.join(', ')})`);
        continue;
      }
      out.set(name, pair);
    }
    return out;
  }
}
