// Which kind of build file the bytes are, decided by content: a YAML mapping with bunnyfile keys is a
// bunnyfile (with or without a #syntax line), anything else a Containerfile.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseBuildFile } from '../../src/session/index.js';
import { opts } from '../bunnyfile/helpers.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const BUNNY = 'version: v0.1\nplatforms: {framework: unikraft, monitor: qemu}\nkernel: {from: local, path: kernel}\n';

describe('parseBuildFile', () => {
  it('reads a YAML mapping with bunnyfile keys as a bunnyfile', () => {
    expect(parseBuildFile(bytes(BUNNY), 'bunnyfile').kind).toBe('bunnyfile');
  });

  it('reads a bunnyfile after a #syntax line', () => {
    expect(parseBuildFile(bytes(`#syntax=example.test/punch:1\n${BUNNY}`), 'bunnyfile').kind).toBe('bunnyfile');
  });

  it('reads a bunnyfile whatever its name', () => {
    expect(parseBuildFile(bytes(BUNNY), 'Containerfile').kind).toBe('bunnyfile');
  });

  it('reads a bunnyfile with a misspelt key as a bunnyfile, so the error names the key', () => {
    const f = parseBuildFile(bytes(BUNNY.replace('kernel:', 'kernal:')), 'bunnyfile');
    expect(f.kind).toBe('bunnyfile');
    expect(f.planner(opts()).diagnostics.map(formatDiagnostic)).toContain(
      'bunnyfile:3:1: error: unknown bunnyfile key "kernal"; did you mean "kernel"? (known: version, platforms, rootfs, kernel, envs, cmd, entrypoint, cmdline)',
    );
  });

  it('reads anything else as a Containerfile', () => {
    expect(parseBuildFile(bytes('#syntax=example.test/punch:1\nFROM scratch\n'), 'Containerfile').kind).toBe('containerfile');
  });

  it('gives a bunnyfile its platforms.architecture as the platform to build', () => {
    expect(parseBuildFile(bytes(BUNNY.replace('monitor: qemu', 'monitor: qemu, architecture: aarch64')), 'bunnyfile').platform).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it('a YAML file that is not a bunnyfile gets one error saying so, not one per line', () => {
    const f = parseBuildFile(bytes('services:\n  web:\n    image: nginx\nvolumes:\n  data:\n'), 'compose.yaml');
    expect(f.planner(opts({ file: 'compose.yaml' })).diagnostics.map(formatDiagnostic)).toEqual([
      'compose.yaml:1:1: error: compose.yaml looks like YAML (its keys: services, volumes), not a Containerfile, and is not a bunnyfile: a bunnyfile is a YAML mapping with the keys version, platforms and kernel (version: v0.1)',
    ]);
  });
});
