// Containerfile text → instructions with their logical (continuation-joined) argument text and a map
// from every character back to its 1-based line/column. dockerfile-ast finds where instructions start
// (it knows heredoc bodies and comments); the joining follows BuildKit's parser exactly: a trailing
// escape (plus blanks) continues the line, and comment or blank lines inside a continuation are dropped.
import { DockerfileParser } from 'dockerfile-ast';
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

/** Reads a Containerfile into directives and instructions. dockerfile-ast errors become a thrown Error (caller reports). */
export function readSource(text: string): SourceFile {
  // A lone `\r` is whitespace to Docker's splitter; a blank keeps every column where it was.
  const lines = fileLines(text).map((l) => l.replace(/\r/g, ' '));
  const directives = readDirectives(lines);
  // dockerfile-ast reads directives more loosely than BuildKit: hand it BuildKit's escape on a line of
  // its own, then a blank line, and blank out the real directive lines.
  const skip = new Set([...directives.lines, ...directives.problems.map((p) => p.line)]);
  const astLines = lines.map((l, i) => (skip.has(i) ? '' : l));
  const OFFSET = 2;
  const doc = DockerfileParser.parse(`# escape=${directives.escape}\n\n${astLines.join('\n')}`);
  const instructions: RawInstruction[] = [];
  let consumed = -1;
  for (const ins of doc.getInstructions()) {
    const start = ins.getRange().start;
    const line = start.line - OFFSET;
    if (line <= consumed || line < 0 || line >= lines.length) continue;
    const { span, last } = joinLogicalLine(lines, line, start.character, directives.escape);
    consumed = last;
    const { keyword, keywordEnd, args, end } = splitKeyword(span);
    if (keyword === '') continue;
    instructions.push({
      keyword: keyword.toUpperCase(),
      keywordRange: spanRange(span, 0, keywordEnd),
      range: spanRange(span, 0, end),
      args,
    });
  }
  return { directives, instructions };
}
