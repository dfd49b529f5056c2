import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildGraph } from '../../src/convert/index.js';
import { envWith, metadataText, run } from './run-harness.js';

const FILE = [
  '#syntax=registry/punch:1',
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

const scenario = { dockerfileDir: { Containerfile: FILE } };
const env = (...opts: string[]): NodeJS.ProcessEnv => envWith(['filename=Containerfile', ...opts]);

describe('frontend.subrequests.describe', () => {
  it('lists what punch answers, as JSON and as Go prints it, with the version, without loading anything', async () => {
    const r = await run(scenario, env('requestid=frontend.subrequests.describe'), buildGraph);
    expect(r.fake.calls.map((c) => c.method)).toEqual(['Ping', 'Return']);
    const meta = metadataText(r.returned);
    expect(Object.keys(meta)).toEqual(['result.json', 'result.txt', 'version']);
    expect(meta['version']).toBe('1.0.0');
    expect(JSON.parse(meta['result.json']!).map((d: { name: string }) => d.name)).toEqual([
      'frontend.outline',
      'frontend.targets',
      'frontend.lint',
      'frontend.subrequests.describe',
    ]);
    expect(meta['result.json']).toContain('{\n    "name": "frontend.outline",\n    "version": "1.0.0",\n    "type": "rpc",');
    expect(meta['result.txt']).toBe(
      [
        'NAME                 VERSION DESCRIPTION',
        'outline              1.0.0   List all parameters current build target supports',
        'targets              1.0.0   List all targets current build supports',
        'lint                 1.0.0   Lint a Dockerfile',
        'subrequests.describe 1.0.0   List available subrequest types',
        '',
      ].join('\n'),
    );
  });
});

describe('frontend.outline', () => {
  it('gives the target, its description, the args it uses with values and doc comments, and the urunc labels', async () => {
    const r = await run(scenario, env('requestid=frontend.outline', 'build-arg:HYPERVISOR=firecracker'), buildGraph);
    expect(r.fake.requests('Solve').every((s) => (s.Definition?.def ?? []).length <= 2)).toBe(true);
    const meta = metadataText(r.returned);
    expect(Object.keys(meta)).toEqual(['result.json', 'result.txt', 'version']);
    const doc = JSON.parse(meta['result.json']!);
    expect(doc.name).toBe('final');
    expect(doc.description).toBe('the image urunc boots');
    expect(doc.args).toEqual([
      { name: 'KERNEL_VERSION', description: 'the kernel release to package', value: '6.1', location: { ranges: [{ start: { line: 3 }, end: { line: 3 } }] } },
      { name: 'HYPERVISOR', description: 'the monitor urunc starts', value: 'firecracker', location: { ranges: [{ start: { line: 12 }, end: { line: 12 } }] } },
    ]);
    expect(doc.labels.map((l: { name: string; value: string }) => [l.name, l.value])).toEqual([
      ['com.urunc.unikernel.binary', '/unikernel/kernel'],
      ['com.urunc.unikernel.hypervisor', 'firecracker'],
      ['com.urunc.unikernel.unikernelType', 'linux'],
    ]);
    expect(doc.sources).toEqual([Buffer.from(FILE).toString('base64')]);
    expect(meta['result.txt']).toBe(
      [
        'TARGET:      final',
        'DESCRIPTION: the image urunc boots',
        '',
        'BUILD ARG        VALUE         DESCRIPTION',
        'KERNEL_VERSION   6.1           the kernel release to package',
        'HYPERVISOR       firecracker   the monitor urunc starts',
        '',
        'URUNC LABEL                         VALUE',
        'com.urunc.unikernel.binary          /unikernel/kernel',
        'com.urunc.unikernel.hypervisor      firecracker',
        'com.urunc.unikernel.unikernelType   linux',
        '',
        '',
      ].join('\n'),
    );
  });

  it('follows --target: a stage lists only what it uses', async () => {
    const r = await run(scenario, env('requestid=frontend.outline', 'target=kernel'), buildGraph);
    const doc = JSON.parse(metadataText(r.returned)['result.json']!);
    expect([doc.name, doc.args.map((a: { name: string }) => a.name), doc.labels]).toEqual(['kernel', ['KERNEL_VERSION'], undefined]);
  });
});

describe('frontend.targets', () => {
  it('lists every stage with its description, base and location, the last as default', async () => {
    const r = await run(scenario, env('requestid=frontend.targets'), buildGraph);
    const meta = metadataText(r.returned);
    expect(Object.keys(meta)).toEqual(['result.json', 'result.txt', 'version']);
    expect(JSON.parse(meta['result.json']!)).toEqual({
      targets: [
        { name: 'kernel', description: 'holds the built kernel', base: 'scratch', location: { ranges: [{ start: { line: 5 }, end: { line: 5 } }] } },
        { name: 'final', default: true, description: 'the image urunc boots', base: 'scratch', location: { ranges: [{ start: { line: 10 }, end: { line: 10 } }] } },
      ],
      sources: [Buffer.from(FILE).toString('base64')],
    });
    expect(meta['result.txt']).toBe('TARGET          DESCRIPTION\nkernel          holds the built kernel\nfinal (default) the image urunc boots\n');
  });
});

describe('frontend.lint', () => {
  it('reports punch checks as warnings with rule, URL, detail and range, and status 1', async () => {
    const file = FILE.replace('com.urunc.unikernel.unikernelType=linux', 'com.urunc.unikernel.unikernelTyp=linux');
    const r = await run({ dockerfileDir: { Containerfile: file } }, env('requestid=frontend.lint'), buildGraph);
    const meta = metadataText(r.returned);
    expect(Object.keys(meta)).toEqual(['result.json', 'result.statuscode', 'result.txt', 'version']);
    expect(meta['result.statuscode']).toBe('1');
    const doc = JSON.parse(meta['result.json']!);
    const rules = doc.warnings.map((w: { ruleName: string }) => w.ruleName);
    expect(rules).toContain('urunc-unknown-key');
    expect(rules).toContain('urunc-missing-key');
    const unknown = doc.warnings.find((w: { ruleName: string }) => w.ruleName === 'urunc-unknown-key');
    expect(unknown.url).toBe('README.md#rule-urunc-unknown-key');
    expect(unknown.location.ranges[0].start.line).toBe(15);
    expect(doc.sources).toEqual([{ filename: 'Containerfile', data: Buffer.from(file).toString('base64'), language: 'Dockerfile' }]);
    expect(doc.buildError.message).toContain('lint violation found for rules: urunc-missing-key');
    expect(meta['result.txt']).toContain('\nWARNING: urunc-unknown-key - README.md#rule-urunc-unknown-key\n');
    expect(meta['result.txt']).toContain('Containerfile:15\n--------------------\n');
    expect(meta['result.txt']).toContain('  15 | >>>       com.urunc.unikernel.unikernelTyp=linux \\\n');
    // Nothing is built.
    expect(r.fake.calls.filter((c) => c.method === 'Solve')).toHaveLength(2);
  });

  it('has status 0, no warnings and no error for a clean file', async () => {
    const r = await run(scenario, env('requestid=frontend.lint'), buildGraph);
    const meta = metadataText(r.returned);
    expect(JSON.parse(meta['result.json']!).warnings).toBeNull();
    expect([meta['result.statuscode'], meta['result.txt']]).toEqual(['0', '']);
  });
});

describe('an unknown subrequest', () => {
  it("gets BuildKit's typed unsupported-request error before anything is solved", async () => {
    const r = await run(scenario, env('requestid=frontend.nosuch'), buildGraph);
    expect(r.fake.calls.map((c) => c.method)).toEqual(['Ping', 'Return']);
    const e = r.returned.error!;
    expect([e.code, e.message]).toEqual([2, 'unsupported request frontend.nosuch']);
    expect(e.details!.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Subrequest+json', '{"name":"frontend.nosuch"}'],
    ]);
  });
});

describe('the frontend image', () => {
  it('advertises the subrequests cap', () => {
    const dockerfile = readFileSync(new URL('../../frontend.Dockerfile', import.meta.url), 'utf8');
    expect(/^LABEL moby\.buildkit\.frontend\.caps="([^"]*)"/m.exec(dockerfile)?.[1]?.split(',')).toContain('moby.buildkit.frontend.subrequests');
  });
});

describe('subrequests on a bunnyfile', () => {
  const BUNNYFILE = [
    '#syntax=registry/punch:1',
    'version: v0.1',
    'platforms:',
    '  framework: rumprun',
    '  monitor: hvt',
    'kernel:',
    '  from: local',
    '  path: redis.hvt',
    'cmdline: "redis-server /data/conf/redis.conf"',
    '',
  ].join('\n');
  const bunny = { dockerfileDir: { bunnyfile: BUNNYFILE } };
  const bunnyEnv = (...opts: string[]): NodeJS.ProcessEnv => envWith(['filename=bunnyfile', ...opts]);

  it('outline reads the bunnyfile, not a Containerfile: the urunc labels its keys become', async () => {
    const r = await run(bunny, bunnyEnv('requestid=frontend.outline'), buildGraph);
    const doc = JSON.parse(metadataText(r.returned)['result.json']!);
    const labels = Object.fromEntries(doc.labels.map((l: { name: string; value: string }) => [l.name, l.value]));
    expect([labels['com.urunc.unikernel.unikernelType'], labels['com.urunc.unikernel.hypervisor']]).toEqual(['rumprun', 'hvt']);
  });

  it('targets lists the bunnyfile as one unnamed default target spanning the file', async () => {
    const r = await run(bunny, bunnyEnv('requestid=frontend.targets'), buildGraph);
    const targets = JSON.parse(metadataText(r.returned)['result.json']!).targets;
    expect(targets.map((t: { name?: string; default?: boolean }) => [t.name, t.default])).toEqual([[undefined, true]]);
    const lines = targets[0].location.ranges.map((x: { start: { line: number } }) => x.start.line);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
