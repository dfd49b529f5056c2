// Build-time check of the com.urunc.unikernel.* labels against what urunc accepts (keys, values,
// pairs, paths): a wrong value otherwise fails silently at run time, when urunc falls back to runc.
import { diagnostic, type Diagnostic, type Severity, type SourceRange } from '../diagnostics.js';
import {
  GO_BOOLS,
  HYPERVISORS,
  KNOWN_KEYS,
  MAX_VALUE_BYTES,
  REQUIRED_KEYS,
  RUNTIME_ONLY_KEYS,
  SOLO5_DEV_RE,
  SUPPORTED_PAIRS,
  UNIKERNEL_TYPES,
  URUNC_PREFIX,
  fullKey,
  type KnownKey,
} from './keys.js';
import { pathProblem, utf8Length } from './paths.js';
import { findProduced, type ProducedPath } from './produced.js';
import { sortedRecord } from './order.js';
import { suggest } from './suggest.js';

export interface LabelInput {
  key: string;
  value: string;
  /** Where the label is written (the whole `key=value`); absent for --label and inherited labels. */
  range?: SourceRange;
  /** Where its value is written, when known: value problems point here. */
  valueRange?: SourceRange;
  origin: 'file' | 'cli' | 'base';
}

export interface UruncContext {
  /** File name for diagnostics. */
  file: string;
  /** Where to point when a label has no range (e.g. the final FROM line). */
  anchor: SourceRange;
  /**
   * Paths the final stage's COPY/ADD steps write (see producedByCopy / stageFiles). When
   * `baseKnown`, it must also hold the base's files.
   */
  produced: ProducedPath[];
  /** The final stage's base (for FROM <stage>, stageFiles follows the chain to scratch or an image). */
  base: 'scratch' | 'image' | 'stage';
  /** Whether `produced` lists the base's content too (never true without resolving the base). */
  baseKnown: boolean;
  /** The built result is checked for these paths afterwards (frontend, punch build): no warning then. */
  resultChecked?: boolean;
  /** The final stage stands on an image base whose labels were not resolved (punch llb, punch check). */
  baseLabelsUnknown?: boolean;
}

export interface UruncResult {
  /** Every com.urunc.unikernel.* label with its final value, sorted by key. */
  values: Record<string, string>;
  /** Every label with its final value (last one wins), sorted by key. */
  labels: Record<string, string>;
  /** Sorted by position; errors and warnings. */
  diagnostics: Diagnostic[];
}

const PATH_KEYS = ['binary', 'initrd', 'block'] as const;
// Suggestions come from both lines; lists shown to the user name what the 2026 line accepts.
const ALL_TYPES = [...new Set([...UNIKERNEL_TYPES[2026], ...UNIKERNEL_TYPES[2025]])].sort();
const ALL_HYPERVISORS = [...new Set([...HYPERVISORS[2026], ...HYPERVISORS[2025]])].sort();
const SHOWN_TYPES = [...UNIKERNEL_TYPES[2026]].sort();
const SHOWN_HYPERVISORS = [...HYPERVISORS[2026]].sort();

const originNote: Record<LabelInput['origin'], string> = {
  file: '',
  cli: ' (set by --label)',
  base: ' (inherited from the base image)',
};

function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

export function validateUrunc(labels: readonly LabelInput[], ctx: UruncContext): UruncResult {
  const finals = new Map<string, LabelInput>();
  for (const label of labels) {
    finals.delete(label.key); // keep the map in order of the last write
    finals.set(label.key, label);
  }
  const diagnostics: Diagnostic[] = [];
  const at = (label: LabelInput | undefined, onValue: boolean): SourceRange =>
    (onValue ? (label?.valueRange ?? label?.range) : label?.range) ?? ctx.anchor;
  const report = (severity: Severity, label: LabelInput | undefined, onValue: boolean, message: string): void => {
    diagnostics.push(diagnostic(severity, ctx.file, at(label, onValue), message + (label ? originNote[label.origin] : '')));
  };

  const known = new Map<KnownKey, LabelInput>();
  for (const label of finals.values()) {
    const key = label.key;
    if (!key.startsWith(URUNC_PREFIX)) {
      if (key.toLowerCase().startsWith(URUNC_PREFIX)) {
        const name = suggest(key.slice(URUNC_PREFIX.length), KNOWN_KEYS) ?? key.slice(URUNC_PREFIX.length);
        report('error', label, false, `label ${key} is not read by urunc: the prefix is case-sensitive; did you mean ${fullKey(name)}?`);
      }
      continue;
    }
    const name = key.slice(URUNC_PREFIX.length);
    if ((KNOWN_KEYS as readonly string[]).includes(name)) {
      known.set(name as KnownKey, label);
      continue;
    }
    const runtimeOnly = RUNTIME_ONLY_KEYS.find((r) => r.toLowerCase() === name.toLowerCase());
    if (runtimeOnly !== undefined) {
      report('error', label, false, `label ${key} cannot be set by an image: only the runtime spec carries it; remove the label`);
      continue;
    }
    const guess = suggest(name, KNOWN_KEYS);
    report(
      'error',
      label,
      false,
      guess !== undefined
        ? `unknown label ${key}: did you mean ${fullKey(guess)}?`
        : `unknown label ${key}: urunc reads only ${KNOWN_KEYS.join(', ')}; fix or remove it`,
    );
  }

  const value = (key: KnownKey): string | undefined => known.get(key)?.value;
  const err = (key: KnownKey, message: string): void => report('error', known.get(key), true, message);
  const warn = (key: KnownKey, message: string): void => report('warning', known.get(key), true, message);

  checkRequired(known, ctx, diagnostics);
  const type = value('unikernelType');
  const hypervisor = value('hypervisor');
  const typeOk = type ? checkName('unikernelType', type, UNIKERNEL_TYPES, ALL_TYPES, SHOWN_TYPES, err, warn) : false;
  const hypervisorOk = hypervisor ? checkName('hypervisor', hypervisor, HYPERVISORS, ALL_HYPERVISORS, SHOWN_HYPERVISORS, err, warn) : false;
  if (typeOk && hypervisorOk && type && hypervisor) checkPair(type, hypervisor, err);

  for (const key of [...PATH_KEYS, 'blkMntPoint'] as const) {
    const v = value(key);
    if (v === undefined || v === '') continue;
    const problem = pathProblem(v, key === 'blkMntPoint');
    if (problem !== undefined) {
      err(key, `${fullKey(key)} "${v}" ${problem}`);
      continue;
    }
    if (key === 'blkMntPoint') continue;
    if (!v.startsWith('/')) warn(key, `${fullKey(key)} "${v}" is relative: urunc resolves it from the image root; write "/${v}"`);
    checkExists(key, v.startsWith('/') ? v : `/${v}`, ctx, err, warn);
  }

  const version = value('unikernelVersion');
  if (version !== undefined && utf8Length(version) > MAX_VALUE_BYTES) {
    err('unikernelVersion', `${fullKey('unikernelVersion')} is ${utf8Length(version)} bytes long: urunc accepts at most ${MAX_VALUE_BYTES}`);
  }
  for (const key of ['mountRootfs', 'useDMBlock'] as const) {
    const v = value(key);
    if (v !== undefined && v !== '' && !(GO_BOOLS as readonly string[]).includes(v)) {
      err(key, `${fullKey(key)} "${v}" is not a boolean: write true or false (urunc parses it with Go strconv.ParseBool)`);
    }
  }
  for (const key of ['solo5NetDev', 'solo5BlkDev'] as const) {
    const v = value(key);
    if (v !== undefined && v !== '' && !SOLO5_DEV_RE.test(v)) {
      err(key, `${fullKey(key)} "${v}" is not a Solo5 device name: use 1 to 67 letters and digits (urunc requires ^[A-Za-z0-9]{1,67}$)`);
    }
  }
  if (value('blkMntPoint') && !value('block')) {
    warn('blkMntPoint', `${fullKey('blkMntPoint')} has no effect without ${fullKey('block')}: add LABEL ${fullKey('block')}=/path/to/block.img or remove it`);
  }
  for (const [key, label] of known) {
    if (label.value === '' && !(REQUIRED_KEYS as readonly string[]).includes(key)) {
      warn(key, `${fullKey(key)} is empty: urunc treats it as unset; remove the label or give it a value`);
    }
  }

  const urunc = [...finals.entries()].filter(([k]) => k.startsWith(URUNC_PREFIX)).map(([k, l]): [string, string] => [k, l.value]);
  return {
    values: sortedRecord(urunc),
    labels: sortedRecord([...finals.entries()].map(([k, l]): [string, string] => [k, l.value])),
    diagnostics: sortByPosition(diagnostics),
  };
}

const requiredHint: Record<(typeof REQUIRED_KEYS)[number], string> = {
  unikernelType: `<type> (one of ${SHOWN_TYPES.join(', ')})`,
  hypervisor: `<monitor> (one of ${SHOWN_HYPERVISORS.join(', ')})`,
  binary: '/path/to/kernel',
};

function checkRequired(known: Map<KnownKey, LabelInput>, ctx: UruncContext, out: Diagnostic[]): void {
  for (const key of REQUIRED_KEYS) {
    const label = known.get(key);
    if (label === undefined && ctx.baseLabelsUnknown) {
      // An unresolved image base (punch llb, punch check) may carry the label itself.
      out.push(diagnostic('warning', ctx.file, ctx.anchor, `label ${fullKey(key)} is not set in this file: the base image must carry it, which punch cannot check without resolving the base (punch build and the frontend do)`));
    } else if (label === undefined) {
      out.push(diagnostic('error', ctx.file, ctx.anchor, `missing label ${fullKey(key)}: add LABEL ${fullKey(key)}=${requiredHint[key]}`));
    } else if (label.value === '') {
      const range = label.valueRange ?? label.range ?? ctx.anchor;
      out.push(diagnostic('error', ctx.file, range, `label ${fullKey(key)} is empty: give it a value, e.g. ${fullKey(key)}=${requiredHint[key]}${originNote[label.origin]}`));
    }
  }
}

/** Returns whether the value is one the 2026 line knows (so the pair check applies). */
function checkName(
  key: 'unikernelType' | 'hypervisor',
  v: string,
  lines: { 2025: readonly string[]; 2026: readonly string[] },
  all: readonly string[],
  shown: readonly string[],
  err: (key: KnownKey, message: string) => void,
  warn: (key: KnownKey, message: string) => void,
): boolean {
  const in2026 = lines[2026].includes(v);
  const in2025 = lines[2025].includes(v);
  if (in2026 && in2025) return true;
  if (in2026) {
    warn(key, `${key} "${v}" needs urunc from the 2026 line: the 2025 release line does not know it`);
    return true;
  }
  if (in2025) {
    warn(key, `${key} "${v}" works only with the 2025 urunc release line: the 2026 line rejects it (unsupported guest monitor pair)`);
    return false;
  }
  const guess = suggest(v, all);
  const hint = guess !== undefined ? `did you mean "${guess}"? ` : '';
  err(key, `unknown ${key} "${v}": ${hint}urunc accepts ${shown.join(', ')}`);
  return false;
}

function checkPair(type: string, hypervisor: string, err: (key: KnownKey, message: string) => void): void {
  const types = SUPPORTED_PAIRS[hypervisor] ?? [];
  if (types.includes(type)) return;
  const monitors = Object.keys(SUPPORTED_PAIRS).filter((m) => SUPPORTED_PAIRS[m]!.includes(type));
  err(
    'unikernelType',
    `unsupported guest monitor pair ${hypervisor} ${type}: on ${hypervisor} urunc runs ${orList(types)}; ` +
      `${type} runs on ${orList(monitors)}`,
  );
}

function checkExists(
  key: (typeof PATH_KEYS)[number],
  path: string,
  ctx: UruncContext,
  err: (key: KnownKey, message: string) => void,
  warn: (key: KnownKey, message: string) => void,
): void {
  const found = findProduced(path, ctx.produced);
  if (found.kind === 'file' || found.kind === 'maybe') return;
  const subject = `${fullKey(key)} ${path}`;
  if (found.kind === 'directory') {
    err(key, `${subject} is a directory in the image (a COPY writes a directory there): give the path of the file`);
    return;
  }
  if (ctx.base === 'scratch' || ctx.baseKnown) {
    const files = ctx.produced.flatMap((p) => (p.kind === 'file' ? [p.path] : []));
    const guess = suggest(path, files);
    const hint = guess !== undefined ? `; did you mean ${guess}?` : `; add COPY <file> ${path} or fix the path`;
    err(key, `${subject} is not in the image: no COPY of the final stage writes it${ctx.baseKnown && ctx.base !== 'scratch' ? ' and the base does not have it' : ''}${hint}`);
    return;
  }
  if (ctx.resultChecked) return;
  const what = ctx.base === 'image' ? 'base image' : 'base stage';
  warn(key, `${subject} is not written by a COPY of the final stage: it must come from the ${what}, which punch cannot check without resolving it`);
}

function sortByPosition(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.range.start.line - b.d.range.start.line || a.d.range.start.col - b.d.range.start.col || a.i - b.i)
    .map(({ d }) => d);
}
