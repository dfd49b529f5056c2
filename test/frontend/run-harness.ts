// The frontend session against a fake LLBBridge: scenarios (session dirs, caps, failures), a stub
// build, and one run() that records every call and what reached stdout.
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


export const CONTAINERFILE = '#syntax=registry/punch:1\nFROM alpine\nCOPY kernel /unikernel/kernel\n';
export const BASE_CONFIG = { architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [] } };

export type Files = Record<string, string | Buffer>;

export interface Scenario {
  pong?: moby.buildkit.v1.frontend.PongResponse.$Properties;
  /** Files of the `dockerfile` and `context` session dirs. */
  dockerfileDir?: Files;
  contextDir?: Files;
  /** Paths StatFile reports missing. */
  missing?: string[];
  /** Status for the Solve of the built graph. */
  solveError?: FakeStatus;
  overrides?: Handlers;
}

/** What a Solve request's definition builds: the identifier and attrs of its source op, and its progress name. */
export function sourceOf(def: pb.Definition.$Properties | null | undefined): { identifier: string; attrs: Record<string, string>; name: string } {
  for (const bytes of def?.def ?? []) {
    const op = pb.Op.decode(bytes);
    if (op.source) {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      return {
        identifier: op.source.identifier ?? '',
        attrs: { ...op.source.attrs },
        name: def?.metadata?.[digest]?.description?.['llb.customname'] ?? '',
      };
    }
  }
  return { identifier: '', attrs: {}, name: '' };
}

export function handlersFor(s: Scenario): Handlers {
  const dirs: Record<string, Files> = {
    'ref-dockerfile': s.dockerfileDir ?? { Containerfile: CONTAINERFILE },
    'ref-context': s.contextDir ?? {},
  };
  let graphs = 0;
  return {
    Ping: () => s.pong ?? pongCurrent,
    Solve: (req) => {
      const src = sourceOf(req.Definition);
      if (src.identifier === 'local://dockerfile') return { result: { ref: { id: 'ref-dockerfile' } } };
      if (src.identifier === 'local://context') return { result: { ref: { id: 'ref-context' } } };
      if (s.solveError) throw s.solveError;
      graphs += 1;
      return { result: { ref: { id: `ref-graph-${graphs}`, def: req.Definition } } };
    },
    ReadFile: (req) => {
      const content = dirs[req.Ref]?.[req.FilePath];
      if (content === undefined) throw new FakeStatus(2, `open /tmp/buildkit-mount123/${req.FilePath}: no such file or directory`);
      return { Data: Buffer.from(content) };
    },
    StatFile: (req) => {
      if (s.missing?.includes(req.Path)) throw new FakeStatus(2, `stat ${req.Path}: no such file or directory`);
      return { stat: { path: req.Path, mode: 0o644, size: 1000 } };
    },
    ResolveImageConfig: () => ({ Digest: 'sha256:' + 'b'.repeat(64), Config: Buffer.from(JSON.stringify(BASE_CONFIG)) }),
    Warn: () => ({}),
    Return: () => ({}),
    ...s.overrides,
  };
}

export interface StubOptions {
  diagnostics?: Diagnostic[];
  artifacts?: Artifact[];
  error?: unknown;
}

/** The binary label of the stub graph: `LABEL com.urunc.unikernel.binary=/unikernel/kernel` on line 3. */
export const kernel: Artifact = {
  key: 'com.urunc.unikernel.binary',
  path: '/unikernel/kernel',
  range: { start: { line: 3, col: 34 }, end: { line: 3, col: 51 } },
  origin: 'file',
};

/** A build that resolves alpine for its platform and returns a small graph; records its inputs. */
export function stubBuild(seen: BuildInput[], o: StubOptions = {}): BuildFunction {
  return async (input) => {
    seen.push(input);
    if (o.error) throw o.error;
    const platform = input.platform ?? input.defaultPlatform;
    const base = await input.resolveImage!('docker.io/library/alpine:latest', platform);
    const config: ImageConfig = {
      architecture: platform.architecture,
      os: platform.os,
      config: { ...base.config?.config, Labels: { 'com.urunc.unikernel.binary': '/unikernel/kernel' } },
      rootfs: { type: 'layers', diff_ids: [] },
    };
    const graph: BuildGraph = {
      definition: marshal(image('alpine', { platform }), { platform }),
      platform,
      config,
      annotations: { 'com.urunc.unikernel.binary': '/unikernel/kernel', 'com.urunc.unikernel.unikernelType': 'unikraft' },
      uruncRelease: DEFAULT_RELEASE,
      urunc: {},
      artifacts: o.artifacts ?? [kernel],
      steps: [],
      diagnostics: o.diagnostics ?? [],
    };
    return graph;
  };
}

export function envWith(opts: string[], sessionId = 'sess-1'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { BUILDKIT_SESSION_ID: sessionId };
  opts.forEach((o, i) => (env[`BUILDKIT_FRONTEND_OPT_${i}`] = o));
  return env;
}

export interface Run {
  code: number;
  fake: FakeBridge;
  logs: string[];
  written: Buffer;
  returned: moby.buildkit.v1.frontend.ReturnRequest;
}

let fakes: FakeBridge[] = [];
afterEach(async () => {
  for (const f of fakes) await f.close();
  fakes = [];
  vi.restoreAllMocks();
});

export async function run(scenario: Scenario, env: NodeJS.ProcessEnv, build: BuildFunction): Promise<Run> {
  const fake = await startFakeBridge(handlersFor(scenario));
  fakes.push(fake);
  const socket = await fake.connect();
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      socket.write(chunk, cb);
    },
  });
  const logs: string[] = [];
  const code = await runFrontend(env, { input: socket, output, log: (m) => logs.push(m) }, build);
  const returned = fake.requests('Return')[0]!;
  return { code, fake, logs, written: Buffer.concat(chunks), returned };
}

export function metadataText(r: moby.buildkit.v1.frontend.ReturnRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(r.result?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
}

