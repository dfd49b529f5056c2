// The frontend with a remote build context (the `context` opt holds a git or http(s) URL), against a
// fake LLBBridge: what it solves and reads, and what the build sees as its context and build file.
import { describe, expect, it } from 'vitest';
import type { BuildInput } from '../../src/convert/api.js';
import { pb } from '../../src/gen/pb.js';
import { decodeDefinition, encodeDefinition, marshal } from '../../src/llb/index.js';
import { FakeStatus, pongV08, type Handlers } from './fake-bridge.js';
import { CONTAINERFILE, envWith, run, sourceOf, stubBuild, type Files } from './run-harness.js';

const GIT_URL = 'http://127.0.0.1:8080/repo.git#main:app';
const TGZ_URL = 'http://127.0.0.1:8080/ctx.tar.gz';
const GZIP_HEAD = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);

/** True when the definition holds a file op (the unpack or subdir copy) on top of its source. */
function hasFileOp(def: pb.Definition.$Properties | null | undefined): boolean {
  return (def?.def ?? []).some((b) => pb.Op.decode(b).file);
}

/** Solve answers ref-<kind> for the remote sources (ref-unpacked for a file op on them); ReadFile serves `files` by ref. */
function remoteHandlers(files: Record<string, Files>): Handlers {
  let graphs = 0;
  return {
    Solve: (req) => {
      const src = sourceOf(req.Definition);
      if (src.identifier === 'local://dockerfile') return { result: { ref: { id: 'ref-dockerfile' } } };
      if (src.identifier.startsWith('git://') || src.identifier.startsWith('http')) {
        const kind = src.identifier.startsWith('git://') ? 'git' : 'http';
        // The graph of the build (the stub's alpine image) never has these sources; the inputs have them alone.
        return { result: { ref: { id: hasFileOp(req.Definition) ? 'ref-unpacked' : `ref-${kind}` } } };
      }
      graphs += 1;
      return { result: { ref: { id: `ref-graph-${graphs}`, def: req.Definition } } };
    },
    ReadFile: (req) => {
      const content = files[req.Ref]?.[req.FilePath];
      if (content === undefined) throw new FakeStatus(2, `open /tmp/buildkit-mount1/${req.FilePath}: no such file or directory`);
      const data = Buffer.from(content);
      const length = Number(req.Range?.Length ?? 0);
      return { Data: length > 0 ? data.subarray(0, length) : data };
    },
  };
}

/** The context state the build got, marshalled: its source identifiers and file copies. */
function contextOf(input: BuildInput): { sources: string[]; copies: pb.FileActionCopy.$Properties[] } {
  if (!('remote' in input.context)) throw new Error('the build got a local context');
  const ops = decodeDefinition(encodeDefinition(marshal(input.context.remote, { platform: input.defaultPlatform }))).ops.map((o) => o.op);
  return {
    sources: ops.flatMap((o) => (o.source ? [o.source.identifier ?? ''] : [])),
    copies: ops.flatMap((o) => (o.file?.actions ?? []).flatMap((a) => (a.copy ? [a.copy] : []))),
  };
}

describe('a git build context', () => {
  it('reads the Containerfile from the git checkout, not from a session dir', async () => {
    const seen: BuildInput[] = [];
    const r = await run({ overrides: remoteHandlers({ 'ref-git': { Containerfile: CONTAINERFILE } }) }, envWith([`context=${GIT_URL}`, 'filename=Containerfile']), stubBuild(seen));
    expect(r.returned.error).toBeNull();
    const first = sourceOf(r.fake.requests('Solve')[0]!.Definition);
    expect(first).toEqual({
      identifier: 'git://127.0.0.1:8080/repo.git#main:app',
      attrs: { 'git.authheadersecret': 'GIT_AUTH_HEADER', 'git.authtokensecret': 'GIT_AUTH_TOKEN', 'git.fullurl': 'http://127.0.0.1:8080/repo.git' },
      name: `[internal] load git source ${GIT_URL}`,
    });
    expect(r.fake.requests('ReadFile').map((f) => [f.Ref, f.FilePath])).toEqual([['ref-git', 'Containerfile']]);
    expect(seen[0]!.file).toBe('Containerfile');
  });

  it('gives the build the git checkout as its context, with no ignore file', async () => {
    const seen: BuildInput[] = [];
    await run({ overrides: remoteHandlers({ 'ref-git': { Containerfile: CONTAINERFILE, '.dockerignore': 'kernel\n' } }) }, envWith([`context=${GIT_URL}`, 'filename=Containerfile']), stubBuild(seen));
    expect(contextOf(seen[0]!)).toEqual({ sources: ['git://127.0.0.1:8080/repo.git#main:app'], copies: [] });
  });

  it('solves nothing from the session dirs of the client', async () => {
    const r = await run({ overrides: remoteHandlers({ 'ref-git': { Containerfile: CONTAINERFILE } }) }, envWith([`context=${GIT_URL}`, 'filename=Containerfile']), stubBuild([]));
    expect(r.fake.requests('Solve').map((s) => sourceOf(s.Definition).identifier).filter((id) => id.startsWith('local://'))).toEqual([]);
  });

  it('reads the Containerfile from the dockerfile dir when dockerfilekey is given', async () => {
    const seen: BuildInput[] = [];
    const r = await run(
      { overrides: remoteHandlers({ 'ref-dockerfile': { Containerfile: CONTAINERFILE } }) },
      envWith([`context=${GIT_URL}`, 'filename=Containerfile', 'dockerfilekey=dockerfile']),
      stubBuild(seen),
    );
    expect(r.returned.error).toBeNull();
    expect(r.fake.requests('ReadFile').map((f) => [f.Ref, f.FilePath])).toEqual([['ref-dockerfile', 'Containerfile']]);
    expect(contextOf(seen[0]!).sources).toEqual(['git://127.0.0.1:8080/repo.git#main:app']);
  });

  it('says which file the repository lacks', async () => {
    const r = await run({ overrides: remoteHandlers({ 'ref-git': {} }) }, envWith([`context=${GIT_URL}`, 'filename=Containerfile']), stubBuild([]));
    expect(r.returned.error?.message).toBe(
      `cannot read Containerfile from the build context ${GIT_URL}: open /tmp/buildkit-mount1/Containerfile: no such file or directory; name the file with -f (its path in the context)`,
    );
  });

  it('refuses a repository subdirectory on an engine without source.git.subdir (BuildKit v0.8), before solving', async () => {
    const r = await run({ pong: pongV08, overrides: remoteHandlers({}) }, envWith([`context=${GIT_URL}`, 'filename=Containerfile']), stubBuild([]));
    expect(r.returned.error?.message).toContain('names the directory app of the repository, but this BuildKit cannot check out a directory (it lacks the LLB cap source.git.subdir');
    expect(r.fake.requests('Solve')).toEqual([]);
  });

  it('checks out the repository root on v0.8 when no subdirectory is named', async () => {
    const r = await run({ pong: pongV08, overrides: remoteHandlers({ 'ref-git': { Containerfile: CONTAINERFILE } }) }, envWith(['context=git://127.0.0.1/repo#main', 'filename=Containerfile']), stubBuild([]));
    expect(r.returned.error).toBeNull();
  });
});

describe('an HTTP build context', () => {
  it('downloads the URL as the file context and reads its first KiB to tell an archive', async () => {
    const r = await run(
      { overrides: remoteHandlers({ 'ref-http': { context: GZIP_HEAD }, 'ref-unpacked': { Containerfile: CONTAINERFILE } }) },
      envWith([`context=${TGZ_URL}`, 'filename=Containerfile']),
      stubBuild([]),
    );
    expect(sourceOf(r.fake.requests('Solve')[0]!.Definition)).toEqual({ identifier: TGZ_URL, attrs: { 'http.filename': 'context' }, name: '[internal] load remote build context' });
    const sniff = r.fake.requests('ReadFile')[0]!;
    expect([sniff.Ref, sniff.FilePath, Number(sniff.Range?.Offset ?? 0), Number(sniff.Range?.Length)]).toEqual(['ref-http', 'context', 0, 1024]);
  });

  it('unpacks an archive and reads the Containerfile from the unpacked files', async () => {
    const seen: BuildInput[] = [];
    const r = await run(
      { overrides: remoteHandlers({ 'ref-http': { context: GZIP_HEAD }, 'ref-unpacked': { Containerfile: CONTAINERFILE } }) },
      envWith([`context=${TGZ_URL}`, 'filename=Containerfile']),
      stubBuild(seen),
    );
    expect(r.returned.error).toBeNull();
    expect(r.fake.requests('ReadFile')[1]).toMatchObject({ Ref: 'ref-unpacked', FilePath: 'Containerfile' });
    expect(contextOf(seen[0]!)).toEqual({
      sources: [TGZ_URL],
      copies: [expect.objectContaining({ src: '/context', dest: '/', attemptUnpackDockerCompatibility: true })],
    });
  });

  it('reads a download that is no archive as the build file itself, named context', async () => {
    const seen: BuildInput[] = [];
    const r = await run(
      { overrides: remoteHandlers({ 'ref-http': { context: CONTAINERFILE } }) },
      envWith(['context=http://127.0.0.1:8080/Containerfile', 'filename=Containerfile']),
      stubBuild(seen),
    );
    expect(r.returned.error).toBeNull();
    expect(r.fake.requests('ReadFile').map((f) => [f.Ref, f.FilePath])).toEqual([['ref-http', 'context'], ['ref-http', 'context']]);
    expect(seen[0]!.file).toBe('context');
    expect(contextOf(seen[0]!)).toEqual({ sources: ['http://127.0.0.1:8080/Containerfile'], copies: [] });
  });

  it('scopes the context to contextsubdir but reads the Containerfile from the whole download', async () => {
    const seen: BuildInput[] = [];
    const r = await run(
      { overrides: remoteHandlers({ 'ref-http': { context: GZIP_HEAD }, 'ref-unpacked': { Containerfile: CONTAINERFILE } }) },
      envWith([`context=${TGZ_URL}`, 'filename=Containerfile', 'contextsubdir=app']),
      stubBuild(seen),
    );
    expect(r.returned.error).toBeNull();
    expect(contextOf(seen[0]!).copies.map((c) => [c.src, c.dest])).toEqual([['/context', '/'], ['/app', '/']]);
  });

  it('says so when the download cannot be read', async () => {
    const r = await run({ overrides: remoteHandlers({}) }, envWith([`context=${TGZ_URL}`, 'filename=Containerfile']), stubBuild([]));
    expect(r.returned.error?.message).toBe(`cannot read the downloaded build context ${TGZ_URL}: open /tmp/buildkit-mount1/context: no such file or directory`);
  });
});
