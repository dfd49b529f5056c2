// The text forms BuildKit's subrequests print (`result.txt`), which come from Go's text/tabwriter and
// from errdefs.Source.Print (the source excerpt under a lint warning). Same bytes as Go, so a client
// that prints result.txt shows what it shows for Docker's own frontend.

interface Cell {
  text: string;
  /** Width in runes, as tabwriter counts. */
  width: number;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * text/tabwriter with padchar ' ', tabwidth 0 and no flags: tab-terminated cells are padded to the
 * widest cell of their column block plus `padding`; a column block is a run of consecutive lines that
 * have a cell in that column; the last cell of a line is never padded.
 */
export function tabwrite(text: string, padding: number, minwidth = 0): string {
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: runeCount(t) })));
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let s = '';
      cells.forEach((c, j) => {
        s += c.text;
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j]! - c.width));
      });
      out.push(i + 1 === lines.length ? s : `${s}\n`);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = minwidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) width = Math.max(width, lines[i]![column]!.width + padding);
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
      i--; // the loop's i++ lands on the line that ended the block
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out.join('');
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** errdefs.Source.Print: the named lines (`>>>`) with a few around them, framed by dashes. */
export function printSource(filename: string, data: string, ranges: readonly Range[]): string {
  if (ranges.length === 0) return '';
  const lines = data.split('\n');
  let start = Math.min(...ranges.map((r) => r.start.line));
  let end = Math.max(...ranges.map((r) => Math.max(r.end.line, r.start.line)));
  if (start > lines.length || start < 1) return '';
  if (end > lines.length) end = lines.length;
  const pad = end === start ? 4 : 2;
  const prepadStart = start;
  for (let p = 0; p < pad; p++) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
  }
  const contains = (l: number): boolean => ranges.some((r) => r.start.line <= l && Math.max(r.end.line, r.start.line) >= l);
  let out = `${filename}:${prepadStart}\n--------------------\n`;
  for (let i = start; i <= end; i++) {
    out += ` ${String(i).padStart(3)} | ${contains(i) ? '>>>' : '   '} ${lines[i - 1]}\n`;
  }
  return `${out}--------------------\n`;
}
