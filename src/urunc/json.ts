// /urunc.json: one flat JSON object, keys sorted by byte order, values standard padded base64 (RFC 4648)
// of the UTF-8 value, compact, no trailing newline (byte-identical to pun's output for the same labels).
import { compareBytes } from '../order.js';

export function renderUruncJson(values: Record<string, string>): Uint8Array {
  const keys = Object.keys(values).sort(compareBytes);
  const body = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(Buffer.from(values[k]!, 'utf8').toString('base64'))}`);
  return new TextEncoder().encode(`{${body.join(',')}}`);
}

const stdBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a urunc.json the way urunc does (Go base64.StdEncoding), for tests and inspection. */
export function parseUruncJson(bytes: Uint8Array): Record<string, string> | { error: string } {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `urunc.json is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'urunc.json must hold one JSON object' };
  }
  const out: [string, string][] = [];
  for (const [key, encoded] of Object.entries(parsed)) {
    if (typeof encoded !== 'string') return { error: `urunc.json value of ${key} is not a string` };
    if (!stdBase64.test(encoded)) return { error: `urunc.json value of ${key} is not standard padded base64: ${JSON.stringify(encoded)}` };
    try {
      out.push([key, new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(encoded, 'base64'))]);
    } catch {
      return { error: `urunc.json value of ${key} is not UTF-8 once decoded` };
    }
  }
  // fromEntries defines own properties, so a key like `__proto__` stays a key.
  return Object.fromEntries(out);
}
