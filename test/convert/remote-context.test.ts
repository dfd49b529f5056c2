// Remote build contexts: which `context` values are git or HTTP contexts (BuildKit's Dockerfile
// frontend rules), archive detection of an HTTP download, and COPY reading a remote context.
import { describe, expect, it } from 'vitest';
import { buildGraph, contextSubdir, detectRemoteContext, gitContextState, httpContextState, isArchive, unpackedContext } from '../../src/convert/index.js';
import { decodeDefinition, encodeDefinition, marshal, type State } from '../../src/llb/index.js';
import { amd64, input } from './input.js';

const UNIKRAFT = `FROM scratch
COPY kernel /unikernel/kernel
LABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu
`;

/** A minimal ustar header block for one file, its checksum computed as tar does. */
function tarHeader(name: string, type = '0', size = 0): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function ops(state: State) {
  return decodeDefinition(encodeDefinition(marshal(state, { platform: amd64 }))).ops.map((o) => o.op);
}

describe('which context values are remote', () => {
  const cases: [string, ReturnType<typeof detectRemoteContext>][] = [
    ['https://host/repo.git#main:sub', { kind: 'git', url: 'https://host/repo.git#main:sub', remote: 'https://host/repo.git', ref: 'main', subdir: 'sub' }],
    ['git://host/repo', { kind: 'git', url: 'git://host/repo', remote: 'git://host/repo', ref: '', subdir: '' }],
    ['git@host:org/repo.git#v1', { kind: 'git', url: 'git@host:org/repo.git#v1', remote: 'git@host:org/repo.git', ref: 'v1', subdir: '' }],
    ['github.com/org/repo', { kind: 'git', url: 'github.com/org/repo', remote: 'https://github.com/org/repo', ref: '', subdir: '' }],
    ['https://host/ctx.tar.gz', { kind: 'http', url: 'https://host/ctx.tar.gz' }],
    ['http://127.0.0.1:8000/Containerfile', { kind: 'http', url: 'http://127.0.0.1:8000/Containerfile' }],
    ['', undefined],
    ['./dir', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`reads ${JSON.stringify(value)} as ${expected ? expected.kind : 'no remote context'}`, () => {
      expect(detectRemoteContext(value)).toEqual(expected);
    });
  }
});

describe('the git context state', () => {
  it('checks out the ref and subdirectory, named after the URL as given', () => {
    const state = gitContextState({ kind: 'git', url: 'https://h/r.git#main:sub', remote: 'https://h/r.git', ref: 'main', subdir: 'sub' }, false);
    const d = marshal(state, { platform: amd64 });
    const source = ops(state)[0]!.source!;
    expect(source.identifier).toBe('git://h/r.git#main:sub');
    expect(source.attrs?.['git.keepgitdir']).toBeUndefined();
    expect(Object.values(d.metadata).map((m) => m.description?.['llb.customname'])).toContain('[internal] load git source https://h/r.git#main:sub');
  });

  it('keeps .git when BUILDKIT_CONTEXT_KEEP_GIT_DIR asked for it', () => {
    const state = gitContextState({ kind: 'git', url: 'git://h/r', remote: 'git://h/r', ref: '', subdir: '' }, true);
    expect(ops(state)[0]!.source!.attrs?.['git.keepgitdir']).toBe('true');
  });
});

describe('the HTTP context state', () => {
  it('downloads the URL into a file named context', () => {
    const source = ops(httpContextState({ kind: 'http', url: 'http://h/c.tgz' }))[0]!.source!;
    expect(source).toMatchObject({ identifier: 'http://h/c.tgz', attrs: { 'http.filename': 'context' } });
  });

  it('unpacks an archive download with one copy of /context to / into scratch', () => {
    const all = ops(unpackedContext(httpContextState({ kind: 'http', url: 'http://h/c.tgz' })));
    const file = all.find((o) => o.file)!;
    expect(file.inputs).toHaveLength(1);
    expect(file.file?.actions).toHaveLength(1);
    expect(file.file?.actions?.[0]).toMatchObject({ copy: { src: '/context', dest: '/', attemptUnpackDockerCompatibility: true } });
  });

  it('scopes a context to contextsubdir by copying that directory\'s contents to the root', () => {
    const all = ops(contextSubdir(httpContextState({ kind: 'http', url: 'http://h/c.tgz' }), 'app'));
    expect(all.find((o) => o.file)!.file?.actions?.[0]).toMatchObject({ copy: { src: '/app', dest: '/', dirCopyContents: true } });
  });
});

describe('archive detection of the first KiB', () => {
  it('knows gzip, bzip2 and xz by their magic', () => {
    expect(isArchive(Uint8Array.from([0x1f, 0x8b, 0x08, 0]))).toBe(true);
    expect(isArchive(Buffer.from('BZh91AY'))).toBe(true);
    expect(isArchive(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]))).toBe(true);
  });

  it('knows an uncompressed tar by a header whose checksum holds', () => {
    expect(isArchive(Buffer.concat([tarHeader('Containerfile'), Buffer.alloc(512)]))).toBe(true);
  });

  it('reads a Containerfile as no archive', () => {
    expect(isArchive(Buffer.from('#syntax=127.0.0.1:5000/punch\nFROM scratch\n'.padEnd(600, '#')))).toBe(false);
  });

  it('reads a header with a wrong checksum as no archive', () => {
    const h = tarHeader('a');
    h[0] = 0x62;
    expect(isArchive(h)).toBe(false);
  });

  it('reads an all-zero block (an empty tar) as no archive, as Go\'s reader returns EOF', () => {
    expect(isArchive(Buffer.alloc(1024))).toBe(false);
  });

  it('needs the real header after a PAX header within the bytes read', () => {
    const pax = tarHeader('PaxHeaders/a', 'x', 30);
    expect(isArchive(Buffer.concat([pax, Buffer.alloc(512), tarHeader('a')]).subarray(0, 1024))).toBe(false);
    expect(isArchive(Buffer.concat([pax, Buffer.alloc(512), tarHeader('a')]))).toBe(true);
  });
});

describe('COPY from a remote context', () => {
  it('copies from the remote state, with no local context in the graph', async () => {
    const remote = gitContextState({ kind: 'git', url: 'git://h/r', remote: 'git://h/r', ref: 'main', subdir: '' }, false);
    const graph = await buildGraph(input(UNIKRAFT, { context: { remote } }));
    const decoded = decodeDefinition(encodeDefinition(graph.definition)).ops;
    const sources = decoded.flatMap((o) => (o.op.source ? [o.op.source.identifier] : []));
    expect(sources).toEqual(['git://h/r#main']);
    const copyOp = decoded.find((o) => o.op.file?.actions?.some((a) => a.copy?.dest === '/unikernel/kernel'))!;
    expect(copyOp.op.inputs?.map((i) => i.digest)).toContain(decoded.find((o) => o.op.source)!.digest);
  });
});
