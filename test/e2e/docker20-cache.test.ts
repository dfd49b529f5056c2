// Inline cache on Docker 20.10 (BuildKit v0.8): `docker build --build-arg BUILDKIT_INLINE_CACHE=1`
// pushed to the loopback registry, `docker builder prune -af`, then `docker build --cache-from IMAGE`
// (which reaches the frontend as opt `cache-from`) does not run the RUN step again (it prints a marker
// line only when it runs), through punch as through Docker's own Dockerfile frontend; the same build
// without --cache-from runs it again.
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { e2e, engine, hasEngine, makeContext, registryHost } from './engine.js';
import { URUNC, frontendLines, syntaxLine } from './frontend-support.js';
import { runMarker } from './progress.js';

const LABELS = `LABEL ${URUNC}binary=/unikernel/kernel ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

async function build(dir: string, args: readonly string[]): Promise<string> {
  const d20 = engine('docker20');
  const before = d20.daemonLog().length;
  const r = await d20.docker(['build', '--progress=plain', '-f', 'Containerfile', ...args, '.'], { cwd: dir, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`docker build failed (${r.code}):\n${r.stderr.slice(-4000)}\n--- daemon log ---\n${frontendLines(d20.daemonLog().slice(before))}`);
  return r.stderr;
}

async function forgetEverything(tag: string): Promise<void> {
  const d20 = engine('docker20');
  await d20.docker(['builder', 'prune', '-af'], { check: true });
  await d20.docker(['image', 'rm', '-f', tag]);
}

describe.runIf(hasEngine('docker20'))('inline cache through docker build on Docker 20.10', () => {
  for (const frontend of ['punch', "Docker's Dockerfile frontend"] as const) {
    test(`BUILDKIT_INLINE_CACHE=1 and a push, then --cache-from the image after a prune: the RUN step does not run again (${frontend})`, async () => {
      const nonce = randomUUID();
      const ref = `${registryHost()}/punch-e2e/cache-inline20:${nonce}`;
      const text = `${frontend === 'punch' ? syntaxLine() : ''}FROM ${e2e().busyboxImage}\nRUN ${runMarker(nonce).command} && mkdir -p /unikernel && echo "kernel ${nonce}" > /unikernel/kernel\n${LABELS}`;
      const first = await build(makeContext({ Containerfile: text }), ['--build-arg', 'BUILDKIT_INLINE_CACHE=1', '-t', ref]);
      expect(first).toContain(runMarker(nonce).printed);
      await engine('docker20').docker(['push', ref], { check: true, timeoutMs: 5 * 60_000 });

      await forgetEverything(ref);
      const control = await build(makeContext({ Containerfile: text }), ['-t', `${ref}-control`]);
      expect(control).toContain(runMarker(nonce).printed);

      await forgetEverything(`${ref}-control`);
      const second = await build(makeContext({ Containerfile: text }), ['--cache-from', ref, '-t', `${ref}-again`]);
      expect(second).toContain('RUN echo "ran-$((6 * 7))');
      expect(second, 'the RUN step ran again').not.toContain(runMarker(nonce).printed);
    });
  }
});
