// One row per urunc release, as read from urunc's source (the citation each table carries): what
// it accepts and how it reads an image. A change to a table must change this test too.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RELEASE, KNOWN_RELEASES, describeReleases, findRelease, knownVersions } from '../../src/urunc/index.js';

const rows = [
  {
    version: 'v0.5.0',
    // pkg/unikontainers/unikernels/unikernel.go New(); hypervisors/vmm.go NewVMM()
    types: ['rumprun', 'unikraft', 'mirage'],
    hypervisors: ['spt', 'hvt', 'qemu', 'firecracker', 'hedge'],
    // config.go UnikernelConfig: useDMBlock, no mountRootfs
    keys: ['unikernelType', 'unikernelVersion', 'binary', 'cmdline', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'useDMBlock'],
    pairs: false,
    pathRules: false,
    absolutePaths: true, // unikontainers.go: filepath.Rel("/", binary)
    cmdline: 'only', // unikontainers.go: CmdLine from the cmdline annotation only
    spec: 'base64', // config.go GetUnikernelConfig: conf.decode() after getConfigFromSpec
    dmBlock: true,
  },
  {
    version: 'v0.6.0',
    types: ['rumprun', 'unikraft', 'mirage', 'mewz', 'linux'],
    hypervisors: ['spt', 'hvt', 'qemu', 'firecracker', 'hedge'],
    keys: ['unikernelType', 'unikernelVersion', 'binary', 'cmdline', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'mountRootfs'],
    pairs: false,
    pathRules: false,
    absolutePaths: false,
    cmdline: 'fallback', // unikontainers.go: Process.Args, then the cmdline annotation
    spec: 'base64',
    dmBlock: false,
  },
  {
    version: 'v0.7.0',
    types: ['rumprun', 'unikraft', 'mirage', 'mewz', 'linux'],
    hypervisors: ['spt', 'hvt', 'qemu', 'firecracker', 'hedge'],
    keys: ['unikernelType', 'unikernelVersion', 'binary', 'cmdline', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'mountRootfs'],
    pairs: false,
    pathRules: false,
    absolutePaths: false,
    cmdline: 'fallback',
    spec: 'base64', // config.go: validate() then decode() for the spec too
    dmBlock: false,
  },
  {
    version: 'v0.8.0',
    types: ['rumprun', 'mirage', 'unikraft', 'linux', 'mewz', 'hermit', 'freebsd'],
    hypervisors: ['hvt', 'spt', 'qemu', 'firecracker', 'cloud-hypervisor', 'hyperlight-unikraft'],
    keys: ['unikernelType', 'unikernelVersion', 'binary', 'hypervisor', 'initrd', 'block', 'blkMntPoint', 'mountRootfs', 'solo5NetDev', 'solo5BlkDev'],
    pairs: true,
    pathRules: true,
    absolutePaths: false,
    cmdline: 'ignored', // CHANGELOG v0.8.0: "The com.urunc.unikernel.cmdline annotations got deprecated"
    spec: 'raw', // config.go: the spec annotations are used as they are; only urunc.json is decoded
    dmBlock: false,
  },
] as const;

describe('urunc release tables', () => {
  it.each(rows)('$version', (row) => {
    const r = findRelease(row.version)!;
    expect({
      version: r.version,
      types: r.types,
      hypervisors: r.hypervisors,
      keys: r.keys,
      pairs: r.pairs !== undefined,
      pathRules: r.pathRules,
      absolutePaths: r.absolutePaths,
      cmdline: r.cmdline,
      spec: r.spec,
      dmBlock: r.dmBlockDefault !== undefined,
    }).toEqual(row);
  });

  it('v0.8.0 accepts exactly the monitor/framework pairs of its supportedGuestMonitorPairs', () => {
    expect(findRelease('v0.8.0')!.pairs).toEqual({
      hvt: ['rumprun', 'mirage'],
      spt: ['rumprun', 'mirage'],
      qemu: ['unikraft', 'linux', 'mirage', 'mewz', 'hermit', 'freebsd'],
      firecracker: ['unikraft', 'linux', 'freebsd'],
      'cloud-hypervisor': ['linux'],
      'hyperlight-unikraft': ['unikraft'],
    });
  });

  it('v0.8.0 renamed the monitor hyperlight to hyperlight-unikraft', () => {
    expect(findRelease('v0.8.0')!.renamed).toEqual({ hyperlight: 'hyperlight-unikraft' });
  });

  it('every table names a tag or release commit and a urunc source file for each fact', () => {
    for (const r of KNOWN_RELEASES) {
      for (const c of Object.values(r.sources)) {
        expect(c.ref).toMatch(/^(v\d+\.\d+\.\d+|release commit [0-9a-f]{7})/);
        expect(c.file).toMatch(/^pkg\/unikontainers\/\S+\.go/);
      }
    }
  });

  it('the 2025 line is v0.5.0 to v0.7.0 and the 2026 line v0.8.0 and main', () => {
    expect(KNOWN_RELEASES.map((r) => `${r.version}:${r.line}`)).toEqual(['v0.5.0:2025', 'v0.6.0:2025', 'v0.7.0:2025', 'v0.8.0:2026', 'main:2026']);
  });

  it('main shows the rules of v0.8.0, the newest release, which is the default', () => {
    const { version: _m, ...main } = findRelease('main')!;
    const { version: _v, ...newest } = findRelease('v0.8.0')!;
    expect(main).toEqual(newest);
    expect(DEFAULT_RELEASE.version).toBe('v0.8.0');
  });
});

describe('findRelease', () => {
  it.each([
    ['v0.7.0', 'v0.7.0'],
    ['0.7.0', 'v0.7.0'],
    ['v0.7', 'v0.7.0'],
    ['v0.7.x', 'v0.7.0'],
    [' V0.8.0 ', 'v0.8.0'],
    ['main', 'main'],
  ])('%s selects %s', (text, version) => {
    expect(findRelease(text)?.version).toBe(version);
  });

  it.each(['v0.4.0', 'v0.7.1', 'latest', '', 'v0.8.0-rc1'])('%s is not a known release', (text) => {
    expect(findRelease(text)).toBeUndefined();
  });

  it('knows the releases in order, main last', () => {
    expect(knownVersions()).toEqual(['v0.5.0', 'v0.6.0', 'v0.7.0', 'v0.8.0', 'main']);
  });
});

describe('describeReleases', () => {
  it.each([
    [['v0.8.0', 'main'], 'from v0.8.0'],
    [['v0.5.0', 'v0.6.0', 'v0.7.0'], 'v0.5.0 to v0.7.0'],
    [['v0.7.0', 'v0.6.0'], 'v0.6.0 and v0.7.0'],
    [['v0.5.0'], 'v0.5.0'],
    [['v0.5.0', 'v0.7.0'], 'v0.5.0, v0.7.0'],
    [[], 'no known release'],
  ])('%j reads "%s"', (versions, text) => {
    expect(describeReleases(versions)).toBe(text);
  });
});
