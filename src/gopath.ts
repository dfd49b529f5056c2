// Go's `path` package (Clean, Join) on slash-separated paths. BuildKit, urunc and Docker's
// .dockerignore reader all clean paths this way, so punch has one copy of it.

/** Go path.Clean: the shortest equivalent path by purely lexical processing. */
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
