// Docker's .dockerignore reader (moby/patternmatcher/ignorefile ReadAll), so that punch sends BuildKit
// the same exclude patterns the Dockerfile frontend would.
import { cleanPath } from '../gopath.js';

/**
 * The patterns of a .dockerignore file, in order. As Docker: a UTF-8 BOM is dropped; a line starting
 * with `#` (before trimming) is a comment; lines are trimmed and blank ones skipped; `!` marks an
 * exception; each pattern is path-cleaned and a leading `/` is dropped (patterns are context-relative).
 */
export function parseDockerignore(text: string): string[] {
  return readDockerignore(text).map((p) => p.pattern);
}

/** parseDockerignore with the 1-based line each pattern came from, for messages about a bad one. */
export function readDockerignore(text: string): Array<{ pattern: string; line: number }> {
  const patterns: Array<{ pattern: string; line: number }> = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // bufio.ScanLines: a final newline does not start another line; a trailing \r belongs to the newline.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push({ pattern: invert ? `!${pattern}` : pattern, line: index + 1 });
  }
  return patterns;
}
