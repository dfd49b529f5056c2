import { describe, expect, it } from 'vitest';
import type { SourceRange } from '../../src/diagnostics.js';
import type { CopyStep, Plan, Stage } from '../../src/plan/types.js';
import { findProduced, producedByCopy, stageFiles, type ProducedPath } from '../../src/urunc/index.js';
import { range } from './helpers.js';

const r: SourceRange = range(3, 1, 30);

function copy(sources: string[], dest: string, instruction: 'COPY' | 'ADD' = 'COPY'): CopyStep {
  return {
    kind: 'copy',
    instruction,
    range: r,
    description: `${instruction} ${sources.join(' ')} ${dest}`,
    from: { kind: 'context' },
    sources: sources.map((value) => ({ value, range: r })),
    inline: [],
    dest: { value: dest, range: r },
    link: false,
    unpack: instruction === 'ADD',
  };
}

/** Compact view: `f:/path` for files, `t:/dir` for trees. */
function view(paths: ProducedPath[]): string[] {
  return paths.map((p) => (p.kind === 'file' ? `f:${p.path}` : `t:${p.dir}`));
}

describe('producedByCopy', () => {
  it('a source of unknown kind to a file dest may be that file or a directory there', () => {
    expect(view(producedByCopy(copy(['kernel'], '/unikernel/kernel')))).toEqual(['f:/unikernel/kernel', 't:/unikernel/kernel']);
  });

  it('a known file source writes exactly the dest', () => {
    expect(view(producedByCopy(copy(['kernel'], '/unikernel/kernel'), () => 'file'))).toEqual(['f:/unikernel/kernel']);
  });

  it('a known file source to a dest ending in / writes dest/basename', () => {
    expect(view(producedByCopy(copy(['build/kernel'], '/unikernel/'), () => 'file'))).toEqual(['f:/unikernel/kernel']);
  });

  it('several sources make dest a directory: each lands under it by basename', () => {
    expect(view(producedByCopy(copy(['a/kernel', 'initrd'], '/boot'), () => 'file'))).toEqual(['f:/boot/kernel', 'f:/boot/initrd']);
  });

  it('a source written as a directory (trailing /) copies unknown names under dest', () => {
    expect(view(producedByCopy(copy(['rootfs/'], '/')))).toEqual(['t:/']);
  });

  it('the context root (.) copies unknown names under dest', () => {
    expect(view(producedByCopy(copy(['.'], '/app')))).toEqual(['t:/app']);
  });

  it('a wildcard source to a dest ending in / writes unknown names under it', () => {
    expect(view(producedByCopy(copy(['*.hvt'], '/unikernel/'), () => 'file'))).toEqual(['t:/unikernel']);
  });

  it('a wildcard source to a file dest may write the dest itself', () => {
    expect(view(producedByCopy(copy(['kernel-*'], '/unikernel/kernel')))).toEqual(['f:/unikernel/kernel', 't:/unikernel/kernel']);
  });

  it('an ADD of a URL to a directory names the file after the URL path', () => {
    expect(view(producedByCopy(copy(['https://example.com/dl/kernel.img?x=1'], '/boot/'), () => 'file'))).toEqual([
      'f:/boot/kernel.img',
      't:/boot',
    ]);
  });

  it('a relative dest is taken from the root and cleaned', () => {
    expect(view(producedByCopy(copy(['kernel'], 'unikernel//kernel'), () => 'file'))).toEqual(['f:/unikernel/kernel']);
  });
});

describe('findProduced', () => {
  const produced: ProducedPath[] = [
    { kind: 'file', path: '/unikernel/kernel', range: r },
    { kind: 'tree', dir: '/data', range: r },
  ];

  it('finds an exact file', () => {
    expect(findProduced('/unikernel/kernel', produced)).toEqual({ kind: 'file' });
  });

  it('accepts a path below a tree as possibly present', () => {
    expect(findProduced('/data/x/disk.img', produced)).toEqual({ kind: 'maybe' });
  });

  it('reports a tree root as a directory', () => {
    expect(findProduced('/data', produced)).toEqual({ kind: 'directory' });
  });

  it('does not match a sibling that shares a prefix', () => {
    expect(findProduced('/database', produced)).toEqual({ kind: 'absent' });
  });
});

describe('stageFiles', () => {
  function stage(index: number, base: Stage['base'], steps: CopyStep[]): Stage {
    return {
      index,
      range: r,
      base,
      steps,
      config: { env: [], exposedPorts: [], labels: [], volumes: [] },
      history: [],
    };
  }
  function plan(stages: Stage[]): Plan {
    return { file: 'Containerfile', directives: {}, stages, target: stages.length - 1, unusedBuildArgs: [], args: [], fromArgs: stages.map(() => []) };
  }

  it('follows FROM <stage> down to scratch, earlier stages first', () => {
    const p = plan([
      stage(0, { kind: 'scratch' }, [copy(['kernel'], '/unikernel/kernel')]),
      stage(1, { kind: 'stage', stage: 0 }, [copy(['initrd'], '/unikernel/initrd')]),
    ]);
    expect(stageFiles(p, 1, () => 'file')).toMatchObject({ base: 'scratch' });
    expect(view(stageFiles(p, 1, () => 'file').produced)).toEqual(['f:/unikernel/kernel', 'f:/unikernel/initrd']);
  });

  it('reports an image at the root of the chain', () => {
    const p = plan([
      stage(0, { kind: 'image', ref: 'docker.io/library/alpine:latest', written: 'alpine' }, []),
      stage(1, { kind: 'stage', stage: 0 }, [copy(['kernel'], '/k')]),
    ]);
    expect(stageFiles(p, 1, () => 'file')).toEqual({ produced: [{ kind: 'file', path: '/k', range: r }], base: 'image' });
  });

  it('ignores stages the final one is not built from', () => {
    const p = plan([
      stage(0, { kind: 'scratch' }, [copy(['other'], '/other')]),
      stage(1, { kind: 'scratch' }, [copy(['kernel'], '/k')]),
    ]);
    expect(view(stageFiles(p, 1, () => 'file').produced)).toEqual(['f:/k']);
  });
});
