// Named contexts (`--build-context`, `context:NAME` opts) in the shared session: what they replace,
// as BuildKit's Dockerfile frontend replaces it (frontend/dockerui/namedcontext.go, dockerfile2llb).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, PunchError } from '../../src/diagnostics.js';
import { detectRemoteContext } from '../../src/convert/index.js';
import { decodeDefinition, encodeDefinition, image as llbImage, marshal } from '../../src/llb/index.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { NamedContextError, planSession, type NamedContextInput, type SessionInput } from '../../src/session/index.js';

const URUNC = 'com.urunc.unikernel.';
const LABELS = `LABEL ${URUNC}binary=/unikernel/kernel ${URUNC}unikernelType=unikraft ${URUNC}hypervisor=qemu\n`;
const amd64 = { os: 'linux', architecture: 'amd64' };

function input(text: string, namedContexts: NamedContextInput[], over: Partial<SessionInput> = {}): SessionInput {
  return {
    file: 'Containerfile',
    bytes: Buffer.from(text),
    buildArgs: {},
    labels: {},
    platforms: [],
    defaultPlatform: amd64,
    context: { name: 'context', sessionId: 'S' },
    namedContexts,
    ...over,
  };
}

const dir = (key: string, ignore?: string): NamedContextInput => ({
  key,
  value: { kind: 'local', local: { name: key, sessionId: 'S' }, ...(ignore !== undefined ? { ignore: Buffer.from(ignore) } : {}) },
});
const image = (key: string, ref: string): NamedContextInput => ({ key, value: { kind: 'image', ref } });

async function sources(i: SessionInput): Promise<Array<{ id: string; attrs: Record<string, string>; name?: string }>> {
  const [g] = (await planSession(i)).graphs;
  const def = decodeDefinition(encodeDefinition(g!.definition));
  return def.ops.flatMap((o) => {
    if (!o.op.source) return [];
    const name = o.metadata.description?.['llb.customname'];
    return [{ id: o.op.source.identifier!, attrs: o.op.source.attrs ?? {}, ...(name ? { name } : {}) }];
  });
}

describe('a named context that is a directory', () => {
  it('is what COPY --from=NAME reads: a local source of its own, only the paths copied, its own shared key and name', async () => {
    const text = `FROM scratch\nCOPY --from=kernel build/kernel /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, [dir('kernel')]));
    expect(src).toContainEqual({
      id: 'local://kernel',
      attrs: { 'local.followpaths': '["build/kernel"]', 'local.session': 'S', 'local.sharedkeyhint': 'context:kernel-' },
      name: '[context kernel] load from client',
    });
    // The main context is not read at all.
    expect(src.map((s) => s.id)).toEqual(['local://kernel']);
  });

  it("excludes what the directory's own .dockerignore lists", async () => {
    const text = `FROM scratch\nCOPY --from=kernel . /unikernel/\n${LABELS}`;
    const [src] = await sources(input(text, [dir('kernel', '*.o\n# note\nsecret\n')]));
    expect(src!.attrs['local.excludepatterns']).toBe('["*.o","secret"]');
    expect(src!.attrs['local.followpaths']).toBeUndefined();
  });

  it('reports a bad pattern in its .dockerignore at the line, naming the context', async () => {
    const text = `FROM scratch\nCOPY --from=kernel . /unikernel/\n${LABELS}`;
    const e = await planSession(input(text, [dir('kernel', 'ok\n!\n')])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PunchError);
    expect((e as PunchError).diagnostics.map(formatDiagnostic)[0]).toMatch(/^kernel\/\.dockerignore:2:1: error: /);
  });

  it('replaces a stage of its name: the stage\'s own instructions are not built', async () => {
    const text = `FROM busybox AS kernel\nRUN make\nFROM scratch\nCOPY --from=kernel kernel /unikernel/kernel\n${LABELS}`;
    const i = input(text, [dir('kernel')]);
    const src = await sources(i);
    expect(src.map((s) => s.id)).toEqual(['local://kernel']);
    const [g] = (await planSession(i)).graphs;
    expect(g!.steps.map((s) => s.description)).not.toContain('RUN make');
  });

  it('can be a stage base: FROM NAME builds on the whole directory', async () => {
    const text = `FROM kernel\n${LABELS}`;
    const [src] = await sources(input(text, [dir('kernel')]));
    expect(src!.id).toBe('local://kernel');
    expect(src!.attrs['local.followpaths']).toBeUndefined();
  });

  it('is not matched by the main context or a stage defined under another name', async () => {
    const text = `FROM scratch AS build\nFROM scratch\nCOPY --from=build k /unikernel/kernel\nCOPY kernel /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, [dir('kernel')]));
    expect(src.map((s) => s.id)).toEqual(['local://context']);
  });
});

const remote = (key: string, value: string): NamedContextInput => ({ key, value: { kind: 'remote', remote: detectRemoteContext(value)! } });

describe('a named context that is a git repository or an HTTP download', () => {
  it("is what COPY --from=NAME reads: the repository's checkout at the ref, the whole of it", async () => {
    const text = `FROM scratch\nCOPY --from=kernel build/kernel /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, [remote('kernel', 'https://git.example/kernel.git#v1:out')]));
    expect(src).toEqual([{ id: 'git://git.example/kernel.git#v1:out', attrs: { 'git.authheadersecret': 'GIT_AUTH_HEADER', 'git.authtokensecret': 'GIT_AUTH_TOKEN', 'git.fullurl': 'https://git.example/kernel.git' }, name: '[internal] load git source https://git.example/kernel.git#v1:out' }]);
  });

  it('is a download of one file named context, not unpacked, named after the context in progress', async () => {
    const text = `FROM scratch\nCOPY --from=kernel context /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, [remote('kernel', 'https://dl.example/kernel.bin')]));
    expect(src).toEqual([{ id: 'https://dl.example/kernel.bin', attrs: { 'http.filename': 'context' }, name: '[context kernel] https://dl.example/kernel.bin' }]);
  });

  it('can be a stage base: FROM NAME builds on the checkout', async () => {
    const src = await sources(input(`FROM kernel\n${LABELS}`, [remote('kernel', 'git://git.example/kernel#main')]));
    expect(src.map((s) => s.id)).toEqual(['git://git.example/kernel#main']);
  });
});

describe("a named context that is a frontend input (bake's target: context)", () => {
  const kernelDef = encodeDefinition(marshal(llbImage('127.0.0.1:5000/kernel:1'), { platform: amd64 }));
  const given = (key: string, config?: ImageConfig): NamedContextInput => ({ key, value: { kind: 'input', definition: kernelDef, ...(config ? { config } : {}) } });

  it('is what COPY --from=NAME reads: the ops of its Definition', async () => {
    const src = await sources(input(`FROM scratch\nCOPY --from=kernel /k /unikernel/kernel\n${LABELS}`, [given('kernel')]));
    expect(src.map((s) => s.id)).toEqual(['docker-image://127.0.0.1:5000/kernel:1']);
  });

  it('as a stage base, gives the image its config', async () => {
    const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Env: ['FROM_TARGET=1'] }, rootfs: { type: 'layers', diff_ids: [] } };
    const [g] = (await planSession(input(`FROM kernel\n${LABELS}`, [given('kernel', config)]))).graphs;
    expect(g!.config.config.Env).toContain('FROM_TARGET=1');
  });
});

describe('a named context that is an image', () => {
  it('replaces FROM of the image as written, matched by its familiar name (alpine = docker.io/library/alpine:latest)', async () => {
    for (const from of ['alpine', 'alpine:latest', 'docker.io/library/alpine']) {
      const src = await sources(input(`FROM ${from}\n${LABELS}`, [image('alpine', '127.0.0.1:5000/busybox:1')]));
      expect(src.map((s) => s.id)).toEqual(['docker-image://127.0.0.1:5000/busybox:1']);
    }
  });

  it('does not replace another tag of the image', async () => {
    const src = await sources(input(`FROM alpine:3.19\n${LABELS}`, [image('alpine', '127.0.0.1:5000/busybox:1')]));
    expect(src.map((s) => s.id)).toEqual(['docker-image://docker.io/library/alpine:3.19']);
  });

  it('replaces a COPY --from image', async () => {
    const text = `FROM scratch\nCOPY --from=tools /bin/kernel /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, [image('tools', 'registry.local/tools@sha256:' + 'a'.repeat(64))]));
    expect(src.map((s) => s.id)).toEqual([`docker-image://registry.local/tools@sha256:${'a'.repeat(64)}`]);
  });

  it('is the empty image for docker-image://scratch', async () => {
    const src = await sources(input(`FROM base\nCOPY kernel /unikernel/kernel\n${LABELS}`, [image('base', 'scratch')]));
    expect(src.map((s) => s.id)).toEqual(['local://context']);
  });

  it('is resolved like a FROM image: its config is inherited', async () => {
    const resolved: string[] = [];
    const i = input(`FROM alpine\n${LABELS}`, [image('alpine', '127.0.0.1:5000/busybox:1')], {
      resolveImage: async (ref) => {
        resolved.push(ref);
        return { config: { architecture: 'amd64', os: 'linux', config: { Env: ['FROM_CONTEXT=1'] }, rootfs: { type: 'layers', diff_ids: [] } } };
      },
    });
    const [g] = (await planSession(i)).graphs;
    expect(resolved).toEqual(['127.0.0.1:5000/busybox:1']);
    expect(g!.config.config.Env).toContain('FROM_CONTEXT=1');
  });

  it('takes NAME::PLATFORM over NAME for a stage of that platform', async () => {
    const contexts = [image('alpine', 'r.local/any:1'), image('alpine::linux/arm64', 'r.local/arm:1')];
    const text = `FROM --platform=linux/arm64 alpine AS a\nFROM alpine\nCOPY --from=a /k /unikernel/kernel\n${LABELS}`;
    const src = await sources(input(text, contexts));
    expect(src.map((s) => s.id).sort()).toEqual(['docker-image://r.local/any:1', 'docker-image://r.local/arm:1']);
  });

  it('refuses an invalid reference, naming the key', async () => {
    const e = await planSession(input(`FROM alpine\n${LABELS}`, [image('alpine', 'Not/Valid')])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NamedContextError);
    expect((e as Error).message).toMatch(/^named context "alpine": docker-image:\/\/Not\/Valid is not a valid image reference/);
  });
});
