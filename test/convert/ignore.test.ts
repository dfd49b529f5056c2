import { describe, expect, it } from 'vitest';
import { ignoredSources } from '../../src/convert/ignore.js';
import { buildGraph } from '../../src/convert/index.js';
import { PunchError } from '../../src/diagnostics.js';
import type { CopyStep } from '../../src/plan/types.js';

const at = (line: number, col: number) => ({ start: { line, col }, end: { line, col: col + 1 } });

function copy(sources: string[], over: Partial<CopyStep> = {}): CopyStep {
  return {
    kind: 'copy',
    instruction: 'COPY',
    range: at(2, 1),
    description: `COPY ${sources.join(' ')} /dst/`,
    from: { kind: 'context' },
    sources: sources.map((value, i) => ({ value, range: at(2, 6 + i * 10) })),
    inline: [],
    dest: { value: '/dst/', range: at(2, 30) },
    link: false,
    unpack: false,
    ...over,
  };
}

function messages(steps: CopyStep[], patterns: string[]): string[] {
  return ignoredSources('Containerfile', steps, patterns).map((d) => `${d.range.start.line}:${d.range.start.col} ${d.message}`);
}

describe('ignoredSources', () => {
  it('reports a COPY source that a pattern excludes, at the source, naming the pattern', () => {
    expect(messages([copy(['app.hvt'])], ['*.hvt'])).toEqual([
      '2:6 COPY source app.hvt is excluded by the .dockerignore pattern "*.hvt", so it is not sent to the builder: remove it from .dockerignore or stop copying it',
    ]);
  });

  it('reports a source inside an excluded folder', () => {
    expect(messages([copy(['./build/kernel'])], ['build'])).toHaveLength(1);
  });

  it('accepts a source that a later ! pattern re-includes', () => {
    expect(messages([copy(['app.hvt'])], ['*.hvt', '!app.hvt'])).toEqual([]);
  });

  it('accepts a folder when a ! pattern re-includes something below it', () => {
    expect(messages([copy(['build'])], ['build', '!build/kernel'])).toEqual([]);
  });

  it('leaves wildcard sources, the context root and other stages alone', () => {
    expect(messages([copy(['*.hvt', '.']), copy(['app.hvt'], { from: { kind: 'stage', stage: 0 } })], ['*.hvt', '*'])).toEqual([]);
  });

  it('matches ** across folders and * within one, as Docker does', () => {
    expect(messages([copy(['a/b/c.o'])], ['**/*.o'])).toHaveLength(1);
    expect(messages([copy(['a/b/c.o'])], ['*.o'])).toEqual([]);
  });

  it('reports nothing without patterns', () => {
    expect(messages([copy(['app.hvt'])], [])).toEqual([]);
  });
});

describe('buildGraph with .dockerignore patterns', () => {
  it('fails with the position of a COPY source the patterns exclude', async () => {
    const text = 'FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL com.urunc.unikernel.binary=/unikernel/app.hvt com.urunc.unikernel.unikernelType=rumprun com.urunc.unikernel.hypervisor=hvt\n';
    const run = buildGraph({
      file: 'Containerfile',
      text,
      buildArgs: {},
      labels: {},
      defaultPlatform: { os: 'linux', architecture: 'amd64' },
      context: { name: 'context', sessionId: 'S', excludePatterns: ['*.hvt'] },
    });
    await expect(run).rejects.toThrow(PunchError);
    await expect(run).rejects.toThrow(/^Containerfile:2:6: error: COPY source app\.hvt is excluded by the \.dockerignore pattern "\*\.hvt"/);
  });
});
