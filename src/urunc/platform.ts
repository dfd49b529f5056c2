// Unikraft catalog images (kraftkit) are indexes whose platform `os` is the machine type (qemu, fc, xen).
import { normalizePlatform, type Platform } from '../platform.js';

const machineOs: Record<string, string> = { qemu: 'qemu', firecracker: 'fc', xen: 'xen' };

/** The platform to resolve a Unikraft base for: qemu → qemu, firecracker → fc, xen → xen, else qemu. */
export function unikraftBasePlatform(hypervisor: string | undefined, architecture: string): Platform {
  const os = (hypervisor !== undefined ? machineOs[hypervisor] : undefined) ?? 'qemu';
  return normalizePlatform({ os, architecture });
}
