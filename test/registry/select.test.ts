import { describe, expect, it } from 'vitest';
import { MediaType, type Index } from '../../src/oci/types.js';
import { checkConfigPlatform, selectManifest } from '../../src/registry/manifests.js';
import { RegistryError } from '../../src/registry/errors.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const entry = (n: number, platform: { os: string; architecture: string; variant?: string }, mediaType: string = MediaType.ociManifest) => ({
  mediaType,
  digest: d(n),
  size: 100,
  platform,
});

const index: Index = {
  schemaVersion: 2,
  manifests: [
    entry(1, { os: 'qemu', architecture: 'x86_64' }),
    entry(2, { os: 'fc', architecture: 'x86_64' }),
    entry(3, { os: 'linux', architecture: 'amd64' }),
    entry(4, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry(5, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry(6, { os: 'unknown', architecture: 'unknown' }),
  ],
};

describe('selectManifest', () => {
  it.each([
    ['qemu/amd64', { os: 'qemu', architecture: 'amd64' }, 1],
    ['qemu/x86_64', { os: 'qemu', architecture: 'x86_64' }, 1],
    ['fc/amd64', { os: 'fc', architecture: 'amd64' }, 2],
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, 3],
    ['linux/x86_64', { os: 'linux', architecture: 'x86_64' }, 3],
    ['linux/arm64 matches arm64/v8', { os: 'linux', architecture: 'arm64' }, 4],
    ['linux/aarch64 matches arm64/v8', { os: 'linux', architecture: 'aarch64' }, 4],
    ['linux/arm (v7 by default)', { os: 'linux', architecture: 'arm' }, 5],
  ])('%s picks entry %i', (_name, want, n) => {
    expect(selectManifest(index, want, 'x').digest).toBe(d(n));
  });

  it('picks the first of two entries for the same platform', () => {
    const twice: Index = { schemaVersion: 2, manifests: [entry(7, { os: 'qemu', architecture: 'amd64' }), entry(1, { os: 'qemu', architecture: 'x86_64' })] };
    expect(selectManifest(twice, { os: 'qemu', architecture: 'amd64' }, 'x').digest).toBe(d(7));
  });

  it('does not treat linux as any os: xen/amd64 is not in the index', () => {
    expect(() => selectManifest(index, { os: 'xen', architecture: 'amd64' }, 'unikraft.org/nginx:1.15')).toThrow(
      'no manifest for platform xen/amd64 in unikraft.org/nginx:1.15; available: qemu/x86_64, fc/x86_64, linux/amd64, linux/arm64/v8, linux/arm/v7, unknown/unknown',
    );
  });

  it('does not match arm/v6 against arm/v7', () => {
    expect(() => selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v6' }, 'x')).toThrow(RegistryError);
  });

  it('skips nested indexes', () => {
    const nested: Index = { schemaVersion: 2, manifests: [entry(8, { os: 'qemu', architecture: 'amd64' }, MediaType.ociIndex)] };
    expect(() => selectManifest(nested, { os: 'qemu', architecture: 'amd64' }, 'x')).toThrow('no manifest for platform qemu/amd64 in x');
  });
});

describe('checkConfigPlatform', () => {
  const config = { os: 'linux', architecture: 'arm64', variant: 'v8', config: {}, rootfs: { type: 'layers' as const, diff_ids: [] } };

  it('accepts a lone manifest whose config is for the platform', () => {
    expect(() => checkConfigPlatform(config, { os: 'linux', architecture: 'arm64' }, 'x')).not.toThrow();
  });

  it('refuses a lone manifest for another platform, naming the one it has', () => {
    expect(() => checkConfigPlatform(config, { os: 'qemu', architecture: 'arm64' }, 'me/img:1')).toThrow(
      'no manifest for platform qemu/arm64 in me/img:1; available: linux/arm64/v8 (a single-platform image)',
    );
  });
});
