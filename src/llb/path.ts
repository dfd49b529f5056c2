// Go's `path` package semantics (Clean, Join) and client/llb's normalizePath, so paths in ops match Go.

/** Go path.Clean: lexical clean-up of a slash-separated path. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined === '' ? '.' : joined;
}

/** Go path.Join: joins the non-empty elements and cleans the result ("" when all are empty). */
export function joinPath(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  return nonEmpty.length === 0 ? '' : cleanPath(nonEmpty.join('/'));
}

/**
 * client/llb normalizePath: absolute against `parent`; with keepSlash a trailing `/` or `/.` of the
 * original survives, because it changes what a copy means (into a directory, or its contents).
 */
export function normalizePath(parent: string, p: string, keepSlash: boolean): string {
  let out = cleanPath(p);
  if (!out.startsWith('/')) out = joinPath('/', parent, out);
  if (keepSlash) {
    if (p.endsWith('/') && !out.endsWith('/')) out += '/';
    else if (p.endsWith('/.')) out = (out === '/' ? out : out + '/') + '.';
  }
  return out;
}
