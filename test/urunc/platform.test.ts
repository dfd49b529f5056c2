import { describe, expect, it } from 'vitest';
import { unikraftBasePlatform } from '../../src/urunc/index.js';

describe('unikraftBasePlatform', () => {
  it.each([
    ['qemu', 'amd64', { os: 'qemu', architecture: 'amd64' }],
    ['firecracker', 'amd64', { os: 'fc', architecture: 'amd64' }],
    ['xen', 'amd64', { os: 'xen', architecture: 'amd64' }],
    [undefined, 'amd64', { os: 'qemu', architecture: 'amd64' }],
    ['hyperlight', 'amd64', { os: 'qemu', architecture: 'amd64' }],
    ['qemu', 'arm64', { os: 'qemu', architecture: 'arm64' }],
  ])('hypervisor %s on %s resolves the base as %o', (hypervisor, arch, expected) => {
    expect(unikraftBasePlatform(hypervisor, arch)).toEqual(expected);
  });

  it('normalises kraftkit architecture names like containerd (x86_64 → amd64)', () => {
    expect(unikraftBasePlatform('firecracker', 'x86_64')).toEqual({ os: 'fc', architecture: 'amd64' });
  });
});
