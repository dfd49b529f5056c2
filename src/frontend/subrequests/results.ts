// Subrequest answers as Return metadata: `result.json` (the document), `result.txt` (what Go's printer
// makes of it), `result.statuscode` (lint) and `version`, the keys and bytes BuildKit's Dockerfile
// frontend returns; buildx prints them for `--print` / `--call`.
import { printSource, tabwrite } from './gotext.js';
import { indentedJson, type LintResults, type Outline, type RequestDefinition, type TargetList } from './types.js';

export const REQUEST_DESCRIBE = 'frontend.subrequests.describe';
export const REQUEST_OUTLINE = 'frontend.outline';
export const REQUEST_TARGETS = 'frontend.targets';
export const REQUEST_LINT = 'frontend.lint';

const jsonAndText = [
  { name: 'result.json', description: '' },
  { name: 'result.txt', description: '' },
];

export const DEFINITIONS: Record<string, RequestDefinition> = {
  [REQUEST_OUTLINE]: {
    name: REQUEST_OUTLINE,
    version: '1.0.0',
    type: 'rpc',
    description: 'List all parameters current build target supports',
    opts: [{ name: 'target', description: 'Target build stage' }],
    inputs: null,
    metadata: jsonAndText,
    refs: null,
  },
  [REQUEST_TARGETS]: {
    name: REQUEST_TARGETS,
    version: '1.0.0',
    type: 'rpc',
    description: 'List all targets current build supports',
    opts: [],
    inputs: null,
    metadata: jsonAndText,
    refs: null,
  },
  [REQUEST_LINT]: {
    name: REQUEST_LINT,
    version: '1.0.0',
    type: 'rpc',
    description: 'Lint a Dockerfile',
    opts: [],
    inputs: null,
    metadata: [...jsonAndText, { name: 'result.statuscode', description: '' }],
    refs: null,
  },
  [REQUEST_DESCRIBE]: {
    name: REQUEST_DESCRIBE,
    version: '1.0.0',
    type: 'rpc',
    description: 'List available subrequest types',
    opts: null,
    inputs: null,
    metadata: jsonAndText,
    refs: null,
  },
};

export type Metadata = Record<string, Buffer>;

function metadata(entries: Record<string, string>): Metadata {
  const out: Metadata = {};
  for (const k of Object.keys(entries).sort()) out[k] = Buffer.from(entries[k]!, 'utf8');
  return out;
}

export function describeResult(): Metadata {
  // punch answers lint too, so it lists it (BuildKit's own list leaves it out).
  const all = [REQUEST_OUTLINE, REQUEST_TARGETS, REQUEST_LINT, REQUEST_DESCRIBE].map((n) => DEFINITIONS[n]!);
  const rows = all.map((r) => `${r.name.replace(/^frontend\./, '')}\t${r.version}\t${r.description}\n`);
  const txt = tabwrite(`NAME\tVERSION\tDESCRIPTION\n${rows.join('')}`, 1);
  return metadata({ 'result.json': indentedJson(all), 'result.txt': txt, version: DEFINITIONS[REQUEST_DESCRIBE]!.version });
}

function outlineText(o: Outline): string {
  let out = '';
  if (o.name || o.description) {
    let block = `TARGET:\t${o.name || '(default)'}\n`;
    if (o.description) block += `DESCRIPTION:\t${o.description}\n`;
    out += `${tabwrite(block, 1)}\n`;
  }
  if (o.args && o.args.length > 0) {
    const rows = o.args.map((a) => `${a.name}\t${a.value ?? ''}\t${a.description ?? ''}\n`).join('');
    out += `${tabwrite(`BUILD ARG\tVALUE\tDESCRIPTION\n${rows}`, 3)}\n`;
  }
  // punch's own table (Go's printer has no labels): what urunc will read.
  if (o.labels && o.labels.length > 0) {
    const rows = o.labels.map((l) => `${l.name}\t${l.value}\n`).join('');
    out += `${tabwrite(`URUNC LABEL\tVALUE\n${rows}`, 3)}\n`;
  }
  return out;
}

export function outlineResult(o: Outline): Metadata {
  return metadata({ 'result.json': indentedJson(o), 'result.txt': outlineText(o), version: DEFINITIONS[REQUEST_OUTLINE]!.version });
}

export function targetsResult(l: TargetList): Metadata {
  const rows = (l.targets ?? []).map((t) => {
    const name = t.default ? (t.name ? `${t.name} (default)` : '(default)') : (t.name ?? '');
    return `${name}\t${t.description ?? ''}\n`;
  });
  const txt = tabwrite(`TARGET\tDESCRIPTION\n${rows.join('')}`, 1);
  return metadata({ 'result.json': indentedJson(l), 'result.txt': txt, version: DEFINITIONS[REQUEST_TARGETS]!.version });
}

/** PrintLintViolations: warnings by file and line (the sort is stable, Go's is not), each with its excerpt. */
function lintText(r: LintResults): string {
  const sources = r.sources ?? [];
  const firstLine = (w: (typeof r.warnings & object)[number]): number => w.location?.ranges?.[0]?.start.line ?? 0;
  const sorted = [...(r.warnings ?? [])].sort((a, b) => {
    const fa = sources[a.location?.sourceIndex ?? 0]?.filename ?? '';
    const fb = sources[b.location?.sourceIndex ?? 0]?.filename ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const ra = a.location?.ranges?.length ?? 0;
    const rb = b.location?.ranges?.length ?? 0;
    if (ra === 0 && rb === 0) return a.ruleName < b.ruleName ? -1 : a.ruleName > b.ruleName ? 1 : 0;
    if (ra === 0 || rb === 0) return ra === 0 ? -1 : 1;
    return firstLine(a) - firstLine(b);
  });
  let out = '';
  for (const w of sorted) {
    out += `\nWARNING: ${w.ruleName}${w.url ? ` - ${w.url}` : ''}\n${w.detail ?? ''}\n`;
    const src = sources[w.location?.sourceIndex ?? 0];
    if (!src) continue;
    const ranges = (w.location?.ranges ?? []).map((g) => ({
      start: { line: g.start.line ?? 0, character: g.start.character ?? 0 },
      end: { line: g.end.line ?? 0, character: g.end.character ?? 0 },
    }));
    out += printSource(src.filename ?? '', Buffer.from(src.data ?? '', 'base64').toString('utf8'), ranges);
  }
  return out;
}

export function lintResult(r: LintResults): Metadata {
  const status = (r.warnings ?? []).length > 0 || r.buildError ? 1 : 0;
  return metadata({
    'result.json': indentedJson(r),
    'result.txt': lintText(r),
    'result.statuscode': String(status),
    version: DEFINITIONS[REQUEST_LINT]!.version,
  });
}
