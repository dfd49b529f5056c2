// An ignore file's bytes → exclude patterns, every bad pattern an error at its line (the main
// context's and each named context's .dockerignore).
import { PunchError, diagnostic, lineRange, type Diagnostic } from '../diagnostics.js';
import { PatternError, PatternMatcher, readDockerignore } from '../patterns/index.js';

/**
 * The exclude patterns of the ignore file; a pattern BuildKit's clients would reject (`!` alone, a
 * bad character class) is an error at its line, before anything is built.
 */
export function excludePatterns(bytes: Uint8Array | undefined, file: string): string[] {
  if (!bytes) return [];
  const read = readDockerignore(Buffer.from(bytes).toString('utf8'));
  const problems: Diagnostic[] = [];
  for (const { pattern, line } of read) {
    try {
      new PatternMatcher([pattern]);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      problems.push(diagnostic('error', file, lineRange(line), `${e.message}: fix the pattern or remove the line`));
    }
  }
  if (problems.length > 0) throw new PunchError(problems);
  return read.map((p) => p.pattern);
}

