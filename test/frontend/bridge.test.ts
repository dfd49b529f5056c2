import { afterEach, describe, expect, it } from 'vitest';
import { CapSet, LLBBridge, MissingCapError, capsFromPong } from '../../src/frontend/bridge.js';
import { connectGrpc } from '../../src/frontend/transport.js';
import { pongCurrent, pongV08, startFakeBridge, type FakeBridge, type Handlers } from './fake-bridge.js';

describe('capabilities from Ping', () => {
  it('knows a v0.8 engine (Docker 20.10) has Solve.Evaluate but neither Warn, Evaluate nor annotations', () => {
    const caps = capsFromPong(pongV08);
    expect(caps.frontend.has('gateway.solve.evaluate')).toBe(true);
    expect(caps.frontend.has('statfile')).toBe(true);
    expect(caps.frontend.has('gateway.warnings')).toBe(false);
    expect(caps.frontend.has('gateway.evaluate')).toBe(false);
    expect(caps.llb.has('exporter.image.annotations')).toBe(false);
  });

  it('knows a current engine has Warn, Evaluate and annotations', () => {
    const caps = capsFromPong(pongCurrent);
    expect(caps.frontend.has('gateway.warnings')).toBe(true);
    expect(caps.frontend.has('gateway.evaluate')).toBe(true);
    expect(caps.llb.has('exporter.image.annotations')).toBe(true);
  });

  it('does not count caps listed as disabled', () => {
    const caps = capsFromPong(pongCurrent);
    expect(caps.frontend.has('gateway.exec.filesystem')).toBe(false);
    expect(caps.llb.has('exec.meta.cdi')).toBe(false);
  });

  it("takes the first worker's platforms, normalised, in order", () => {
    expect(capsFromPong(pongCurrent).platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'amd64', variant: 'v2' },
      { os: 'linux', architecture: '386' },
    ]);
  });

  it("assumes Go's default frontend caps when Ping lists none", () => {
    expect(capsFromPong({}).frontend.list()).toEqual(['readfile', 'resolveimage', 'solve.base', 'solve.inlinereturn']);
  });

  it('lists enabled caps sorted', () => {
    expect(new CapSet(['b', 'a']).list()).toEqual(['a', 'b']);
  });
});

describe('the LLBBridge client', () => {
  let fake: FakeBridge | undefined;
  let bridge: LLBBridge | undefined;

  afterEach(async () => {
    await bridge?.close();
    await fake?.close();
    fake = undefined;
    bridge = undefined;
  });

  async function connect(handlers: Handlers): Promise<{ fake: FakeBridge; bridge: LLBBridge }> {
    fake = await startFakeBridge(handlers);
    bridge = await LLBBridge.connect(connectGrpc(await fake.connect()));
    return { fake, bridge };
  }

  const solveOk: Handlers['Solve'] = () => ({ result: { ref: { id: 'r1' } } });

  it('pings once on connect and keeps the caps', async () => {
    const { fake, bridge } = await connect({ Ping: () => pongCurrent });
    expect(fake.calls.map((c) => c.method)).toEqual(['Ping']);
    expect(bridge.caps.frontend.has('gateway.warnings')).toBe(true);
  });

  it('asks Solve to return results inline and to evaluate when the engine can', async () => {
    const { fake, bridge } = await connect({ Ping: () => pongV08, Solve: solveOk });
    const result = await bridge.solve({ definition: { def: [] }, evaluate: true });
    expect(result.ref?.id).toBe('r1');
    const req = fake.requests('Solve')[0]!;
    expect([req.allowResultReturn, req.allowResultArrayRef, req.Evaluate]).toEqual([true, true, true]);
  });

  it('leaves Solve.Evaluate unset when the engine lacks gateway.solve.evaluate', async () => {
    const pong = { ...pongV08, FrontendAPICaps: pongV08.FrontendAPICaps!.filter((c) => c.ID !== 'gateway.solve.evaluate') };
    const { fake, bridge } = await connect({ Ping: () => pong, Solve: solveOk });
    await bridge.solve({ definition: { def: [] }, evaluate: true });
    expect(fake.requests('Solve')[0]!.Evaluate).toBe(false);
  });

  it('takes the ref of an engine that answers Solve with a bare ref id', async () => {
    const { bridge } = await connect({ Ping: () => pongV08, Solve: () => ({ ref: 'bare' }) });
    expect((await bridge.solve({ definition: {} })).ref).toEqual({ id: 'bare' });
  });

  it('does not call Warn on a v0.8 engine', async () => {
    const { fake, bridge } = await connect({ Ping: () => pongV08 });
    expect(await bridge.warn({ digest: 'sha256:x', short: 'careful' })).toBe(false);
    expect(fake.calls.map((c) => c.method)).toEqual(['Ping']);
  });

  it('calls Warn with the vertex digest and message on a current engine', async () => {
    const { fake, bridge } = await connect({ Ping: () => pongCurrent, Warn: () => ({}) });
    expect(await bridge.warn({ digest: 'sha256:x', short: 'careful', detail: ['more'] })).toBe(true);
    const req = fake.requests('Warn')[0]!;
    expect([req.digest, Number(req.level), Buffer.from(req.short).toString(), req.detail.map((d) => Buffer.from(d).toString())]).toEqual([
      'sha256:x',
      1,
      'careful',
      ['more'],
    ]);
  });

  it('does not call Evaluate on a v0.8 engine, and calls it on a current one', async () => {
    const old = await connect({ Ping: () => pongV08 });
    expect(await old.bridge.evaluate('r1')).toBe(false);
    expect(old.fake.calls.map((c) => c.method)).toEqual(['Ping']);
    await old.bridge.close();
    await old.fake.close();

    const cur = await connect({ Ping: () => pongCurrent, Evaluate: () => ({}) });
    expect(await cur.bridge.evaluate('r1')).toBe(true);
    expect(cur.fake.requests('Evaluate')[0]!.Ref).toBe('r1');
  });

  it('reads files, directories and stats by ref', async () => {
    const { fake, bridge } = await connect({
      Ping: () => pongV08,
      ReadFile: (r) => ({ Data: Buffer.from(`${r.Ref}:${r.FilePath}:${String(r.Range?.Offset)}+${String(r.Range?.Length)}`) }),
      ReadDir: (r) => ({ entries: [{ path: `${r.DirPath}/a`, mode: 0o644 }] }),
      StatFile: (r) => ({ stat: { path: r.Path, mode: 0o755, size: 12 } }),
    });
    expect(Buffer.from(await bridge.readFile('r1', 'f', { offset: 2, length: 3 })).toString()).toBe('r1:f:2+3');
    expect((await bridge.readDir('r1', '/d', '*.txt')).map((e) => e.path)).toEqual(['/d/a']);
    const stat = await bridge.statFile('r1', '/unikernel/kernel');
    expect([stat.path, stat.mode, Number(stat.size)]).toEqual(['/unikernel/kernel', 0o755, 12]);
    expect(fake.requests('ReadDir')[0]!.IncludePattern).toBe('*.txt');
  });

  it('resolves an image config with platform, mode and progress name', async () => {
    const { fake, bridge } = await connect({
      Ping: () => pongV08,
      ResolveImageConfig: () => ({ Digest: 'sha256:abc', Config: Buffer.from('{"os":"linux"}') }),
    });
    const res = await bridge.resolveImageConfig({
      ref: 'docker.io/library/alpine:latest',
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      resolveMode: 'pull',
      logName: '[internal] load metadata for docker.io/library/alpine:latest',
    });
    expect([res.digest, Buffer.from(res.config).toString()]).toEqual(['sha256:abc', '{"os":"linux"}']);
    const req = fake.requests('ResolveImageConfig')[0]!;
    expect(req.Ref).toBe('docker.io/library/alpine:latest');
    expect([req.Platform?.OS, req.Platform?.Architecture, req.Platform?.Variant]).toEqual(['linux', 'arm', 'v7']);
    expect([req.ResolveMode, req.LogName]).toEqual(['pull', '[internal] load metadata for docker.io/library/alpine:latest']);
  });

  it('refuses Inputs without the frontend.inputs cap, and lists inputs with it', async () => {
    const pong = { ...pongV08, FrontendAPICaps: pongV08.FrontendAPICaps!.filter((c) => c.ID !== 'frontend.inputs') };
    const old = await connect({ Ping: () => pong });
    await expect(old.bridge.inputs()).rejects.toBeInstanceOf(MissingCapError);
    expect(old.fake.calls.map((c) => c.method)).toEqual(['Ping']);
    await old.bridge.close();
    await old.fake.close();

    const cur = await connect({ Ping: () => pongV08, Inputs: () => ({ Definitions: { ctx: { def: [Buffer.from([1])] } } }) });
    expect(Object.keys(await cur.bridge.inputs())).toEqual(['ctx']);
  });

  it('returns a result or an error', async () => {
    const { fake, bridge } = await connect({ Ping: () => pongV08, Return: () => ({}) });
    await bridge.returnResult({ ref: { id: 'r1' } });
    await bridge.returnError({ code: 2, message: 'Containerfile:1:1: error: bad' });
    const [ok, bad] = fake.requests('Return');
    expect(ok!.result?.ref?.id).toBe('r1');
    expect(ok!.error ?? undefined).toBeUndefined();
    expect([bad!.error?.code, bad!.error?.message, bad!.result ?? undefined]).toEqual([2, 'Containerfile:1:1: error: bad', undefined]);
  });
});
