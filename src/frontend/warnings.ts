// A punch warning as BuildKit's Dockerfile frontend sends a lint warning through the gateway's Warn
// (frontend/dockerfile/builder: linter.LintFormatShort, warnOpts): short `RULE: message (line N)`,
// level 1, the rule's description as detail, its URL, and the build file as the source with the
// range. buildx lists these after the build ("1 warning found"); `--debug` shows detail and source.
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { DEFAULT_RULE } from '../urunc/rules.js';
import type { WarnOptions } from './bridge.js';
import { rangeLocation, ruleDescription, ruleUrl } from './subrequests/documents.js';

/** The vertex warnings are attached to (the Containerfile's local) and the file shown around them. */
export interface WarningTarget {
  digest: string;
  file: string;
  /** The build file's bytes, as BuildKit's clients show the source around a warning. */
  data: Uint8Array;
}

/** The Warn call for one warning; a warning about another file (an ignore file) names it and carries no source. */
export function warnOptions(d: Diagnostic, target: WarningTarget): WarnOptions {
  const rule = d.rule ?? DEFAULT_RULE;
  const description = ruleDescription(rule);
  const line = d.range.start.line;
  const inBuildFile = d.file === target.file;
  return {
    digest: target.digest,
    level: 1,
    short: inBuildFile ? `${rule}: ${d.message} (line ${line})` : `${rule}: ${formatDiagnostic(d)}`,
    ...(description ? { detail: [description] } : {}),
    url: ruleUrl(rule),
    ...(inBuildFile
      ? { info: { filename: target.file, data: target.data, language: 'Dockerfile' }, ranges: rangeLocation(d.range).ranges }
      : {}),
  };
}
