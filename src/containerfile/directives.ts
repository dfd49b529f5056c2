// Parser directives (`# syntax=…`, `# escape=…`, `# check=…`) with BuildKit's rules: only in the
// leading block of the file; the first line that is not a known directive ends the block.

const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

export interface DirectiveProblem {
  /** 0-based line index. */
  line: number;
  message: string;
}

export interface DirectiveBlock {
  /** Keys lower-cased. */
  directives: Record<string, string>;
  /** `\` or `` ` ``. */
  escape: string;
  problems: DirectiveProblem[];
}

/** Reads the directive block from the lines of a file (BOM and `\r` already removed). */
export function readDirectives(lines: readonly string[]): DirectiveBlock {
  const directives: Record<string, string> = {};
  const used: number[] = [];
  const problems: DirectiveProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i]!.replace(/^[ \t]+/, ''));
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (!KNOWN.has(key)) break;
    if (key in directives) {
      problems.push({ line: i, message: `only one ${key} parser directive can be used` });
      continue;
    }
    directives[key] = m[2]!;
    used.push(i);
  }
  let escape = '\\';
  const wanted = directives.escape;
  if (wanted !== undefined) {
    if (wanted === '`' || wanted === '\\') escape = wanted;
    else {
      const line = used.find((i) => DIRECTIVE_RE.exec(lines[i]!.trim())?.[1]!.toLowerCase() === 'escape')!;
      problems.push({ line, message: `invalid escape token '${wanted}' does not match \` or \\` });
    }
  }
  return { directives, escape, problems };
}

/** Splits a file into lines the way Docker reads it: BOM dropped, `\r\n` and `\n` both end a line. */
export function fileLines(text: string): string[] {
  return stripBom(text).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function stripBom(text: string): string {
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

/** The parser directives of a Containerfile, keys lower-cased (`{ syntax: 'docker/dockerfile:1' }`). */
export function parseDirectives(text: string): Record<string, string> {
  return readDirectives(fileLines(text)).directives;
}
