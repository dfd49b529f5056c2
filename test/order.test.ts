// The one key order punch writes in: bytes of the UTF-8 encoding, as Go sorts strings.
import { describe, expect, it } from 'vitest';
import { compareBytes, sortedRecord } from '../src/order.js';

describe('compareBytes', () => {
  it('puts a character above U+FFFF after U+FFFF, where UTF-16 order puts it before', () => {
    expect(['\u{10000}', '\uffff'].sort(compareBytes)).toEqual(['\uffff', '\u{10000}']);
    expect(['\u{10000}', '\uffff'].sort()).toEqual(['\u{10000}', '\uffff']);
  });
});

describe('sortedRecord', () => {
  it('inserts the keys of a record in byte order', () => {
    expect(Object.keys(sortedRecord({ b: 1, a: 2, '\u{10000}': 3, '\uffff': 4 }))).toEqual(['a', 'b', '\uffff', '\u{10000}']);
  });

  it('takes entries too, and keeps __proto__ as a key', () => {
    const r = sortedRecord([['__proto__', 'x'], ['a', 'y']] as const);
    expect(Object.keys(r)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});
