// Each rule: a Containerfile that triggers it and one that does not (same release), and the README's
// rule list matches the rules punch has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import type { BuildInput, ResolvedImage } from '../../src/convert/api.js';
import { PunchError, type Diagnostic } from '../../src/diagnostics.js';
import { RULES, ruleAnchor } from '../../src/urunc/index.js';

const U = 'com.urunc.unikernel.';
const BASE = `FROM scratch\nCOPY kernel /k\nCOPY initrd /i\nCOPY disk /d\n`;
const QEMU = `LABEL ${U}binary=/k ${U}unikernelType=unikraft ${U}hypervisor=qemu\n`;

interface Case {
  text: string;
  uruncVersion?: string;
  buildArgs?: Record<string, string>;
  resolveImage?: BuildInput['resolveImage'];
}

const withBase = (cmd: string[]): BuildInput['resolveImage'] => async (): Promise<ResolvedImage> => ({
  config: { architecture: 'amd64', os: 'linux', config: { Cmd: cmd }, rootfs: { type: 'layers', diff_ids: [] } },
});

// rule → [failing, passing]
const cases: Record<string, [Case, Case]> = {
  'urunc-missing-key': [{ text: `${BASE}LABEL ${U}binary=/k ${U}unikernelType=unikraft\n` }, { text: BASE + QEMU }],
  'urunc-unknown-key': [{ text: `${BASE}${QEMU}LABEL ${U}memory=512M\n` }, { text: `${BASE}${QEMU}LABEL ${U}unikernelVersion=0.17.0\n` }],
  'urunc-release-key': [{ text: `${BASE}${QEMU}LABEL ${U}useDMBlock=false\n` }, { text: `${BASE}${QEMU}LABEL ${U}useDMBlock=false\n`, uruncVersion: 'v0.5.0' }],
  'urunc-runtime-key': [{ text: `${BASE}${QEMU}LABEL ${U}vAccel=vsock\n` }, { text: BASE + QEMU }],
  'urunc-unknown-value': [{ text: BASE + QEMU.replace('qemu', 'xen') }, { text: BASE + QEMU }],
  'urunc-release-value': [{ text: BASE + QEMU.replace('unikraft', 'linux'), uruncVersion: 'v0.5.0' }, { text: BASE + QEMU.replace('unikraft', 'linux'), uruncVersion: 'v0.6.0' }],
  'urunc-renamed-value': [{ text: `${BASE}${QEMU.replace('qemu', 'hyperlight')}LABEL ${U}initrd=/i\n` }, { text: `${BASE}${QEMU.replace('qemu', 'hyperlight-unikraft')}LABEL ${U}initrd=/i\n` }],
  'urunc-unsupported-pair': [{ text: BASE + QEMU.replace('qemu', 'hvt') }, { text: BASE + QEMU.replace('qemu', 'hvt').replace('unikraft', 'rumprun') }],
  'urunc-path': [{ text: BASE + QEMU.replace('binary=/k', 'binary=//k') }, { text: BASE + QEMU }],
  'urunc-relative-path': [{ text: BASE + QEMU.replace('binary=/k', 'binary=k') }, { text: BASE + QEMU }],
  'urunc-missing-file': [{ text: BASE + QEMU.replace('binary=/k', 'binary=/kernel') }, { text: BASE + QEMU }],
  'urunc-bool-value': [{ text: `${BASE}${QEMU}LABEL ${U}mountRootfs=yes\n` }, { text: `${BASE}${QEMU}LABEL ${U}mountRootfs=true\n` }],
  'urunc-solo5-device': [{ text: `${BASE}${QEMU}LABEL ${U}solo5NetDev=tap-0\n` }, { text: `${BASE}${QEMU}LABEL ${U}solo5NetDev=tap0\n` }],
  'urunc-value-length': [{ text: `${BASE}${QEMU}LABEL ${U}unikernelVersion=${'1'.repeat(4097)}\n` }, { text: `${BASE}${QEMU}LABEL ${U}unikernelVersion=${'1'.repeat(4096)}\n` }],
  'urunc-empty-value': [{ text: `${BASE}${QEMU}LABEL ${U}initrd=\n` }, { text: `${BASE}${QEMU}LABEL ${U}initrd=/i\n` }],
  'urunc-block-mountpoint': [{ text: `${BASE}${QEMU}LABEL ${U}blkMntPoint=/\n` }, { text: `${BASE}${QEMU}LABEL ${U}blkMntPoint=/ ${U}block=/d\n` }],
  'urunc-cmdline-ignored': [{ text: `${BASE}${QEMU}LABEL ${U}cmdline=hello\nCMD ["bye"]\n` }, { text: `${BASE}${QEMU}LABEL ${U}cmdline=hello\nCMD ["hello"]\n` }],
  'urunc-cmdline-mismatch': [
    { text: `${BASE}${QEMU}LABEL ${U}cmdline=hello\nCMD ["bye"]\n`, uruncVersion: 'v0.7.0' },
    { text: `${BASE}${QEMU}LABEL ${U}cmdline=hello\nCMD ["hello"]\n`, uruncVersion: 'v0.7.0' },
  ],
  'urunc-cmdline-split': [{ text: `${BASE}${QEMU}CMD ["echo", "a b"]\n`, uruncVersion: 'v0.7.0' }, { text: `${BASE}${QEMU}CMD ["echo", "a", "b"]\n`, uruncVersion: 'v0.7.0' }],
  'urunc-dmblock-default': [
    { text: BASE + QEMU.replace('unikraft', 'rumprun').replace('qemu', 'hvt'), uruncVersion: 'v0.5.0' },
    { text: `${BASE}${QEMU.replace('unikraft', 'rumprun').replace('qemu', 'hvt')}LABEL ${U}useDMBlock=false\n`, uruncVersion: 'v0.5.0' },
  ],
  'urunc-version': [{ text: BASE + QEMU, buildArgs: { PUNCH_URUNC_VERSION: 'v0.1.0' } }, { text: BASE + QEMU, buildArgs: { PUNCH_URUNC_VERSION: 'v0.8.0' } }],
  'check-directive': [{ text: `# check=skip\n${BASE}${QEMU}` }, { text: `# check=skip=all\n${BASE}${QEMU}` }],
  containerfile: [{ text: `${BASE}${QEMU}FROBNICATE\n` }, { text: BASE + QEMU }],
};

async function rules(c: Case): Promise<string[]> {
  const input: BuildInput = {
    file: 'Containerfile',
    text: c.text,
    buildArgs: c.buildArgs ?? {},
    labels: {},
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
    context: { name: 'context', excludePatterns: [] },
    ...(c.uruncVersion ? { uruncVersion: c.uruncVersion } : {}),
    ...(c.resolveImage ? { resolveImage: c.resolveImage } : {}),
  };
  let ds: readonly Diagnostic[];
  try {
    ds = (await buildGraph(input)).diagnostics;
  } catch (e) {
    if (!(e instanceof PunchError)) throw e;
    ds = e.diagnostics;
  }
  return ds.map((d) => d.rule ?? 'containerfile');
}

describe('every rule has a failing and a passing case', () => {
  it('covers every rule', () => {
    expect(Object.keys(cases).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  it.each(Object.entries(cases))('%s', async (rule, [failing, passing]) => {
    expect(await rules(failing)).toContain(rule);
    expect(await rules(passing)).not.toContain(rule);
  });

  it('a base image\'s own CMD makes a cmdline label ignored (v0.8.0)', async () => {
    const text = `FROM app:1\n${QEMU}LABEL ${U}cmdline=hello\n`;
    expect(await rules({ text, resolveImage: withBase(['/bin/app']) })).toContain('urunc-cmdline-ignored');
    expect(await rules({ text, resolveImage: withBase([]) })).not.toContain('urunc-cmdline-ignored');
  });
});

describe('the README lists the rules', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const listed = [...readme.matchAll(/<a id="rule-([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]);

  it('one anchored row per rule, in the order of src/urunc/rules.ts', () => {
    expect(listed).toEqual(RULES.map((r) => r.name));
  });

  it('each rule links to its README row', () => {
    for (const r of RULES) expect(readme).toContain(`<a id="${ruleAnchor(r.name).slice(1)}"></a>`);
  });

  it('the release table names every release punch knows', async () => {
    const { knownVersions } = await import('../../src/urunc/index.js');
    for (const v of knownVersions()) expect(readme).toMatch(new RegExp(`^\\| ${v.replace(/\./g, '\\.')}\\b`, 'm'));
  });
});
