import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUruncJson, renderUruncJson } from '../../src/urunc/index.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('renderUruncJson', () => {
  it('renders the contract example byte for byte: sorted keys, padded base64, compact, no newline', () => {
    const bytes = renderUruncJson({
      'com.urunc.unikernel.unikernelType': 'unikraft',
      'com.urunc.unikernel.hypervisor': 'qemu',
    });
    expect(text(bytes)).toBe('{"com.urunc.unikernel.hypervisor":"cWVtdQ==","com.urunc.unikernel.unikernelType":"dW5pa3JhZnQ="}');
  });

  it('renders a full rumprun set as golden bytes', () => {
    const bytes = renderUruncJson({
      'com.urunc.unikernel.binary': '/unikernel/redis-hvt.hvt',
      'com.urunc.unikernel.cmdline': 'redis-server /data/conf/redis.conf',
      'com.urunc.unikernel.hypervisor': 'hvt',
      'com.urunc.unikernel.unikernelType': 'rumprun',
    });
    expect(text(bytes)).toBe(
      '{"com.urunc.unikernel.binary":"L3VuaWtlcm5lbC9yZWRpcy1odnQuaHZ0",' +
        '"com.urunc.unikernel.cmdline":"cmVkaXMtc2VydmVyIC9kYXRhL2NvbmYvcmVkaXMuY29uZg==",' +
        '"com.urunc.unikernel.hypervisor":"aHZ0",' +
        '"com.urunc.unikernel.unikernelType":"cnVtcHJ1bg=="}',
    );
  });

  it('renders an empty set as {}', () => {
    expect(text(renderUruncJson({}))).toBe('{}');
  });

  it('does not depend on insertion order', () => {
    const a = renderUruncJson({ 'com.urunc.unikernel.b': '1', 'com.urunc.unikernel.a': '2', 'com.urunc.unikernel.B': '3' });
    const b = renderUruncJson({ 'com.urunc.unikernel.B': '3', 'com.urunc.unikernel.a': '2', 'com.urunc.unikernel.b': '1' });
    expect(text(a)).toBe('{"com.urunc.unikernel.B":"Mw==","com.urunc.unikernel.a":"Mg==","com.urunc.unikernel.b":"MQ=="}');
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });

  it('uses the standard alphabet (+ and /), never the URL-safe one', () => {
    expect(text(renderUruncJson({ k: '~~~', l: '???' }))).toBe('{"k":"fn5+","l":"Pz8/"}');
  });

  it('pads to a multiple of four characters', () => {
    expect(text(renderUruncJson({ a: 'a', b: 'ab', c: 'abc' }))).toBe('{"a":"YQ==","b":"YWI=","c":"YWJj"}');
  });

  it('encodes values as UTF-8 before base64', () => {
    expect(text(renderUruncJson({ k: 'é☃🦀' }))).toBe('{"k":"w6nimIPwn6aA"}');
  });
});

describe('parseUruncJson', () => {
  it('keeps a value that starts with U+FEFF, as Go does (a BOM is data, not a marker, here)', () => {
    expect(parseUruncJson(renderUruncJson({ k: '\ufeffx' }))).toEqual({ k: '\ufeffx' });
  });

  it('refuses a document that starts with a BOM, as Go encoding/json does', () => {
    expect(parseUruncJson(Buffer.from('\ufeff{}'))).toMatchObject({ error: expect.stringMatching(/^urunc.json is not valid JSON/) });
  });

  it('decodes the contract example', () => {
    const bytes = Buffer.from('{"com.urunc.unikernel.hypervisor":"cWVtdQ==","com.urunc.unikernel.unikernelType":"dW5pa3JhZnQ="}');
    expect(parseUruncJson(bytes)).toEqual({
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
  });

  it('round-trips unicode values', () => {
    const values = { 'com.urunc.unikernel.cmdline': 'échø ☃ 🦀 日本語' };
    expect(parseUruncJson(renderUruncJson(values))).toEqual(values);
  });

  it('round-trips any set of strings (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })), (values) => {
        expect(parseUruncJson(renderUruncJson(values))).toEqual(values);
      }),
    );
  });

  it('rejects unpadded base64 as urunc does', () => {
    expect(parseUruncJson(Buffer.from('{"k":"cWVtdQ"}'))).toEqual({
      error: 'urunc.json value of k is not standard padded base64: "cWVtdQ"',
    });
  });

  it('rejects URL-safe base64 as urunc does', () => {
    expect(parseUruncJson(Buffer.from('{"k":"fn5-"}'))).toEqual({
      error: 'urunc.json value of k is not standard padded base64: "fn5-"',
    });
  });

  it('rejects a non-string value (urunc would treat the image as a plain container)', () => {
    expect(parseUruncJson(Buffer.from('{"k":true}'))).toEqual({ error: 'urunc.json value of k is not a string' });
  });

  it('rejects a JSON array', () => {
    expect(parseUruncJson(Buffer.from('[]'))).toEqual({ error: 'urunc.json must hold one JSON object' });
  });

  it('rejects text that is not JSON', () => {
    expect(parseUruncJson(Buffer.from('{'))).toMatchObject({ error: expect.stringMatching(/^urunc\.json is not valid JSON: /) });
  });
});
