import { describe, expect, it } from 'vitest';
import { FrontendError } from '../../src/frontend/errors.js';
import { frontendOptionsFromEnv, parseFrontendOptions, rawFrontendOpts, type FrontendOptions } from '../../src/frontend/opts.js';

const defaults: FrontendOptions = {
  filename: 'Dockerfile',
  dockerfileKey: 'dockerfile',
  contextKey: 'context',
  platforms: [],
  multiPlatform: false,
  buildArgs: {},
  labels: {},
  imageResolveMode: 'default',
  noCache: { kind: 'none' },
  cacheImports: { imports: [], frontendOpt: {} },
  run: {},
  namedContexts: [],
  http2: 'punch',
};

describe('raw opts from BUILDKIT_FRONTEND_OPT_<n>', () => {
  it('splits each value at the first =', () => {
    const env = {
      BUILDKIT_FRONTEND_OPT_1: 'build-arg:CMDLINE=a=b c',
      BUILDKIT_FRONTEND_OPT_0: 'filename=Containerfile',
      BUILDKIT_FRONTEND_OPT_2: 'no-cache=',
      PATH: '/bin',
    };
    expect(rawFrontendOpts(env)).toEqual({ filename: 'Containerfile', 'build-arg:CMDLINE': 'a=b c', 'no-cache': '' });
  });

  it('takes a value without = as a key with an empty value', () => {
    expect(rawFrontendOpts({ BUILDKIT_FRONTEND_OPT_0: 'no-cache' })).toEqual({ 'no-cache': '' });
  });

  it('resolves a repeated key by the highest n, whatever the env order', () => {
    expect(rawFrontendOpts({ BUILDKIT_FRONTEND_OPT_10: 'target=b', BUILDKIT_FRONTEND_OPT_2: 'target=a' })).toEqual({ target: 'b' });
  });
});

describe('typed frontend options', () => {
  const table: [string, Record<string, string>, Partial<FrontendOptions>][] = [
    ['defaults with no opts', {}, {}],
    ['filename', { filename: 'Containerfile' }, { filename: 'Containerfile' }],
    ['empty filename falls back to Dockerfile', { filename: '' }, {}],
    ['dockerfilekey and contextkey', { dockerfilekey: 'df', contextkey: 'ctx' }, { dockerfileKey: 'df', contextKey: 'ctx' }],
    ['target', { target: 'final' }, { target: 'final' }],
    ['a subrequest', { requestid: 'frontend.outline' }, { requestId: 'frontend.outline' }],
    ['an empty requestid (no subrequest)', { requestid: '' }, {}],
    ['one platform, normalised', { platform: 'linux/x86_64' }, { platforms: [{ os: 'linux', architecture: 'amd64' }] }],
    [
      'a platform list, duplicates dropped',
      { platform: 'linux/amd64, linux/arm64,linux/amd64,qemu/amd64' },
      {
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
          { os: 'qemu', architecture: 'amd64' },
        ],
      },
    ],
    ['multi-platform=true', { 'multi-platform': 'true' }, { multiPlatform: true }],
    ['build args', { 'build-arg:A': '1', 'build-arg:B': 'x=y', 'build-arg:': 'empty' }, { buildArgs: { '': 'empty', A: '1', B: 'x=y' } }],
    ['labels', { 'label:org.opencontainers.image.title': 'app' }, { labels: { 'org.opencontainers.image.title': 'app' } }],
    ['image-resolve-mode pull', { 'image-resolve-mode': 'pull' }, { imageResolveMode: 'pull' }],
    ['image-resolve-mode local', { 'image-resolve-mode': 'local' }, { imageResolveMode: 'local' }],
    ['no-cache "" means every stage', { 'no-cache': '' }, { noCache: { kind: 'all' } }],
    ['no-cache with stage names', { 'no-cache': 'Build, final' }, { noCache: { kind: 'stages', stages: ['build', 'final'] } }],
    [
      'cache-imports and cache-from',
      { 'cache-imports': '[{"Type":"registry","Attrs":{"ref":"r/app:cache"}}]', 'cache-from': 'r/app:1' },
      {
        cacheImports: {
          imports: [
            { type: 'registry', attrs: { ref: 'r/app:cache' } },
            { type: 'registry', attrs: { ref: 'r/app:1' } },
          ],
          frontendOpt: { 'cache-from': 'r/app:1', 'cache-imports': '[{"Type":"registry","Attrs":{"ref":"r/app:cache"}}]' },
        },
      },
    ],
    [
      'informational opts are ignored',
      {
        cmdline: 'registry/punch:1',
        'add-hosts': '',
        'attest:provenance': 'mode=min',
        'frontend.caps': 'moby.buildkit.frontend.contexts+forward',
      },
      {},
    ],
    ['source is the image BuildKit runs punch from (the initrd step runs on it)', { source: 'registry/punch:1' }, { source: 'registry/punch:1' }],
    ['tools-image names the image initrd steps run on', { 'tools-image': 'mirror/punch:1' }, { toolsImage: 'mirror/punch:1' }],
  ];
  for (const [name, opts, expected] of table) {
    it(name, () => {
      expect(parseFrontendOptions(opts)).toEqual({ ...defaults, ...expected });
    });
  }

  it('passes the opts that apply to every RUN on to the build', () => {
    expect(parseFrontendOptions({ 'force-network-mode': 'none', hostname: 'h' }).run).toEqual({ network: 'none', hostname: 'h' });
  });

  it('takes the session id from BUILDKIT_SESSION_ID', () => {
    const env = { BUILDKIT_SESSION_ID: 'sess-1', BUILDKIT_FRONTEND_OPT_0: 'filename=Containerfile' };
    expect(frontendOptionsFromEnv(env)).toEqual({ ...defaults, filename: 'Containerfile', sessionId: 'sess-1' });
  });

  const errors: [string, Record<string, string>, string][] = [
    ['a malformed platform', { platform: 'linux/amd64,linux//arm64' }, 'platform option: invalid platform "linux//arm64": expected os/arch[/variant]'],
    ['an unknown image-resolve-mode', { 'image-resolve-mode': 'always' }, 'image-resolve-mode option: invalid value "always": expected default, pull or local'],
    ['a subrequest punch does not answer', { requestid: 'frontend.convertllb' }, 'unsupported request frontend.convertllb'],
    ['a context value that is no URL', { context: 'some/dir' }, 'the build context option context=some/dir is neither a git URL'],
  ];
  for (const [name, opts, message] of errors) {
    it(`rejects ${name}`, () => {
      expect(() => parseFrontendOptions(opts)).toThrow(FrontendError);
      expect(() => parseFrontendOptions(opts)).toThrow(message);
    });
  }
});

describe('remote context opts', () => {
  it('reads a git URL in the context opt as a git context whose build file comes from it', () => {
    expect(parseFrontendOptions({ context: 'https://h/r.git#main:sub' }).remoteContext).toEqual({
      context: { kind: 'git', url: 'https://h/r.git#main:sub', remote: 'https://h/r.git', ref: 'main', subdir: 'sub' },
      localDockerfile: false,
      keepGitDir: false,
    });
  });

  it('reads the opt named by contextkey', () => {
    expect(parseFrontendOptions({ contextkey: 'src', src: 'git://h/r' }).remoteContext?.context).toMatchObject({ kind: 'git', remote: 'git://h/r' });
  });

  it('takes the build file from the local dir when dockerfilekey is given (buildx -f /abs/path with a remote context)', () => {
    expect(parseFrontendOptions({ context: 'https://h/c.tgz', dockerfilekey: 'dockerfile' }).remoteContext).toMatchObject({ context: { kind: 'http' }, localDockerfile: true });
  });

  it('keeps .git with build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR=true', () => {
    expect(parseFrontendOptions({ context: 'git://h/r', 'build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR': 'true' }).remoteContext?.keepGitDir).toBe(true);
  });

  it('scopes the remote context to contextsubdir', () => {
    expect(parseFrontendOptions({ context: 'https://h/c.tgz', contextsubdir: 'app' }).remoteContext?.subdir).toBe('app');
  });

  it('has no remote context when the context opt is empty', () => {
    expect(parseFrontendOptions({ context: '' }).remoteContext).toBeUndefined();
  });
});

describe('urunc-version opt', () => {
  it('selects the urunc release to check against', () => {
    expect(parseFrontendOptions({ 'urunc-version': 'v0.7.0' }).uruncVersion).toBe('v0.7.0');
  });

  it('is absent when not given (the build argument or the newest release then decides)', () => {
    expect(parseFrontendOptions({}).uruncVersion).toBeUndefined();
  });

  it('an unknown release fails the build naming the known ones', () => {
    expect(() => parseFrontendOptions({ 'urunc-version': 'v2' })).toThrow(
      new FrontendError('unknown urunc release "v2" (option urunc-version): punch knows v0.5.0, v0.6.0, v0.7.0, v0.8.0, main; the default is v0.8.0'),
    );
  });
});

describe('the HTTP/2 switch (PUNCH_FRONTEND_HTTP2)', () => {
  it('is node when given as a build argument, and is not a build argument of the file', () => {
    const o = parseFrontendOptions({ 'build-arg:PUNCH_FRONTEND_HTTP2': 'node', 'build-arg:A': '1' });
    expect([o.http2, o.buildArgs]).toEqual(['node', { A: '1' }]);
  });

  it('is read from the frontend environment too', () => {
    expect(frontendOptionsFromEnv({ PUNCH_FRONTEND_HTTP2: 'node' }).http2).toBe('node');
  });

  it('the build argument wins over the environment', () => {
    expect(parseFrontendOptions({ 'build-arg:PUNCH_FRONTEND_HTTP2': 'punch' }, undefined, 'node').http2).toBe('punch');
  });

  it('refuses an unknown value by name', () => {
    expect(() => parseFrontendOptions({ 'build-arg:PUNCH_FRONTEND_HTTP2': 'grpc' })).toThrow(
      new FrontendError('PUNCH_FRONTEND_HTTP2: invalid value "grpc": expected node (Node\'s HTTP/2) or punch (the default)'),
    );
  });
});

describe('named contexts (context:NAME opts from --build-context)', () => {
  it("reads input:NAME (bake's target: context) with the image config its input-metadata carries", () => {
    const config = { architecture: 'amd64', os: 'linux', config: { Env: ['A=1'] }, rootfs: { type: 'layers', diff_ids: [] } };
    const metadata = JSON.stringify({ 'containerimage.config': Buffer.from(JSON.stringify(config)).toString('base64') });
    const o = parseFrontendOptions({ 'context:kernel': 'input:kernel', 'input-metadata:kernel': metadata });
    expect(o.namedContexts).toEqual([{ key: 'kernel', kind: 'input', input: 'kernel', config }]);
  });

  it('reads input:NAME without metadata as files with no image config', () => {
    expect(parseFrontendOptions({ 'context:kernel': 'input:kernel' }).namedContexts).toEqual([{ key: 'kernel', kind: 'input', input: 'kernel' }]);
  });

  it('refuses input metadata that is not JSON, naming the opt', () => {
    expect(() => parseFrontendOptions({ 'context:kernel': 'input:kernel', 'input-metadata:kernel': '{' })).toThrow(/^build context kernel=input:kernel: input-metadata:kernel does not read as bake's JSON: /);
  });

  it.each([
    ['https://example.com/k.git#v1:boot', { kind: 'git', url: 'https://example.com/k.git#v1:boot', remote: 'https://example.com/k.git', ref: 'v1', subdir: 'boot' }],
    ['git://example.com/k#main', { kind: 'git', url: 'git://example.com/k#main', remote: 'git://example.com/k', ref: 'main', subdir: '' }],
    ['git@example.com:org/k.git', { kind: 'git', url: 'git@example.com:org/k.git', remote: 'git@example.com:org/k.git', ref: '', subdir: '' }],
    ['https://example.com/kernel.bin', { kind: 'http', url: 'https://example.com/kernel.bin' }],
  ])('reads %s as a remote context BuildKit fetches', (value, remote) => {
    expect(parseFrontendOptions({ 'context:kernel': value }).namedContexts).toEqual([{ key: 'kernel', kind: 'remote', remote }]);
  });


  it('reads docker-image:// and local: values, with or without //, and the dir\'s shared key', () => {
    const o = parseFrontendOptions({
      'context:alpine': 'docker-image://127.0.0.1:5000/busybox:1',
      'context:tools::linux/arm64': 'docker-image:r.local/tools:2',
      'context:kernel': 'local:kernel',
      'sharedkey:localdir:kernel': 'abc',
    });
    expect(o.namedContexts).toEqual([
      { key: 'alpine', kind: 'image', ref: '127.0.0.1:5000/busybox:1' },
      { key: 'kernel', kind: 'local', name: 'kernel', sharedKey: 'abc' },
      { key: 'tools::linux/arm64', kind: 'image', ref: 'r.local/tools:2' },
    ]);
  });

  it.each([
    ['oci-layout://store1:latest@', 'store1'],
    ['oci-layout:store1@', 'store1'],
  ])("reads %s… (buildx's OCI store, tag resolved to a digest) as the store and the context's name with the digest", (value, storeId) => {
    const digest = 'sha256:' + 'a'.repeat(64);
    const o = parseFrontendOptions({ 'context:kernel::linux/amd64': value + digest });
    expect(o.namedContexts).toEqual([{ key: 'kernel::linux/amd64', kind: 'oci-layout', storeId, ref: `docker.io/library/kernel@${digest}`, digest }]);
  });

  it.each([
    ['kernel', 'build context kernel=kernel: invalid context specifier'],
    ['oci-layout://store1:latest', 'the oci-layout reference has no digest'],
    ['oci-layout://@sha256:' + 'a'.repeat(64), 'the oci-layout reference has no store ID'],
    ['oci-layout://store1@sha256:abc', 'could not parse the oci-layout reference'],
    ['input:', 'the input has no name'],
    ['git://', 'invalid git context: write git://HOST/REPO'],
    ['ftp://host/x', 'unsupported context source ftp'],
  ])('refuses %s, naming the context and what to do', (value, message) => {
    expect(() => parseFrontendOptions({ 'context:kernel': value })).toThrow(FrontendError);
    expect(() => parseFrontendOptions({ 'context:kernel': value })).toThrow(message);
  });
});
