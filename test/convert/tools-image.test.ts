// Which image the initrd ExecOp runs on: option, then build argument, then the frontend's own image,
// then the #syntax= line, then the image published for this version.
import { describe, expect, it } from 'vitest';
import { PUBLISHED_REPOSITORY, toolsImage } from '../../src/convert/tools-image.js';
import { PunchError } from '../../src/diagnostics.js';
import { VERSION } from '../../src/version.js';

const base = { buildArgs: {}, file: 'bunnyfile' };
const syntax = { syntax: 'registry.example/punch:1' };

describe('tools image', () => {
  it('is the image the #syntax= line names, normalised', () => {
    expect(toolsImage(base, { syntax: 'punch:1' })).toEqual({ ref: 'docker.io/library/punch:1', origin: 'syntax' });
  });

  it('takes the first word of a #syntax= line that carries arguments', () => {
    expect(toolsImage(base, { syntax: 'registry.example/punch:1 --debug' }).ref).toBe('registry.example/punch:1');
  });

  it('is the image BuildKit runs the frontend from (the source opt) before the #syntax= line', () => {
    expect(toolsImage({ ...base, frontendImage: 'localhost:5000/punch:e2e' }, syntax)).toEqual({ ref: 'localhost:5000/punch:e2e', origin: 'frontend' });
  });

  it('is the PUNCH_TOOLS_IMAGE build argument before the frontend image', () => {
    const r = toolsImage({ ...base, buildArgs: { PUNCH_TOOLS_IMAGE: 'mirror.example/punch:1' }, frontendImage: 'localhost:5000/punch:e2e' }, syntax);
    expect(r).toEqual({ ref: 'mirror.example/punch:1', origin: 'build-arg' });
  });

  it('is the explicit option before everything else', () => {
    const r = toolsImage({ ...base, toolsImage: 'opt.example/punch:2', buildArgs: { PUNCH_TOOLS_IMAGE: 'mirror.example/punch:1' } }, syntax);
    expect(r).toEqual({ ref: 'opt.example/punch:2', origin: 'option' });
  });

  it('keeps a digest the reference pins', () => {
    const ref = `registry.example/punch@sha256:${'b'.repeat(64)}`;
    expect(toolsImage({ ...base, toolsImage: ref }, {}).ref).toBe(ref);
  });

  it('skips a #syntax= line naming Docker’s Dockerfile frontend, which holds no punch', () => {
    expect(toolsImage(base, { syntax: 'docker/dockerfile:1' })).toEqual({ ref: `${PUBLISHED_REPOSITORY}:${VERSION}`, origin: 'default' });
  });

  it('defaults to the published image of this version', () => {
    expect(toolsImage(base, {})).toEqual({ ref: `${PUBLISHED_REPOSITORY}:${VERSION}`, origin: 'default' });
  });

  it('refuses a name that is not an image reference, saying where it came from', () => {
    const e = (() => {
      try {
        toolsImage({ ...base, buildArgs: { PUNCH_TOOLS_IMAGE: 'Not/Valid' } }, {});
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(PunchError);
    expect((e as PunchError).diagnostics[0]!.message).toMatch(/^build argument PUNCH_TOOLS_IMAGE names "Not\/Valid", which is not an image reference/);
  });
});
