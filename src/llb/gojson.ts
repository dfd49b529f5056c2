// JSON text with Go encoding/json's escaping, so attrs and dump views match Go byte for byte.

/** JSON.stringify (indented like MarshalIndent when `indent` is given), then Go's differences: <, >, & and U+2028/9 escaped; \b and \f spelled as \u00XX. */
export function goJSON(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/\\(.)/g, (pair: string, c: string) => (c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : pair))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
