// The CLI's inputs for initrd steps: --tools-image, and SOURCE_DATE_EPOCH passed on as buildx passes it.
import { describe, expect, it } from 'vitest';
import { localArgs } from '../../src/cli/options.js';

const args = (values: Parameters<typeof localArgs>[0], env: NodeJS.ProcessEnv = {}) => localArgs(values, ['.'], [], env, '/w', 'x64');

describe('local build options for initrd steps', () => {
  it('--tools-image names the image initrd steps run on', () => {
    expect(args({ 'tools-image': 'registry.example/punch:1' }).toolsImage).toBe('registry.example/punch:1');
  });

  it('SOURCE_DATE_EPOCH from the environment becomes the build argument', () => {
    expect(args({}, { SOURCE_DATE_EPOCH: '1700000000' }).buildArgs).toEqual({ SOURCE_DATE_EPOCH: '1700000000' });
  });

  it('a --build-arg SOURCE_DATE_EPOCH wins over the environment', () => {
    expect(args({ 'build-arg': ['SOURCE_DATE_EPOCH=5'] }, { SOURCE_DATE_EPOCH: '1700000000' }).buildArgs).toEqual({ SOURCE_DATE_EPOCH: '5' });
  });

  it('an empty SOURCE_DATE_EPOCH is unset', () => {
    expect(args({}, { SOURCE_DATE_EPOCH: '' }).buildArgs).toEqual({});
  });
});
