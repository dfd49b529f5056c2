// Containerfile text → instructions with their logical (continuation-joined) argument text and a map
// from every character back to its 1-based line/column. dockerfile-ast parses the file as written: it
// finds where instructions start (it knows comments, continuations and heredoc bodies) and where each
// heredoc's body and delimiter are. The joined text is built here, because diagnostics need the position
// of every character and dockerfile-ast gives the joined text without them; the joining follows
// BuildKit's parser: a trailing escape (plus blanks) continues the line, and comment or blank lines
// inside a continuation are dropped.
import { Directive, DockerfileParser, type Dockerfile, type Heredoc, type Instruction } from 'dockerfile-ast';
import type { SourcePos, SourceRange } from '../diagnostics.js';
import { fileLines, readDirectives, type DirectiveBlock } from './directives.js';

/** Text plus the source position of each character; `pos[text.length]` is just after the last one. */
export interface Span {
  text: string;
  pos: SourcePos[];
}

export interface RawInstruction {
  /** Upper-cased keyword (`copy` → `COPY`). */
  keyword: string;
  keywordRange: SourceRange;
  /** From the keyword to the end of the last continuation line. */
  range: SourceRange;
  /** Everything after the keyword and its following blanks, trailing blanks removed. */
  args: Span;
  /** The here-documents of RUN/COPY/ADD (`<<EOF` … `EOF`), in the order they are declared. */
  heredocs: HeredocSource[];
}

/**
 * One here-document as written. Interpreting the body is left to the instruction (BuildKit's rules:
 * `<<-` strips leading tabs from body lines, a quoted word (`<<"EOF"`, `<<'EOF'`) turns off expansion).
 */
export interface HeredocSource {
  /** The word without its quotes (`<<"EOT"` → `EOT`). */
  name: string;
  /** The operator and its word as written (`<<-"EOT"`). */
  operator: Span;
  /** The lines between the instruction (or the previous heredoc's delimiter) and this delimiter, each ending in `\n`. */
  body: Span;
  /** The word on the delimiter line; absent when the file ends first (BuildKit: unterminated heredoc). */
  delimiter?: SourceRange;
}

/** A heredoc body as the instruction sees it: `<<-` strips leading tabs of each line (BuildKit's rule). */
export function heredocBody(h: HeredocSource): string {
  const text = h.body.text;
  return h.operator.text.startsWith('<<-') ? text.replace(/^\t+/gm, '') : text;
}

/**
 * Whether the body's variables are expanded: not when any part of the word is quoted (`<<"EOF"`,
 * `<<'EOF'`, `<<E"O"F`). BuildKit compares the quotes of the word with and without quote removal.
 */
export function heredocExpands(h: HeredocSource): boolean {
  const word = h.operator.text.replace(/^\d*<<-?/, '');
  const quotes = (s: string): number => (s.match(/['"]/g) ?? []).length;
  return quotes(word) === quotes(h.name);
}

export interface SourceFile {
  directives: DirectiveBlock;
  instructions: RawInstruction[];
}

/** Range of characters [start, end) of a span. */
export function spanRange(span: Span, start: number, end: number): SourceRange {
  const s = span.pos[Math.min(start, span.text.length)]!;
  if (end <= start) return { start: s, end: s };
  const last = span.pos[Math.min(end, span.text.length) - 1]!;
  return { start: s, end: { line: last.line, col: last.col + 1 } };
}

export function subSpan(span: Span, start: number, end: number): Span {
  return { text: span.text.slice(start, end), pos: span.pos.slice(start, end + 1) };
}

function continuationRe(escape: string): RegExp {
  return new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
}

/** Joins the instruction starting at (line, col) with its continuation lines; returns the span and last line. */
function joinLogicalLine(lines: readonly string[], line: number, col: number, escape: string): { span: Span; last: number } {
  const cont = continuationRe(escape);
  let text = '';
  const pos: SourcePos[] = [];
  const add = (l: number, from: number, s: string): void => {
    text += s;
    for (let i = 0; i < s.length; i++) pos.push({ line: l + 1, col: from + i + 1 });
  };
  let l = line;
  let from = col;
  for (;;) {
    const content = lines[l]!.slice(from);
    const m = cont.exec(content);
    if (!m) {
      add(l, from, content);
      break;
    }
    add(l, from, content.slice(0, m.index));
    let next = l + 1;
    while (next < lines.length && (/^\s*#/.test(lines[next]!) || lines[next]!.trim() === '')) next++;
    if (next >= lines.length) break;
    l = next;
    from = 0;
  }
  const endPos = pos.length > 0 ? { line: pos[pos.length - 1]!.line, col: pos[pos.length - 1]!.col + 1 } : { line: line + 1, col: col + 1 };
  pos.push(endPos);
  return { span: { text, pos }, last: l };
}

const BLANK = /[\t\v\f\r ]/;

function splitKeyword(span: Span): { keyword: string; keywordEnd: number; args: Span; end: number } {
  let end = span.text.length;
  while (end > 0 && /\s/.test(span.text[end - 1]!)) end--;
  let k = 0;
  while (k < end && !BLANK.test(span.text[k]!)) k++;
  let a = k;
  while (a < end && BLANK.test(span.text[a]!)) a++;
  return { keyword: span.text.slice(0, k), keywordEnd: k, args: subSpan(span, a, end), end };
}

function linesSpan(lines: readonly string[], from: number, to: number): Span {
  let text = '';
  const pos: SourcePos[] = [];
  for (let l = from; l < to; l++) {
    const s = `${lines[l]!}\n`;
    text += s;
    for (let i = 0; i < s.length; i++) pos.push({ line: l + 1, col: i + 1 });
  }
  pos.push(to > from ? { line: to, col: lines[to - 1]!.length + 2 } : { line: from + 1, col: 1 });
  return { text, pos };
}

/**
 * The here-documents of an instruction whose logical line ends on line `last` (0-based), and the line
 * the last body ends on. dockerfile-ast finds the operators; the bodies are read here with BuildKit's
 * rule (each body runs to a line that is its word, after leading tabs for `<<-`), because dockerfile-ast
 * 0.7.1 applies one `<<-` to every heredoc of the instruction and then loses the delimiter of the
 * others (`COPY <<-A <<B` ends B at a tab-indented `B`, and reports it unterminated).
 */
function heredocsOf(ins: Instruction, lines: readonly string[], last: number): { heredocs: HeredocSource[]; end: number } {
  // RUN and COPY (ADD is a COPY to dockerfile-ast) have them; ONBUILD triggers are not read.
  const found = (ins as unknown as { getHeredocs?: () => Heredoc[] }).getHeredocs?.() ?? [];
  let from = last + 1;
  const heredocs = found.map((h): HeredocSource => {
    const op = h.getStartRange();
    const opText = lines[op.start.line]!.slice(op.start.character, op.end.character);
    const operator: Span = { text: opText, pos: [] };
    for (let c = op.start.character; c <= op.end.character; c++) operator.pos.push({ line: op.start.line + 1, col: c + 1 });
    const name = h.getName();
    const chomp = opText.startsWith('<<-');
    let to = from;
    while (to < lines.length && (chomp ? lines[to]!.replace(/^\t+/, '') : lines[to]) !== name) to++;
    const terminated = to < lines.length;
    // The file's final newline ends the last body line; it starts no line of its own.
    const bodyEnd = !terminated && to > from && lines[to - 1] === '' ? to - 1 : to;
    const body = linesSpan(lines, from, bodyEnd);
    from = to + 1;
    if (!terminated) return { name, operator, body };
    const col = lines[to]!.length - name.length + 1;
    return { name, operator, body, delimiter: { start: { line: to + 1, col }, end: { line: to + 1, col: col + name.length } } };
  });
  return { heredocs, end: Math.min(from - 1, lines.length - 1) };
}

/**
 * dockerfile-ast reads directives more loosely than BuildKit: it keeps reading after an unknown
 * (`# foo=bar`) or empty (`# syntax=`) directive and takes the first valid of repeated escapes, where
 * BuildKit ends the block or refuses the file. Only the escape matters for where instructions start, so
 * when the two disagree the escape lines BuildKit does not honour (comments or errors to it) are hidden.
 */
function parseWithEscape(lines: readonly string[], escape: string): Dockerfile {
  const doc = DockerfileParser.parse(lines.join('\n'));
  if (doc.getEscapeCharacter() === escape) return doc;
  const hide = new Set(
    doc
      .getDirectives()
      .filter((d) => d.getDirective() === Directive.escape)
      .map((d) => d.getRange().start.line),
  );
  return DockerfileParser.parse(lines.map((l, i) => (hide.has(i) ? '' : l)).join('\n'));
}

/** Reads a Containerfile into directives and instructions. dockerfile-ast errors become a thrown Error (caller reports). */
export function readSource(text: string): SourceFile {
  // A lone `\r` is whitespace to Docker's splitter (and a line break to dockerfile-ast): a blank keeps
  // every line and column where BuildKit sees them.
  const lines = fileLines(text).map((l) => l.replace(/\r/g, ' '));
  const directives = readDirectives(lines);
  const doc = parseWithEscape(lines, directives.escape);
  const instructions: RawInstruction[] = [];
  // dockerfile-ast starts an instruction at an escape that begins a line and then another one on the
  // line it continues to (`\⏎FROM scratch` is two to it, one FROM to BuildKit), and inside a heredoc
  // body it ended too early: lines a join or a body has consumed are skipped, and a join of nothing (a
  // lone escape at the end of the file) is no instruction.
  let consumed = -1;
  for (const ins of doc.getInstructions()) {
    const start = ins.getRange().start;
    if (start.line <= consumed) continue;
    const { span, last } = joinLogicalLine(lines, start.line, start.character, directives.escape);
    const { heredocs, end: bodiesEnd } = heredocsOf(ins, lines, last);
    consumed = bodiesEnd;
    const { keyword, keywordEnd, args, end } = splitKeyword(span);
    if (keyword === '') continue;
    instructions.push({ keyword: keyword.toUpperCase(), keywordRange: spanRange(span, 0, keywordEnd), range: spanRange(span, 0, end), args, heredocs });
  }
  return { directives, instructions };
}
