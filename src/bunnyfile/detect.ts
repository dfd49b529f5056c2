// Which kind of build file some text is, by content: a YAML mapping with bunnyfile keys is a
// bunnyfile, anything else a Containerfile. Both may start with a `#syntax=` line (a YAML comment).
import { isMap, isScalar, parseDocument } from 'yaml';
import { TOP_KEYS } from './model.js';

export function stripBom(text: string): string {
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S+)/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

/** The leading `# key=value` directives (keys lower-cased), as BuildKit reads them before any other line. */
export function directiveBlock(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stripBom(text).split('\n')) {
    const m = DIRECTIVE_RE.exec(line.trim());
    if (!m || !KNOWN_DIRECTIVES.has(m[1]!.toLowerCase())) break;
    out[m[1]!.toLowerCase()] ??= m[2]!;
  }
  return out;
}

/** A YAML key at the start of a line (`version: v0.1`, `platforms:`): no Containerfile instruction looks like it. */
const YAML_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]*[ \t]*:([ \t]|$)/;

/** Whether the first line that is not blank or a comment is a YAML key or a document start. */
export function looksLikeYaml(text: string): boolean {
  for (const raw of stripBom(text).split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    return YAML_KEY_RE.test(line) || line === '---';
  }
  return false;
}

/** The top-level keys of a YAML mapping, or undefined when the text is not one. */
export function yamlTopKeys(text: string): string[] | undefined {
  if (!looksLikeYaml(text)) return undefined;
  const doc = parseDocument(stripBom(text), { prettyErrors: false });
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.flatMap((p) => (isScalar(p.key) && typeof p.key.value === 'string' ? [p.key.value] : []));
}

/** A YAML mapping with at least one bunnyfile key (so a misspelt one still reads as a bunnyfile, with its error). */
export function isBunnyfile(text: string): boolean {
  const keys = yamlTopKeys(text);
  return keys !== undefined && keys.some((k) => (TOP_KEYS as readonly string[]).includes(k));
}
