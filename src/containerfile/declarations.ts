// What a Containerfile declares, as written (before any expansion): its stages with their names, bases
// and platforms, and the comments above each instruction. BuildKit's outline and targets subrequests
// show these; a stage's or ARG's description is its doc comment, the comment line above it that
// starts with its name (`# kernel builds the unikernel` above `FROM ... AS kernel`), as in Docker.
import type { SourceRange } from '../diagnostics.js';
import { fileLines } from './directives.js';
import { readSource } from './source.js';
import { blankWords, splitFlags } from './words.js';

export interface StageHeader {
  /** Lower-cased `AS name`; empty when the stage has none. */
  name: string;
  /** The base as written (`alpine`, `${BASE}`, `scratch`). */
  base: string;
  /** `--platform` as written, empty when absent. */
  platform: string;
  /** The FROM instruction's first and last line. */
  range: SourceRange;
  /** The doc comment of the stage name. */
  description: string;
}

export interface Declarations {
  stages: StageHeader[];
  /** The comment lines (text after `#`, trimmed) gathered above the instruction starting on a line. */
  comments: Map<number, string[]>;
}

/**
 * BuildKit's parser gathers the comment lines since the previous instruction (blank lines do not
 * break them, an empty `#` starts afresh) and never counts parser directives.
 */
function gatherComments(lines: readonly string[], directiveLines: ReadonlySet<number>, starts: ReadonlyMap<number, number>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const end = starts.get(i + 1);
    if (end !== undefined) {
      out.set(i + 1, pending);
      pending = [];
      i = end - 1;
      continue;
    }
    if (directiveLines.has(i)) continue;
    const line = lines[i]!.replace(/^[ \t]+/, '');
    if (!line.startsWith('#')) continue;
    const comment = line.slice(1).trim();
    pending = comment === '' ? [] : [...pending, comment];
  }
  return out;
}

/** The leading lines that are parser directives (the directive block is the file's first lines). */
function directiveLines(lines: readonly string[], count: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < lines.length && out.size < count; i++) {
    if (!/^[ \t]*#\s*[a-zA-Z][a-zA-Z0-9]*\s*=/.test(lines[i]!)) break;
    out.add(i);
  }
  return out;
}

/** Docker's getDocComment: the first comment line that starts with the name and a blank. */
export function docComment(comments: readonly string[] | undefined, name: string): string {
  if (name === '') return '';
  for (const line of comments ?? []) {
    if (line.startsWith(`${name} `)) return line.slice(name.length + 1);
  }
  return '';
}

export function readDeclarations(text: string): Declarations {
  const source = readSource(text);
  const lines = fileLines(text);
  const starts = new Map(source.instructions.map((ins) => [ins.range.start.line, ins.range.end.line] as const));
  const comments = gatherComments(lines, directiveLines(lines, Object.keys(source.directives.directives).length), starts);
  const stages: StageHeader[] = [];
  for (const ins of source.instructions) {
    if (ins.keyword !== 'FROM') continue;
    const split = splitFlags(ins.args.text);
    const platformFlag = split.flags.find((f) => /^--platform(=|$)/.test(f.text));
    const words = blankWords(ins.args.text.slice(split.rest));
    const name = words.length === 3 && words[1]!.text.toLowerCase() === 'as' ? words[2]!.text.toLowerCase() : '';
    stages.push({
      name,
      base: words[0]?.text ?? '',
      platform: platformFlag ? platformFlag.text.slice('--platform='.length) : '',
      range: ins.range,
      description: docComment(comments.get(ins.range.start.line), name),
    });
  }
  return { stages, comments };
}
