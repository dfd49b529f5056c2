import { describe, expect, it } from 'vitest';
import { createProgress, humanBytes } from '../../src/cli/progress.js';

function recorder(mode: 'auto' | 'plain' | 'tty' | 'quiet', isTTY: boolean) {
  let t = 1000;
  let out = '';
  const p = createProgress(mode, isTTY, (s) => (out += s), () => t);
  return { p, tick: (ms: number) => (t += ms), out: () => out };
}

describe('punch build progress', () => {
  it('prints plain timed lines when stderr is not a terminal', () => {
    const r = recorder('auto', false);
    r.p.step('[linux/amd64] COPY kernel /unikernel/kernel');
    r.tick(1500);
    r.p.layer('COPY kernel /unikernel/kernel', 2048);
    r.p.done('sha256:abc (linux/amd64)');
    expect(r.out()).toBe(
      '#punch  0.0s [linux/amd64] COPY kernel /unikernel/kernel\n' +
        '#punch  1.5s layer 2.0 KiB (COPY kernel /unikernel/kernel)\n' +
        '#punch  1.5s sha256:abc (linux/amd64)\n',
    );
  });

  it('keeps the running step on one live line on a terminal and finishes it with its time', () => {
    const r = recorder('auto', true);
    r.p.step('COPY kernel /k');
    r.tick(300);
    r.p.step('write oci x.tar');
    r.tick(200);
    r.p.done('sha256:abc');
    expect(r.out()).toBe(
      '\r\x1b[2K => COPY kernel /k ...' +
        `\r\x1b[2K => ${'COPY kernel /k'.padEnd(50)}  0.3s\n` +
        '\r\x1b[2K => write oci x.tar ...' +
        `\r\x1b[2K => ${'write oci x.tar'.padEnd(50)}  0.2s\n` +
        ' => sha256:abc in 0.5s\n',
    );
  });

  it('prints nothing when quiet', () => {
    const r = recorder('quiet', true);
    r.p.step('x');
    r.p.done('y');
    expect(r.out()).toBe('');
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [3 * 1024 ** 3, '3.00 GiB'],
  ])('shows %d bytes as %s', (n, text) => {
    expect(humanBytes(n)).toBe(text);
  });
});
