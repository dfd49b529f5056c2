import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Artifact, BuildGraph, BuildInput } from '../../src/convert/api.js';
import { PunchError, lineRange, type Diagnostic } from '../../src/diagnostics.js';
import { LOG_DEFINITION_ENV, LOG_RSS_ENV, LOG_TIMING_ENV, loggedDefinitions, loggedMemory, loggedTimings, rssLogLine, timingLogLine } from '../../src/frontend/debug.js';
import { runFrontend, type BuildFunction } from '../../src/frontend/run.js';
import { pb, type moby } from '../../src/gen/pb.js';
import { image, marshal, encodeDefinition } from '../../src/llb/index.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { FakeStatus, pongCurrent, pongV08, startFakeBridge, type FakeBridge, type Handlers } from './fake-bridge.js';
import { DEFAULT_RELEASE } from '../../src/urunc/index.js';
import { ruleDescription } from '../../src/frontend/subrequests/documents.js';

import { BASE_CONFIG, CONTAINERFILE, envWith, metadataText, run, sourceOf, stubBuild } from './run-harness.js';

/** Checks that `bytes` is exactly an HTTP/2 client preface followed by whole frames; returns the frame types. */
function http2FrameTypes(bytes: Buffer): number[] {
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  expect(bytes.subarray(0, preface.length).toString('latin1')).toBe(preface);
  const types: number[] = [];
  let off = preface.length;
  while (off < bytes.length) {
    expect(bytes.length - off).toBeGreaterThanOrEqual(9);
    const length = bytes.readUIntBE(off, 3);
    const type = bytes[off + 3]!;
    expect(type).toBeLessThanOrEqual(9);
    types.push(type);
    off += 9 + length;
  }
  expect(off).toBe(bytes.length);
  return types;
}

describe('the frontend flow on a current BuildKit', () => {
  it('pings, loads the inputs, solves the graph, checks the kernel, returns, and exits 0', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.code).toBe(0);
    expect(r.fake.calls.map((c) => c.method)).toEqual([
      'Ping',
      'Solve',
      'Solve',
      'ReadFile',
      'ReadFile',
      'ReadFile',
      'ResolveImageConfig',
      'Solve',
      'StatFile',
      'Return',
    ]);
  });

  it('loads the Containerfile from the dockerfile dir with follow paths, session, shared key and an internal name', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    const src = sourceOf(r.fake.requests('Solve')[0]!.Definition);
    expect(src).toEqual({
      identifier: 'local://dockerfile',
      attrs: {
        'local.followpaths': '["Containerfile","Containerfile.dockerignore"]',
        'local.session': 'sess-1',
        'local.sharedkeyhint': 'dockerfile',
      },
      name: '[internal] load build definition from Containerfile',
    });
    expect(r.fake.requests('ReadFile')[0]).toMatchObject({ Ref: 'ref-dockerfile', FilePath: 'Containerfile' });
  });

  it('loads .dockerignore from the context dir with its own shared key and name', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(sourceOf(r.fake.requests('Solve')[1]!.Definition)).toEqual({
      identifier: 'local://context',
      attrs: { 'local.followpaths': '[".dockerignore"]', 'local.session': 'sess-1', 'local.sharedkeyhint': 'context-.dockerignore' },
      name: '[internal] load .dockerignore',
    });
  });

  it('uses the dockerfilekey and contextkey session dirs', async () => {
    const r = await run(
      { overrides: { ReadFile: (req) => ({ Data: Buffer.from(req.FilePath === 'Dockerfile' ? 'FROM scratch\n' : '') }) } },
      envWith(['dockerfilekey=df', 'contextkey=src']),
      stubBuild([]),
    );
    const [df, ctx] = r.fake.requests('Solve').map((s) => sourceOf(s.Definition));
    expect([df!.identifier, df!.attrs['local.sharedkeyhint'], ctx!.identifier, ctx!.attrs['local.sharedkeyhint']]).toEqual([
      'local://df',
      'df',
      'local://src',
      'src-.dockerignore',
    ]);
  });

  it('gives the build the text, options, context and platform', async () => {
    const seen: BuildInput[] = [];
    await run(
      { contextDir: { '.dockerignore': '# x\nnode_modules\n!keep\n' } },
      envWith(['filename=Containerfile', 'build-arg:V=1', 'label:team=os', 'target=final', 'source=registry/punch:1']),
      stubBuild(seen),
    );
    const input = seen[0]!;
    expect({ ...input, resolveImage: undefined }).toEqual({
      file: 'Containerfile',
      text: CONTAINERFILE,
      planner: expect.any(Function),
      buildArgs: { V: '1' },
      labels: { team: 'os' },
      target: 'final',
      defaultPlatform: { os: 'linux', architecture: 'amd64' },
      context: { name: 'context', sessionId: 'sess-1', excludePatterns: ['node_modules', '!keep'] },
      run: { llbCaps: expect.anything() },
      resolveImage: undefined,
      frontendImage: 'registry/punch:1',
      pinToolsImage: true,
    });
  });

  it.each([
    ['no-cache=', true],
    ['no-cache=Build,final', ['build', 'final']],
  ])('passes %s on to the build as noCache', async (opt, noCache) => {
    const seen: BuildInput[] = [];
    await run({}, envWith(['filename=Containerfile', opt]), stubBuild(seen));
    expect(seen[0]!.noCache).toEqual(noCache);
  });

  it('prefers <filename>.dockerignore next to the Containerfile over the context one', async () => {
    const seen: BuildInput[] = [];
    await run(
      {
        dockerfileDir: { Containerfile: CONTAINERFILE, 'Containerfile.dockerignore': '/only/this\n' },
        contextDir: { '.dockerignore': 'other\n' },
      },
      envWith(['filename=Containerfile']),
      stubBuild(seen),
    );
    expect(seen[0]!.context).toMatchObject({ excludePatterns: ['only/this'] });
  });

  it('resolves base images with the platform, resolve mode and an internal progress name', async () => {
    const r = await run({}, envWith(['filename=Containerfile', 'image-resolve-mode=pull', 'platform=linux/arm64']), stubBuild([]));
    const req = r.fake.requests('ResolveImageConfig')[0]!;
    expect(req.Ref).toBe('docker.io/library/alpine:latest');
    expect([req.Platform?.OS, req.Platform?.Architecture]).toEqual(['linux', 'arm64']);
    expect(req.ResolveMode).toBe('pull');
    expect(req.LogName).toBe('[internal] load metadata for docker.io/library/alpine:latest');
  });

  it('hands the build the resolved digest and parsed config', async () => {
    let resolved: unknown;
    const build: BuildFunction = async (input) => {
      resolved = await input.resolveImage!('docker.io/library/alpine:latest', input.defaultPlatform);
      return stubBuild([])(input);
    };
    await run({}, envWith(['filename=Containerfile']), build);
    expect(resolved).toEqual({ digest: 'sha256:' + 'b'.repeat(64), config: BASE_CONFIG });
  });

  it('solves the graph with Evaluate and sends the definition the build produced', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    const req = r.fake.requests('Solve')[2]!;
    const platform = { os: 'linux', architecture: 'amd64' };
    const expected = pb.Definition.decode(encodeDefinition(marshal(image('alpine', { platform }), { platform })));
    expect(req.Evaluate).toBe(true);
    expect(req.Definition!.def!.map((d) => Buffer.from(d).toString('hex'))).toEqual(expected.def.map((d) => Buffer.from(d).toString('hex')));
    expect(r.fake.requests('StatFile')).toEqual([expect.objectContaining({ Ref: 'ref-graph-1', Path: '/unikernel/kernel' })]);
  });

  it('returns the solved ref with the image config and manifest annotations', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.returned.result?.ref?.id).toBe('ref-graph-1');
    const meta = metadataText(r.returned);
    expect(Object.keys(meta)).toEqual([
      'annotation-manifest.com.urunc.unikernel.binary',
      'annotation-manifest.com.urunc.unikernel.unikernelType',
      'containerimage.config',
    ]);
    expect(JSON.parse(meta['containerimage.config']!)).toEqual({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Labels: { 'com.urunc.unikernel.binary': '/unikernel/kernel' } },
      rootfs: { type: 'layers', diff_ids: [] },
    });
    expect(meta['annotation-manifest.com.urunc.unikernel.unikernelType']).toBe('unikraft');
  });

  it('sends warnings through Warn on the Containerfile vertex, with the source and range', async () => {
    const warning: Diagnostic = { severity: 'warning', file: 'Containerfile', range: lineRange(2, 1, 12), message: 'FROM alpine is not pinned' };
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([], { diagnostics: [warning] }));
    const warn = r.fake.requests('Warn')[0]!;
    // The digest of the local op in the first Solve: the terminal op's input.
    const def = r.fake.requests('Solve')[0]!.Definition!.def!;
    const terminal = pb.Op.decode(def[def.length - 1]!);
    expect(warn.digest).toBe(terminal.inputs[0]!.digest);
    expect([warn.info?.filename, Buffer.from(warn.info!.data!).toString(), warn.info?.language]).toEqual(['Containerfile', CONTAINERFILE, 'Dockerfile']);
    expect(warn.ranges.map((g) => [g.start?.line, g.start?.character ?? 0, g.end?.line, g.end?.character])).toEqual([[2, 0, 2, 11]]);
    expect(r.logs).toEqual([]);
  });

  it('words a rule warning as the Dockerfile frontend does: level 1, RULE: message (line N), the rule description as detail, its README URL', async () => {
    const warning: Diagnostic = { severity: 'warning', file: 'Containerfile', range: lineRange(3), message: 'unknown key', rule: 'urunc-unknown-key' };
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([], { diagnostics: [warning] }));
    const warn = r.fake.requests('Warn')[0]!;
    expect(Number(warn.level)).toBe(1);
    expect(Buffer.from(warn.short).toString()).toBe('urunc-unknown-key: unknown key (line 3)');
    expect(warn.detail.map((d) => Buffer.from(d).toString())).toEqual([ruleDescription('urunc-unknown-key')]);
    expect(ruleDescription('urunc-unknown-key')).not.toBe('');
    expect(warn.url).toBe('README.md#rule-urunc-unknown-key');
  });

  it('names the Containerfile reader\'s rule for a warning without one, and another file\'s warning by file, without the build file as source', async () => {
    const plain: Diagnostic = { severity: 'warning', file: 'Containerfile', range: lineRange(2), message: 'careful' };
    const ignore: Diagnostic = { severity: 'warning', file: '.dockerignore', range: lineRange(4), message: 'odd pattern' };
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([], { diagnostics: [plain, ignore] }));
    const [first, second] = r.fake.requests('Warn');
    expect([Buffer.from(first!.short).toString(), first!.url]).toEqual(['containerfile: careful (line 2)', 'README.md#rule-containerfile']);
    expect(Buffer.from(second!.short).toString()).toBe('containerfile: .dockerignore:4:1: warning: odd pattern');
    expect([second!.info, second!.ranges]).toEqual([null, []]);
  });
});

describe('cache imports (--cache-from, --import-cache)', () => {
  const json = '[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/app:cache"}}]';

  it('go on every Solve the frontend makes: both inputs and the image', async () => {
    const r = await run({}, envWith(['filename=Containerfile', `cache-imports=${json}`]), stubBuild([]));
    const solves = r.fake.requests('Solve');
    expect(solves).toHaveLength(3);
    for (const s of solves) {
      expect(s.CacheImports.map((c) => [c.Type, { ...c.Attrs }])).toEqual([['registry', { ref: '127.0.0.1:5000/app:cache' }]]);
      expect({ ...s.FrontendOpt }).toEqual({ 'cache-imports': json });
    }
  });

  it('go on the Solve of every platform', async () => {
    const r = await run({}, envWith(['filename=Containerfile', 'platform=linux/amd64,linux/arm64', 'cache-from=r/app:1']), stubBuild([]));
    const solves = r.fake.requests('Solve');
    expect(solves).toHaveLength(4);
    expect(solves.map((s) => s.CacheImports.map((c) => c.Attrs?.['ref']))).toEqual([['r/app:1'], ['r/app:1'], ['r/app:1'], ['r/app:1']]);
  });

  it('are absent from Solve when the build names none', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.fake.requests('Solve').map((s) => [s.CacheImports.length, Object.keys(s.FrontendOpt).length])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('that do not parse fail the build before anything is solved', async () => {
    const r = await run({}, envWith(['filename=Containerfile', 'cache-imports=[{']), stubBuild([]));
    expect(r.fake.calls.map((c) => c.method)).toEqual(['Ping', 'Return']);
    expect(r.returned.error?.message).toMatch(/^cache-imports option: not JSON/);
  });
});

describe('the frontend flow on Docker 20.10 (BuildKit v0.8)', () => {
  it('sends no annotation metadata', async () => {
    const r = await run({ pong: pongV08 }, envWith(['filename=Containerfile']), stubBuild([]));
    expect(Object.keys(metadataText(r.returned))).toEqual(['containerimage.config']);
  });

  it('logs warnings instead of calling Warn', async () => {
    const warning: Diagnostic = { severity: 'warning', file: 'Containerfile', range: lineRange(2), message: 'careful' };
    const r = await run({ pong: pongV08 }, envWith(['filename=Containerfile']), stubBuild([], { diagnostics: [warning] }));
    expect(r.fake.calls.some((c) => c.method === 'Warn')).toBe(false);
    expect(r.logs).toEqual(['Containerfile:2:1: warning: careful']);
  });

  it('still asks Solve to evaluate (v0.8 has gateway.solve.evaluate) and never calls the Evaluate RPC', async () => {
    const r = await run({ pong: pongV08 }, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.fake.requests('Solve')[2]!.Evaluate).toBe(true);
    expect(r.fake.calls.some((c) => c.method === 'Evaluate')).toBe(false);
  });
});

describe('the definition log (PUNCH_FRONTEND_LOG_DEFINITION, a debug hook)', () => {
  it('is off by default: nothing but warnings reaches the log', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.logs).toEqual([]);
  });

  it('logs the exact Definition bytes the image Solve sends, with the platform, when set to 1', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_DEFINITION_ENV]: '1' };
    const r = await run({}, env, stubBuild([]));
    const logged = loggedDefinitions(r.logs.join('\n'));
    expect(logged.map((l) => l.platform)).toEqual(['linux/amd64']);
    const sent = r.fake.requests('Solve')[2]!.Definition!;
    expect(logged[0]!.definition).toEqual(Buffer.from(pb.Definition.encode(sent).finish()));
  });

  it('never writes the log line to stdout', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_DEFINITION_ENV]: '1' };
    const r = await run({}, env, stubBuild([]));
    expect(r.written.includes(Buffer.from('punch frontend: definition'))).toBe(false);
  });
});

describe('the memory log (PUNCH_FRONTEND_LOG_RSS, a hook for leak tests)', () => {
  it('is off by default', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(loggedMemory(r.logs.join('\n'))).toEqual([]);
  });

  it('logs one line, the last, with the current and peak RSS in bytes, when set to 1', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_RSS_ENV]: '1' };
    const r = await run({}, env, stubBuild([]));
    expect(r.code).toBe(0);
    expect(r.logs).toHaveLength(1);
    const [m] = loggedMemory(r.logs[0]!);
    expect(m!.rss).toBeGreaterThan(1024 * 1024);
    expect(m!.maxRss).toBeGreaterThanOrEqual(m!.rss);
  });

  it('logs also when the build fails', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_RSS_ENV]: '1' };
    const r = await run({}, env, stubBuild([], { error: new PunchError([]) }));
    expect(r.returned.error).toBeTruthy();
    expect(loggedMemory(r.logs.join('\n'))).toHaveLength(1);
  });

  it('never writes the line to stdout', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_RSS_ENV]: '1' };
    const r = await run({}, env, stubBuild([]));
    expect(r.written.includes(Buffer.from('punch frontend: memory'))).toBe(false);
  });

  it('reads back what it wrote, from a daemon log with other lines around it', () => {
    const log = ['time="x" level=info msg=start', rssLogLine({ rss: 52_000_000, maxRss: 61_000_000 }), 'other', rssLogLine({ rss: 1, maxRss: 2 })].join('\n');
    expect(loggedMemory(log)).toEqual([
      { rss: 52_000_000, maxRss: 61_000_000 },
      { rss: 1, maxRss: 2 },
    ]);
  });
});

describe('the timing log (PUNCH_FRONTEND_LOG_TIMING, a hook for the benchmark)', () => {
  it('is off by default', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    expect(loggedTimings(r.logs.join('\n'))).toEqual([]);
  });

  it('logs when it was ready, pinged and returned, in that order, when set to 1', async () => {
    const env = { ...envWith(['filename=Containerfile']), [LOG_TIMING_ENV]: '1' };
    const r = await run({}, env, stubBuild([]));
    const [t] = loggedTimings(r.logs.join('\n'));
    expect(t!.ready).toBeGreaterThan(0);
    expect(t!.pinged).toBeGreaterThanOrEqual(t!.ready);
    expect(t!.returned).toBeGreaterThanOrEqual(t!.pinged);
  });

  it('reads back what it wrote', () => {
    expect(loggedTimings(`x\n${timingLogLine({ ready: 40, pinged: 52.5, returned: 120.25 })}\n`)).toEqual([{ ready: 40, pinged: 52.5, returned: 120.3 }]);
  });
});

describe('multi-platform builds', () => {
  it('builds each platform and returns refs, per-platform configs and refs.platforms', async () => {
    const seen: BuildInput[] = [];
    const r = await run({}, envWith(['filename=Containerfile', 'platform=linux/amd64,linux/arm64']), stubBuild(seen));
    expect(seen.map((s) => s.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    expect(r.returned.result?.refs?.refs).toEqual({
      'linux/amd64': expect.objectContaining({ id: 'ref-graph-1' }),
      'linux/arm64': expect.objectContaining({ id: 'ref-graph-2' }),
    });
    const meta = metadataText(r.returned);
    expect(Object.keys(meta).filter((k) => !k.startsWith('annotation'))).toEqual([
      'containerimage.config/linux/amd64',
      'containerimage.config/linux/arm64',
      'refs.platforms',
    ]);
    expect(JSON.parse(meta['containerimage.config/linux/arm64']!).architecture).toBe('arm64');
    expect(JSON.parse(meta['refs.platforms']!)).toEqual({
      Platforms: [
        { ID: 'linux/amd64', Platform: { architecture: 'amd64', os: 'linux' } },
        { ID: 'linux/arm64', Platform: { architecture: 'arm64', os: 'linux' } },
      ],
    });
    expect(meta['annotation-manifest[linux/arm64].com.urunc.unikernel.unikernelType']).toBe('unikraft');
  });

  it('checks the artifacts of every platform', async () => {
    const r = await run({}, envWith(['filename=Containerfile', 'platform=linux/amd64,linux/arm64']), stubBuild([]));
    expect(r.fake.requests('StatFile').map((s) => s.Ref).sort()).toEqual(['ref-graph-1', 'ref-graph-2']);
  });
});

describe('errors end as Return{error} and exit 0', () => {
  it('returns the diagnostics of a PunchError with code 2, one per line', async () => {
    const error = new PunchError([
      { severity: 'error', file: 'Containerfile', range: lineRange(3), message: 'unknown instruction FOO' },
      { severity: 'error', file: 'Containerfile', range: lineRange(5, 7), message: 'COPY needs a destination' },
    ]);
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([], { error }));
    expect(r.code).toBe(0);
    expect(r.returned.result ?? undefined).toBeUndefined();
    expect([r.returned.error?.code, r.returned.error?.message]).toEqual([
      2,
      'Containerfile:3:1: error: unknown instruction FOO\nContainerfile:5:7: error: COPY needs a destination',
    ]);
  });

  it('reports invalid UTF-8 in the Containerfile at its position, as the CLI does, and builds nothing', async () => {
    const bytes = Buffer.concat([Buffer.from('FROM scratch\nCOPY caf'), Buffer.from([0xe9]), Buffer.from(' /k\n')]);
    const seen: BuildInput[] = [];
    const r = await run({ dockerfileDir: { Containerfile: bytes } }, envWith(['filename=Containerfile']), stubBuild(seen));
    expect(seen).toEqual([]);
    expect([r.returned.error?.code, r.returned.error?.message]).toEqual([
      2,
      'Containerfile:2:9: error: invalid UTF-8 (byte 0xe9): a Containerfile must be UTF-8 text; save it as UTF-8',
    ]);
  });

  it('passes a failed Solve status on unchanged, details included', async () => {
    const details = {
      code: 2,
      message: 'process "/bin/sh -c false" did not complete successfully: exit code: 1',
      details: [{ type_url: 'github.com/moby/buildkit/errdefs.Source+json', value: Buffer.from('{"info":{}}') }],
    };
    const r = await run(
      { solveError: new FakeStatus(2, details.message, details) },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.code).toBe(0);
    const e = r.returned.error!;
    expect([e.code, e.message]).toEqual([2, details.message]);
    expect(e.details!.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Source+json', '{"info":{}}'],
    ]);
  });

  it('names the base image in a ResolveImageConfig failure that does not, keeping code and details', async () => {
    const refused = 'failed to do request: Head "http://127.0.0.1:1/v2/nothing/manifests/1": dial tcp 127.0.0.1:1: connect: connection refused';
    const details = { code: 2, message: refused, details: [{ type_url: 'stack', value: Buffer.from('trace') }] };
    const r = await run(
      { overrides: { ResolveImageConfig: () => { throw new FakeStatus(2, refused, details); } } },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.code).toBe(0);
    const e = r.returned.error!;
    expect([e.code, e.message]).toEqual([2, `docker.io/library/alpine:latest: ${refused}`]);
    expect(e.details!.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([['stack', 'trace']]);
  });

  it('passes a ResolveImageConfig failure that names the image on unchanged', async () => {
    const r = await run(
      { overrides: { ResolveImageConfig: () => { throw new FakeStatus(2, 'docker.io/library/alpine:latest: not found'); } } },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.returned.error?.message).toBe('docker.io/library/alpine:latest: not found');
  });

  it('names a unikernel file the build did not produce', async () => {
    const r = await run({ missing: ['/unikernel/kernel'] }, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.returned.error?.message).toBe(
      'Containerfile:3:34: error: com.urunc.unikernel.binary names /unikernel/kernel, but the built image has no such file: COPY it there or fix the path',
    );
  });

  it('says which platform lacks a file in a multi-platform build', async () => {
    const r = await run(
      { overrides: { StatFile: (req) => { if (req.Ref === 'ref-graph-2') throw new FakeStatus(2, 'stat x: no such file or directory'); return { stat: { path: req.Path } }; } } },
      envWith(['filename=Containerfile', 'platform=linux/amd64,linux/arm64']),
      stubBuild([]),
    );
    expect(r.returned.error?.message).toBe(
      'Containerfile:3:34: error: com.urunc.unikernel.binary names /unikernel/kernel, but the built image for linux/arm64 has no such file: COPY it there or fix the path',
    );
  });

  it('reports a missing Containerfile clearly', async () => {
    const r = await run({ dockerfileDir: {} }, envWith(['filename=Containerfile']), stubBuild([]));
    expect(r.returned.error?.code).toBe(2);
    expect(r.returned.error?.message).toBe(
      'cannot read Containerfile from the build\'s Containerfile directory (session dir "dockerfile"): ' +
        'open /tmp/buildkit-mount123/Containerfile: no such file or directory; name the file with -f (docker build -f Containerfile .)',
    );
  });

  it('reports a context opt that is neither a local context nor a URL clearly', async () => {
    const r = await run({}, envWith(['context=some/dir']), stubBuild([]));
    expect(r.returned.error?.message).toContain('the build context option context=some/dir is neither a git URL');
  });

  it('refuses a graph over 4 MiB with a clear message instead of sending it', async () => {
    const big: BuildFunction = async (input) => {
      const graph = await stubBuild([])(input);
      // A definition whose encoding exceeds the 4 MiB request limit.
      return { ...graph, definition: { def: [...graph.definition.def, new Uint8Array(4 * 1024 * 1024)], metadata: graph.definition.metadata } };
    };
    const r = await run({}, envWith(['filename=Containerfile']), big);
    expect(r.fake.requests('Solve')).toHaveLength(2);
    expect(r.returned.error?.message).toMatch(/^the Solve request is \d+ bytes, over the 4 MiB \(4194304 bytes\) that BuildKit accepts/);
  });

  it('turns an unexpected exception into an internal error and logs its stack', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([], { error: new TypeError('x is undefined') }));
    expect(r.returned.error?.message).toBe('punch: internal error: x is undefined (please report this)');
    expect(r.logs[0]).toMatch(/^punch frontend: internal error: TypeError: x is undefined\n/);
  });

  it('sends the input Solves with Ping, before Ping answers', async () => {
    // Ping answers only once both input Solves have arrived: a frontend that waited for the answer
    // before solving would never get one.
    let inputSolves = 0;
    let release = (): void => undefined;
    const bothSolved = new Promise<void>((res) => (release = res));
    const r = await run(
      {
        overrides: {
          Ping: async () => {
            await bothSolved;
            return pongCurrent;
          },
          Solve: (req) => {
            const id = sourceOf(req.Definition).identifier;
            if (id === 'local://dockerfile' || id === 'local://context') {
              if (++inputSolves === 2) release();
              return { result: { ref: { id: id === 'local://dockerfile' ? 'ref-dockerfile' : 'ref-context' } } };
            }
            return { result: { ref: { id: 'ref-graph-1', def: req.Definition } } };
          },
        },
      },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.code).toBe(0);
    expect(inputSolves).toBe(2);
  });

  it('exits 1 when BuildKit does not answer Ping', async () => {
    const r = await run(
      { overrides: { Ping: () => { throw new FakeStatus(14, 'not ready'); } } },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.code).toBe(1);
    // The input Solves go out with Ping; nothing follows a failed Ping.
    expect(r.fake.calls.map((c) => c.method)).toEqual(['Ping', 'Solve', 'Solve']);
    expect(r.logs).toEqual(['punch frontend: no answer to Ping from BuildKit: not ready']);
  });

  it('exits 1 when Return itself fails', async () => {
    const r = await run(
      { overrides: { Return: () => { throw new FakeStatus(2, 'gateway return must be either result or err'); } } },
      envWith(['filename=Containerfile']),
      stubBuild([]),
    );
    expect(r.code).toBe(1);
    expect(r.logs).toEqual(['punch frontend: Return failed: gateway return must be either result or err']);
  });
});

describe('stdout discipline', () => {
  it('writes nothing but HTTP/2 frames to the output', async () => {
    const r = await run({}, envWith(['filename=Containerfile']), stubBuild([]));
    const types = http2FrameTypes(r.written);
    expect(types).toContain(1); // HEADERS
    expect(types).toContain(0); // DATA
    expect(r.fake.errors).toEqual([]);
  });

  it('never writes to process.stdout', async () => {
    const spy = vi.spyOn(process.stdout, 'write');
    const warning: Diagnostic = { severity: 'warning', file: 'Containerfile', range: lineRange(2), message: 'careful' };
    await run({ pong: pongV08 }, envWith(['filename=Containerfile']), stubBuild([], { diagnostics: [warning] }));
    await run({}, envWith(['filename=Containerfile']), stubBuild([], { error: new Error('boom') }));
    expect(spy).not.toHaveBeenCalled();
  });
});
