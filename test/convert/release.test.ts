// The urunc release selection reaches what punch writes: manifest annotations raw for the 2026 line,
// base64 for the 2025 line (which base64-decodes runtime-spec annotations), and the checks follow it.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import type { BuildInput } from '../../src/convert/api.js';
import { PunchError, formatDiagnostic } from '../../src/diagnostics.js';
import { parseUruncJson } from '../../src/urunc/index.js';
import { input } from './input.js';


const unikraft = `FROM scratch
COPY kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel \\
      com.urunc.unikernel.unikernelType=unikraft \\
      com.urunc.unikernel.hypervisor=qemu
CMD ["nginx"]
`;

async function failure(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PunchError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  throw new Error('expected a PunchError');
}

describe('urunc release selection', () => {
  it('checks against and writes for the newest release by default (v0.8.0: raw annotations)', async () => {
    const g = await buildGraph(input(unikraft));
    expect(g.uruncRelease.version).toBe('v0.8.0');
    expect(g.annotations).toEqual({
      'com.urunc.unikernel.binary': '/unikernel/kernel',
      'com.urunc.unikernel.cmdline': 'nginx',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
  });

  it('writes base64 manifest annotations for a 2025 release (the values urunc.json carries)', async () => {
    const g = await buildGraph(input(unikraft, { uruncVersion: 'v0.7.0' }));
    expect(g.annotations).toEqual({
      'com.urunc.unikernel.binary': 'L3VuaWtlcm5lbC9rZXJuZWw=',
      'com.urunc.unikernel.cmdline': 'bmdpbng=',
      'com.urunc.unikernel.hypervisor': 'cWVtdQ==',
      'com.urunc.unikernel.unikernelType': 'dW5pa3JhZnQ=',
    });
    expect(parseUruncJson(new TextEncoder().encode(JSON.stringify(g.annotations)))).toEqual(g.urunc);
  });

  it('takes the release from the PUNCH_URUNC_VERSION build argument, without an unused-argument warning', async () => {
    const g = await buildGraph(input(unikraft, { buildArgs: { PUNCH_URUNC_VERSION: '0.6.0' } }));
    expect(g.uruncRelease.version).toBe('v0.6.0');
    expect(g.diagnostics).toEqual([]);
  });

  it('prefers the explicit option over the build argument', async () => {
    const g = await buildGraph(input(unikraft, { uruncVersion: 'v0.5.0', buildArgs: { PUNCH_URUNC_VERSION: 'v0.8.0' } }));
    expect(g.uruncRelease.version).toBe('v0.5.0');
  });

  it('an unknown release is an error listing the known ones', async () => {
    expect(await failure(buildGraph(input(unikraft, { uruncVersion: 'v9.9.9' })))).toEqual([
      'Containerfile:1:1: error: unknown urunc release "v9.9.9" (urunc version option): punch knows v0.5.0, v0.6.0, v0.7.0, v0.8.0, main; the default is v0.8.0 [urunc-version]',
    ]);
  });

  it('the same file gives two outcomes against two releases (hyperlight-unikraft exists from v0.8.0)', async () => {
    const text = unikraft.replace('hypervisor=qemu', 'hypervisor=hyperlight-unikraft').replace('COPY kernel', 'COPY initrd /unikernel/initrd\nCOPY kernel').replace('binary=/unikernel/kernel', 'binary=/unikernel/kernel com.urunc.unikernel.initrd=/unikernel/initrd');
    expect((await buildGraph(input(text))).diagnostics.map(formatDiagnostic)).toEqual([]);
    expect((await buildGraph(input(text, { uruncVersion: 'v0.7.0' }))).diagnostics.map(formatDiagnostic)).toEqual([
      'Containerfile:6:7: warning: hypervisor "hyperlight-unikraft" is accepted from v0.8.0; your selection is v0.7.0, which does not start it (select the release you run with --urunc, or use one of spt, hvt, qemu, firecracker, hedge) [urunc-release-value]',
    ]);
  });
});
