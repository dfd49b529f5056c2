import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import { decodeDefinition } from '../../src/llb/index.js';
import { parseUruncJson } from '../../src/urunc/index.js';
import { bundle, punch, repo } from './run.js';

const examples = readdirSync(join(repo, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function scratchDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'punch-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('punch --version and --help', () => {
  it('prints the version and exits 0', () => {
    const r = punch(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^punch \d+\.\d+\.\d+\n$/);
  });

  it('prints help that fits on a 24x100 screen', () => {
    const r = punch(['--help']);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('rejects an unknown command with exit 2 and nothing on stdout', () => {
    const r = punch(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});

describe.each(examples)('punch llb on examples/%s', (name) => {
  const dir = join('examples', name);
  const args = ['llb', dir];

  it('writes a Definition whose last op is the terminal op, and nothing else', () => {
    const r = punch(args);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const def = pb.Definition.decode(r.stdout);
    expect(def.def.length).toBeGreaterThanOrEqual(2);
    const last = pb.Op.decode(def.def[def.def.length - 1]!);
    expect(last.inputs).toHaveLength(1);
    expect(last.op).toBeUndefined();
  });

  it('writes the same bytes on every run', () => {
    expect(punch(args).stdout.equals(punch(args).stdout)).toBe(true);
  });

  it('writes /urunc.json whose keys are the image labels', () => {
    const r = punch(args);
    const decoded = decodeDefinition(new Uint8Array(r.stdout));
    const mkfile = decoded.ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.mkfile?.path === '/urunc.json')?.mkfile;
    expect(mkfile).toBeDefined();
    const urunc = parseUruncJson(mkfile!.data!);
    const config = JSON.parse(punch([...args, '--print-config']).stdout.toString());
    const uruncLabels = Object.fromEntries(Object.entries(config.config.Labels).filter(([k]) => k.startsWith('com.urunc.unikernel.')));
    expect(urunc).toEqual(uruncLabels);
  });
});

describe('punch llb diagnostics', () => {
  it('reports an unsupported instruction with file:line:col, exit 1 and empty stdout', () => {
    const dir = scratchDir({ Containerfile: 'FROM scratch\nCOPY k /k\nHEALTHCHECK NONE\n', k: 'x' });
    const r = punch(['llb', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/Containerfile:3:1: error: HEALTHCHECK /);
  });

  it('names a missing Containerfile and exits 2', () => {
    const dir = scratchDir({});
    const r = punch(['llb', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no Containerfile, Dockerfile or bunnyfile');
  });

  it('reads a context\'s bunnyfile when it has no Containerfile or Dockerfile', () => {
    const r = punch(['check', 'examples/bunnyfile-rumprun-redis']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^examples\/bunnyfile-rumprun-redis\/bunnyfile: ok for urunc /);
  });

  it('reports a bunnyfile\'s problems at bunnyfile:LINE:COL, with -f naming it', () => {
    const dir = scratchDir({ bunny: 'version: v0.1\nplatforms: {framework: rumprun, monitor: hvt}\nkernel: {from: local, path: k}\nrootfs: {tpye: raw}\n', k: 'x' });
    const r = punch(['llb', '-f', join(dir, 'bunny'), dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain(`${join(dir, 'bunny')}:4:10: error: unknown key in rootfs "tpye"; did you mean "type"?`);
  });

  it('prints one JSON op per line with --format json', () => {
    const r = punch(['llb', 'examples/unikraft-qemu-nginx', '--format', 'json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('prints a buildctl command carrying the annotations', () => {
    const r = punch(['llb', 'examples/unikraft-qemu-nginx', '--print-buildctl', 'registry.example/nginx:1']);
    expect(r.code).toBe(0);
    const text = r.stdout.toString();
    expect(text).toMatch(/^buildctl build --local context=examples\/unikraft-qemu-nginx --output '/);
    expect(text).toContain('annotation.com.urunc.unikernel.hypervisor=qemu');
    expect(text).toContain('name=registry.example/nginx:1');
  });
});

describe('punch llb --urunc', () => {
  it('--print-buildctl carries base64 annotations for a 2025 release', () => {
    const r = punch(['llb', 'examples/unikraft-qemu-nginx', '--urunc', 'v0.7.0', '--print-buildctl', 'registry.example/nginx:1']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('annotation.com.urunc.unikernel.hypervisor=cWVtdQ==');
  });
});

describe('punch check', () => {
  it('prints the urunc metadata, the command line, the files urunc will read, what punch writes and the counts', () => {
    const r = punch(['check', 'examples/linux-firecracker-block']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(
      [
        'examples/linux-firecracker-block/Containerfile: ok for urunc v0.8.0 (linux/amd64)',
        '  com.urunc.unikernel.binary         /boot/vmlinux',
        '  com.urunc.unikernel.blkMntPoint    /',
        '  com.urunc.unikernel.block          /disk/rootfs.ext4',
        '  com.urunc.unikernel.cmdline        /sbin/init console=ttyS0',
        '  com.urunc.unikernel.hypervisor     firecracker',
        '  com.urunc.unikernel.unikernelType  linux',
        '  entrypoint: ["/sbin/init"]',
        '  cmd:        ["console=ttyS0"]',
        '  files:      /boot/vmlinux /disk/rootfs.ext4 /urunc.json',
        '  writes:     manifest annotations raw (urunc reads runtime-spec annotations as they are), /urunc.json base64',
        '0 errors, 0 warnings',
        '',
      ].join('\n'),
    );
  });

  it('--urunc selects a 2025 release: base64 annotations, stated in the output', () => {
    const r = punch(['check', '--urunc', 'v0.7.0', 'examples/linux-firecracker-block']);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().split('\n');
    expect(lines[0]).toBe('examples/linux-firecracker-block/Containerfile: ok for urunc v0.7.0 (linux/amd64)');
    expect(lines).toContain('  writes:     manifest annotations base64 (urunc base64-decodes runtime-spec annotations), /urunc.json base64');
  });

  it('an unknown --urunc release is a usage error listing the known ones', () => {
    const r = punch(['check', '--urunc', 'v0.9.0', 'examples/linux-firecracker-block']);
    expect(r.code).toBe(2);
    expect(r.stderr.toString()).toBe('punch: unknown urunc release "v0.9.0" (--urunc): punch knows v0.5.0, v0.6.0, v0.7.0, v0.8.0, main; the default is v0.8.0\n');
  });

  it('--json carries the release, what punch writes, and each diagnostic with rule, position and releases', () => {
    const r = punch(['check', 'examples/linux-firecracker-block', '--json', '--urunc', 'v0.5.0']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual({
      file: 'examples/linux-firecracker-block/Containerfile',
      ok: true,
      release: { version: 'v0.5.0', line: 2025, annotations: 'base64' },
      platform: 'linux/amd64',
      urunc: {
        'com.urunc.unikernel.binary': '/boot/vmlinux',
        'com.urunc.unikernel.blkMntPoint': '/',
        'com.urunc.unikernel.block': '/disk/rootfs.ext4',
        'com.urunc.unikernel.cmdline': '/sbin/init console=ttyS0',
        'com.urunc.unikernel.hypervisor': 'firecracker',
        'com.urunc.unikernel.unikernelType': 'linux',
      },
      annotations: {
        'com.urunc.unikernel.binary': 'L2Jvb3Qvdm1saW51eA==',
        'com.urunc.unikernel.blkMntPoint': 'Lw==',
        'com.urunc.unikernel.block': 'L2Rpc2svcm9vdGZzLmV4dDQ=',
        'com.urunc.unikernel.cmdline': 'L3NiaW4vaW5pdCBjb25zb2xlPXR0eVMw',
        'com.urunc.unikernel.hypervisor': 'ZmlyZWNyYWNrZXI=',
        'com.urunc.unikernel.unikernelType': 'bGludXg=',
      },
      entrypoint: ['/sbin/init'],
      cmd: ['console=ttyS0'],
      labels: {
        'com.urunc.unikernel.binary': '/boot/vmlinux',
        'com.urunc.unikernel.blkMntPoint': '/',
        'com.urunc.unikernel.block': '/disk/rootfs.ext4',
        'com.urunc.unikernel.cmdline': '/sbin/init console=ttyS0',
        'com.urunc.unikernel.hypervisor': 'firecracker',
        'com.urunc.unikernel.unikernelType': 'linux',
      },
      artifacts: { 'com.urunc.unikernel.binary': '/boot/vmlinux', 'com.urunc.unikernel.block': '/disk/rootfs.ext4' },
      files: ['/boot/vmlinux', '/disk/rootfs.ext4', '/urunc.json'],
      diagnostics: [
        {
          rule: 'urunc-release-value',
          severity: 'warning',
          file: 'examples/linux-firecracker-block/Containerfile',
          line: 9,
          column: 7,
          endLine: 9,
          endColumn: 46,
          message:
            'unikernelType "linux" is accepted from v0.6.0; your selection is v0.5.0, which does not start it (select the release you run with --urunc, or use one of rumprun, unikraft, mirage)',
          releases: ['v0.6.0', 'v0.7.0', 'v0.8.0', 'main'],
        },
      ],
      errors: 0,
      warnings: 1,
    });
  });

  it('--json on a failing file still writes the report to stdout, with exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'punch-check-'));
    writeFileSync(join(dir, 'Containerfile'), 'FROM scratch\nLABEL com.urunc.unikernel.hypervisor=xen\n');
    const r = punch(['check', '--json', dir]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout.toString());
    expect({ ok: report.ok, release: report.release, errors: report.errors, warnings: report.warnings }).toEqual({
      ok: false,
      release: { version: 'v0.8.0', line: 2026, annotations: 'raw' },
      errors: 3,
      warnings: 0,
    });
    expect(report.diagnostics.map((d: { rule: string; line: number }) => `${d.line} ${d.rule}`)).toEqual([
      '1 urunc-missing-key',
      '1 urunc-missing-key',
      '2 urunc-unknown-value',
    ]);
    expect(r.stderr.toString().split('\n').at(-2)).toBe('3 errors, 0 warnings');
  });
});

describe('the bundle', () => {
  it('has no dynamic import(): it runs as a vm.Script, where import() fails at run time', () => {
    // Built-ins that load late go through src/builtins.ts (require), which the bundle can run.
    const text = readFileSync(bundle, 'utf8');
    expect(text.match(/\bimport\((?!\))/g) ?? []).toEqual([]);
  });
});

describe('RUN through the CLI', () => {
  const runFile = 'FROM scratch\nCOPY sh /bin/sh\nRUN make kernel\nLABEL com.urunc.unikernel.binary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';

  it('punch build refuses a RUN at its line, naming the buildctl command and the frontend, and writes nothing', () => {
    const dir = scratchDir({ Containerfile: runFile, sh: '' });
    const r = punch(['build', '-t', 'x', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Containerfile:3:1: error: punch build cannot run RUN make kernel: the embedded builder has no container runtime. ' +
        'Build this file with BuildKit instead: `punch llb -f Containerfile . | buildctl build --local context=. --output type=oci,dest=image.tar`',
    );
    expect(readdirSync(dir).sort()).toEqual(['Containerfile', 'sh']);
  });

  it('punch check accepts a RUN stage and says what only the build checks', () => {
    const dir = scratchDir({ Containerfile: runFile, sh: '' });
    const r = punch(['check', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('build-only: 1 RUN step(s) (line 3): their commands, and whether they write the files above, are checked when BuildKit builds');
  });
});
