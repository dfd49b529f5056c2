import { describe, expect, it } from 'vitest';
import { defaultOutput, parseOutputSpec } from '../../src/cli/output-spec.js';

describe('parseOutputSpec', () => {
  it.each([
    ['type=oci,dest=x.tar', { type: 'oci', dest: 'x.tar' }],
    ['type=oci-layout,dest=out/dir', { type: 'oci-layout', dest: 'out/dir' }],
    ['type=docker,dest=img.tar', { type: 'docker', dest: 'img.tar' }],
    ['type=registry', { type: 'registry' }],
    ['type=registry,name=127.0.0.1:5000/app:1', { type: 'registry', name: '127.0.0.1:5000/app:1' }],
  ])('parses %s', (text, spec) => {
    expect(parseOutputSpec(text)).toEqual(spec);
  });

  it.each([
    ['type=tar,dest=x', '--output type=tar,dest=x: type must be one of oci, oci-layout, docker, registry'],
    ['type=oci', '--output type=oci: type=oci needs dest=PATH'],
    ['type=oci,dest=a,dest=b', '--output type=oci,dest=a,dest=b: dest is given twice'],
    ['type=oci,dest=a,push=true', '--output type=oci,dest=a,push=true: push= is not an option of type=oci (allowed: type, dest)'],
    ['oci', '--output oci: "oci" is not key=value (e.g. type=oci,dest=image.tar)'],
  ])('rejects %s', (text, message) => {
    expect(() => parseOutputSpec(text)).toThrow(message);
  });
});

describe('defaultOutput', () => {
  it('names the archive after the repository of the tag', () => {
    expect(defaultOutput('registry.example:5000/team/nginx-uk:dev')).toEqual({ type: 'oci', dest: 'nginx-uk.tar' });
  });
});
