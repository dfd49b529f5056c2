// When BuildKit reports a failure to the punch frontend (a COPY source missing from the context, a base
// image it cannot reach or find), the frontend passes it back as its error and exits: `docker build`
// fails quickly with BuildKit's message naming the file or the image, never hangs. Every build here has
// a hard timeout and must finish well within it. The frontend runs with PUNCH_FRONTEND_LOG_RSS=1, whose
// line it logs as its very last act: that line proves it returned by itself rather than being killed.
import { beforeAll, describe, expect, test } from 'vitest';
import { loggedMemory } from '../../src/frontend/debug.js';
import { currentEngine, e2e, makeContext, onEachEngine } from './engine.js';
import { URUNC, buildError, frontendLines, missingSourceError, punchBuild, rssLoggingFrontend, solveError, syntaxLine, type PunchBuild } from './frontend-support.js';

/** The client is killed after this long; a build that takes it has hung. */
const TIMEOUT_MS = 120_000;
/** What "well within" the timeout means: a failing build must end this fast. */
const PROMPT_MS = 30_000;

const RUMPRUN = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

/** What BuildKit 0.13 (buildx) puts before an image resolution error; BuildKit v0.8 puts nothing. */
function resolving(image: string): string {
  return currentEngine().info.buildx ? `failed to resolve source metadata for ${image}: ` : '';
}

interface Failure extends PunchBuild {
  readonly ms: number;
}

onEachEngine((engine) => {
  let frontend: string;
  beforeAll(async () => {
    frontend = await rssLoggingFrontend();
  });

  /** `docker build` of `containerfile` (after the `#syntax=` line) and `files`, with the hard timeout. */
  async function failingBuild(name: string, containerfile: string, files: Record<string, string> = {}): Promise<Failure> {
    const context = makeContext({ Containerfile: syntaxLine(frontend) + containerfile, ...files });
    const started = Date.now();
    const r = await punchBuild({ context, tag: `punch-e2e/failures:${name}`, timeoutMs: TIMEOUT_MS });
    return { ...r, ms: Date.now() - started };
  }

  /** Exit 1 (not the -1 of a client killed at the timeout), promptly, and the frontend ran to its end. */
  function expectPromptFailure(r: Failure): void {
    expect(r.code, `docker build output:\n${r.stderr.slice(-3000)}`).toBe(1);
    expect(r.ms).toBeLessThan(PROMPT_MS);
    expect(loggedMemory(r.daemonLog), frontendLines(r.daemonLog)).toHaveLength(1);
  }

  describe('a COPY source missing from the context', () => {
    test('the only source: BuildKit’s message names it', async () => {
      const r = await failingBuild('missing-source', `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`);
      expectPromptFailure(r);
      expect(buildError(r)).toMatch(missingSourceError('/app.hvt'));
    });

    test('one of two sources of a COPY, the other present: the missing one is named', async () => {
      const r = await failingBuild('missing-one-of-two', `FROM scratch\nCOPY app.hvt app.conf /unikernel/\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      expectPromptFailure(r);
      expect(buildError(r)).toMatch(missingSourceError('/app.conf'));
    });

    test('in an earlier stage that a COPY --from needs: named too', async () => {
      const r = await failingBuild(
        'missing-in-stage',
        `FROM scratch AS parts\nCOPY kernel.bin /out/app.hvt\nFROM scratch\nCOPY --from=parts /out/app.hvt /unikernel/app.hvt\n${RUMPRUN}`,
      );
      expectPromptFailure(r);
      expect(buildError(r)).toMatch(missingSourceError('/kernel.bin'));
    });

    test('a wildcard that matches nothing copies nothing, as Docker’s does: the labelled kernel is then missing', async () => {
      const r = await failingBuild('missing-wildcard', `FROM scratch\nCOPY *.hvt /unikernel/\n${RUMPRUN}`, { 'app.conf': 'conf\n' });
      expectPromptFailure(r);
      expect(buildError(r)).toBe(
        solveError(`Containerfile:4:7: error: com.urunc.unikernel.binary names /unikernel/app.hvt, but the built image has no such file: COPY it there or fix the path`),
      );
    });
  });

  describe('a base image BuildKit cannot get', () => {
    test('a registry that refuses the connection: the message names the image and the refusal', async () => {
      const r = await failingBuild('unreachable', `FROM 127.0.0.1:1/nothing:1\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      expectPromptFailure(r);
      // BuildKit 0.13 names the step, and tries https first on a loopback registry (then plain HTTP).
      const refused = 'dial tcp 127.0.0.1:1: connect: connection refused';
      expect(buildError(r)).toBe(
        solveError(
          engine.info.buildx
            ? `failed to resolve source metadata for 127.0.0.1:1/nothing:1: failed to do request: Head "https://127.0.0.1:1/v2/nothing/manifests/1": ${refused}`
            : `127.0.0.1:1/nothing:1: failed to do request: Head "http://127.0.0.1:1/v2/nothing/manifests/1": ${refused}`,
        ),
      );
    });

    test('a registry without that repository: the message names the image and says it is not found', async () => {
      const image = `${e2e().registry}/punch-e2e/absent:1`;
      const r = await failingBuild('absent-repo', `FROM ${image}\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      expectPromptFailure(r);
      expect(buildError(r)).toBe(solveError(`${resolving(image)}${image}: not found`));
    });

    test('a repository without that tag: the message names the image and says it is not found', async () => {
      const image = `${e2e().registry}/punch:absent-tag`; // the frontend image's repository exists
      const r = await failingBuild('absent-tag', `FROM ${image}\nCOPY app.hvt /unikernel/app.hvt\n${RUMPRUN}`, { 'app.hvt': 'app\n' });
      expectPromptFailure(r);
      expect(buildError(r)).toBe(solveError(`${resolving(image)}${image}: not found`));
    });
  });
});

// Not tested here, by design: a missing `#syntax=` image is Docker's to report (it resolves the image
// before any frontend runs), and docker build (20.10) cannot send a `requestid` subrequest; the
// fake-bridge unit tests in test/frontend cover punch's answer to one.
