// Git and HTTP sources: the identifier, attrs and caps Go's client/llb gives llb.Git and llb.HTTP.
import { describe, expect, it } from 'vitest';
import { pb } from '../../src/gen/pb.js';
import { copy, digestOf, git, http, marshal, parseGitRemote, scratch, type Definition } from '../../src/llb/index.js';

const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };

/** The one source op of a definition, with its metadata. */
function sourceOp(d: Definition): { op: pb.Op; caps: string[]; name: string | undefined } {
  const bytes = d.def.find((b) => pb.Op.decode(b).source)!;
  const meta = d.metadata[digestOf(bytes)]!;
  return { op: pb.Op.decode(bytes), caps: Object.keys(meta.caps ?? {}).sort(), name: meta.description?.['llb.customname'] };
}

describe('git sources', () => {
  it('names an https repository git://host/path#ref with its full URL and the auth secrets', () => {
    const { op, caps } = sourceOp(marshal(git('https://example.com:8443/org/repo.git', 'main'), amd64));
    expect(op.source?.identifier).toBe('git://example.com:8443/org/repo.git#main');
    expect(op.source?.attrs).toEqual({
      'git.authheadersecret': 'GIT_AUTH_HEADER',
      'git.authtokensecret': 'GIT_AUTH_TOKEN',
      'git.fullurl': 'https://example.com:8443/org/repo.git',
    });
    expect(caps).toEqual(['source.git', 'source.git.fullurl']);
  });

  it('carries the subdirectory in the fragment after the ref', () => {
    expect(sourceOp(marshal(git('http://127.0.0.1:8080/r.git', 'v1:sub/dir'), amd64)).op.source?.identifier).toBe('git://127.0.0.1:8080/r.git#v1:sub/dir');
  });

  it('leaves the fragment out when no ref is given', () => {
    expect(sourceOp(marshal(git('git://host/r', ''), amd64)).op.source?.identifier).toBe('git://host/r');
  });

  it('keeps .git only when asked, with its cap', () => {
    const { op, caps } = sourceOp(marshal(git('https://h/r.git', 'main', { keepGitDir: true }), amd64));
    expect(op.source?.attrs?.['git.keepgitdir']).toBe('true');
    expect(caps).toContain('source.git.keepgitdir');
  });

  it('mounts the default SSH agent socket for an SCP-style remote', () => {
    const { op, caps } = sourceOp(marshal(git('git@example.com:org/repo.git', 'main'), amd64));
    expect(op.source?.identifier).toBe('git://example.com/org/repo.git#main');
    expect(op.source?.attrs).toMatchObject({ 'git.fullurl': 'git@example.com:org/repo.git', 'git.mountsshsock': 'default' });
    expect(caps).toEqual(['source.git', 'source.git.fullurl', 'source.git.knownsshhosts', 'source.git.mountsshsock']);
  });

  it('reads a URL without a scheme as https', () => {
    expect(sourceOp(marshal(git('github.com/org/repo', ''), amd64)).op.source?.attrs?.['git.fullurl']).toBe('https://github.com/org/repo');
  });

  it('puts no platform on the source op', () => {
    expect(sourceOp(marshal(git('https://h/r.git', 'main'), amd64)).op.platform).toBeNull();
  });

  it('refuses a protocol git does not speak', () => {
    expect(() => git('ftp://h/r.git', 'main')).toThrow('invalid git URL "ftp://h/r.git": ftp:// is not a git protocol');
  });
});

describe('git remotes', () => {
  it('split ref and subdirectory at the first colon of the fragment', () => {
    expect(parseGitRemote('https://h/r.git#main:a:b')).toEqual({ scheme: 'https', host: 'h', path: '/r.git', remote: 'https://h/r.git', ref: 'main', subdir: 'a:b' });
  });
});

describe('http sources', () => {
  it('uses the URL as identifier and names the downloaded file', () => {
    const { op, caps, name } = sourceOp(marshal(http('http://127.0.0.1:9/ctx.tar.gz', { filename: 'context', customName: 'dl' }), amd64));
    expect(op.source?.identifier).toBe('http://127.0.0.1:9/ctx.tar.gz');
    expect(op.source?.attrs).toEqual({ 'http.filename': 'context' });
    expect(caps).toEqual(['source.http']);
    expect(name).toBe('dl');
    expect(op.platform).toBeNull();
  });

  it('unpacks through a copy with ADD semantics into scratch', () => {
    const d = marshal(scratch().file(copy(http('https://h/c.tgz', { filename: 'context' }), '/context', '/', { attemptUnpack: true })), amd64);
    const file = d.def.map((b) => pb.Op.decode(b)).find((o) => o.file)!;
    expect(file.file?.actions?.[0]?.copy).toMatchObject({ src: '/context', dest: '/', attemptUnpackDockerCompatibility: true });
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => http('ftp://h/c.tgz')).toThrow('the URL must start with http:// or https://');
  });
});
