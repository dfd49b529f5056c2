// Source maps (Go's llb.SourceMap): which lines of which build file an op came from. BuildKit attaches
// them to a failing op's error (errdefs.Source), so clients print the file's excerpt, and a frontend
// can name the line of the step that failed.

/** One build file: its name and bytes, as the client shows them (pb.SourceInfo). */
export interface SourceMap {
  readonly filename: string;
  readonly data: Uint8Array;
  /** pb.SourceInfo.language (BuildKit v0.12+ reads it; older engines skip the field). */
  readonly language?: string;
}

/** A position as BuildKit's pb.Position: 1-based line, 0-based character. */
export interface SourcePosition {
  readonly line: number;
  readonly character: number;
}

export interface SourceLocation {
  readonly map: SourceMap;
  readonly ranges: readonly { readonly start: SourcePosition; readonly end: SourcePosition }[];
}

/** A source map for a build file's text. */
export function sourceMap(filename: string, data: Uint8Array | string, language?: string): SourceMap {
  return Object.freeze({
    filename,
    data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
    ...(language !== undefined ? { language } : {}),
  });
}
