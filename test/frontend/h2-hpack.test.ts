import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackError, STATIC_TABLE, encodeHeaders, type HeaderField } from '../../src/frontend/h2/hpack.js';
import { huffmanDecode } from '../../src/frontend/h2/huffman.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The dynamic table as RFC 7541 Appendix C prints it: [size, name, value], newest first. */
function table(d: HpackDecoder): { entries: Array<[number, string, string]>; size: number } {
  const t = d.table();
  return { entries: t.entries.map(([n, v]) => [n.length + v.length + 32, n, v]), size: t.size };
}

describe('HPACK static table', () => {
  it('has the 61 entries of RFC 7541 Appendix A', () => {
    expect(STATIC_TABLE.length).toBe(61);
    expect(STATIC_TABLE[0]).toEqual([':authority', '']);
    expect(STATIC_TABLE[7]).toEqual([':status', '200']);
    expect(STATIC_TABLE[57]).toEqual(['user-agent', '']);
    expect(STATIC_TABLE[58]).toEqual(['vary', '']);
    expect(STATIC_TABLE[60]).toEqual(['www-authenticate', '']);
  });
});

describe('HPACK decoding: RFC 7541 C.2, header field representations', () => {
  it('C.2.1: a literal with indexing enters the dynamic table', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))).toEqual([['custom-key', 'custom-header']]);
    expect(table(d)).toEqual({ entries: [[55, 'custom-key', 'custom-header']], size: 55 });
  });

  it('C.2.2: a literal without indexing leaves the table empty', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([[':path', '/sample/path']]);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });

  it('C.2.3: a never-indexed literal leaves the table empty', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual([['password', 'secret']]);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });

  it('C.2.4: an indexed field comes from the static table', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('82'))).toEqual([[':method', 'GET']]);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });
});

const request1: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const request2: HeaderField[] = [...request1, ['cache-control', 'no-cache']];
const request3: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const requestTables = [
  { entries: [[57, ':authority', 'www.example.com']], size: 57 },
  { entries: [[53, 'cache-control', 'no-cache'], [57, ':authority', 'www.example.com']], size: 110 },
  { entries: [[54, 'custom-key', 'custom-value'], [53, 'cache-control', 'no-cache'], [57, ':authority', 'www.example.com']], size: 164 },
];

describe.each([
  ['C.3, requests without Huffman coding', ['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', '8286 84be 5808 6e6f 2d63 6163 6865', '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65']],
  ['C.4, requests with Huffman coding', ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf']],
])('HPACK decoding: RFC 7541 %s', (_name, blocks) => {
  it('decodes three requests on one connection, with the dynamic table after each', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex(blocks[0]!))).toEqual(request1);
    expect(table(d)).toEqual(requestTables[0]);
    expect(d.decode(hex(blocks[1]!))).toEqual(request2);
    expect(table(d)).toEqual(requestTables[1]);
    expect(d.decode(hex(blocks[2]!))).toEqual(request3);
    expect(table(d)).toEqual(requestTables[2]);
  });
});

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const location = 'https://www.example.com';
const responses: HeaderField[][] = [
  [[':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', location]],
  [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', location]],
  [[':status', '200'], ['cache-control', 'private'], ['date', date2], ['location', location], ['content-encoding', 'gzip'], ['set-cookie', cookie]],
];
const responseTables = [
  { entries: [[63, 'location', location], [65, 'date', date1], [52, 'cache-control', 'private'], [42, ':status', '302']], size: 222 },
  // ":status: 302" is evicted to make room for ":status: 307".
  { entries: [[42, ':status', '307'], [63, 'location', location], [65, 'date', date1], [52, 'cache-control', 'private']], size: 222 },
  { entries: [[98, 'set-cookie', cookie], [52, 'content-encoding', 'gzip'], [65, 'date', date2]], size: 215 },
];

describe.each([
  [
    'C.5, responses without Huffman coding',
    [
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ],
  ],
  [
    'C.6, responses with Huffman coding',
    [
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ],
  ],
])('HPACK decoding: RFC 7541 %s', (_name, blocks) => {
  it('decodes three responses with a 256-byte table, evicting entries, with the table after each', () => {
    const d = new HpackDecoder(256);
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(responses[i]);
      expect(table(d)).toEqual(responseTables[i]);
    });
  });
});

describe('HPACK dynamic table size updates', () => {
  it('a size update shrinks the table, evicting the oldest entries', () => {
    const d = new HpackDecoder();
    d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'));
    d.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865'));
    // 001 prefix, size 60 (5-bit prefix: 31 + 29): keeps only the newest 53-octet entry.
    expect(d.decode(hex('3f1d'))).toEqual([]);
    expect(table(d)).toEqual({ entries: [[53, 'cache-control', 'no-cache']], size: 53 });
    expect(d.table().maxSize).toBe(60);
  });

  it('a size update to 0 empties the table', () => {
    const d = new HpackDecoder();
    d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
    expect(d.decode(hex('20 82'))).toEqual([[':method', 'GET']]);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });

  it('an entry larger than the whole table empties it and is not added', () => {
    const d = new HpackDecoder();
    d.decode(hex('3f1d')); // max size 60
    d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572')); // 55 octets: fits
    const big = Buffer.concat([hex('4001 6e28'), Buffer.alloc(40, 'x')]); // n: x*40, 73 octets
    expect(d.decode(big)).toEqual([['n', 'x'.repeat(40)]]);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });

  it('refuses a size update above the SETTINGS_HEADER_TABLE_SIZE we advertised', () => {
    expect(() => new HpackDecoder(4096).decode(hex('3fe21f'))).toThrow('HPACK: dynamic table size update to 4097, over the 4096 allowed');
  });

  it('refuses a size update after a header field', () => {
    expect(() => new HpackDecoder().decode(hex('8220'))).toThrow('HPACK: dynamic table size update after a header field');
  });
});

describe('HPACK malformed input', () => {
  const cases: Array<[string, string, string]> = [
    ['index 0', '80', 'HPACK: indexed header field with index 0'],
    ['an index past the tables', 'be', 'HPACK: header index 62 is not in the table (61 entries)'],
    ['a name index past the tables', '7e01 61', 'HPACK: header index 62 is not in the table (61 entries)'],
    ['a truncated integer (prefix full, nothing follows)', 'ff', 'HPACK: truncated integer'],
    ['a truncated integer (continuation bit on the last byte)', 'ff80', 'HPACK: truncated integer'],
    ['an integer over 2^31-1', 'ffffffffff7f', 'HPACK: integer too large'],
    ['a string longer than the block', '400a 6375', 'HPACK: truncated string (10 bytes declared, 2 left)'],
    ['a literal without its value', '0001 61', 'HPACK: truncated integer'],
    ['Huffman padding that is not all ones', '0001 61 8118', 'HPACK: Huffman padding is not the EOS prefix'],
  ];
  it.each(cases)('refuses %s', (_what, block, message) => {
    const d = new HpackDecoder();
    expect(() => d.decode(hex(block))).toThrow(HpackError);
    expect(() => d.decode(hex(block))).toThrow(message);
  });
});

describe('Huffman decoding', () => {
  it('decodes the RFC 7541 C.4 and C.6 strings', () => {
    expect(huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4ff')).toString('latin1')).toBe('www.example.com');
    expect(huffmanDecode(hex('640eff')).toString('latin1')).toBe('307');
    expect(huffmanDecode(hex('94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007')).toString('latin1')).toBe(cookie);
  });

  it('decodes the shortest code (5 bits) and a longest one (30 bits), padded with ones', () => {
    // "0" is 00000 + padding 111; byte 10 is 0x3ffffffc (30 bits) + padding 11.
    expect([...huffmanDecode(hex('07'))]).toEqual([0x30]);
    expect([...huffmanDecode(hex('fffffff3'))]).toEqual([10]);
  });

  it('decodes an empty string', () => {
    expect(huffmanDecode(new Uint8Array(0)).length).toBe(0);
  });

  it('refuses padding of 8 bits or more', () => {
    expect(() => huffmanDecode(hex('1fff'))).toThrow('Huffman padding longer than 7 bits');
    expect(() => huffmanDecode(hex('ff'))).toThrow('Huffman padding longer than 7 bits');
  });

  it('refuses padding that is not the most significant bits of EOS', () => {
    expect(() => huffmanDecode(hex('18'))).toThrow('Huffman padding is not the EOS prefix');
  });

  it('refuses an EOS symbol inside the string', () => {
    expect(() => huffmanDecode(hex('fffffffc'))).toThrow('Huffman-coded string contains EOS');
  });
});

describe('HPACK encoding', () => {
  it('writes a literal without indexing, by static name index, without Huffman coding', () => {
    expect(encodeHeaders([[':method', 'POST']]).toString('hex')).toBe('0204504f5354');
  });

  it('writes a literal with a new name for a name the static table lacks', () => {
    expect(encodeHeaders([['te', 'trailers']]).toString('hex')).toBe('0002746508747261696c657273');
  });

  it('round-trips through the decoder without touching the dynamic table', () => {
    const fields: HeaderField[] = [
      [':method', 'POST'],
      [':path', '/moby.buildkit.v1.frontend.LLBBridge/ReadFile'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', '15000m'],
      ['x-long', 'v'.repeat(300)],
    ];
    const d = new HpackDecoder();
    expect(d.decode(encodeHeaders(fields))).toEqual(fields);
    expect(table(d)).toEqual({ entries: [], size: 0 });
  });
});
