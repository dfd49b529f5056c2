import { describe, expect, it } from 'vitest';
import { parseCacheImports } from '../../src/frontend/cache-imports.js';
import { FrontendError } from '../../src/frontend/errors.js';

describe('cache imports from the cache-imports and cache-from opts', () => {
  it('are none without either opt', () => {
    expect(parseCacheImports({})).toEqual({ imports: [], frontendOpt: {} });
  });

  it('reads the JSON list buildx and buildctl send, attrs sorted', () => {
    const json = '[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/app:cache","mode":"max"}},{"Type":"local","Attrs":{"src":"/c"}}]';
    expect(parseCacheImports({ 'cache-imports': json }).imports).toEqual([
      { type: 'registry', attrs: { mode: 'max', ref: '127.0.0.1:5000/app:cache' } },
      { type: 'local', attrs: { src: '/c' } },
    ]);
  });

  it('matches the JSON field names case-insensitively, as Go does', () => {
    expect(parseCacheImports({ 'cache-imports': '[{"type":"gha","attrs":{"scope":"x"}}]' }).imports).toEqual([{ type: 'gha', attrs: { scope: 'x' } }]);
  });

  it('turns each cache-from ref (Docker 20.10, older clients) into a registry import after the JSON ones', () => {
    const r = parseCacheImports({ 'cache-from': 'r/a:1,r/b:2', 'cache-imports': '[{"Type":"local","Attrs":{"src":"/c"}}]' });
    expect(r.imports).toEqual([
      { type: 'local', attrs: { src: '/c' } },
      { type: 'registry', attrs: { ref: 'r/a:1' } },
      { type: 'registry', attrs: { ref: 'r/b:2' } },
    ]);
  });

  it('imports nothing for the empty cache-from Docker 20.10 always sends, but still forwards the opt', () => {
    expect(parseCacheImports({ 'cache-from': '' })).toEqual({ imports: [], frontendOpt: { 'cache-from': '' } });
  });

  it('keeps the raw opts to forward in FrontendOpt, sorted by key', () => {
    const json = '[{"Type":"local","Attrs":{"src":"/c"}}]';
    expect(Object.entries(parseCacheImports({ 'cache-imports': json, 'cache-from': 'r/a:1' }).frontendOpt)).toEqual([
      ['cache-from', 'r/a:1'],
      ['cache-imports', json],
    ]);
  });

  it.each([
    ['not JSON', '[{', /^cache-imports option: not JSON/],
    ['not a list', '{"Type":"registry"}', /expected a JSON list/],
    ['an entry that is not an object', '["registry"]', /entry 0 is not an object/],
    ['an attr that is not a string', '[{"Type":"registry","Attrs":{"ref":1}}]', /entry 0: attribute ref must be a string, got 1/],
  ])('refuses %s with a message naming the opt', (_name, json, message) => {
    expect(() => parseCacheImports({ 'cache-imports': json })).toThrow(FrontendError);
    expect(() => parseCacheImports({ 'cache-imports': json })).toThrow(message);
  });
});
