// The com.urunc.unikernel.* keys, as urunc's source names them (per release: releases.ts).

export const URUNC_PREFIX = 'com.urunc.unikernel.';

/** Keys some urunc release reads from an image (annotations or /urunc.json), without the prefix. */
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

/** Names older urunc docs used (its 2024 quickstart wrote `version`) → the key urunc reads. */
export const RENAMED_KEYS: Readonly<Record<string, KnownKey>> = {
  version: 'unikernelVersion',
};

/** urunc bounds path and version values to this many bytes. */
export const MAX_VALUE_BYTES = 4096;

/** Go strconv.ParseBool accepts exactly these. */
export const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'] as const;

export const SOLO5_DEV_RE = /^[A-Za-z0-9]{1,67}$/;

export function fullKey(key: string): string {
  return URUNC_PREFIX + key;
}
