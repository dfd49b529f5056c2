// punch's check rules: stable names (used by `# check=skip=`, `punch check --json`, frontend lint
// results) and what each guards. The README's "Validation" section lists the same table; a test keeps
// the two in step. Severity is per finding, not per rule: the same value can be refused by the
// selected urunc release (error) or only by others (warning).

export interface RuleInfo {
  name: string;
  /** One line: what the rule checks (Docker's lint "description"). */
  description: string;
}

const RULE_LIST = [
  { name: 'urunc-missing-key', description: 'A key urunc requires (unikernelType, hypervisor, binary) is missing or empty' },
  { name: 'urunc-unknown-key', description: 'A com.urunc.unikernel.* key no urunc release reads (typo, old name, another project\'s key)' },
  { name: 'urunc-release-key', description: 'A key the selected urunc release does not read, though other releases do' },
  { name: 'urunc-runtime-key', description: 'A key only the runtime spec should carry (vAccel, RPCAddress, bootKernel, bootInitrd)' },
  { name: 'urunc-unknown-value', description: 'A unikernelType or hypervisor no urunc release accepts' },
  { name: 'urunc-release-value', description: 'A unikernelType or hypervisor only other urunc releases accept' },
  { name: 'urunc-renamed-value', description: 'An old name urunc renamed (hyperlight is now hyperlight-unikraft)' },
  { name: 'urunc-unsupported-pair', description: 'A hypervisor/unikernelType pair urunc refuses (unsupported guest monitor pair)' },
  { name: 'urunc-path', description: 'A binary/initrd/block/blkMntPoint path urunc\'s path rules refuse' },
  { name: 'urunc-relative-path', description: 'A relative binary/initrd/block path' },
  { name: 'urunc-missing-file', description: 'binary/initrd/block names a file the image does not have' },
  { name: 'urunc-bool-value', description: 'mountRootfs/useDMBlock is not a Go boolean' },
  { name: 'urunc-solo5-device', description: 'solo5NetDev/solo5BlkDev is not a Solo5 device name' },
  { name: 'urunc-value-length', description: 'unikernelVersion is longer than urunc accepts' },
  { name: 'urunc-empty-value', description: 'An optional key is set to the empty string' },
  { name: 'urunc-block-mountpoint', description: 'blkMntPoint without block' },
  { name: 'urunc-cmdline-ignored', description: 'A cmdline label the selected release does not read while ENTRYPOINT+CMD says something else' },
  { name: 'urunc-cmdline-mismatch', description: 'cmdline and ENTRYPOINT+CMD disagree, and the selected release reads one of them' },
  { name: 'urunc-cmdline-split', description: 'An ENTRYPOINT/CMD argument that cmdline cannot carry (empty or with whitespace)' },
  { name: 'urunc-dmblock-default', description: 'The selected release treats a missing useDMBlock as true (devmapper as block device)' },
  { name: 'urunc-version', description: 'An unknown urunc release was selected' },
  { name: 'check-directive', description: 'A # check= parser directive punch cannot parse' },
  { name: 'containerfile', description: 'The Containerfile itself (syntax, instructions, build arguments, stages)' },
] as const satisfies readonly RuleInfo[];

export type RuleName = (typeof RULE_LIST)[number]['name'];

export const RULES: readonly RuleInfo[] = RULE_LIST;

/** Diagnostics from the Containerfile reader carry no rule of their own: they are `containerfile`. */
export const DEFAULT_RULE: RuleName = 'containerfile';

/** Where the README documents a rule (frontend lint results carry this URL). */
export function ruleAnchor(name: string): string {
  return `#rule-${name}`;
}

export function isRuleName(name: string): name is RuleName {
  return RULE_LIST.some((r) => r.name === name);
}
