// The punch frontend under load against one daemon: 20 concurrent `docker build` runs, each with its
// own kernel and labels, all produce their own image; then 200 sequential runs of the frontend leak no
// memory. The frontend runs with PUNCH_FRONTEND_LOG_RSS=1: each run logs its own memory (current and
// peak RSS) to the daemon log as its last act, which also counts the runs. The 200 runs build one
// context with the cache on: BuildKit starts the frontend for every build (only the solve is cached),
// which keeps each run minimal.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { loggedMemory, type MemoryReport } from '../../src/frontend/debug.js';
import { daemonLog, dockerBuild, dockerdPid, imageInspect, imageRootfs, makeContext } from './engine.js';
import { URUNC, expectTree, fileNode, frontendLines, rssLoggingFrontend, syntaxLine, tree, uruncJsonNode } from './frontend-support.js';

const CONCURRENT = 20;
const SEQUENTIAL = 200;
/** Runs at each end of the sequence whose medians are compared. */
const WINDOW = 10;
/** A single build that takes this long has hung. */
const BUILD_TIMEOUT_MS = 120_000;

let frontend: string;
beforeAll(async () => {
  frontend = await rssLoggingFrontend();
});

/** The urunc values of run `i`: its own cmdline. */
function runValues(i: number): Record<string, string> {
  return {
    [`${URUNC}binary`]: '/unikernel/app.hvt',
    [`${URUNC}cmdline`]: `app --run ${i}`,
    [`${URUNC}hypervisor`]: 'hvt',
    [`${URUNC}unikernelType`]: 'rumprun',
  };
}

/** A context whose kernel and labels are run `i`'s own. */
function runContext(i: number): string {
  const values = runValues(i);
  const labels = Object.entries({ ...values, 'org.example.run': String(i) }).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return makeContext({
    Containerfile: `${syntaxLine(frontend)}FROM scratch\nCOPY app.hvt /unikernel/app.hvt\nLABEL ${labels.join(' ')}\n`,
    'app.hvt': `kernel of run ${i}\n`,
  });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Resident set size of a process, in bytes, from /proc. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function report(message: string): void {
  process.stderr.write(`[load] ${message}\n`);
}

describe('load on one daemon', () => {
  test(`${CONCURRENT} concurrent builds, each with its own context, all succeed with their own content`, async () => {
    const before = daemonLog().length;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        dockerBuild({ context: runContext(i), file: 'Containerfile', tag: `punch-e2e/load:concurrent-${i}`, timeoutMs: 4 * BUILD_TIMEOUT_MS }),
      ),
    );
    report(`${CONCURRENT} concurrent builds: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    results.forEach((r, i) => expect(r.code, `build ${i}:\n${r.stderr.slice(-3000)}`).toBe(0));
    const log = daemonLog().slice(before);
    expect(loggedMemory(log), frontendLines(log)).toHaveLength(CONCURRENT);

    for (let i = 0; i < CONCURRENT; i++) {
      const tag = `punch-e2e/load:concurrent-${i}`;
      const [image, fs] = await Promise.all([imageInspect(tag), imageRootfs(tag)]);
      expect(tree(fs)).toEqual(
        expectTree({ '/unikernel/app.hvt': fileNode(`kernel of run ${i}\n`), '/urunc.json': uruncJsonNode(runValues(i)) }),
      );
      expect(image.Config.Labels).toEqual({ ...runValues(i), 'org.example.run': String(i) });
    }
  });

  test(`${SEQUENTIAL} sequential runs of the frontend: its RSS at the end is within 10 % of the start`, async () => {
    const context = runContext(SEQUENTIAL);
    const tag = 'punch-e2e/load:sequential';
    const daemon = dockerdPid();
    const before = daemonLog().length;
    const daemonBefore = rssOf(daemon);
    const times: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const started = Date.now();
      const r = await dockerBuild({ context, file: 'Containerfile', tag, timeoutMs: BUILD_TIMEOUT_MS });
      times.push(Date.now() - started);
      expect(r.code, `run ${i}:\n${r.stderr.slice(-3000)}`).toBe(0);
    }
    const daemonAfter = rssOf(daemon);
    const log = daemonLog().slice(before);

    // Every build started the frontend, and every frontend ran to its end.
    const runs: MemoryReport[] = loggedMemory(log);
    expect(runs).toHaveLength(SEQUENTIAL);
    const first = median(runs.slice(0, WINDOW).map((m) => m.maxRss));
    const last = median(runs.slice(-WINDOW).map((m) => m.maxRss));
    report(
      `${SEQUENTIAL} sequential builds: median ${median(times)} ms, total ${(times.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s; ` +
        `frontend peak RSS median of the first ${WINDOW} ${mib(first)}, of the last ${WINDOW} ${mib(last)} ` +
        `(all runs ${mib(Math.min(...runs.map((m) => m.maxRss)))}..${mib(Math.max(...runs.map((m) => m.maxRss)))}); ` +
        `dockerd RSS ${mib(daemonBefore)} before, ${mib(daemonAfter)} after`,
    );
    expect(Math.abs(last - first) / first).toBeLessThanOrEqual(0.1);
    // The daemon caches (build records, layers): only a gross leak fails this.
    expect(daemonAfter).toBeLessThan(1.5 * daemonBefore);

    const values = runValues(SEQUENTIAL);
    expect(tree(await imageRootfs(tag))).toEqual(
      expectTree({ '/unikernel/app.hvt': fileNode(`kernel of run ${SEQUENTIAL}\n`), '/urunc.json': uruncJsonNode(values) }),
    );
  }, 600_000);
});
