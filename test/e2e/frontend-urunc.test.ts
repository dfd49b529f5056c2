// The urunc release reaches what the frontend writes through real BuildKit: Docker 26's buildx keeps
// manifest annotations in an OCI export, raw for the 2026 line (the default) and base64 for a 2025
// release (--build-arg PUNCH_URUNC_VERSION), whose urunc base64-decodes runtime-spec annotations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { docker, onEachEngine } from './engine.js';
import { ruleDescription } from '../../src/frontend/subrequests/documents.js';
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

onEachEngine((e) => {
  const unknownKey = (): string =>
    punchContext(
      `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\nLABEL ${URUNC}memory=512M\n`,
      { 'app.hvt': 'app\n' },
    );
  const memoryWarning = `unknown label ${URUNC}memory: urunc reads only .*and ignores this one`;

  test('an unknown com.urunc.unikernel.* key (another project\'s) builds, with a warning naming the rule', async () => {
    const r = await punchBuildOk({ context: unknownKey(), tag: 'punch-e2e/urunc:unknown-key' });
    if (e.info.buildx) {
      // Through Warn (gateway.warnings): buildx lists it after the build, as it lists Docker's lint warnings.
      expect(r.stderr).toMatch(new RegExp(`1 warning found \\(use --debug to expand\\):\\n.*- urunc-unknown-key: ${memoryWarning} \\(line 5\\)\\n`));
    } else {
      // BuildKit v0.8 has no Warn: the warning is in the frontend's log.
      expect(frontendLines(r.daemonLog)).toMatch(new RegExp(`Containerfile:5:\\d+: warning: ${memoryWarning} \\[urunc-unknown-key\\]`));
    }
  });

  // Docker 20.10 has neither buildx nor Warn: its warnings are the log lines checked above.
  test.skipIf(!e.info.buildx)('docker --debug expands the warning: the rule\'s description, its README URL, the line in its source', async () => {
    const r = await docker(['--debug', 'buildx', 'build', '--progress=plain', '-f', 'Containerfile', '-t', 'punch-e2e/urunc:unknown-key', '.'], { cwd: unknownKey() });
    expect(r.code, r.stderr).toBe(0);
    const expanded = r.stderr.slice(r.stderr.indexOf('1 warning found:'));
    expect(expanded).toContain(`- urunc-unknown-key: unknown label ${URUNC}memory`);
    expect(expanded).toContain(`\n${ruleDescription('urunc-unknown-key')}\nMore info: README.md#rule-urunc-unknown-key\nContainerfile:5\n`);
    expect(expanded).toContain(`   5 | >>> LABEL ${URUNC}memory=512M\n`);
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
