// The value checks that depend on the urunc release: unikernelType/hypervisor names, monitor/framework
// pairs and paths. Each returns findings; validate.ts places them and adds the key's origin.
import type { Severity } from '../diagnostics.js';
import { fullKey } from './keys.js';
import { pathProblem } from './paths.js';
import { KNOWN_RELEASES, describeReleases, releasesWhere, type UruncRelease } from './releases.js';
import type { RuleName } from './rules.js';
import { suggest } from './suggest.js';

export interface Finding {
  rule: RuleName;
  severity: Severity;
  message: string;
  releases: string[];
}

export type NameKey = 'unikernelType' | 'hypervisor';

const valuesOf = (r: UruncRelease, key: NameKey): readonly string[] => (key === 'unikernelType' ? r.types : r.hypervisors);

/** `from v0.8.0` or `by v0.5.0 to v0.7.0`. */
function acceptedBy(versions: readonly string[]): string {
  const text = describeReleases(versions);
  return text.startsWith('from ') ? text : `by ${text}`;
}

function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** The name the release knows for `v` (after its renames), or undefined. */
function renamedTo(v: string): { to: string; in: string[] } | undefined {
  for (const r of KNOWN_RELEASES) {
    const to = r.renamed?.[v];
    if (to !== undefined) return { to, in: releasesWhere((x) => x.renamed?.[v] === to) };
  }
  return undefined;
}

/**
 * Checks a unikernelType/hypervisor value. Returns the findings and the value the selected release
 * would use (after a rename), or undefined when it does not start it (so no pair check applies).
 */
export function checkName(key: NameKey, v: string, release: UruncRelease): { findings: Finding[]; effective?: string } {
  const sel = release.version;
  if (valuesOf(release, key).includes(v)) return { findings: [] };
  const rename = renamedTo(v);
  if (rename !== undefined) {
    const accepting = releasesWhere((r) => valuesOf(r, key).includes(rename.to));
    const known = valuesOf(release, key).includes(rename.to);
    const message = known
      ? `${key} "${v}" is the old name of "${rename.to}" (renamed in ${rename.in[0]}): urunc ${sel} starts only "${rename.to}"; write ${fullKey(key)}=${rename.to}`
      : `${key} "${v}" is the old name of "${rename.to}", which urunc accepts ${acceptedBy(accepting)}; your selection is ${sel}, which knows neither`;
    return { findings: [{ rule: 'urunc-renamed-value', severity: 'warning', message, releases: accepting }], ...(known ? { effective: rename.to } : {}) };
  }
  const accepting = releasesWhere((r) => valuesOf(r, key).includes(v));
  if (accepting.length > 0) {
    const message =
      `${key} "${v}" is accepted ${acceptedBy(accepting)}; your selection is ${sel}, which does not start it ` +
      `(select the release you run with --urunc, or use one of ${valuesOf(release, key).join(', ')})`;
    return { findings: [{ rule: 'urunc-release-value', severity: 'warning', message, releases: accepting }] };
  }
  const all = [...new Set(KNOWN_RELEASES.flatMap((r) => [...valuesOf(r, key), ...Object.keys(r.renamed ?? {})]))];
  const guess = suggest(v, all);
  const hint = guess !== undefined ? `did you mean "${renamedTo(guess)?.to ?? guess}"? ` : '';
  const message = `unknown ${key} "${v}": ${hint}urunc ${sel} accepts ${valuesOf(release, key).join(', ')}`;
  return { findings: [{ rule: 'urunc-unknown-value', severity: 'error', message, releases: [sel] }] };
}

/** The pair check: an error where the selected release checks pairs, a warning naming those that do. */
export function checkPair(type: string, hypervisor: string, release: UruncRelease): Finding[] {
  const sel = release.version;
  if (release.pairs !== undefined) {
    const types = release.pairs[hypervisor] ?? [];
    if (types.includes(type)) return [];
    const monitors = Object.keys(release.pairs).filter((m) => release.pairs![m]!.includes(type));
    const message =
      `unsupported guest monitor pair ${hypervisor} ${type}: on ${hypervisor} urunc ${sel} runs ${orList(types)}; ` +
      `${type} runs on ${orList(monitors)}`;
    return [{ rule: 'urunc-unsupported-pair', severity: 'error', message, releases: [sel] }];
  }
  const refusing = releasesWhere((r) => r.pairs !== undefined && r.types.includes(type) && r.hypervisors.includes(hypervisor) && !(r.pairs[hypervisor] ?? []).includes(type));
  if (refusing.length === 0) return [];
  const message =
    `urunc ${describeReleases(refusing)} refuses the pair ${hypervisor} ${type} (unsupported guest monitor pair); ` +
    `your selection ${sel} does not check pairs, but the guest may not boot on that monitor`;
  return [{ rule: 'urunc-unsupported-pair', severity: 'warning', message, releases: refusing }];
}

/** urunc's path rules and the relative-path check, for binary/initrd/block (and blkMntPoint's rules). */
export function checkPath(key: 'binary' | 'initrd' | 'block' | 'blkMntPoint', v: string, release: UruncRelease): Finding[] {
  const sel = release.version;
  const problem = pathProblem(v, key === 'blkMntPoint');
  if (problem !== undefined) {
    if (release.pathRules) return [{ rule: 'urunc-path', severity: 'error', message: `${fullKey(key)} "${v}" ${problem}`, releases: [sel] }];
    const strict = releasesWhere((r) => r.pathRules);
    return [
      {
        rule: 'urunc-path',
        severity: 'warning',
        message: `${fullKey(key)} "${v}" ${problem} (urunc ${describeReleases(strict)} refuses it; your selection ${sel} does not check paths)`,
        releases: strict,
      },
    ];
  }
  if (key === 'blkMntPoint' || v.startsWith('/')) return [];
  if (release.absolutePaths) {
    const message = `${fullKey(key)} "${v}" is relative: urunc ${sel} makes it relative to "/" and fails on a relative path; write "/${v}"`;
    return [{ rule: 'urunc-relative-path', severity: 'error', message, releases: [sel] }];
  }
  const message = `${fullKey(key)} "${v}" is relative: urunc resolves it from the image root; write "/${v}"`;
  return [{ rule: 'urunc-relative-path', severity: 'warning', message, releases: releasesWhere((r) => r.absolutePaths) }];
}
