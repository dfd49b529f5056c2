import { describe, expect, it } from 'vitest';
import { defaultOutput, parseOutputSpec } from '../../src/cli/output-spec.js';

describe('parseOutputSpec', () => {
  it.each([
    ['type=oci,dest=x.tar', { type: 'oci', dest: 'x.tar' }],
    ['type=oci-layout,dest=out/dir', { type: 'oci-layout', dest: 'out/dir' }],
    ['type=docker,dest=img.tar', { type: 'docker', dest: 'img.tar' }],
    ['type=registry', { type: 'registry' }],
    ['type=registry,name=127.0.0.1:5000/app:1', { type: 'registry', name: '127.0.0.1:5000/app:1' }],
    ['type=oci,dest=x.tar,compression=zstd', { type: 'oci', dest: 'x.tar', compression: { type: 'zstd', level: 1, force: false } }],
    ['type=oci-layout,dest=d,compression=gzip,compression-level=9', { type: 'oci-layout', dest: 'd', compression: { type: 'gzip', level: 9, force: false } }],
    ['type=docker,dest=i.tar,compression=uncompressed', { type: 'docker', dest: 'i.tar', compression: { type: 'uncompressed', level: 0, force: false } }],
    ['type=registry,compression=zstd,compression-level=3,force-compression=true', { type: 'registry', compression: { type: 'zstd', level: 3, force: true } }],
    ['type=oci,dest=x.tar,compression-level=6', { type: 'oci', dest: 'x.tar', compression: { type: 'gzip', level: 6, force: false } }],
  ])('parses %s', (text, spec) => {
    expect(parseOutputSpec(text)).toEqual(spec);
  });

  it.each([
    ['type=tar,dest=x', '--output type=tar,dest=x: type must be one of oci, oci-layout, docker, registry'],
    ['type=oci', '--output type=oci: type=oci needs dest=PATH'],
    ['type=oci,dest=a,dest=b', '--output type=oci,dest=a,dest=b: dest is given twice'],
    ['type=oci,dest=a,push=true', '--output type=oci,dest=a,push=true: push= is not an option of type=oci (allowed: type, dest, compression, compression-level, force-compression)'],
    ['type=oci,dest=a,compression=xz', '--output type=oci,dest=a,compression=xz: compression=xz: expected gzip, zstd or uncompressed'],
    ['type=oci,dest=a,compression=estargz', 'compression=estargz is not supported by punch build; use gzip, zstd or uncompressed'],
    ['type=oci,dest=a,compression=gzip,compression-level=10', 'compression-level=10: gzip takes a whole number from 0 to 9'],
    ['type=oci,dest=a,compression=zstd,compression-level=0', 'compression-level=0: zstd takes a whole number from 1 to 22'],
    ['type=oci,dest=a,compression-level=fast', 'compression-level=fast: gzip takes a whole number from 0 to 9'],
    ['type=oci,dest=a,force-compression=yes', 'force-compression=yes: expected true or false'],
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
