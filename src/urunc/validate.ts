// Build-time check of the com.urunc.unikernel.* labels against what the selected urunc release
// accepts (keys, values, pairs, paths): a wrong value otherwise fails at run time, or urunc quietly
// hands the container to runc. Severity follows the selected release (releases.ts, rules.ts).
import { ruleDiagnostic, sortByPosition, type Diagnostic, type Severity, type SourceRange } from '../diagnostics.js';
import { GO_BOOLS, KNOWN_KEYS, MAX_VALUE_BYTES, RENAMED_KEYS, REQUIRED_KEYS, RUNTIME_ONLY_KEYS, SOLO5_DEV_RE, URUNC_PREFIX, fullKey, type KnownKey } from './keys.js';
import { cleanPath } from '../gopath.js';
import { utf8Length } from './paths.js';
import { findProduced, type ProducedPath } from './produced.js';
import { sortedRecord } from '../order.js';
import { DEFAULT_RELEASE, describeReleases, releasesWhere, type UruncRelease } from './releases.js';
import type { RuleName } from './rules.js';
import { suggest } from './suggest.js';
import { checkName, checkPair, checkPath, type Finding } from './values.js';

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
  /** The urunc release to check against (default: the newest known). */
  release?: UruncRelease;
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

const originNote: Record<LabelInput['origin'], string> = {
  file: '',
  cli: ' (set by --label)',
  base: ' (inherited from the base image)',
};

type Report = (rule: RuleName, severity: Severity, label: LabelInput | undefined, onValue: boolean, message: string, releases: readonly string[]) => void;

export function validateUrunc(labels: readonly LabelInput[], ctx: UruncContext): UruncResult {
  const release = ctx.release ?? DEFAULT_RELEASE;
  const sel = release.version;
  const finals = new Map<string, LabelInput>();
  for (const label of labels) {
    finals.delete(label.key); // keep the map in order of the last write
    finals.set(label.key, label);
  }
  const diagnostics: Diagnostic[] = [];
  const at = (label: LabelInput | undefined, onValue: boolean): SourceRange =>
    (onValue ? (label?.valueRange ?? label?.range) : label?.range) ?? ctx.anchor;
  const report: Report = (rule, severity, label, onValue, message, releases) => {
    diagnostics.push(ruleDiagnostic(rule, severity, ctx.file, at(label, onValue), message + (label ? originNote[label.origin] : ''), releases));
  };

  const known = new Map<KnownKey, LabelInput>();
  for (const label of finals.values()) checkKey(label, release, known, report);

  const value = (key: KnownKey): string | undefined => known.get(key)?.value;
  const emit = (key: KnownKey, fs: readonly Finding[]): void => {
    for (const f of fs) report(f.rule, f.severity, known.get(key), true, f.message, f.releases);
  };
  const reads = (key: KnownKey): boolean => release.keys.includes(key);

  checkRequired(known, ctx, release, diagnostics);
  const type = value('unikernelType');
  const hypervisor = value('hypervisor');
  const typeCheck = type ? checkName('unikernelType', type, release) : undefined;
  const monitorCheck = hypervisor ? checkName('hypervisor', hypervisor, release) : undefined;
  if (typeCheck) emit('unikernelType', typeCheck.findings);
  if (monitorCheck) emit('hypervisor', monitorCheck.findings);
  const effType = typeCheck && typeCheck.findings.length === 0 ? type : typeCheck?.effective;
  const effMonitor = monitorCheck && monitorCheck.findings.length === 0 ? hypervisor : monitorCheck?.effective;
  if (effType && effMonitor) emit('unikernelType', checkPair(effType, effMonitor, release));

  if (effMonitor && release.needsInitrd?.includes(effMonitor) && !value('initrd')) {
    report('urunc-missing-key', 'error', known.get('hypervisor'), true, `urunc ${sel} starts ${effMonitor} only with an initrd: add LABEL ${fullKey('initrd')}=/path/to/initrd and COPY it there`, [sel]);
  }

  for (const key of [...PATH_KEYS, 'blkMntPoint'] as const) {
    const v = value(key);
    if (v === undefined || v === '') continue;
    const findings = checkPath(key, v, release);
    emit(key, findings);
    if (key === 'blkMntPoint' || findings.some((f) => f.rule === 'urunc-path' && f.severity === 'error')) continue;
    // The file system resolves `//` and `./` as urunc's releases without path rules let them through.
    checkExists(key, cleanPath(v.startsWith('/') ? v : `/${v}`), ctx, report, known.get(key));
  }

  const version = value('unikernelVersion');
  if (release.valueChecks && version !== undefined && utf8Length(version) > MAX_VALUE_BYTES) {
    report('urunc-value-length', 'error', known.get('unikernelVersion'), true, `${fullKey('unikernelVersion')} is ${utf8Length(version)} bytes long: urunc ${sel} accepts at most ${MAX_VALUE_BYTES}`, [sel]);
  }
  for (const key of ['mountRootfs', 'useDMBlock'] as const) {
    const v = value(key);
    if (v === undefined || v === '' || (GO_BOOLS as readonly string[]).includes(v)) continue;
    const fails = reads(key) && release.valueChecks;
    const effect = !reads(key) ? `urunc ${sel} does not read it` : fails ? `urunc ${sel} refuses the image` : key === 'useDMBlock' ? `urunc ${sel} then uses devmapper as if it were true` : `urunc ${sel} then does not mount the rootfs`;
    report('urunc-bool-value', fails ? 'error' : 'warning', known.get(key), true, `${fullKey(key)} "${v}" is not a boolean (${effect}): write true or false (urunc parses it with Go strconv.ParseBool)`, [sel]);
  }
  for (const key of ['solo5NetDev', 'solo5BlkDev'] as const) {
    const v = value(key);
    if (v === undefined || v === '' || SOLO5_DEV_RE.test(v) || !reads(key)) continue;
    report('urunc-solo5-device', release.valueChecks ? 'error' : 'warning', known.get(key), true, `${fullKey(key)} "${v}" is not a Solo5 device name: use 1 to 67 letters and digits (urunc ${sel} requires ^[A-Za-z0-9]{1,67}$)`, [sel]);
  }
  if (value('blkMntPoint') && !value('block')) {
    report('urunc-block-mountpoint', 'warning', known.get('blkMntPoint'), true, `${fullKey('blkMntPoint')} has no effect without ${fullKey('block')}: add LABEL ${fullKey('block')}=/path/to/block.img or remove it`, [sel]);
  }
  for (const [key, label] of known) {
    if (label.value === '' && !(REQUIRED_KEYS as readonly string[]).includes(key)) {
      report('urunc-empty-value', 'warning', label, true, `${fullKey(key)} is empty: urunc treats it as unset; remove the label or give it a value`, [sel]);
    }
  }
  // The raw type: a Linux image gets this warning even where the release does not know the type.
  if (release.dmBlockDefault?.includes(type ?? '') && value('useDMBlock') === undefined && !value('block')) {
    report(
      'urunc-dmblock-default',
      'warning',
      known.get('unikernelType'),
      true,
      `urunc ${sel} treats a missing ${fullKey('useDMBlock')} as true and boots a ${type} guest from the devmapper snapshot: ` +
        `on the default overlayfs snapshotter it fails ("failed to stat dev overlay"); add LABEL ${fullKey('useDMBlock')}=false unless you use devmapper`,
      [sel],
    );
  }

  const urunc = [...finals.entries()].filter(([k]) => k.startsWith(URUNC_PREFIX)).map(([k, l]): [string, string] => [k, l.value]);
  return {
    values: sortedRecord(urunc),
    labels: sortedRecord([...finals.entries()].map(([k, l]): [string, string] => [k, l.value])),
    diagnostics: sortByPosition(diagnostics),
  };
}

/** Sorts one label into `known` (a key some release reads) or reports why urunc will not read it. */
function checkKey(label: LabelInput, release: UruncRelease, known: Map<KnownKey, LabelInput>, report: Report): void {
  const key = label.key;
  const sel = release.version;
  if (!key.startsWith(URUNC_PREFIX)) {
    if (key.toLowerCase().startsWith(URUNC_PREFIX)) {
      const name = suggest(key.slice(URUNC_PREFIX.length), KNOWN_KEYS) ?? key.slice(URUNC_PREFIX.length);
      report('urunc-unknown-key', 'warning', label, false, `label ${key} is not read by urunc: the prefix is case-sensitive; did you mean ${fullKey(name)}?`, [sel]);
    }
    return;
  }
  const name = key.slice(URUNC_PREFIX.length);
  if ((KNOWN_KEYS as readonly string[]).includes(name)) {
    known.set(name as KnownKey, label);
    // cmdline has rules of its own (cmdline.ts): it matters only when it disagrees with CMD.
    if (name !== 'cmdline' && !release.keys.includes(name)) {
      const readers = releasesWhere((r) => r.keys.includes(name));
      const replaced = name === 'useDMBlock' && release.keys.includes('mountRootfs') ? ` (v0.6.0 replaced it with ${fullKey('mountRootfs')})` : '';
      report('urunc-release-key', 'warning', label, false, `label ${key} is read by urunc ${describeReleases(readers)}; your selection ${sel} ignores it${replaced}`, readers);
    }
    return;
  }
  const runtimeOnly = RUNTIME_ONLY_KEYS.find((r) => r.toLowerCase() === name.toLowerCase());
  if (runtimeOnly !== undefined) {
    report('urunc-runtime-key', 'warning', label, false, `label ${key} should not be set by an image: only the runtime spec carries it; remove the label`, [sel]);
    return;
  }
  const renamed = RENAMED_KEYS[name];
  const guess = renamed ?? suggest(name, KNOWN_KEYS);
  const message =
    guess !== undefined
      ? `unknown label ${key}: urunc does not read it; did you mean ${fullKey(guess)}?`
      : `unknown label ${key}: urunc reads only ${release.keys.join(', ')}, and ignores this one`;
  report('urunc-unknown-key', 'warning', label, false, message, [sel]);
}

function requiredHint(key: (typeof REQUIRED_KEYS)[number], release: UruncRelease): string {
  if (key === 'unikernelType') return `<type> (one of ${release.types.join(', ')})`;
  if (key === 'hypervisor') return `<monitor> (one of ${release.hypervisors.join(', ')})`;
  return '/path/to/kernel';
}

function checkRequired(known: Map<KnownKey, LabelInput>, ctx: UruncContext, release: UruncRelease, out: Diagnostic[]): void {
  const sel = [release.version];
  for (const key of REQUIRED_KEYS) {
    const label = known.get(key);
    const hint = requiredHint(key, release);
    if (label === undefined && ctx.baseLabelsUnknown) {
      // An unresolved image base (punch llb, punch check) may carry the label itself.
      out.push(ruleDiagnostic('urunc-missing-key', 'warning', ctx.file, ctx.anchor, `label ${fullKey(key)} is not set in this file: the base image must carry it, which punch cannot check without resolving the base (punch build and the frontend do)`, sel));
    } else if (label === undefined) {
      out.push(ruleDiagnostic('urunc-missing-key', 'error', ctx.file, ctx.anchor, `missing label ${fullKey(key)}: add LABEL ${fullKey(key)}=${hint}`, sel));
    } else if (label.value === '') {
      const range = label.valueRange ?? label.range ?? ctx.anchor;
      out.push(ruleDiagnostic('urunc-missing-key', 'error', ctx.file, range, `label ${fullKey(key)} is empty: give it a value, e.g. ${fullKey(key)}=${hint}${originNote[label.origin]}`, sel));
    }
  }
}

function checkExists(key: (typeof PATH_KEYS)[number], path: string, ctx: UruncContext, report: Report, label: LabelInput | undefined): void {
  const found = findProduced(path, ctx.produced);
  if (found.kind === 'file' || found.kind === 'maybe') return;
  const subject = `${fullKey(key)} ${path}`;
  const sel = [(ctx.release ?? DEFAULT_RELEASE).version];
  if (found.kind === 'directory') {
    report('urunc-missing-file', 'error', label, true, `${subject} is a directory in the image (a COPY writes a directory there): give the path of the file`, sel);
    return;
  }
  if (ctx.base === 'scratch' || ctx.baseKnown) {
    const files = ctx.produced.flatMap((p) => (p.kind === 'file' ? [p.path] : []));
    const guess = suggest(path, files);
    const hint = guess !== undefined ? `; did you mean ${guess}?` : `; add COPY <file> ${path} or fix the path`;
    report('urunc-missing-file', 'error', label, true, `${subject} is not in the image: no COPY of the final stage writes it${ctx.baseKnown && ctx.base !== 'scratch' ? ' and the base does not have it' : ''}${hint}`, sel);
    return;
  }
  if (ctx.resultChecked) return;
  const what = ctx.base === 'image' ? 'base image' : 'base stage';
  report('urunc-missing-file', 'warning', label, true, `${subject} is not written by a COPY of the final stage: it must come from the ${what}, which punch cannot check without resolving it`, sel);
}
