// Every example's `punch llb` bytes, image config and `punch build` digest, pinned. A change here is a
// change of what users get: only an issue that asks for it may update these values.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { punch } from './run.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** sha256 of `punch llb` and of `punch llb --print-config`, per example and platform. */
const LLB: Record<string, Record<string, [string, string]>> = {
  'linux-firecracker-block': {
    'linux/amd64': ['277b528c0edb218990141a9128180a07a4e783daa14bb228a0eec37b47628aa0', '2ef76f2a19b0b49d47ae3f6e2d42f1d87bb70af755fb5ef51904a383b27c58fc'],
    'linux/arm64': ['8b0eaf6ccc28100626b4f7c2c415d88c868728cf30fb894bdb8c3c26d5f2679e', 'a85a60db11e28dab1f92efd8e58f3b096e78ef68aabbad1984cf3ccb44225a81'],
  },
  'rumprun-hvt-redis': {
    'linux/amd64': ['23684f30c2bc8b6f640b0cf50e4c56b3a081cb09116c48959f7ef9777b41ab11', 'e948cc515f3565d7e20a20ee685a39e84253def9ab9ce2ab52cc5cd6bdecb069'],
    'linux/arm64': ['4e64508d3a3bfd2406be4e44d92311fb5fc210b3e855306d04012bbd27d94c49', 'c5dc306980de388c2ea01cdf597b138356f6f270880d3fe1ad4395e601dcfc6c'],
  },
  'unikraft-catalog-nginx': {
    'linux/amd64': ['e2be8f7de0223a5f9be1ff0b27818577d3e22f002b80e1400a7e3765ad71a518', '1d64411f7f42c59cdffe806b20a35f02dff104fcf9a115dcc93947facafc8336'],
    'linux/arm64': ['bb4a49717445c5ca5fcfd9accb6ca196ebe1b23e455d4aaad8389e7810ec11f8', '4940a13bf6d947c456c9b49a984999edd8ea5be819871a24a079e1cda0f1ba2e'],
  },
  'unikraft-qemu-nginx': {
    'linux/amd64': ['c227cc7b4245cba435eae28f05d8ff22daf97da623dcb61edf0391786c41c291', '0188f26c1e77b53e2bb177d97345c0134a3374e11a8d67f5943a20ac1166cfd8'],
    'linux/arm64': ['6c90886d9b7d2f9700ac47b6dc9e0b0319bc7c321ce8c1be4b9df470da90185a', '8723151e6bac5e27ed0176180b3f77b50e53dda4dee674b3748cfe5af68ba00f'],
  },
};

/**
 * `punch build` digests: one platform as an OCI archive, and linux/amd64,linux/arm64 as a layout with
 * SOURCE_DATE_EPOCH=1700000000. (unikraft-catalog-nginx needs its registry: the e2e suite builds it.)
 */
const BUILD: Record<string, [string, string]> = {
  'linux-firecracker-block': ['sha256:ec81c3110f6ba03f8fc217f0531560cf1a3a2c5da600d69f00edf0b55b08e812', 'sha256:76e029a09b0d62a0295cb5fff372336d207cc8445023adb31d308a084904c132'],
  'rumprun-hvt-redis': ['sha256:9f9fa38b588802234282983d6230d57c068a923fa08968038a95ee6551f29270', 'sha256:33e134cc9fd1ae5ff7f03f5aa8a724155da1816916a8e3b5c7a6aa0fd8f03529'],
  'unikraft-qemu-nginx': ['sha256:96e109f2f011bc3188583d504d54ea4ca7acc3a235848509a2ca44355e7c5078', 'sha256:5580422d8ff398d82d48eb6e0f881ba34982650993bde2fa90d4da4237349ad1'],
};

const out = mkdtempSync(join(tmpdir(), 'punch-golden-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(Object.entries(LLB))('examples/%s', (name, platforms) => {
  it.each(Object.entries(platforms))('punch llb --platform %s writes the pinned Definition and config', (platform, [llb, config]) => {
    const args = ['llb', join('examples', name), '--platform', platform];
    expect(sha256(punch(args).stdout)).toBe(llb);
    expect(sha256(punch([...args, '--print-config']).stdout)).toBe(config);
  });
});

describe.each(Object.entries(BUILD))('punch build examples/%s', (name, [single, multi]) => {
  const env = { SOURCE_DATE_EPOCH: '', PUNCH_CACHE_DIR: join(out, 'cache') };
  it('writes the pinned image for the host platform', () => {
    const r = punch(['build', join('examples', name), '-t', 'x:1', '--progress', 'quiet', '--platform', 'linux/amd64', '--output', `type=oci,dest=${join(out, `${name}.tar`)}`], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${single}\n`);
  });

  it('writes the pinned index for two platforms with SOURCE_DATE_EPOCH', () => {
    const args = ['build', join('examples', name), '-t', 'x:1', '--progress', 'quiet', '--platform', 'linux/amd64,linux/arm64', '--output', `type=oci-layout,dest=${join(out, name)}`];
    const r = punch(args, { env: { ...env, SOURCE_DATE_EPOCH: '1700000000' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${multi}\n`);
  });
});
