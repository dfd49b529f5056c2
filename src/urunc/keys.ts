// What urunc accepts, as read from urunc's source (2025 release line and 2026 main line).

export const URUNC_PREFIX = 'com.urunc.unikernel.';

/** Keys urunc reads from an image (annotations or /urunc.json), without the prefix. */
export const KNOWN_KEYS = [
  'binary',
  'blkMntPoint',
  'block',
  'cmdline',
  'hypervisor',
  'initrd',
  'mountRootfs',
  'solo5BlkDev',
  'solo5NetDev',
  'unikernelType',
  'unikernelVersion',
  'useDMBlock',
] as const;
export type KnownKey = (typeof KNOWN_KEYS)[number];

export const REQUIRED_KEYS = ['unikernelType', 'hypervisor', 'binary'] as const satisfies readonly KnownKey[];

/** Keys only the runtime spec carries: urunc never reads them from an image. */
export const RUNTIME_ONLY_KEYS = ['vAccel', 'RPCAddress', 'bootKernel', 'bootInitrd'] as const;

/** Monitors each urunc line knows. */
export const HYPERVISORS = {
  2025: ['spt', 'hvt', 'qemu', 'firecracker', 'hedge'],
  2026: ['hvt', 'spt', 'qemu', 'firecracker', 'cloud-hypervisor', 'hyperlight'],
} as const satisfies Record<2025 | 2026, readonly string[]>;

/** Guest frameworks each urunc line knows. */
export const UNIKERNEL_TYPES = {
  2025: ['rumprun', 'unikraft', 'mirage', 'mewz', 'linux'],
  2026: ['rumprun', 'mirage', 'unikraft', 'linux', 'mewz', 'hermit', 'freebsd'],
} as const satisfies Record<2025 | 2026, readonly string[]>;

/** 2026 line: the only (monitor → frameworks) pairs it starts; anything else is `unsupported guest monitor pair`. */
export const SUPPORTED_PAIRS: Readonly<Record<string, readonly string[]>> = {
  hvt: ['rumprun', 'mirage'],
  spt: ['rumprun', 'mirage'],
  qemu: ['unikraft', 'linux', 'mirage', 'mewz', 'hermit', 'freebsd'],
  firecracker: ['unikraft', 'linux', 'freebsd'],
  'cloud-hypervisor': ['linux'],
  hyperlight: ['unikraft'],
};

/** urunc bounds path and version values to this many bytes. */
export const MAX_VALUE_BYTES = 4096;

/** Go strconv.ParseBool accepts exactly these. */
export const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'] as const;

export const SOLO5_DEV_RE = /^[A-Za-z0-9]{1,67}$/;

export function fullKey(key: string): string {
  return URUNC_PREFIX + key;
}
