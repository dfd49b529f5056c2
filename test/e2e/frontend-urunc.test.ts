// The urunc release reaches what the frontend writes through real BuildKit: Docker 26's buildx keeps
// manifest annotations in an OCI export, raw for the 2026 line (the default) and base64 for a 2025
// release (--build-arg PUNCH_URUNC_VERSION), whose urunc base64-decodes runtime-spec annotations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { onEachEngine } from './engine.js';
import { URUNC, exampleContext, punchBuildOk } from './frontend-support.js';
import { readTar } from './tar.js';

function manifestAnnotations(archive: Buffer): Record<string, string> {
  const entries = new Map(readTar(archive).map((e) => [e.path, e.content]));
  const blob = (digest: string): unknown => JSON.parse(entries.get(`blobs/${digest.replace(':', '/')}`)!.toString('utf8'));
  const index = JSON.parse(entries.get('index.json')!.toString('utf8')) as { manifests: Array<{ digest: string; mediaType: string }> };
  let top = index.manifests[0]!;
  // buildx may wrap the image manifest in an index (attestations): take the image's manifest.
  while (top.mediaType.endsWith('index.v1+json')) top = (blob(top.digest) as typeof index).manifests[0]!;
  const manifest = blob(top.digest) as { annotations?: Record<string, string> };
  return Object.fromEntries(Object.entries(manifest.annotations ?? {}).filter(([k]) => k.startsWith(URUNC)));
}

async function build(tag: string, buildArgs: Record<string, string>): Promise<Record<string, string>> {
  const dest = join(mkdtempSync(join(tmpdir(), 'punch-e2e-urunc-')), 'image.tar');
  await punchBuildOk({ context: exampleContext('rumprun-hvt-redis'), tag, buildArgs, extraArgs: ['--provenance=false', '--output', `type=oci,dest=${dest}`] });
  return manifestAnnotations(readFileSync(dest));
}

onEachEngine(
  () => {
    test('the default release (v0.8.0) gets raw manifest annotations', async () => {
      const a = await build('punch-e2e/urunc:default', {});
      expect({ hypervisor: a[`${URUNC}hypervisor`], type: a[`${URUNC}unikernelType`] }).toEqual({ hypervisor: 'hvt', type: 'rumprun' });
    });

    test('PUNCH_URUNC_VERSION=v0.7.0 gets base64 manifest annotations', async () => {
      const a = await build('punch-e2e/urunc:v070', { PUNCH_URUNC_VERSION: 'v0.7.0' });
      expect({ hypervisor: a[`${URUNC}hypervisor`], type: a[`${URUNC}unikernelType`] }).toEqual({ hypervisor: 'aHZ0', type: 'cnVtcHJ1bg==' });
    });
  },
  (e) => e.name === 'docker26',
);
