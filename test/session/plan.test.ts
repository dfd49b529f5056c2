// The shared session: raw bytes in, one decoded and read build file, one graph per platform out.
import { describe, expect, it } from 'vitest';
import { buildGraph, type Artifact } from '../../src/convert/index.js';
import { formatDiagnostic, PunchError } from '../../src/diagnostics.js';
import { checkArtifacts, parseBuildFile, planSession, type SessionInput } from '../../src/session/index.js';

const URUNC = 'com.urunc.unikernel.';
const TEXT = `FROM scratch\nCOPY kernel /unikernel/kernel\nLABEL ${URUNC}binary=/unikernel/kernel ${URUNC}unikernelType=unikraft ${URUNC}hypervisor=qemu\n`;

function input(over: Partial<SessionInput> = {}): SessionInput {
  return {
    file: 'Containerfile',
    bytes: Buffer.from(TEXT),
    buildArgs: {},
    labels: {},
    platforms: [],
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
    context: { name: 'context', unique: 'u' },
    ...over,
  };
}

async function errors(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(PunchError);
  return (e as PunchError).diagnostics.map(formatDiagnostic);
}

describe('planSession', () => {
  it('reports invalid UTF-8 at its line and column', async () => {
    const bytes = Buffer.concat([Buffer.from('FROM scratch\nCOPY caf'), Buffer.from([0xe9]), Buffer.from(' /k\n')]);
    expect(await errors(planSession(input({ bytes })))).toEqual([
      'Containerfile:2:9: error: invalid UTF-8 (byte 0xe9): a Containerfile must be UTF-8 text; save it as UTF-8',
    ]);
  });

  it('reports a NUL byte at its position', async () => {
    expect(await errors(planSession(input({ bytes: Buffer.from('FROM scratch\nLABEL a=\0\n') })))).toEqual([
      'Containerfile:2:9: error: NUL byte in the Containerfile: it must be text (does -f name a binary file?)',
    ]);
  });

  it('builds one graph per platform, in order', async () => {
    const planned = await planSession(input({ platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64' }] }));
    expect(planned.graphs.map((g) => g.platform.architecture)).toEqual(['arm64', 'amd64']);
  });

  it('builds one graph for the default platform when none is named', async () => {
    const planned = await planSession(input());
    expect(planned.graphs.map((g) => g.platform)).toEqual([{ os: 'linux', architecture: 'amd64' }]);
  });

  it('hands every platform the same read build file (its planner), so the file is read once', async () => {
    const seen: unknown[] = [];
    await planSession(input({ platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64' }] }), async (i) => {
      seen.push(i.planner);
      return buildGraph(i);
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
  });

  it('takes the exclude patterns from the ignore file bytes', async () => {
    const planned = await planSession(input({ ignore: Buffer.from('# c\n*.log\n!keep.log\n') }));
    expect(planned.input.context).toMatchObject({ excludePatterns: ['*.log', '!keep.log'] });
  });

  it('reports a pattern of the ignore file BuildKit would reject at its line', async () => {
    expect(await errors(planSession(input({ ignore: Buffer.from('# c\n*.log\nsrc/[a-\n!\n'), ignoreFile: 'Containerfile.dockerignore' })))).toEqual([
      'Containerfile.dockerignore:3:1: error: invalid pattern "src/[a-": syntax error in pattern: unterminated [: fix the pattern or remove the line',
      'Containerfile.dockerignore:4:1: error: invalid pattern "!": illegal exclusion pattern: "!" re-includes nothing; name what to re-include, as in !keep.txt: fix the pattern or remove the line',
    ]);
  });

  it('reports a warning that every platform raises once', async () => {
    const planned = await planSession(input({ buildArgs: { UNUSED: '1' }, platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64' }] }));
    expect(planned.diagnostics.map(formatDiagnostic)).toEqual(['Containerfile:1:1: warning: build argument UNUSED was given but no ARG declares it']);
  });

  it('keeps the warnings of the platforms already planned when a later one fails', async () => {
    let n = 0;
    const failing = await errors(
      planSession(input({ buildArgs: { UNUSED: '1' }, platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64' }] }), async (i) => {
        if (n++ === 0) return buildGraph(i);
        throw new PunchError([{ severity: 'error', file: 'Containerfile', range: { start: { line: 2, col: 1 }, end: { line: 2, col: 2 } }, message: 'boom' }]);
      }),
    );
    expect(failing).toEqual(['Containerfile:1:1: warning: build argument UNUSED was given but no ARG declares it', 'Containerfile:2:1: error: boom']);
  });
});

describe('parseBuildFile', () => {
  it('keeps the decoded text and names the kind', () => {
    const f = parseBuildFile(Buffer.from(TEXT), 'sub/Containerfile');
    expect({ kind: f.kind, file: f.file, text: f.text }).toEqual({ kind: 'containerfile', file: 'sub/Containerfile', text: TEXT });
  });
});

describe('checkArtifacts', () => {
  const at = (line: number) => ({ start: { line, col: 1 }, end: { line, col: 2 } });
  const kernel: Artifact = { key: `${URUNC}binary`, path: '/k', range: at(3), origin: 'file' };
  const initrd: Artifact = { key: `${URUNC}initrd`, path: '/i', range: at(4), origin: 'cli' };

  it('passes when every artifact is a file', async () => {
    await expect(checkArtifacts('F', [kernel, initrd], async () => 'file')).resolves.toBeUndefined();
  });

  it('passes an artifact the engine cannot check', async () => {
    await expect(checkArtifacts('F', [kernel], async () => 'unchecked')).resolves.toBeUndefined();
  });

  it('names every missing artifact at once, and a directory as not a file', async () => {
    const found: Record<string, string | undefined> = { '/k': 'directory', '/i': undefined };
    expect(await errors(checkArtifacts('F', [kernel, initrd], async (p) => found[p], 'linux/arm64'))).toEqual([
      `F:3:1: error: ${URUNC}binary names /k, which is a directory in the built image for linux/arm64, not a file`,
      `F:4:1: error: ${URUNC}initrd names /i, but the built image for linux/arm64 has no such file: COPY it there or fix the path (set by --label ${URUNC}initrd)`,
    ]);
  });
});
