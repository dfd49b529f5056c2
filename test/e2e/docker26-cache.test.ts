// Remote caches on Docker 26 with buildx 0.13.1 (the default docker driver, containerd image store):
// a build exports its cache (inline in the pushed image, or to a registry ref with mode=max), the
// builder's local cache is pruned, and a second build that imports the cache (`--cache-from`) does not
// run its RUN step again (the step prints a marker line only when it runs): through the punch frontend,
// as through Docker's own Dockerfile frontend for the same file. A build without --cache-from after the
// same prune runs the step again (the control).
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { e2e, engine, hasEngine, makeContext, registryHost } from './engine.js';
import { URUNC, frontendLines, syntaxLine } from './frontend-support.js';
import { runMarker } from './progress.js';

const LABELS = `LABEL ${URUNC}binary=/unikernel/kernel ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

/** A build stage whose RUN makes the kernel (unique per test run, so no earlier run's cache can match) and a final stage. */
function containerfile(nonce: string, finalStage: 'busybox' | 'scratch'): string {
  const busybox = e2e().busyboxImage;
  const run = `RUN ${runMarker(nonce).command} && mkdir -p /unikernel && echo "kernel ${nonce}" > /unikernel/kernel`;
  return finalStage === 'busybox'
    ? `FROM ${busybox}\n${run}\n${LABELS}`
    : `FROM ${busybox} AS build\n${run}\nFROM scratch\nCOPY --from=build /unikernel/kernel /unikernel/kernel\n${LABELS}`;
}

async function buildx(dir: string, args: readonly string[]): Promise<string> {
  const d26 = engine('docker26');
  const before = d26.daemonLog().length;
  const r = await d26.docker(['buildx', 'build', '--progress=plain', '-f', 'Containerfile', ...args, '.'], { cwd: dir, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`docker buildx build failed (${r.code}):\n${r.stderr.slice(-4000)}\n--- daemon log ---\n${frontendLines(d26.daemonLog().slice(before))}`);
  return r.stderr;
}

/** Empties the builder's cache and drops the image, so only an imported cache can spare a step its run. */
async function forgetEverything(tag: string): Promise<void> {
  const d26 = engine('docker26');
  await d26.docker(['builder', 'prune', '-af'], { check: true });
  await d26.docker(['image', 'rm', '-f', tag]);
}

type Frontend = 'punch' | 'Docker\'s Dockerfile frontend';
const FRONTENDS: Frontend[] = ['punch', 'Docker\'s Dockerfile frontend'];
const file = (frontend: Frontend, text: string): string => (frontend === 'punch' ? syntaxLine() + text : text);

describe.runIf(hasEngine('docker26'))('remote caches through docker buildx on Docker 26', () => {
  for (const frontend of FRONTENDS) {
    test(`--cache-to type=inline on a pushed image, then --cache-from type=registry after a prune: the RUN step does not run again (${frontend})`, async () => {
      const nonce = randomUUID();
      const ref = `${registryHost()}/punch-e2e/cache-inline:${nonce}`;
      const text = file(frontend, containerfile(nonce, 'busybox'));
      const first = await buildx(makeContext({ Containerfile: text }), ['--cache-to', 'type=inline', '--output', `type=image,name=${ref},push=true`]);
      expect(first).toContain(runMarker(nonce).printed);

      await forgetEverything(ref);
      const control = await buildx(makeContext({ Containerfile: text }), ['-t', `${ref}-control`]);
      expect(control).toContain(runMarker(nonce).printed);

      await forgetEverything(`${ref}-control`);
      const second = await buildx(makeContext({ Containerfile: text }), ['--cache-from', `type=registry,ref=${ref}`, '-t', `${ref}-again`]);
      expect(second).toContain('RUN echo "ran-$((6 * 7))');
      expect(second, 'the RUN step ran again').not.toContain(runMarker(nonce).printed);
    });

    test(`--cache-to type=registry,mode=max keeps a build stage's RUN; --cache-from imports it after a prune (${frontend})`, async () => {
      const nonce = randomUUID();
      const cacheRef = `${registryHost()}/punch-e2e/cache-max:${nonce}`;
      const tag = `punch-e2e/cache-max:${nonce}`;
      const text = file(frontend, containerfile(nonce, 'scratch'));
      const first = await buildx(makeContext({ Containerfile: text }), ['--cache-to', `type=registry,ref=${cacheRef},mode=max`, '-t', tag]);
      expect(first).toContain(runMarker(nonce).printed);
      await forgetEverything(tag);
      const second = await buildx(makeContext({ Containerfile: text }), ['--cache-from', `type=registry,ref=${cacheRef}`, '-t', tag]);
      expect(second).toContain('RUN echo "ran-$((6 * 7))');
      expect(second, 'the RUN step ran again').not.toContain(runMarker(nonce).printed);
    });
  }
});
