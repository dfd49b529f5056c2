import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { GO_BOOLS, findRelease, validateUrunc, type LabelInput, type UruncContext, type UruncRelease } from '../../src/urunc/index.js';
import { baseLabel, cliLabel, fileLabel, range } from './helpers.js';

// Containerfile under test:
// 1 FROM scratch
// 2 LABEL com.urunc.unikernel.unikernelType=unikraft   (value at col 41)
// 3 LABEL com.urunc.unikernel.hypervisor=qemu          (value at col 38)
// 4 LABEL com.urunc.unikernel.binary=/unikernel/kernel (value at col 34)
// 5.. extra labels per row
// 9 COPY kernel /unikernel/kernel
const type = (v: string): LabelInput => fileLabel(2, 'unikernelType', v);
const hv = (v: string): LabelInput => fileLabel(3, 'hypervisor', v);
const bin = (v: string): LabelInput => fileLabel(4, 'binary', v);
const copy = range(9, 1, 31);

const ctx: UruncContext = {
  file: 'Containerfile',
  anchor: range(1, 1, 14),
  produced: [
    { kind: 'file', path: '/unikernel/kernel', range: copy },
    { kind: 'file', path: '/unikernel/initrd.cpio', range: copy },
    { kind: 'file', path: '/disk.img', range: copy },
    { kind: 'tree', dir: '/data', range: copy },
  ],
  base: 'scratch',
  baseKnown: false,
};

function check(labels: LabelInput[], over: Partial<UruncContext> = {}): string[] {
  return validateUrunc(labels, { ...ctx, ...over }).diagnostics.map(formatDiagnostic);
}

const valid = (): LabelInput[] => [type('unikraft'), hv('qemu'), bin('/unikernel/kernel')];
/** The valid set with the label for the same key replaced, or extra labels appended. */
function withLabels(...extra: LabelInput[]): LabelInput[] {
  const keys = new Set(extra.map((l) => l.key));
  return [...valid().filter((l) => !keys.has(l.key)), ...extra];
}

const long = '/' + 'a'.repeat(4096);

function release(version: string): UruncRelease {
  const r = findRelease(version);
  if (!r) throw new Error(`no release ${version}`);
  return r;
}

describe('validateUrunc: accepted input', () => {
  it('accepts the three required labels with a binary a COPY writes', () => {
    expect(check(valid())).toEqual([]);
  });

  it('accepts blkMntPoint "/" when a block is given', () => {
    expect(check(withLabels(fileLabel(5, 'block', '/disk.img'), fileLabel(6, 'blkMntPoint', '/')))).toEqual([]);
  });

  it.each(GO_BOOLS)('accepts mountRootfs %s (Go strconv.ParseBool syntax)', (b) => {
    expect(check(withLabels(fileLabel(5, 'mountRootfs', b)))).toEqual([]);
  });

  it('accepts every 2026 pair without diagnostics when both lines know the values', () => {
    expect(check(withLabels(type('rumprun'), hv('hvt')))).toEqual([]);
  });
});

// One behaviour per row: labels (or context) and the exact diagnostics it produces.
const rows: { name: string; labels: LabelInput[]; ctx?: Partial<UruncContext>; expected: string[] }[] = [
  {
    name: 'missing binary is an error at the anchor saying what to add',
    labels: [type('unikraft'), hv('qemu')],
    expected: [
      'Containerfile:1:1: error: missing label com.urunc.unikernel.binary: add LABEL com.urunc.unikernel.binary=/path/to/kernel [urunc-missing-key]',
    ],
  },
  {
    name: 'missing unikernelType lists the types urunc accepts',
    labels: [hv('qemu'), bin('/unikernel/kernel')],
    expected: [
      'Containerfile:1:1: error: missing label com.urunc.unikernel.unikernelType: add LABEL com.urunc.unikernel.unikernelType=<type> (one of rumprun, mirage, unikraft, linux, mewz, hermit, freebsd) [urunc-missing-key]',
    ],
  },
  {
    name: 'missing hypervisor lists the 2026 monitors',
    labels: [type('unikraft'), bin('/unikernel/kernel')],
    expected: [
      'Containerfile:1:1: error: missing label com.urunc.unikernel.hypervisor: add LABEL com.urunc.unikernel.hypervisor=<monitor> (one of hvt, spt, qemu, firecracker, cloud-hypervisor, hyperlight-unikraft) [urunc-missing-key]',
    ],
  },
  {
    name: 'an empty required value is an error at the value',
    labels: withLabels(bin('')),
    expected: [
      'Containerfile:4:34: error: label com.urunc.unikernel.binary is empty: give it a value, e.g. com.urunc.unikernel.binary=/path/to/kernel [urunc-missing-key]',
    ],
  },
  {
    name: 'a misspelt unikernelType suggests the closest',
    labels: withLabels(type('unikraf')),
    expected: [
      'Containerfile:2:41: error: unknown unikernelType "unikraf": did you mean "unikraft"? urunc v0.8.0 accepts rumprun, mirage, unikraft, linux, mewz, hermit, freebsd [urunc-unknown-value]',
    ],
  },
  {
    name: 'a wrongly cased unikernelType suggests the right case (values are case-sensitive)',
    labels: withLabels(type('Unikraft')),
    expected: [
      'Containerfile:2:41: error: unknown unikernelType "Unikraft": did you mean "unikraft"? urunc v0.8.0 accepts rumprun, mirage, unikraft, linux, mewz, hermit, freebsd [urunc-unknown-value]',
    ],
  },
  {
    name: 'an unknown unikernelType far from any known one has no suggestion',
    labels: withLabels(type('zephyr')),
    expected: [
      'Containerfile:2:41: error: unknown unikernelType "zephyr": urunc v0.8.0 accepts rumprun, mirage, unikraft, linux, mewz, hermit, freebsd [urunc-unknown-value]',
    ],
  },
  {
    name: 'a misspelt hypervisor suggests the closest',
    labels: withLabels(hv('firecraker')),
    expected: [
      'Containerfile:3:38: error: unknown hypervisor "firecraker": did you mean "firecracker"? urunc v0.8.0 accepts hvt, spt, qemu, firecracker, cloud-hypervisor, hyperlight-unikraft [urunc-unknown-value]',
    ],
  },
  {
    name: 'a unikernelType only later releases know is a warning naming them',
    labels: withLabels(type('hermit')),
    ctx: { release: release('v0.7.0') },
    expected: [
      'Containerfile:2:41: warning: unikernelType "hermit" is accepted from v0.8.0; your selection is v0.7.0, which does not start it (select the release you run with --urunc, or use one of rumprun, unikraft, mirage, mewz, linux) [urunc-release-value]',
    ],
  },
  {
    name: 'the old name hyperlight is a warning naming hyperlight-unikraft',
    labels: withLabels(hv('hyperlight'), fileLabel(5, 'initrd', '/unikernel/initrd.cpio')),
    expected: [
      'Containerfile:3:38: warning: hypervisor "hyperlight" is the old name of "hyperlight-unikraft" (renamed in v0.8.0): urunc v0.8.0 starts only "hyperlight-unikraft"; write com.urunc.unikernel.hypervisor=hyperlight-unikraft [urunc-renamed-value]',
    ],
  },
  {
    name: 'a hypervisor only older releases know is a warning naming them, and no pair check applies',
    labels: withLabels(hv('hedge')),
    expected: [
      'Containerfile:3:38: warning: hypervisor "hedge" is accepted by v0.5.0 to v0.7.0; your selection is v0.8.0, which does not start it (select the release you run with --urunc, or use one of hvt, spt, qemu, firecracker, cloud-hypervisor, hyperlight-unikraft) [urunc-release-value]',
    ],
  },
  {
    name: 'a pair the selected release does not start is an error listing the valid types and monitors',
    labels: withLabels(hv('hvt')),
    expected: [
      'Containerfile:2:41: error: unsupported guest monitor pair hvt unikraft: on hvt urunc v0.8.0 runs rumprun or mirage; unikraft runs on qemu, firecracker or hyperlight-unikraft [urunc-unsupported-pair]',
    ],
  },
  {
    name: 'no pair check when the unikernelType is unknown (only the unknown value is reported)',
    labels: withLabels(type('unikraf'), hv('hvt')),
    expected: [
      'Containerfile:2:41: error: unknown unikernelType "unikraf": did you mean "unikraft"? urunc v0.8.0 accepts rumprun, mirage, unikraft, linux, mewz, hermit, freebsd [urunc-unknown-value]',
    ],
  },
  {
    name: 'a path with a space is rejected (and not checked for existence)',
    labels: withLabels(bin('/uni kernel')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "/uni kernel" has characters urunc rejects: use only letters, digits and . _ / - (urunc requires ^[A-Za-z0-9._/-]+$) [urunc-path]',
    ],
  },
  {
    name: 'a path starting with .. is rejected',
    labels: withLabels(bin('../kernel')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "../kernel" must not start with "..": give the absolute path inside the image [urunc-path]',
    ],
  },
  {
    name: 'a path starting with - is rejected',
    labels: withLabels(bin('-kernel')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "-kernel" must not start with "-": give the absolute path inside the image [urunc-path]',
    ],
  },
  {
    name: 'a path with // is not clean and the clean form is suggested',
    labels: withLabels(bin('/unikernel//kernel')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "/unikernel//kernel" is not a clean path: write "/unikernel/kernel" [urunc-path]',
    ],
  },
  {
    name: 'a path with a trailing / is not clean',
    labels: withLabels(bin('/unikernel/kernel/')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "/unikernel/kernel/" is not a clean path: write "/unikernel/kernel" [urunc-path]',
    ],
  },
  {
    name: 'a path starting with ./ is not clean',
    labels: withLabels(bin('./kernel')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "./kernel" is not a clean path: write "kernel" [urunc-path]',
    ],
  },
  {
    name: 'a path of . is rejected',
    labels: withLabels(bin('.')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "." must not be ".": give the absolute path inside the image [urunc-path]',
    ],
  },
  {
    name: 'binary / is rejected (only blkMntPoint may be /)',
    labels: withLabels(bin('/')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "/" must not be "/": give the path of a file [urunc-path]',
    ],
  },
  {
    name: 'a path longer than 4096 bytes is rejected',
    labels: withLabels(fileLabel(5, 'initrd', long)),
    expected: [`Containerfile:5:34: error: com.urunc.unikernel.initrd "${long}" is 4097 bytes long: urunc accepts at most 4096 [urunc-path]`],
  },
  {
    name: 'a relative path is a warning with the absolute form',
    labels: withLabels(bin('unikernel/kernel')),
    expected: [
      'Containerfile:4:34: warning: com.urunc.unikernel.binary "unikernel/kernel" is relative: urunc resolves it from the image root; write "/unikernel/kernel" [urunc-relative-path]',
    ],
  },
  {
    name: 'unikernelVersion longer than 4096 bytes is rejected (counted in UTF-8 bytes)',
    labels: withLabels(fileLabel(5, 'unikernelVersion', 'é'.repeat(2049))),
    expected: [
      'Containerfile:5:44: error: com.urunc.unikernel.unikernelVersion is 4098 bytes long: urunc v0.8.0 accepts at most 4096 [urunc-value-length]',
    ],
  },
  {
    name: 'mountRootfs that Go strconv.ParseBool rejects is an error',
    labels: withLabels(fileLabel(5, 'mountRootfs', 'yes')),
    expected: [
      'Containerfile:5:39: error: com.urunc.unikernel.mountRootfs "yes" is not a boolean (urunc v0.8.0 refuses the image): write true or false (urunc parses it with Go strconv.ParseBool) [urunc-bool-value]',
    ],
  },
  {
    name: 'useDMBlock on a release that replaced it is a warning, and its value is still checked',
    labels: withLabels(fileLabel(5, 'useDMBlock', 'tRUE')),
    expected: [
      'Containerfile:5:7: warning: label com.urunc.unikernel.useDMBlock is read by urunc v0.5.0; your selection v0.8.0 ignores it (v0.6.0 replaced it with com.urunc.unikernel.mountRootfs) [urunc-release-key]',
      'Containerfile:5:38: warning: com.urunc.unikernel.useDMBlock "tRUE" is not a boolean (urunc v0.8.0 does not read it): write true or false (urunc parses it with Go strconv.ParseBool) [urunc-bool-value]',
    ],
  },
  {
    name: 'a solo5NetDev outside ^[A-Za-z0-9]{1,67}$ is rejected',
    labels: withLabels(fileLabel(5, 'solo5NetDev', 'tap-0')),
    expected: [
      'Containerfile:5:39: error: com.urunc.unikernel.solo5NetDev "tap-0" is not a Solo5 device name: use 1 to 67 letters and digits (urunc v0.8.0 requires ^[A-Za-z0-9]{1,67}$) [urunc-solo5-device]',
    ],
  },
  {
    name: 'a solo5BlkDev of 68 characters is rejected',
    labels: withLabels(fileLabel(5, 'solo5BlkDev', 'a'.repeat(68))),
    expected: [
      `Containerfile:5:39: error: com.urunc.unikernel.solo5BlkDev "${'a'.repeat(68)}" is not a Solo5 device name: use 1 to 67 letters and digits (urunc v0.8.0 requires ^[A-Za-z0-9]{1,67}$) [urunc-solo5-device]`,
    ],
  },
  {
    name: 'blkMntPoint without block is a warning',
    labels: withLabels(fileLabel(5, 'blkMntPoint', '/data')),
    expected: [
      'Containerfile:5:39: warning: com.urunc.unikernel.blkMntPoint has no effect without com.urunc.unikernel.block: add LABEL com.urunc.unikernel.block=/path/to/block.img or remove it [urunc-block-mountpoint]',
    ],
  },
  {
    name: 'an empty optional value is a warning (urunc treats it as unset)',
    labels: withLabels(fileLabel(5, 'cmdline', '')),
    expected: [
      'Containerfile:5:35: warning: com.urunc.unikernel.cmdline is empty: urunc treats it as unset; remove the label or give it a value [urunc-empty-value]',
    ],
  },
  {
    name: 'an unknown key differing only in case suggests the right one, at the key',
    labels: withLabels(fileLabel(5, 'com.urunc.unikernel.Binary', '/unikernel/kernel')),
    expected: [
      'Containerfile:5:7: warning: unknown label com.urunc.unikernel.Binary: urunc does not read it; did you mean com.urunc.unikernel.binary? [urunc-unknown-key]',
    ],
  },
  {
    name: 'a misspelt key suggests the closest by edit distance',
    labels: withLabels(fileLabel(5, 'com.urunc.unikernel.unikernelVersoin', '0.17.0')),
    expected: [
      'Containerfile:5:7: warning: unknown label com.urunc.unikernel.unikernelVersoin: urunc does not read it; did you mean com.urunc.unikernel.unikernelVersion? [urunc-unknown-key]',
    ],
  },
  {
    name: 'an unknown key far from any known one is a warning listing the keys the release reads',
    labels: withLabels(fileLabel(5, 'com.urunc.unikernel.memory', '512M')),
    expected: [
      'Containerfile:5:7: warning: unknown label com.urunc.unikernel.memory: urunc reads only unikernelType, unikernelVersion, binary, hypervisor, initrd, block, blkMntPoint, mountRootfs, solo5NetDev, solo5BlkDev, and ignores this one [urunc-unknown-key]',
    ],
  },
  {
    name: 'a runtime-only key is a warning: only the runtime spec should carry it',
    labels: withLabels(fileLabel(5, 'com.urunc.unikernel.vAccel', 'vsock')),
    expected: [
      'Containerfile:5:7: warning: label com.urunc.unikernel.vAccel should not be set by an image: only the runtime spec carries it; remove the label [urunc-runtime-key]',
    ],
  },
  {
    name: 'a wrongly cased prefix is a warning (urunc ignores the label)',
    labels: withLabels(fileLabel(5, 'com.urunc.Unikernel.initrd', '/unikernel/initrd.cpio')),
    expected: [
      'Containerfile:5:7: warning: label com.urunc.Unikernel.initrd is not read by urunc: the prefix is case-sensitive; did you mean com.urunc.unikernel.initrd? [urunc-unknown-key]',
    ],
  },
  {
    name: 'a --label value is reported at the anchor and says where it came from',
    labels: withLabels(cliLabel('mountRootfs', 'no')),
    expected: [
      'Containerfile:1:1: error: com.urunc.unikernel.mountRootfs "no" is not a boolean (urunc v0.8.0 refuses the image): write true or false (urunc parses it with Go strconv.ParseBool) (set by --label) [urunc-bool-value]',
    ],
  },
  {
    name: 'an inherited value is reported at the anchor and says where it came from',
    labels: [baseLabel('hypervisor', 'QEMU'), type('unikraft'), bin('/unikernel/kernel')],
    expected: [
      'Containerfile:1:1: error: unknown hypervisor "QEMU": did you mean "qemu"? urunc v0.8.0 accepts hvt, spt, qemu, firecracker, cloud-hypervisor, hyperlight-unikraft (inherited from the base image) [urunc-unknown-value]',
    ],
  },
  {
    name: 'only the last value of a key is checked (--label overrides a wrong file label)',
    labels: [...valid(), fileLabel(5, 'mountRootfs', 'yes'), cliLabel('mountRootfs', 'false')],
    expected: [],
  },
  {
    name: 'on scratch, a binary no COPY writes is an error suggesting the closest written file',
    labels: withLabels(bin('/unikernel/kernal')),
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary /unikernel/kernal is not in the image: no COPY of the final stage writes it; did you mean /unikernel/kernel? [urunc-missing-file]',
    ],
  },
  {
    name: 'on scratch, an initrd no COPY writes is an error saying what to add',
    labels: withLabels(fileLabel(5, 'initrd', '/boot/initramfs.img')),
    expected: [
      'Containerfile:5:34: error: com.urunc.unikernel.initrd /boot/initramfs.img is not in the image: no COPY of the final stage writes it; add COPY <file> /boot/initramfs.img or fix the path [urunc-missing-file]',
    ],
  },
  {
    name: 'a block under a directory a COPY writes with unknown names is accepted',
    labels: withLabels(fileLabel(5, 'block', '/data/disk.img')),
    expected: [],
  },
  {
    name: 'a block at a path where a COPY writes a directory is an error',
    labels: withLabels(fileLabel(5, 'block', '/data')),
    expected: [
      'Containerfile:5:33: error: com.urunc.unikernel.block /data is a directory in the image (a COPY writes a directory there): give the path of the file [urunc-missing-file]',
    ],
  },
  {
    name: 'on an image base, a binary no COPY writes is a warning (the base is not resolved)',
    labels: withLabels(bin('/unikraft/bin/kernel')),
    ctx: { base: 'image' },
    expected: [
      'Containerfile:4:34: warning: com.urunc.unikernel.binary /unikraft/bin/kernel is not written by a COPY of the final stage: it must come from the base image, which punch cannot check without resolving it [urunc-missing-file]',
    ],
  },
  {
    name: 'on a stage base, a binary no COPY writes is a warning naming the stage',
    labels: withLabels(bin('/unikraft/bin/kernel')),
    ctx: { base: 'stage' },
    expected: [
      'Containerfile:4:34: warning: com.urunc.unikernel.binary /unikraft/bin/kernel is not written by a COPY of the final stage: it must come from the base stage, which punch cannot check without resolving it [urunc-missing-file]',
    ],
  },
  {
    name: 'on an image base whose built result is checked afterwards, no warning is given',
    labels: withLabels(bin('/unikraft/bin/kernel')),
    ctx: { base: 'image', resultChecked: true },
    expected: [],
  },
  {
    name: 'on an unresolved image base, a required label the file does not set is a warning',
    labels: [bin('/unikernel/kernel')],
    ctx: { base: 'image', baseLabelsUnknown: true, resultChecked: true },
    expected: [
      'Containerfile:1:1: warning: label com.urunc.unikernel.unikernelType is not set in this file: the base image must carry it, which punch cannot check without resolving the base (punch build and the frontend do) [urunc-missing-key]',
      'Containerfile:1:1: warning: label com.urunc.unikernel.hypervisor is not set in this file: the base image must carry it, which punch cannot check without resolving the base (punch build and the frontend do) [urunc-missing-key]',
    ],
  },
  {
    name: 'hyperlight-unikraft without an initrd is an error (v0.8.0 starts it only with one)',
    labels: withLabels(hv('hyperlight-unikraft')),
    expected: [
      'Containerfile:3:38: error: urunc v0.8.0 starts hyperlight-unikraft only with an initrd: add LABEL com.urunc.unikernel.initrd=/path/to/initrd and COPY it there [urunc-missing-key]',
    ],
  },
  {
    name: 'hyperlight-unikraft with an initrd is accepted',
    labels: withLabels(hv('hyperlight-unikraft'), fileLabel(5, 'initrd', '/unikernel/initrd.cpio')),
    expected: [],
  },
  {
    name: 'a value no release accepts is an error on every release (v0.5.0 lists its own values)',
    labels: withLabels(hv('xen')),
    ctx: { release: release('v0.5.0') },
    expected: ['Containerfile:3:38: error: unknown hypervisor "xen": urunc v0.5.0 accepts spt, hvt, qemu, firecracker, hedge [urunc-unknown-value]'],
  },
  {
    name: 'the old name hyperlight on a release that knows neither name is a warning naming where the new one is accepted',
    labels: withLabels(hv('hyperlight')),
    ctx: { release: release('v0.7.0') },
    expected: [
      'Containerfile:3:38: warning: hypervisor "hyperlight" is the old name of "hyperlight-unikraft", which urunc accepts from v0.8.0; your selection is v0.7.0, which knows neither [urunc-renamed-value]',
    ],
  },
  {
    name: 'a pair a release without pair checks would try is a warning naming the releases that refuse it',
    labels: withLabels(type('rumprun')),
    ctx: { release: release('v0.7.0') },
    expected: [
      'Containerfile:2:41: warning: urunc from v0.8.0 refuses the pair qemu rumprun (unsupported guest monitor pair); your selection v0.7.0 does not check pairs, but the guest may not boot on that monitor [urunc-unsupported-pair]',
    ],
  },
  {
    name: 'a path the 2026 rules refuse is a warning on a release without path rules, naming those that refuse it',
    labels: withLabels(bin('/unikernel//kernel')),
    ctx: { release: release('v0.6.0') },
    expected: [
      'Containerfile:4:34: warning: com.urunc.unikernel.binary "/unikernel//kernel" is not a clean path: write "/unikernel/kernel" (urunc from v0.8.0 refuses it; your selection v0.6.0 does not check paths) [urunc-path]',
    ],
  },
  {
    name: 'a relative path is an error on v0.5.0, which makes paths relative to /',
    labels: withLabels(bin('unikernel/kernel')),
    ctx: { release: release('v0.5.0') },
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary "unikernel/kernel" is relative: urunc v0.5.0 makes it relative to "/" and fails on a relative path; write "/unikernel/kernel" [urunc-relative-path]',
    ],
  },
  {
    name: 'mountRootfs that does not parse is a warning on a release that ignores a bad value',
    labels: withLabels(fileLabel(5, 'mountRootfs', 'yes')),
    ctx: { release: release('v0.7.0') },
    expected: [
      'Containerfile:5:39: warning: com.urunc.unikernel.mountRootfs "yes" is not a boolean (urunc v0.7.0 then does not mount the rootfs): write true or false (urunc parses it with Go strconv.ParseBool) [urunc-bool-value]',
    ],
  },
  {
    name: 'mountRootfs on v0.5.0, which reads useDMBlock instead, is a warning naming the releases that read it',
    labels: withLabels(fileLabel(5, 'mountRootfs', 'true')),
    ctx: { release: release('v0.5.0') },
    expected: [
      'Containerfile:5:7: warning: label com.urunc.unikernel.mountRootfs is read by urunc from v0.6.0; your selection v0.5.0 ignores it [urunc-release-key]',
    ],
  },
  {
    name: 'solo5NetDev on a release that does not read it is a warning, its value unchecked',
    labels: withLabels(fileLabel(5, 'solo5NetDev', 'tap-0')),
    ctx: { release: release('v0.7.0') },
    expected: [
      'Containerfile:5:7: warning: label com.urunc.unikernel.solo5NetDev is read by urunc from v0.8.0; your selection v0.7.0 ignores it [urunc-release-key]',
    ],
  },
  {
    name: 'unikernelVersion over 4096 bytes is not checked by a release that does not bound it',
    labels: withLabels(fileLabel(5, 'unikernelVersion', 'é'.repeat(2049))),
    ctx: { release: release('v0.7.0') },
    expected: [],
  },
  {
    name: 'v0.5.0 with a rumprun guest and no useDMBlock warns that devmapper is the default',
    labels: [type('rumprun'), hv('hvt'), bin('/unikernel/kernel')],
    ctx: { release: release('v0.5.0') },
    expected: [
      'Containerfile:2:41: warning: urunc v0.5.0 treats a missing com.urunc.unikernel.useDMBlock as true and boots a rumprun guest from the devmapper snapshot: on the default overlayfs snapshotter it fails ("failed to stat dev overlay"); add LABEL com.urunc.unikernel.useDMBlock=false unless you use devmapper [urunc-dmblock-default]',
    ],
  },
  {
    name: 'v0.5.0 with useDMBlock set gives no devmapper warning',
    labels: [type('rumprun'), hv('hvt'), bin('/unikernel/kernel'), fileLabel(5, 'useDMBlock', 'false')],
    ctx: { release: release('v0.5.0') },
    expected: [],
  },
  {
    name: 'the version key of urunc\'s 2024 docs is a warning suggesting unikernelVersion',
    labels: withLabels(fileLabel(5, 'version', '0.17.0')),
    expected: [
      'Containerfile:5:7: warning: unknown label com.urunc.unikernel.version: urunc does not read it; did you mean com.urunc.unikernel.unikernelVersion? [urunc-unknown-key]',
    ],
  },
  {
    name: 'on a known image base (its files listed), a missing binary is an error',
    labels: withLabels(bin('/unikraft/bin/kernel')),
    ctx: { base: 'image', baseKnown: true },
    expected: [
      'Containerfile:4:34: error: com.urunc.unikernel.binary /unikraft/bin/kernel is not in the image: no COPY of the final stage writes it and the base does not have it; add COPY <file> /unikraft/bin/kernel or fix the path [urunc-missing-file]',
    ],
  },
];


describe("validateUrunc: diagnostics", () => {
  it.each(rows)('$name', ({ name, labels, ctx: over, expected }) => {
    expect(check(labels, over)).toEqual(expected);
  });

  it('sorts diagnostics by position, anchor-based ones first', () => {
    const labels = [type('unikraft'), hv('hvt'), fileLabel(5, 'mountRootfs', 'yes')];
    expect(check(labels).map((d) => d.split(': ')[0])).toEqual([
      'Containerfile:1:1',
      'Containerfile:2:41',
      'Containerfile:5:39',
    ]);
  });

  it('points at the key when the value range is unknown', () => {
    const { valueRange: _, ...label } = fileLabel(5, 'mountRootfs', 'yes');
    expect(check(withLabels(label))[0]).toMatch(/^Containerfile:5:7: error: /);
  });
});

describe('validateUrunc: values and labels', () => {
  it('values hold every com.urunc.unikernel.* key with its last value, sorted by key', () => {
    const result = validateUrunc(
      [...valid(), fileLabel(5, 'cmdline', 'a'), { key: 'maintainer', value: 'me', origin: 'file' }, cliLabel('cmdline', 'b')],
      ctx,
    );
    expect(Object.entries(result.values)).toEqual([
      ['com.urunc.unikernel.binary', '/unikernel/kernel'],
      ['com.urunc.unikernel.cmdline', 'b'],
      ['com.urunc.unikernel.hypervisor', 'qemu'],
      ['com.urunc.unikernel.unikernelType', 'unikraft'],
    ]);
  });

  it('labels hold every label with its last value, sorted by key (base < file < --label)', () => {
    const result = validateUrunc(
      [
        baseLabel('org.opencontainers.image.title', 'base'),
        { key: 'maintainer', value: 'me', origin: 'file' },
        ...valid(),
        { key: 'org.opencontainers.image.title', value: 'mine', origin: 'file' },
        { key: 'maintainer', value: 'you', origin: 'cli' },
      ],
      ctx,
    );
    expect(Object.entries(result.labels)).toEqual([
      ['com.urunc.unikernel.binary', '/unikernel/kernel'],
      ['com.urunc.unikernel.hypervisor', 'qemu'],
      ['com.urunc.unikernel.unikernelType', 'unikraft'],
      ['maintainer', 'you'],
      ['org.opencontainers.image.title', 'mine'],
    ]);
  });

  it('values include keys it reports as wrong, so callers can still show them', () => {
    const result = validateUrunc(withLabels(fileLabel(5, 'com.urunc.unikernel.memory', '512M')), ctx);
    expect(result.values['com.urunc.unikernel.memory']).toBe('512M');
  });

  it('keeps a label named __proto__ as an ordinary key', () => {
    const result = validateUrunc([...valid(), { key: '__proto__', value: 'x', origin: 'file' }], ctx);
    expect(Object.keys(result.labels)).toContain('__proto__');
  });
});
