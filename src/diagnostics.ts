// Diagnostics are values, not log lines: the core returns them and the edges (CLI, frontend) print them.

export type Severity = 'error' | 'warning';

/** A 1-based position in a source file (line and column as editors show them). */
export interface SourcePos {
  line: number;
  col: number;
}

/** A range in a source file; end is inclusive of the last character's column + 1 (exclusive end). */
export interface SourceRange {
  start: SourcePos;
  end: SourcePos;
}

export interface Diagnostic {
  severity: Severity;
  /** File name as the user named it (e.g. `Containerfile` or `sub/Containerfile`). */
  file: string;
  range: SourceRange;
  message: string;
}

/** `FILE:LINE:COL: error|warning: message`, the form compilers and editors understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.col}: ${d.severity}: ${d.message}`;
}

export function diagnostic(severity: Severity, file: string, range: SourceRange, message: string): Diagnostic {
  return { severity, file, range, message };
}

/** A range covering one whole line (used when only the line is known). */
export function lineRange(line: number, col = 1, endCol = col): SourceRange {
  return { start: { line, col }, end: { line, col: endCol } };
}

/** Thrown when a build cannot go on; carries every diagnostic gathered so far. */
export class PunchError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super((errors.length > 0 ? errors : diagnostics).map(formatDiagnostic).join('\n'));
    this.name = 'PunchError';
    this.diagnostics = diagnostics;
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
