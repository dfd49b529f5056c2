// Whatever the bytes or YAML, reading and planning a bunnyfile answers with a plan or diagnostics
// inside the file: never an exception.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { expect, test } from 'vitest';
import { readBunnyfile } from '../../src/bunnyfile/index.js';
import { parseBuildFile } from '../../src/session/index.js';
import { PunchError } from '../../src/diagnostics.js';
import { opts } from './helpers.js';

function check(text: string): void {
  const r = readBunnyfile(text, 'bunnyfile').planner(opts());
  const lines = text.replace(/^\ufeff/, '').split('\n').length;
  for (const d of r.diagnostics) {
    expect(d.range.start.line).toBeGreaterThanOrEqual(1);
    expect(d.range.start.line).toBeLessThanOrEqual(lines);
    expect(d.range.start.col).toBeGreaterThanOrEqual(1);
  }
  expect(r.plan !== undefined || r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
}

const KEYS = ['version', 'platforms', 'framework', 'monitor', 'architecture', 'rootfs', 'from', 'path', 'type', 'include', 'source', 'destination', 'kernel', 'cmd', 'entrypoint', 'envs', 'cmdline', 'x'];
const VALUES = ['v0.1', 'unikraft', 'qemu', 'x86', 'local', 'scratch', 'raw', 'initrd', 'block', 'kernel', 'a:b', 'redis:alpine', '', '0.15', '../x', 'K=V'];

/** YAML values shaped like bunnyfiles: mappings of known keys, lists, scalars of every type. */
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(...VALUES, null, 42, 0.1, true),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

test('random bunnyfile-shaped YAML gives a plan or positioned diagnostics', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), yamlValue, { minKeys: 1, maxKeys: 8 }), (doc) => {
      check(`#syntax=x\n${stringify(doc)}`);
    }),
    { numRuns: 400 },
  );
});

test('random text never throws', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => check(`version: v0.1\n${s}`)), { numRuns: 400 });
});

test('random bytes given as any build file end in a plan or a PunchError, never another exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        const f = parseBuildFile(bytes, 'bunnyfile');
        f.planner(opts());
      } catch (e) {
        expect(e).toBeInstanceOf(PunchError);
      }
    }),
    { numRuns: 400 },
  );
});
