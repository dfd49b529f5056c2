// The HPACK Huffman code (RFC 7541 Appendix B), decode only: we never Huffman-encode what we send.
//
// The code is canonical (codes of one length are consecutive, assigned in symbol order, shorter
// lengths first), so the 257 code lengths define it completely; they are stored as one letter each,
// 'A' = 5 bits … 'Z' = 30 bits, symbols 0–255 then EOS (256).
const CODE_LENGTHS =
  'ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHFIBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABABABBBACCBBBABCBAABCCCCCKGJIXPRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRSVVPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWVZ';

const EOS = 256;
const MAX_LENGTH = 30;

/** Canonical decoding tables: per length, the first code, how many codes, and where they start in `symbols`. */
interface Canonical {
  firstCode: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  symbols: Uint16Array;
}

let tables: Canonical | undefined;

function canonical(): Canonical {
  if (tables) return tables;
  const count = new Int32Array(MAX_LENGTH + 1);
  for (let s = 0; s <= EOS; s++) count[CODE_LENGTHS.charCodeAt(s) - 60]!++;
  const firstCode = new Int32Array(MAX_LENGTH + 1);
  const offset = new Int32Array(MAX_LENGTH + 1);
  // deflate's canonical code assignment (RFC 1951 §3.2.2).
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_LENGTH; len++) {
    code = (code + count[len - 1]!) << 1;
    firstCode[len] = code;
    offset[len] = index;
    index += count[len]!;
  }
  const next = offset.slice();
  const symbols = new Uint16Array(EOS + 1);
  for (let s = 0; s <= EOS; s++) symbols[next[CODE_LENGTHS.charCodeAt(s) - 60]!++] = s;
  tables = { firstCode, count, offset, symbols };
  return tables;
}

export class HuffmanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HuffmanError';
  }
}

/**
 * Decodes a Huffman-coded string literal. Per RFC 7541 §5.2, the padding must be the most
 * significant bits of EOS (all ones), shorter than 8 bits, and EOS itself must not appear.
 */
export function huffmanDecode(input: Uint8Array): Buffer {
  const { firstCode, count, offset, symbols } = canonical();
  const out = Buffer.allocUnsafe(Math.ceil((input.length * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  let allOnes = true;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      code = (code << 1) | b;
      len++;
      allOnes &&= b === 1;
      const k = code - firstCode[len]!;
      if (k >= 0 && k < count[len]!) {
        const sym = symbols[offset[len]! + k]!;
        if (sym === EOS) throw new HuffmanError('Huffman-coded string contains EOS');
        out[n++] = sym;
        code = 0;
        len = 0;
        allOnes = true;
      } else if (len >= MAX_LENGTH) {
        throw new HuffmanError('invalid Huffman code');
      }
    }
  }
  if (len >= 8) throw new HuffmanError('Huffman padding longer than 7 bits');
  if (!allOnes) throw new HuffmanError('Huffman padding is not the EOS prefix');
  return out.subarray(0, n);
}
