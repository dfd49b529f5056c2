// Go's `path` package semantics (Clean, Join) and client/llb's normalizePath, so paths in ops match Go.
import { cleanPath, joinPath } from '../gopath.js';

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
