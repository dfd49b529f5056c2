// The bunnyfile reader: every v0.1 key, every problem at its line and column, did-you-mean for typos.
import { describe, expect, it } from 'vitest';
import { parseBunnyfile } from '../../src/bunnyfile/index.js';
import { HEAD, errors, messages, warnings } from './helpers.js';

function read(text: string) {
  const r = parseBunnyfile(text, 'bunnyfile');
  if (!r.bunnyfile) throw new Error(messages(r.diagnostics).join('\n'));
  return r.bunnyfile;
}

const FULL = `#syntax=example.test/punch:1
version: v0.1
platforms:
  framework: unikraft
  version: 0.15
  monitor: qemu
  architecture: x86
rootfs:
  from: scratch
  type: raw
  include:
    - conf/nginx.conf:/nginx/conf/nginx.conf
    - index.html
    - from: example.test/site:1
      source: /srv/www
      destination: /www
kernel:
  from: local
  path: kernel
envs:
  - HOME=/root
  - EMPTY=
cmd: ["nginx", "-c", "/nginx/conf/nginx.conf"]
entrypoint: ["/init"]
`;

describe('keys', () => {
  it('reads version, with the #syntax line as a directive', () => {
    const bf = read(FULL);
    expect(bf.version.value).toBe('v0.1');
    expect(bf.directives).toEqual({ syntax: 'example.test/punch:1' });
  });

  it('reads platforms: framework and monitor as written', () => {
    const { platforms } = read(FULL);
    expect([platforms.framework.value, platforms.monitor.value]).toEqual(['unikraft', 'qemu']);
  });

  it('reads platforms.version as the text written, even when YAML sees a number', () => {
    expect(read(FULL).platforms.version?.value).toBe('0.15');
  });

  it.each([
    ['x86', 'amd64'],
    ['x86_64', 'amd64'],
    ['amd64', 'amd64'],
    ['aarch64', 'arm64'],
    ['arm64', 'arm64'],
  ])('reads platforms.architecture %s as the OCI architecture %s', (written, oci) => {
    expect(read(FULL.replace('architecture: x86', `architecture: ${written}`)).platforms.architecture?.value).toBe(oci);
  });

  it('reads kernel.from and kernel.path', () => {
    const { kernel } = read(FULL);
    expect(kernel.from.value).toEqual({ kind: 'local' });
    expect(kernel.path.value).toBe('kernel');
  });

  it('reads kernel.from as an image reference', () => {
    const bf = read(HEAD.replace('from: local', 'from: unikraft.org/nginx:1.15'));
    expect(bf.kernel.from.value).toEqual({ kind: 'image', written: 'unikraft.org/nginx:1.15' });
  });

  it('reads rootfs.from, rootfs.type', () => {
    const { rootfs } = read(FULL);
    expect(rootfs?.from?.value).toEqual({ kind: 'scratch' });
    expect(rootfs?.type?.value).toBe('raw');
  });

  it('reads rootfs.path', () => {
    expect(read(`${HEAD}rootfs:\n  from: local\n  path: initrd.cpio\n`).rootfs?.path?.value).toBe('initrd.cpio');
  });

  it('reads a "src:dst" include item, split at the first colon', () => {
    const inc = read(FULL).rootfs!.include[0]!;
    expect([inc.from, inc.source.value, inc.destination.value]).toEqual([{ kind: 'local' }, 'conf/nginx.conf', '/nginx/conf/nginx.conf']);
  });

  it('reads an include item without a colon as the same path in the rootfs (as bunny)', () => {
    const inc = read(FULL).rootfs!.include[1]!;
    expect([inc.source.value, inc.destination.value]).toEqual(['index.html', 'index.html']);
  });

  it('reads a {from, source, destination} include item', () => {
    const inc = read(FULL).rootfs!.include[2]!;
    expect([inc.from, inc.source.value, inc.destination.value]).toEqual([{ kind: 'image', written: 'example.test/site:1' }, '/srv/www', '/www']);
  });

  it('reads an include mapping without from as a build-context file', () => {
    const bf = read(`${HEAD}rootfs:\n  type: raw\n  include:\n    - {source: a, destination: /b}\n`);
    expect(bf.rootfs!.include[0]!.from).toEqual({ kind: 'local' });
  });

  it('reads envs as KEY=value pairs (an empty value kept)', () => {
    expect(read(FULL).envs.map((e) => e.value)).toEqual([['HOME', '/root'], ['EMPTY', '']]);
  });

  it('reads cmd and entrypoint as lists of words', () => {
    const bf = read(FULL);
    expect([bf.cmd?.value, bf.entrypoint?.value]).toEqual([['nginx', '-c', '/nginx/conf/nginx.conf'], ['/init']]);
  });

  it('reads the legacy cmdline as one string', () => {
    expect(read(`${HEAD}cmdline: nginx -c /nginx.conf\n`).cmdline?.value).toBe('nginx -c /nginx.conf');
  });

  it('reads rootfs with no value as no rootfs fields', () => {
    expect(read(`${HEAD}rootfs:\n`).rootfs?.include).toEqual([]);
  });

  it('places each value at its line and column', () => {
    const bf = read(FULL);
    expect(bf.platforms.monitor.range.start).toEqual({ line: 6, col: 12 });
    expect(bf.rootfs!.include[2]!.destination.range.start).toEqual({ line: 16, col: 20 });
  });
});

describe('versions', () => {
  it.each(['v0.1', '0.1', 'v0.1.0', 'v0.0.5'])('accepts version %s', (v) => {
    expect(errors(HEAD.replace('v0.1', v))).toEqual([]);
  });

  it('refuses a newer version at its value', () => {
    expect(errors(HEAD.replace('v0.1', 'v0.2'))).toEqual(['bunnyfile:2:10: error: unsupported bunnyfile version v0.2: punch reads v0.1 and earlier']);
  });

  it('refuses a version that is not one', () => {
    expect(errors(HEAD.replace('v0.1', 'latest'))).toEqual(['bunnyfile:2:10: error: version "latest" is not a version: write version: v0.1']);
  });
});

describe('errors at their position', () => {
  it('an unknown top-level key, with did-you-mean', () => {
    expect(errors(`${HEAD}entrypiont: ["/init"]\n`)).toEqual([
      'bunnyfile:9:1: error: unknown bunnyfile key "entrypiont"; did you mean "entrypoint"? (known: version, platforms, rootfs, kernel, envs, cmd, entrypoint, cmdline)',
    ]);
  });

  it('an unknown key in a section, with did-you-mean', () => {
    expect(errors(HEAD.replace('  monitor: qemu', '  monitr: qemu\n  monitor: qemu'))[0]).toBe(
      'bunnyfile:5:3: error: unknown key in platforms "monitr"; did you mean "monitor"? (known: framework, version, monitor, architecture)',
    );
  });

  it('an unknown key in an include item', () => {
    expect(errors(`${HEAD}rootfs:\n  type: raw\n  include:\n    - {source: a, destination: /a, form: local}\n`)).toEqual([
      'bunnyfile:12:36: error: unknown key in an include item "form"; did you mean "from"? (known: from, source, destination)',
    ]);
  });

  it('a misspelt rootfs.type value, with did-you-mean', () => {
    expect(errors(`${HEAD}rootfs:\n  type: initramfs\n`)).toEqual(['bunnyfile:10:9: error: unknown rootfs.type "initramfs" (known: initrd, raw, block)']);
    expect(errors(`${HEAD}rootfs:\n  type: rwa\n`)).toEqual(['bunnyfile:10:9: error: unknown rootfs.type "rwa"; did you mean "raw"? (known: initrd, raw, block)']);
  });

  it('an unknown architecture', () => {
    expect(errors(HEAD.replace('  monitor: qemu', '  monitor: qemu\n  architecture: sparc'))).toEqual([
      'bunnyfile:6:17: error: unknown platforms.architecture "sparc" (known: x86, x86_64, amd64, aarch64, arm64, riscv64)',
    ]);
  });

  it('a missing version', () => {
    expect(errors(HEAD.replace('version: v0.1\n', ''))).toEqual(['bunnyfile:1:1: error: version is required: write version: v0.1 at the top']);
  });

  it('missing platforms and kernel sections', () => {
    expect(errors('version: v0.1\n')).toEqual([
      'bunnyfile:1:1: error: platforms is required: platforms: {framework: …, monitor: …}',
      'bunnyfile:1:1: error: kernel is required: kernel: {from: local, path: <kernel file>}',
    ]);
  });

  it('a missing framework, at the platforms section', () => {
    expect(errors(HEAD.replace('  framework: unikraft\n', ''))).toEqual(['bunnyfile:3:1: error: platforms.framework is required: the unikernel framework, e.g. framework: unikraft']);
  });

  it('a missing kernel.path, at the kernel section', () => {
    expect(errors(HEAD.replace('  path: kernel\n', ''))).toEqual(['bunnyfile:6:1: error: kernel.path is required: the kernel file in the build context or the image']);
  });

  it('kernel.from: scratch', () => {
    expect(errors(HEAD.replace('from: local', 'from: scratch'))).toEqual([
      'bunnyfile:7:9: error: kernel.from: scratch holds no kernel: write local (the build context) or an image reference',
    ]);
  });

  it('a section that is not a mapping', () => {
    expect(errors(HEAD.replace('kernel:\n  from: local\n  path: kernel\n', 'kernel: ./kernel\n'))).toEqual([
      'bunnyfile:6:9: error: kernel must be a mapping with keys from, path; it is "./kernel"',
    ]);
  });

  it('a string where a list is wanted, with the form to write', () => {
    expect(errors(`${HEAD}cmd: nginx -c x\n`)).toEqual(['bunnyfile:9:6: error: cmd must be a list of strings; write cmd: ["app", "arg"]']);
  });

  it('a mapping where a string is wanted', () => {
    expect(errors(HEAD.replace('path: kernel', 'path: {a: b}'))).toEqual(['bunnyfile:8:9: error: kernel.path must be a string, not a mapping']);
  });

  it('a list item that is not a string', () => {
    expect(errors(`${HEAD}entrypoint: [[a]]\n`)).toEqual(['bunnyfile:9:14: error: entrypoint item must be a string, not a list']);
  });

  it('include that is not a list', () => {
    expect(errors(`${HEAD}rootfs:\n  include: a:b\n`)).toEqual([
      'bunnyfile:10:3: error: rootfs.include must be a list of "src:dst" strings or {from, source, destination} mappings',
    ]);
  });

  it('an include string with an empty source', () => {
    expect(errors(`${HEAD}rootfs:\n  include: [":/x"]\n`)).toEqual([
      'bunnyfile:10:13: error: include item ":/x" has an empty source: write "<file in the build context>:<path in the rootfs>"',
    ]);
  });

  it('an include mapping without destination, at the item', () => {
    expect(errors(`${HEAD}rootfs:\n  include:\n    - source: a\n`)).toEqual(['bunnyfile:11:7: error: include destination is required: the path inside the rootfs']);
  });

  it('an envs item without =', () => {
    expect(errors(`${HEAD}envs: [HOME]\n`)).toEqual(['bunnyfile:9:8: error: envs item "HOME" is not KEY=value: write e.g. HOME=/root']);
  });

  it('a key written twice (YAML)', () => {
    expect(errors(`${HEAD}cmd: [a]\ncmd: [b]\n`)).toEqual(['bunnyfile:10:1: error: YAML: Map keys must be unique']);
  });

  it('tab indentation (YAML)', () => {
    expect(errors('version: v0.1\nplatforms:\n\tframework: unikraft\n')[0]).toMatch(/^bunnyfile:3:1: error: YAML: Tabs are not allowed/);
  });

  it('an alias, which the reader does not follow', () => {
    expect(errors(HEAD.replace('path: kernel', 'path: &k kernel') + 'cmd: [*k]\n')).toEqual([
      'bunnyfile:9:7: error: cmd item: YAML aliases (*name) are not read in a bunnyfile; write the value itself',
    ]);
  });

  it('all problems at once, in file order', () => {
    expect(errors(`version: v9\nplatforms: {framwork: x, monitor: qemu}\nkernel: {from: local, path: k}\n`)).toEqual([
      'bunnyfile:1:10: error: unsupported bunnyfile version v9: punch reads v0.1 and earlier',
      'bunnyfile:2:1: error: platforms.framework is required: the unikernel framework, e.g. framework: unikraft',
      'bunnyfile:2:13: error: unknown key in platforms "framwork"; did you mean "framework"? (known: framework, version, monitor, architecture)',
    ]);
  });
});

describe('warnings', () => {
  it('cmdline next to cmd is ignored, as bunny ignores it', () => {
    expect(warnings(`${HEAD}cmd: [a]\ncmdline: b\n`)).toEqual(['bunnyfile:10:10: warning: cmdline is ignored because cmd is given (as bunny does): remove one of them']);
  });
});
