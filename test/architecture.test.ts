// ARCHITECTURE.md's folder table is the rule for imports between src/ folders: this keeps it true.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const src = join(repo, 'src');

function rules(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of readFileSync(join(repo, 'ARCHITECTURE.md'), 'utf8').split('\n')) {
    const m = /^\| `src\/([a-z0-9-]+)\/` \|[^|]*\|([^|]*)\|$/.exec(line);
    if (m) out.set(m[1]!, new Set(m[2]!.split(',').map((s) => s.trim()).filter((s) => s !== '')));
  }
  return out;
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesOf(p) : name.endsWith('.ts') ? [p] : [];
  });
}

/** `../x/y.js` → x (a folder) or `../x.js` → x (a top-level file), from a file directly in its folder or below. */
function imports(file: string): Array<{ target: string; path: string }> {
  const text = readFileSync(file, 'utf8');
  const out: Array<{ target: string; path: string }> = [];
  for (const m of text.matchAll(/(?:from|import\()\s*'((?:\.\.\/)+)([^']+)'/g)) {
    const depth = file.slice(src.length + 1).split('/').length - 1;
    if (m[1]!.length / 3 !== depth) continue; // stays inside its own folder
    const first = m[2]!.split('/')[0]!.replace(/\.js$/, '');
    out.push({ target: first, path: m[2]! });
  }
  return out;
}

const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());

describe('ARCHITECTURE.md', () => {
  it('has one line for every folder of src/, and none for a folder that is gone', () => {
    expect([...rules().keys()].sort()).toEqual(folders.sort());
  });

  it.each(folders.filter((f) => f !== 'gen'))('src/%s/ imports only what its line allows', (folder) => {
    const allowed = rules().get(folder) ?? new Set();
    const leaves = readdirSync(src).filter((n) => n.endsWith('.ts')).map((n) => n.replace(/\.ts$/, ''));
    const bad = filesOf(join(src, folder)).flatMap((f) =>
      imports(f)
        .filter((i) => !leaves.includes(i.target) && !allowed.has(i.target))
        .map((i) => `${f.slice(src.length + 1)} imports ${i.path}`),
    );
    expect(bad).toEqual([]);
  });

  it('src/cli/ reaches other folders only through their index', () => {
    const bad = filesOf(join(src, 'cli')).flatMap((f) =>
      imports(f)
        .filter((i) => i.path.includes('/') && !i.path.endsWith('/index.js'))
        .map((i) => `${f.slice(src.length + 1)} imports ${i.path}`),
    );
    expect(bad).toEqual([]);
  });

  it('no file under src/ is over 400 lines (generated code aside)', () => {
    const long = folders
      .filter((f) => f !== 'gen')
      .flatMap((f) => filesOf(join(src, f)))
      .concat(readdirSync(src).filter((n) => n.endsWith('.ts')).map((n) => join(src, n)))
      .map((f) => ({ f: f.slice(src.length + 1), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > 400)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toContain('](ARCHITECTURE.md)');
  });
});
