// Builds labels as a Containerfile writes them: `LABEL <key>=<value>` on a given line, so that the
// key starts at column 7 and the value at column 8 + key length.
import type { SourceRange } from '../../src/diagnostics.js';
import type { LabelInput } from '../../src/urunc/index.js';

export const P = 'com.urunc.unikernel.';

export function range(line: number, col: number, endCol: number): SourceRange {
  return { start: { line, col }, end: { line, col: endCol } };
}

/** `LABEL key=value` on `line`; `name` without a dot gets the urunc prefix. */
export function fileLabel(line: number, name: string, value: string): LabelInput {
  const key = name.includes('.') ? name : P + name;
  const valueCol = 7 + key.length + 1;
  return {
    key,
    value,
    origin: 'file',
    range: range(line, 7, valueCol + value.length),
    valueRange: range(line, valueCol, valueCol + value.length),
  };
}

export function cliLabel(name: string, value: string): LabelInput {
  return { key: name.includes('.') ? name : P + name, value, origin: 'cli' };
}

export function baseLabel(name: string, value: string): LabelInput {
  return { key: name.includes('.') ? name : P + name, value, origin: 'base' };
}
