// What `docker buildx build --print` shows through the punch frontend on Docker 26 (buildx 0.13.1,
// BUILDX_EXPERIMENTAL=1): buildx asks the frontend for frontend.outline / frontend.targets /
// frontend.lint instead of a build, and prints punch's answer (the image advertises
// moby.buildkit.frontend.subrequests, without which BuildKit refuses the request).
import { describe, expect, test } from 'vitest';
import { engine, hasEngine, type RunResult } from './engine.js';
import { punchContext } from './frontend-support.js';

const CONTAINERFILE = [
  '# KERNEL_VERSION the kernel release to package',
  'ARG KERNEL_VERSION=6.1',
  '# kernel holds the built kernel',
  'FROM scratch AS kernel',
  'ARG KERNEL_VERSION',
  'COPY vmlinux-${KERNEL_VERSION} /vmlinux',
  '',
  '# final the image urunc boots',
  'FROM scratch AS final',
  '# HYPERVISOR the monitor urunc starts',
  'ARG HYPERVISOR=qemu',
  'COPY --from=kernel /vmlinux /unikernel/kernel',
  'LABEL com.urunc.unikernel.binary=/unikernel/kernel \\',
  '      com.urunc.unikernel.unikernelType=linux \\',
  '      com.urunc.unikernel.hypervisor=${HYPERVISOR}',
  '',
].join('\n');

/** `docker buildx build --print <what>` on Docker 26's default builder; stdout is buildx's printout. */
async function print(containerfile: string, what: string, args: readonly string[] = []): Promise<RunResult> {
  const dir = punchContext(containerfile, { 'vmlinux-6.1': 'kernel\n' });
  return engine('docker26').docker(['buildx', 'build', '--progress=plain', '-f', 'Containerfile', '--print', what, ...args, '.'], {
    cwd: dir,
    env: { BUILDX_EXPERIMENTAL: '1' },
    timeoutMs: 5 * 60_000,
  });
}

const ok = (r: RunResult): RunResult => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

describe.runIf(hasEngine('docker26'))('docker buildx build --print through the punch frontend on Docker 26', () => {
  test('--print outline lists the default target, its build args with values and ARG comments', async () => {
    const r = ok(await print(CONTAINERFILE, 'outline', ['--build-arg', 'HYPERVISOR=firecracker']));
    expect(r.stdout).toMatch(/^TARGET:\s+final$/m);
    expect(r.stdout).toMatch(/^DESCRIPTION:\s+the image urunc boots$/m);
    expect(r.stdout).toMatch(/^KERNEL_VERSION\s+6\.1\s+the kernel release to package$/m);
    expect(r.stdout).toMatch(/^HYPERVISOR\s+firecracker\s+the monitor urunc starts$/m);
  });

  test('--print outline,format=json carries the urunc labels with their values', async () => {
    const r = ok(await print(CONTAINERFILE, 'outline,format=json', ['--build-arg', 'HYPERVISOR=firecracker']));
    const doc = JSON.parse(r.stdout) as { name: string; labels: Array<{ name: string; value: string }> };
    expect(doc.name).toBe('final');
    expect(doc.labels.map((l) => [l.name, l.value])).toEqual([
      ['com.urunc.unikernel.binary', '/unikernel/kernel'],
      ['com.urunc.unikernel.hypervisor', 'firecracker'],
      ['com.urunc.unikernel.unikernelType', 'linux'],
    ]);
  });

  test('--print targets lists both stages with their comments, the last as default', async () => {
    const r = ok(await print(CONTAINERFILE, 'targets'));
    expect(r.stdout).toMatch(/^kernel\s+holds the built kernel$/m);
    expect(r.stdout).toMatch(/^final \(default\)\s+the image urunc boots$/m);
  });

  test("--print lint names punch's rule for an unknown com.urunc.unikernel.* key, at its line", async () => {
    const file = CONTAINERFILE.replace('com.urunc.unikernel.unikernelType=linux', 'com.urunc.unikernel.unikernelTyp=linux');
    const r = await print(file, 'lint');
    expect(r.stdout).toContain('WARNING: urunc-unknown-key - README.md#rule-urunc-unknown-key');
    // Line 15 of the file: the #syntax= line comes first.
    expect(r.stdout).toContain('  15 | >>>       com.urunc.unikernel.unikernelTyp=linux \\');
  });
});
