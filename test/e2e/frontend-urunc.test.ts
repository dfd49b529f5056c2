// The urunc release reaches what the frontend writes through real BuildKit: Docker 26's buildx keeps
// manifest annotations in an OCI export, raw for the 2026 line (the default) and base64 for a 2025
// release (--build-arg PUNCH_URUNC_VERSION), whose urunc base64-decodes runtime-spec annotations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { onEachEngine } from './engine.js';
import { URUNC, exampleContext, frontendLines, punchBuild, punchBuildOk, punchContext } from './frontend-support.js';
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

onEachEngine(() => {
  test('an unknown com.urunc.unikernel.* key (another project\'s) builds, with a warning naming the rule', async () => {
    const context = punchContext(
      `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\nLABEL ${URUNC}memory=512M\n`,
      { 'app.hvt': 'app\n' },
    );
    const r = await punchBuildOk({ context, tag: 'punch-e2e/urunc:unknown-key' });
    expect(`${r.stderr}\n${frontendLines(r.daemonLog)}`).toMatch(new RegExp(`warning: unknown label ${URUNC}memory: urunc reads only .*and ignores this one \\[urunc-unknown-key\\]`));
  });

  test('a Containerfile error and a bad monitor are reported together', async () => {
    const context = punchContext(
      `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvtt\nFROBNICATE\n`,
      { 'app.hvt': 'app\n' },
    );
    const r = await punchBuild({ context, tag: 'punch-e2e/urunc:two-errors' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Containerfile:4:\d+: error: unknown hypervisor "hvtt": did you mean "hvt"\?[^\n]*\n?.*Containerfile:5:1: error: unknown instruction: FROBNICATE/s);
  });
});
