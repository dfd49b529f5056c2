import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from '../../src/urunc/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['binary', 'binray', 2],
  ])('%j ↔ %j = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('suggest', () => {
  it('prefers a case-insensitive match over a closer edit', () => {
    expect(suggest('Block', ['blocks', 'block'])).toBe('block');
  });

  it('returns the closest within a third of the word length', () => {
    expect(suggest('hypervsor', ['binary', 'hypervisor'])).toBe('hypervisor');
  });

  it('returns nothing when every candidate is too far', () => {
    expect(suggest('memory', ['binary', 'block'])).toBeUndefined();
  });

  it('keeps the first of equally close candidates', () => {
    expect(suggest('spx', ['spt', 'spy'])).toBe('spt');
  });
});
