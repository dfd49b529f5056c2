// Named contexts through the gateway (buildx --build-context → context:NAME opts), against a fake
// LLBBridge: the requests the frontend makes, byte for byte where it matters.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/convert/index.js';
import { pb } from '../../src/gen/pb.js';
import { encodeDefinition, image, marshal, mkdir } from '../../src/llb/index.js';
import { FakeStatus, pongV08 } from './fake-bridge.js';
import { envWith, handlersFor, run, sourceOf, type Scenario } from './run-harness.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n';
const COPY_FROM_KERNEL = `FROM scratch\nCOPY --from=kernel build/kernel /unikernel/kernel\n${LABELS}`;

/** A session whose `kernel` dir holds `files` (its .dockerignore among them). */
function withKernelDir(containerfile: string, files: Record<string, string>): Scenario {
  const base = handlersFor({ dockerfileDir: { Containerfile: containerfile } });
  return {
    dockerfileDir: { Containerfile: containerfile },
    overrides: {
      Solve: (req) => (sourceOf(req.Definition).name === '[context kernel] load .dockerignore' ? { result: { ref: { id: 'ref-kernel' } } } : base.Solve!(req)),
      ReadFile: (req) => {
        if (req.Ref !== 'ref-kernel') return base.ReadFile!(req);
        const content = files[req.FilePath];
        if (content === undefined) throw new FakeStatus(2, `open ${req.FilePath}: no such file or directory`);
        return { Data: Buffer.from(content) };
      },
    },
  };
}

/** Every source op of the built graph's Solve (the last Solve). */
function graphSources(solves: Array<{ Definition?: pb.Definition.$Properties | null }>): Array<{ identifier: string; attrs: Record<string, string> }> {
  const def = solves[solves.length - 1]!.Definition!;
  return (def.def ?? []).flatMap((b) => {
    const op = pb.Op.decode(b);
    return op.source ? [{ identifier: op.source.identifier ?? '', attrs: { ...op.source.attrs } }] : [];
  });
}

describe('context:NAME=local:DIR', () => {
  const env = envWith(['filename=Containerfile', 'context:kernel=local:kernel', 'sharedkey:localdir:kernel=sk1']);

  it("loads the dir's .dockerignore first, as Docker's frontend does: follow path, session, shared key, name", async () => {
    const r = await run(withKernelDir(COPY_FROM_KERNEL, {}), env, buildGraph);
    expect(r.code).toBe(0);
    const ignoreSolve = r.fake.requests('Solve').find((s) => sourceOf(s.Definition).name === '[context kernel] load .dockerignore');
    expect(sourceOf(ignoreSolve!.Definition)).toEqual({
      identifier: 'local://kernel',
      attrs: { 'local.followpaths': '[".dockerignore"]', 'local.session': 'sess-1', 'local.sharedkeyhint': 'context:kernel-.dockerignore' },
      name: '[context kernel] load .dockerignore',
    });
    expect(r.fake.requests('ReadFile').filter((f) => f.Ref === 'ref-kernel').map((f) => f.FilePath)).toEqual(['.dockerignore']);
  });

  it('is what COPY --from=kernel reads: only the copied paths, minus its .dockerignore, under the session and its shared key', async () => {
    const r = await run(withKernelDir(COPY_FROM_KERNEL, { '.dockerignore': '*.o\n' }), env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    expect(graphSources(r.fake.requests('Solve'))).toEqual([
      {
        identifier: 'local://kernel',
        attrs: {
          'local.excludepatterns': '["*.o"]',
          'local.followpaths': '["build/kernel"]',
          'local.session': 'sess-1',
          'local.sharedkeyhint': 'context:kernel-sk1',
        },
      },
    ]);
  });

  it('fails the build with BuildKit\'s error when the session has no such dir', async () => {
    const base = handlersFor({ dockerfileDir: { Containerfile: COPY_FROM_KERNEL } });
    const scenario: Scenario = {
      dockerfileDir: { Containerfile: COPY_FROM_KERNEL },
      overrides: {
        Solve: (req) => {
          if (sourceOf(req.Definition).identifier === 'local://kernel') throw new FakeStatus(2, 'no local sources enabled');
          return base.Solve!(req);
        },
      },
    };
    const r = await run(scenario, env, buildGraph);
    expect(r.returned.error?.message).toBe('no local sources enabled');
  });
});

describe('context:NAME=docker-image://REF', () => {
  it('replaces FROM NAME: the image resolved and pulled is the context\'s', async () => {
    const text = `FROM alpine\nCOPY kernel /unikernel/kernel\n${LABELS}`;
    const env = envWith(['filename=Containerfile', 'context:alpine=docker-image://127.0.0.1:5000/busybox:1']);
    const r = await run({ dockerfileDir: { Containerfile: text } }, env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    expect(r.fake.requests('ResolveImageConfig').map((q) => q.Ref)).toEqual(['127.0.0.1:5000/busybox:1']);
    expect(graphSources(r.fake.requests('Solve')).map((s) => s.identifier)).toContain(`docker-image://127.0.0.1:5000/busybox:1@sha256:${'b'.repeat(64)}`);
  });

  it('refuses an invalid reference through Return, naming the context', async () => {
    const env = envWith(['filename=Containerfile', 'context:alpine=docker-image://Bad/Ref']);
    const r = await run({ dockerfileDir: { Containerfile: `FROM alpine\n${LABELS}` } }, env, buildGraph);
    expect(r.code).toBe(0);
    expect(r.returned.error?.message).toMatch(/^named context "alpine": docker-image:\/\/Bad\/Ref is not a valid image reference/);
  });
});

describe('context:NAME=oci-layout://STORE[:TAG]@DIGEST (buildx --build-context NAME=oci-layout://DIR)', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const env = envWith(['filename=Containerfile', `context:kernel=oci-layout://store1:latest@${digest}`]);
  const ref = `docker.io/library/kernel@${digest}`;

  it("resolves the image config in the client's OCI store, as Docker's frontend does: ResolverType 1, session, store ID", async () => {
    const r = await run({ dockerfileDir: { Containerfile: `FROM kernel\n${LABELS}` } }, env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    const [req] = r.fake.requests('ResolveImageConfig');
    expect({ Ref: req!.Ref, ResolverType: req!.ResolverType, SessionID: req!.SessionID, StoreID: req!.StoreID, LogName: req!.LogName }).toEqual({
      Ref: ref,
      ResolverType: 1,
      SessionID: 'sess-1',
      StoreID: 'store1',
      LogName: `[context kernel] load metadata for ${ref}`,
    });
  });

  it('replaces FROM NAME with an oci-layout source naming the session and store', async () => {
    const r = await run({ dockerfileDir: { Containerfile: `FROM kernel\n${LABELS}` } }, env, buildGraph);
    expect(graphSources(r.fake.requests('Solve'))).toEqual([{ identifier: `oci-layout://${ref}`, attrs: { 'oci.session': 'sess-1', 'oci.store': 'store1' } }]);
  });

  it('is what COPY --from=NAME reads', async () => {
    const r = await run({ dockerfileDir: { Containerfile: COPY_FROM_KERNEL } }, env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    expect(graphSources(r.fake.requests('Solve'))).toEqual([{ identifier: `oci-layout://${ref}`, attrs: { 'oci.session': 'sess-1', 'oci.store': 'store1' } }]);
  });

  it('is refused, naming the cap, by an engine without source.ocilayout (BuildKit v0.8), before any resolve or build', async () => {
    const r = await run({ pong: pongV08, dockerfileDir: { Containerfile: COPY_FROM_KERNEL } }, env, buildGraph);
    expect(r.returned.error?.message).toBe(
      'build context kernel: this BuildKit cannot read oci-layout contexts (no LLB capability source.ocilayout; BuildKit v0.11+ has it): update the engine, or push the image to a registry and pass docker-image://REF',
    );
    expect(r.fake.requests('ResolveImageConfig')).toEqual([]);
    expect(r.fake.requests('Solve').map((s) => sourceOf(s.Definition).identifier)).not.toContain(`oci-layout://${ref}`);
  });
});

describe('context:NAME=<git or http(s) URL>', () => {
  it('makes COPY --from=NAME read the git checkout BuildKit fetches, and nothing from the session', async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=https://git.example/kernel.git#v1:out']);
    const r = await run({ dockerfileDir: { Containerfile: COPY_FROM_KERNEL } }, env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    expect(graphSources(r.fake.requests('Solve')).map((s) => s.identifier)).toEqual(['git://git.example/kernel.git#v1:out']);
  });

  it('makes it read an http download as one file named context', async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=https://dl.example/kernel.bin']);
    const r = await run({ dockerfileDir: { Containerfile: `FROM scratch\nCOPY --from=kernel context /unikernel/kernel\n${LABELS}` } }, env, buildGraph);
    expect(graphSources(r.fake.requests('Solve'))).toEqual([{ identifier: 'https://dl.example/kernel.bin', attrs: { 'http.filename': 'context' } }]);
  });

  it('is refused, naming the cap, for a #ref:dir on an engine that cannot check out a directory (BuildKit v0.8)', async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=https://git.example/kernel.git#v1:out']);
    const r = await run({ pong: pongV08, dockerfileDir: { Containerfile: COPY_FROM_KERNEL } }, env, buildGraph);
    expect(r.returned.error?.message).toMatch(/^build context kernel: this BuildKit cannot check out a directory of a repository \(no LLB capability source\.git\.subdir; BuildKit v0\.9\+ has it\)/);
    expect(graphSources(r.fake.requests('Solve')).map((s) => s.identifier)).not.toContain('git://git.example/kernel.git#v1:out');
  });

  it('takes a repository without :DIR on that engine', async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=https://git.example/kernel.git#v1']);
    const r = await run({ pong: pongV08, dockerfileDir: { Containerfile: COPY_FROM_KERNEL } }, env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    expect(graphSources(r.fake.requests('Solve')).map((s) => s.identifier)).toEqual(['git://git.example/kernel.git#v1']);
  });
});

describe('context:NAME=input:NAME (bake target: contexts)', () => {
  // What bake hands over for a target: its result's Definition, here an image with a file op on top.
  const kernelDef = pb.Definition.decode(
    encodeDefinition(marshal(image('127.0.0.1:5000/kernel:1').file(mkdir('/out', 0o755), { customName: '[kernel 2/2] RUN make' }), { platform: { os: 'linux', architecture: 'amd64' } })),
  );
  const withInput = (containerfile: string): Scenario => ({
    dockerfileDir: { Containerfile: containerfile },
    overrides: { Inputs: () => ({ Definitions: { kernel: kernelDef } }) },
  });

  it("makes COPY --from=NAME read the input's result: its ops go into the graph as bake sent them", async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=input:kernel']);
    const r = await run(withInput(COPY_FROM_KERNEL), env, buildGraph);
    expect(r.returned.error ?? null).toBeNull();
    const solved = r.fake.requests('Solve').at(-1)!.Definition!.def!;
    for (const op of kernelDef.def!.slice(0, -1)) expect(solved).toContainEqual(op);
    expect(r.fake.requests('Inputs')).toHaveLength(1);
  });

  it('asks for no inputs when no context names one', async () => {
    const r = await run({ dockerfileDir: { Containerfile: `FROM scratch\nCOPY k /unikernel/kernel\n${LABELS}` } }, envWith(['filename=Containerfile']), buildGraph);
    expect(r.fake.requests('Inputs')).toEqual([]);
  });

  it('is refused, naming the context, when the build has no input of that name', async () => {
    const env = envWith(['filename=Containerfile', 'context:kernel=input:other']);
    const r = await run(withInput(COPY_FROM_KERNEL), env, buildGraph);
    expect(r.returned.error?.message).toBe('build context kernel=input:other: the build has no input other (bake sends one for a target: context)');
  });
});
