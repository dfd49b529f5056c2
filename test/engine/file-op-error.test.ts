// A failing FileOp is reported with its progress name, so the CLI can point at the Containerfile line.
import { describe, expect, it } from 'vitest';
import { executeDefinition, FileOpError } from '../../src/engine/index.js';
import { copy, encodeDefinition, local, marshal, scratch } from '../../src/llb/index.js';
import { amd64, fakeImages, makeDir, tempDir } from './helpers.js';

describe('FileOpError', () => {
  it('names the failing op by its custom name and keeps the copy error message', async () => {
    const ctx = makeDir({ 'present.txt': 'x' });
    const state = scratch()
      .file(copy(local('context'), 'present.txt', '/present.txt', { createDestPath: true }), { customName: 'COPY present.txt /present.txt' })
      .file(copy(local('context'), 'missing.txt', '/missing.txt', { createDestPath: true }), { customName: 'COPY missing.txt /missing.txt' });
    const failure = executeDefinition(encodeDefinition(marshal(state, { platform: amd64 })), { locals: { context: ctx }, images: fakeImages({}), workDir: tempDir(), platform: amd64 });
    await expect(failure).rejects.toBeInstanceOf(FileOpError);
    await expect(failure).rejects.toMatchObject({
      description: 'COPY missing.txt /missing.txt',
      message: 'COPY failed: /missing.txt not found in local "context"',
    });
  });

  it('is not used for an abort: the abort reason comes through as it is', async () => {
    const ctx = makeDir({ 'present.txt': 'x' });
    const state = scratch().file(copy(local('context'), 'present.txt', '/present.txt', { createDestPath: true }), { customName: 'COPY present.txt /present.txt' });
    const abort = new AbortController();
    abort.abort(new Error('interrupted by SIGINT'));
    const failure = executeDefinition(encodeDefinition(marshal(state, { platform: amd64 })), { locals: { context: ctx }, images: fakeImages({}), workDir: tempDir(), platform: amd64, signal: abort.signal });
    await expect(failure).rejects.toThrow('interrupted by SIGINT');
    await expect(failure).rejects.not.toBeInstanceOf(FileOpError);
  });
});
