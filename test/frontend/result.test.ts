import { describe, expect, it } from 'vitest';
import { FrontendError } from '../../src/frontend/errors.js';
import { returnResult, type SolvedImage } from '../../src/frontend/result.js';
import type { ImageConfig } from '../../src/oci/types.js';

function config(architecture: string): ImageConfig {
  return { architecture, os: 'linux', config: { Labels: { a: 'b' } }, rootfs: { type: 'layers', diff_ids: [] } };
}

const amd64: SolvedImage = {
  platform: { os: 'linux', architecture: 'amd64' },
  refId: 'ref-amd64',
  config: config('amd64'),
  annotations: { 'com.urunc.unikernel.unikernelType': 'unikraft', 'com.urunc.unikernel.binary': '/unikernel/kernel' },
};
const armv7: SolvedImage = {
  platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
  refId: 'ref-arm',
  config: config('arm'),
  annotations: { 'com.urunc.unikernel.unikernelType': 'rumprun' },
};

function text(metadata: Record<string, Uint8Array> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
}

describe('the Return result', () => {
  it('returns one image as a ref with its config, and manifest annotations when supported', () => {
    const r = returnResult([amd64], { multiPlatform: false, annotations: true });
    expect(r.ref).toEqual({ id: 'ref-amd64' });
    expect(r.refs).toBeUndefined();
    expect(text(r.metadata)).toEqual({
      'annotation-manifest.com.urunc.unikernel.binary': '/unikernel/kernel',
      'annotation-manifest.com.urunc.unikernel.unikernelType': 'unikraft',
      'containerimage.config': JSON.stringify(amd64.config),
    });
  });

  it('inserts metadata keys in sorted order (protobufjs writes them in that order)', () => {
    const r = returnResult([amd64], { multiPlatform: false, annotations: true });
    expect(Object.keys(r.metadata!)).toEqual([
      'annotation-manifest.com.urunc.unikernel.binary',
      'annotation-manifest.com.urunc.unikernel.unikernelType',
      'containerimage.config',
    ]);
  });

  it('leaves annotations out when the engine cannot export them', () => {
    const r = returnResult([amd64], { multiPlatform: false, annotations: false });
    expect(Object.keys(r.metadata!)).toEqual(['containerimage.config']);
  });

  it('returns several platforms as refs with per-platform configs, annotations and refs.platforms', () => {
    const r = returnResult([amd64, armv7], { multiPlatform: false, annotations: true });
    expect(r.ref).toBeUndefined();
    expect(r.refs).toEqual({ refs: { 'linux/amd64': { id: 'ref-amd64' }, 'linux/arm/v7': { id: 'ref-arm' } } });
    expect(text(r.metadata)).toEqual({
      'annotation-manifest[linux/amd64].com.urunc.unikernel.binary': '/unikernel/kernel',
      'annotation-manifest[linux/amd64].com.urunc.unikernel.unikernelType': 'unikraft',
      'annotation-manifest[linux/arm/v7].com.urunc.unikernel.unikernelType': 'rumprun',
      'containerimage.config/linux/amd64': JSON.stringify(amd64.config),
      'containerimage.config/linux/arm/v7': JSON.stringify(armv7.config),
      'refs.platforms':
        '{"Platforms":[{"ID":"linux/amd64","Platform":{"architecture":"amd64","os":"linux"}},' +
        '{"ID":"linux/arm/v7","Platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}',
    });
  });

  it('returns a platform map for one image when multi-platform is asked for', () => {
    const r = returnResult([amd64], { multiPlatform: true, annotations: false });
    expect(r.refs).toEqual({ refs: { 'linux/amd64': { id: 'ref-amd64' } } });
    expect(Object.keys(r.metadata!)).toEqual(['containerimage.config/linux/amd64', 'refs.platforms']);
  });

  it('rejects two images for the same platform', () => {
    expect(() => returnResult([amd64, { ...amd64, refId: 'other' }], { multiPlatform: false, annotations: false })).toThrow(
      new FrontendError('two of the requested platforms build an image for linux/amd64: list each target platform once'),
    );
  });
});
