// The subrequests' result documents, field for field as BuildKit's Go types marshal them
// (frontend/subrequests/{outline,targets,lint}): JSON names, omitted empty fields, Go's `null` for
// absent lists. Optional properties here are the Go fields tagged omitempty.
import { goJSON } from '../../llb/gojson.js';

/** pb.Position with omitempty: a zero line or character is left out. */
export interface PbPosition {
  line?: number;
  character?: number;
}

export interface PbRange {
  start: PbPosition;
  end: PbPosition;
}

/** pb.Location: sourceIndex 0 is left out. */
export interface PbLocation {
  sourceIndex?: number;
  ranges?: PbRange[];
}

export interface Named {
  name: string;
  description: string;
}

export interface RequestDefinition {
  name: string;
  version: string;
  type: 'rpc';
  description: string;
  opts: Named[] | null;
  inputs: Named[] | null;
  metadata: Named[] | null;
  refs: Named[] | null;
}

export interface OutlineArg {
  name: string;
  description?: string;
  value?: string;
  location?: PbLocation;
}

/** punch's addition to the outline: the urunc labels of the target (ignored by Go's decoder). */
export interface OutlineLabel {
  name: string;
  value: string;
  location?: PbLocation;
}

export interface Outline {
  name?: string;
  description?: string;
  args?: OutlineArg[];
  labels?: OutlineLabel[];
  /** base64 of each source file (Go's []byte). */
  sources?: string[];
}

export interface Target {
  name?: string;
  default?: boolean;
  description?: string;
  base?: string;
  platform?: string;
  location?: PbLocation;
}

export interface TargetList {
  targets: Target[] | null;
  sources: string[] | null;
}

export interface SourceInfoJson {
  filename?: string;
  data?: string;
  language?: string;
}

export interface LintWarning {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location?: PbLocation;
}

export interface LintResults {
  warnings: LintWarning[] | null;
  sources: SourceInfoJson[] | null;
  buildError?: { message: string; location: PbLocation };
}

/** Go's json.MarshalIndent(v, "", "  "), HTML-safe escaping included. */
export function indentedJson(value: unknown): string {
  return goJSON(value, 2);
}

/** Drops zero line/character, as omitempty does. */
export function pbPosition(line: number, character: number): PbPosition {
  return { ...(line !== 0 ? { line } : {}), ...(character !== 0 ? { character } : {}) };
}

/** An instruction's location as BuildKit's parser gives it: one range per line, characters 0. */
export function lineLocation(startLine: number, endLine: number): PbLocation {
  const ranges: PbRange[] = [];
  for (let l = startLine; l <= Math.max(startLine, endLine); l++) ranges.push({ start: pbPosition(l, 0), end: pbPosition(l, 0) });
  return { ranges };
}
