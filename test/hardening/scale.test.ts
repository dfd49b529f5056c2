// The adversarial corpus at scale, through the built CLI: big values, many instructions, deep chains.
// Each must succeed with the exact result, and fast (the 10 000-instruction target is under 1 s).
import { describe, expect, it } from 'vitest';
import { URUNC_OK, config, context, copies, ok, punchWithin, uruncJson } from './corpus.js';

describe('size', () => {
  it('a 1 MiB label value is kept whole', () => {
    const value = 'v'.repeat(1 << 20);
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\nLABEL big=${value}\n${URUNC_OK}\n` });
    expect(config(dir).Labels?.big).toBe(value);
  });

  it('a 1 MiB urunc value round-trips through /urunc.json', () => {
    const value = 'x'.repeat(1 << 20);
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\nLABEL com.urunc.unikernel.cmdline=${value}\n${URUNC_OK}\n` });
    expect(uruncJson(ok(dir))['com.urunc.unikernel.cmdline']).toBe(value);
  });

  it('10 000 labels are all kept, each with its value, within 5 s', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `LABEL key${i}=value${i}`);
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\n${lines.join('\n')}\n${URUNC_OK}\n` });
    const started = Date.now();
    const r = punchWithin(5_000, ['llb', dir, '--print-config']);
    expect({ code: r.code, stderr: r.stderr, within5s: Date.now() - started < 5_000 }).toEqual({ code: 0, stderr: '', within5s: true });
    const labels = JSON.parse(r.stdout.toString()).config.Labels as Record<string, string>;
    expect(Object.keys(labels)).toHaveLength(10_003);
    for (let i = 0; i < 10_000; i++) expect(labels[`key${i}`]).toBe(`value${i}`);
  });

  it('10 000 COPY instructions (a chain of 10 000 file ops) marshal without overflowing the stack', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `COPY k /d${i}`);
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\n${lines.join('\n')}\n${URUNC_OK}\n` });
    const def = ok(dir);
    expect(copies(def)).toHaveLength(10_001);
    expect(copies(def)[10_000]).toEqual({ src: '/k', dest: '/d9999' });
    // What this checks is the stack, not the time: ~1 s alone, past vitest's 5 s default on a loaded 2-core machine.
  }, 60_000);

  it('10 000 stages, each FROM the one before, build without overflowing the stack', () => {
    const stages = Array.from({ length: 9_999 }, (_, i) => `FROM s${i} AS s${i + 1}`);
    const dir = context({ Containerfile: `FROM scratch AS s0\nCOPY k /k\n${stages.join('\n')}\n${URUNC_OK}\n` });
    expect(copies(ok(dir))).toEqual([{ src: '/k', dest: '/k' }]);
  });

  it('a 5 000-deep ARG chain expands without overflowing the stack, in linear-ish time', () => {
    const args = ['ARG A0=x', ...Array.from({ length: 5_000 }, (_, i) => `ARG A${i + 1}=\${A${i}}`)];
    const dir = context({ Containerfile: `${args.join('\n')}\nFROM scratch\nARG A5000\nCOPY k /k\nLABEL v=\${A5000}\n${URUNC_OK}\n` });
    const started = Date.now();
    expect(config(dir).Labels?.v).toBe('x');
    // A guard against quadratic expansion (minutes), not a speed target: about 1 s idle, 9 s with
    // both CI cores busy.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

