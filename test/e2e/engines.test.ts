// Proves the engines the setup started: each is the Docker it claims to be, on its own bridge (never
// docker0), with its own containerd; Docker 26 has buildx and keeps images in containerd's store.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { engines, hasEngine, onEachEngine } from './engine.js';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // the process ended meanwhile
  }
}

interface DockerInfo {
  ServerVersion: string;
  DriverStatus: Array<[string, string]>;
  DockerRootDir: string;
}

onEachEngine((engine) => {
  test('answers on its own socket with its own version and data root', async () => {
    const r = await engine.docker(['info', '--format', '{{json .}}'], { check: true });
    const info = JSON.parse(r.stdout) as DockerInfo;
    expect(info.ServerVersion).toBe(engine.info.serverVersion);
    expect(info.ServerVersion).toMatch(engine.name === 'docker20' ? /^20\.10\./ : /^26\.1\./);
    expect(info.DockerRootDir).toContain(engine.name);
  });

  test('attaches containers to its own bridge, whose address the build containers get as gateway', async () => {
    const r = await engine.docker(['network', 'inspect', 'bridge', '--format', '{{json .}}'], { check: true });
    const net = JSON.parse(r.stdout) as { Options: Record<string, string>; IPAM: { Config: Array<{ Gateway?: string; Subnet: string }> } };
    expect(engine.info.bridge.name).not.toBe('docker0');
    expect(net.Options['com.docker.network.bridge.name']).toBe(engine.info.bridge.name);
    expect(net.IPAM.Config[0]?.Gateway ?? net.IPAM.Config[0]?.Subnet).toContain(engine.info.bridge.address.replace(/\.1\/24$/, '.'));
  });

  test('runs its own containerd, under its own exec root', () => {
    const pid = engine.dockerdPid();
    const children = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      const stat = readText(`/proc/${p}/stat`);
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
    });
    const argv = children.map((c) => readText(`/proc/${c}/cmdline`).split('\0')).filter((a) => a[0]?.endsWith('containerd'));
    expect(argv.map((a) => a.join(' '))).toEqual([expect.stringContaining(`${engine.name}/exec/containerd/containerd.toml`)]);
  });
});

describe.runIf(hasEngine('docker26'))('Docker 26', () => {
  const d26 = () => engines().find((e) => e.name === 'docker26')!;

  test('has buildx 0.13 from Debian 13, and `docker build` goes through it', async () => {
    const v = await d26().docker(['buildx', 'version'], { check: true });
    expect(v.stdout).toMatch(/^github\.com\/docker\/buildx 0\.13\./);
    const b = await d26().docker(['build', '--help'], { check: true });
    expect(b.stdout).toContain('docker buildx build');
  });

  test('keeps images in the containerd store', async () => {
    const r = await d26().docker(['info', '--format', '{{json .DriverStatus}}'], { check: true });
    expect(JSON.parse(r.stdout)).toContainEqual(['driver-type', 'io.containerd.snapshotter.v1']);
  });
});
