// The golden fixture files are read whole: every case has its Definition, every op its bytes,
// JSON and metadata, and each op's digest is the sha256 of its bytes (a damaged copy fails here).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readGoldenCases, type GoldenFile } from './golden-file.js';

describe.each<GoldenFile>(['llb-golden.txt', 'llb-golden-exec.txt'])('fixture %s', (file) => {
  const cases = readGoldenCases(file);

  it('holds cases, each with a Definition and ops with bytes, JSON and metadata', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(c.definitionHex, c.name).not.toBe('');
      expect(c.ops.length, c.name).toBeGreaterThan(0);
      for (const op of c.ops) expect([op.hex, op.json, op.meta].every((s) => s.length > 0), c.name).toBe(true);
    }
  });

  it("names each op by the sha256 of its bytes", () => {
    for (const c of cases) {
      for (const op of c.ops) {
        expect(`sha256:${createHash('sha256').update(Buffer.from(op.hex, 'hex')).digest('hex')}`, c.name).toBe(op.digest);
      }
    }
  });
});

describe('llb-golden-exec.txt', () => {
  const cases = readGoldenCases('llb-golden-exec.txt');

  it('gives the Dockerfile frontend cases their input text and returned image config', () => {
    const frontend = cases.filter((c) => c.name.startsWith('dockerfile '));
    expect(frontend.length).toBeGreaterThan(0);
    for (const c of frontend) {
      expect(c.dockerfile, c.name).toMatch(/^FROM /);
      expect(JSON.parse(c.image!).os, c.name).toBe('linux');
    }
  });

  it('marks the case whose op order varies between Go runs', () => {
    expect(cases.find((c) => c.name === 'exec readonly bind local with selector')?.note).toMatch(/op orders/);
  });
});
