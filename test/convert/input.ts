// A BuildInput for core tests: a Containerfile text and nothing from disk or a registry.
import type { BuildInput } from '../../src/convert/api.js';
import type { Platform } from '../../src/platform.js';

export const amd64: Platform = { os: 'linux', architecture: 'amd64' };

export function input(text: string, over: Partial<BuildInput> = {}): BuildInput {
  return {
    file: 'Containerfile',
    text,
    buildArgs: {},
    labels: {},
    defaultPlatform: amd64,
    context: { name: 'context', sessionId: 'SESSION', excludePatterns: [] },
    ...over,
  };
}
