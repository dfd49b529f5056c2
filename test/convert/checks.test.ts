// Every problem in one run, in file order; `# check=` directives; Containerfiles from public
// projects build with the warnings that match what urunc does with them.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import type { BuildInput, ResolvedImage } from '../../src/convert/api.js';
import { PunchError, formatDiagnostic } from '../../src/diagnostics.js';
import { input } from './input.js';


async function warnings(text: string, over: Partial<BuildInput> = {}): Promise<string[]> {
  return (await buildGraph(input(text, over))).diagnostics.map(formatDiagnostic);
}

async function failure(text: string, over: Partial<BuildInput> = {}): Promise<string[]> {
  try {
    await buildGraph(input(text, over));
  } catch (e) {
    if (e instanceof PunchError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  throw new Error('expected the build to fail');
}

const ok = `FROM scratch
COPY kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel
LABEL com.urunc.unikernel.unikernelType=unikraft
LABEL com.urunc.unikernel.hypervisor=qemu
CMD ["hello"]
`;

describe('every problem in one run', () => {
  it('a Containerfile error does not hide the urunc problems: all are listed, sorted by position', async () => {
    const text = `FROM scratch
COPY kernel /unikernel/kernel
LABEL com.urunc.unikernel.hypervisor=qemuu
FROBNICATE now
LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft
LABEL com.urunc.unikernel.memory=512M
`;
    expect(await failure(text)).toEqual([
      'Containerfile:3:7: error: unknown hypervisor "qemuu": did you mean "qemu"? urunc v0.8.0 accepts hvt, spt, qemu, firecracker, cloud-hypervisor, hyperlight-unikraft [urunc-unknown-value]',
      'Containerfile:4:1: error: unknown instruction: FROBNICATE',
      'Containerfile:6:7: warning: unknown label com.urunc.unikernel.memory: urunc reads only unikernelType, unikernelVersion, binary, hypervisor, initrd, block, blkMntPoint, mountRootfs, solo5NetDev, solo5BlkDev, and ignores this one [urunc-unknown-key]',
    ]);
  });

  it('several urunc errors are listed together', async () => {
    const text = ok.replace('unikernelType=unikraft', 'unikernelType=unikraf').replace('binary=/unikernel/kernel', 'binary=/unikernel//kernel');
    expect(await failure(text)).toEqual([
      'Containerfile:3:7: error: com.urunc.unikernel.binary "/unikernel//kernel" is not a clean path: write "/unikernel/kernel" [urunc-path]',
      'Containerfile:4:7: error: unknown unikernelType "unikraf": did you mean "unikraft"? urunc v0.8.0 accepts rumprun, mirage, unikraft, linux, mewz, hermit, freebsd [urunc-unknown-value]',
    ]);
  });
});

describe('# check= parser directives', () => {
  const unknownKey = `${ok}LABEL com.urunc.unikernel.memory=512M\n`;

  it('without a directive, an unknown key is a warning and the build goes on', async () => {
    expect(await warnings(unknownKey)).toHaveLength(1);
  });

  it('skip=<rule> silences that rule', async () => {
    expect(await warnings(`# check=skip=urunc-unknown-key\n${unknownKey}`)).toEqual([]);
  });

  it('skip=all silences every warning', async () => {
    expect(await warnings(`# check=skip=all\n${unknownKey}LABEL com.urunc.unikernel.blkMntPoint=/\n`)).toEqual([]);
  });

  it('error=true fails the build on a warning, listing it as an error', async () => {
    expect(await failure(`# check=error=true\n${unknownKey}`)).toEqual([
      'Containerfile:8:7: error: unknown label com.urunc.unikernel.memory: urunc reads only unikernelType, unikernelVersion, binary, hypervisor, initrd, block, blkMntPoint, mountRootfs, solo5NetDev, solo5BlkDev, and ignores this one (check=error=true) [urunc-unknown-key]',
    ]);
  });

  it('skip and error combine with ;', async () => {
    expect(await warnings(`# check=skip=urunc-unknown-key;error=true\n${unknownKey}`)).toEqual([]);
  });

  it('skip cannot silence an error: the selected release refuses the image', async () => {
    expect(await failure(`# check=skip=all\n${ok.replace('hypervisor=qemu', 'hypervisor=xen')}`)).toHaveLength(1);
  });

  it('the directive works after # syntax=, as Docker reads the directive block', async () => {
    expect(await warnings(`# syntax=punch:dev\n# check=skip=urunc-unknown-key\n${unknownKey}`)).toEqual([]);
  });

  it('a directive after the first instruction is a comment', async () => {
    expect(await warnings(`${unknownKey}# check=skip=all\n`)).toHaveLength(1);
  });

  it('the BUILDKIT_DOCKERFILE_CHECK build argument overrides the directive', async () => {
    expect(await warnings(`# check=skip=all\n${unknownKey}`, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: 'skip=urunc-relative-path' } })).toHaveLength(1);
  });

  it('a directive punch cannot parse is an error at its line', async () => {
    expect(await failure(`# syntax=punch:dev\n# check=skip\n${ok}`)).toEqual([
      'Containerfile:2:1: error: invalid check option "skip": write skip=<rule>[,<rule>], skip=all or error=true, separated by ; [check-directive]',
    ]);
  });
});

describe('Containerfiles from public projects', () => {
  // hyperlight-unikraft's own images name the monitor as urunc v0.8.0 does.
  const hyperlight = `FROM scratch
COPY kernel /unikraft/bin/kernel
COPY initrd.cpio /unikraft/bin/initrd
LABEL com.urunc.unikernel.binary=/unikraft/bin/kernel
LABEL com.urunc.unikernel.initrd=/unikraft/bin/initrd
LABEL com.urunc.unikernel.unikernelType=unikraft
LABEL com.urunc.unikernel.hypervisor=hyperlight-unikraft
CMD ["/hello"]
`;

  it('hyperlight-unikraft: builds for v0.8.0 with no warning', async () => {
    expect(await warnings(hyperlight)).toEqual([]);
  });

  it('hyperlight-unikraft: against v0.7.0 a warning says the value needs v0.8.0', async () => {
    expect(await warnings(hyperlight, { uruncVersion: 'v0.7.0' })).toEqual([
      'Containerfile:7:7: warning: hypervisor "hyperlight-unikraft" is accepted from v0.8.0; your selection is v0.7.0, which does not start it (select the release you run with --urunc, or use one of spt, hvt, qemu, firecracker, hedge) [urunc-release-value]',
    ]);
  });

  // urunc's 2024 docs (docs/image-building.md at v0.4.0) name the version key `version`.
  it('urunc 2024 docs: com.urunc.unikernel.version builds with a did-you-mean warning', async () => {
    const text = `FROM scratch
COPY test-redis.hvt /unikernel/test-redis.hvt
LABEL com.urunc.unikernel.binary=/unikernel/test-redis.hvt
LABEL com.urunc.unikernel.unikernelType=rumprun
LABEL com.urunc.unikernel.hypervisor=hvt
LABEL com.urunc.unikernel.version=0.17.0
LABEL com.urunc.unikernel.cmdline="redis-server /data/conf/redis.conf"
`;
    expect(await warnings(text)).toEqual([
      'Containerfile:6:7: warning: unknown label com.urunc.unikernel.version: urunc does not read it; did you mean com.urunc.unikernel.unikernelVersion? [urunc-unknown-key]',
    ]);
  });

  it('a FaaS project\'s com.urunc.unikernel.memory builds with a warning', async () => {
    expect(await warnings(`${ok}LABEL com.urunc.unikernel.memory=512M\n`)).toEqual([
      'Containerfile:7:7: warning: unknown label com.urunc.unikernel.memory: urunc reads only unikernelType, unikernelVersion, binary, hypervisor, initrd, block, blkMntPoint, mountRootfs, solo5NetDev, solo5BlkDev, and ignores this one [urunc-unknown-key]',
    ]);
  });

  // urunc's docs/package/reuse.md: a catalog base and a cmdline label, no CMD.
  const reuse = `FROM unikraft.org/nginx:1.15
LABEL com.urunc.unikernel.binary="/unikraft/bin/kernel"
LABEL "com.urunc.unikernel.cmdline"="nginx -c /nginx/conf/nginx.conf"
LABEL "com.urunc.unikernel.unikernelType"="unikraft"
LABEL "com.urunc.unikernel.hypervisor"="qemu"
`;
  const catalog = (cmd: string[]): BuildInput['resolveImage'] => async (): Promise<ResolvedImage> => ({
    digest: `sha256:${'a'.repeat(64)}`,
    config: { architecture: 'amd64', os: 'qemu', config: { Cmd: cmd }, rootfs: { type: 'layers', diff_ids: [] } },
  });

  it('urunc reuse docs: on a base with its own CMD, v0.8.0 warns that the guest gets that CMD, not cmdline', async () => {
    expect(await warnings(reuse, { resolveImage: catalog(['/usr/bin/nginx']) })).toEqual([
      'Containerfile:3:7: warning: urunc v0.8.0 does not read com.urunc.unikernel.cmdline: the guest gets ENTRYPOINT+CMD ["/usr/bin/nginx"], not "nginx -c /nginx/conf/nginx.conf"; put the command line in CMD and drop the label [urunc-cmdline-ignored]',
    ]);
  });

  it('urunc reuse docs: on a base without CMD, punch sets CMD from cmdline and every release boots the same', async () => {
    const g = await buildGraph(input(reuse, { resolveImage: catalog([]) }));
    expect(g.diagnostics).toEqual([]);
    expect(g.config.config.Cmd).toEqual(['nginx', '-c', '/nginx/conf/nginx.conf']);
  });
});
