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
  /** The check rule (src/urunc/rules.ts); absent for the Containerfile reader's own problems. */
  rule?: string;
  /** The urunc releases the finding concerns (e.g. the selected one, or those that accept a value). */
  releases?: string[];
}

/**
 * `FILE:LINE:COL: error|warning: message [rule]`, the form compilers and editors understand; the rule
 * name is what `# check=skip=` takes.
 */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.col}: ${d.severity}: ${d.message}${d.rule ? ` [${d.rule}]` : ''}`;
}

export function diagnostic(severity: Severity, file: string, range: SourceRange, message: string): Diagnostic {
  return { severity, file, range, message };
}

/** A diagnostic of a named check rule, about the given urunc releases. */
export function ruleDiagnostic(
  rule: string,
  severity: Severity,
  file: string,
  range: SourceRange,
  message: string,
  releases?: readonly string[],
): Diagnostic {
  return { severity, file, range, message, rule, ...(releases && releases.length > 0 ? { releases: [...releases] } : {}) };
}

/** Sorted by file position (line, then column); equal positions keep their order. */
export function sortByPosition(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.range.start.line - b.d.range.start.line || a.d.range.start.col - b.d.range.start.col || a.i - b.i)
    .map(({ d }) => d);
}

/** The last line of a report: `2 errors, 1 warning`. */
export function countLine(ds: readonly Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
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
