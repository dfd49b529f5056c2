// Properties of the whole core path, text → plan → graph (buildGraph with a stub resolver), and of
// the urunc validator: whatever the input, the only failure is a PunchError, and every diagnostic,
// error or warning, points inside the file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph, type BuildInput, type ResolvedImage } from '../../src/convert/index.js';
import { PunchError, type Diagnostic, type SourceRange } from '../../src/diagnostics.js';
import { decodeDefinition, encodeDefinition } from '../../src/llb/index.js';
import { compareBytes } from '../../src/order.js';
import type { Platform } from '../../src/platform.js';
import {
  KNOWN_KEYS,
  URUNC_PREFIX,
  parseUruncJson,
  renderUruncJson,
  validateUrunc,
  type LabelInput,
  type ProducedPath,
} from '../../src/urunc/index.js';

const amd64: Platform = { os: 'linux', architecture: 'amd64' };

/** A valid file that exercises every path of the core: ARG, multi-stage, images, --from, labels, CMD. */
const VALID = `# syntax=punch:dev
ARG BASE=unikraft.org/nginx:1.15
FROM --platform=linux/amd64 alpine:3 AS tools
COPY conf/ /conf/
FROM \${BASE} AS kernel
FROM scratch
ARG TARGETARCH
COPY --from=kernel /unikraft/bin/kernel /unikernel/kernel
COPY --from=tools /conf /etc/nginx
COPY --chmod=0644 data.cpio /unikernel/initrd
ADD --chown=1:1 ["rootfs.tar", "/"]
LABEL com.urunc.unikernel.binary=/unikernel/kernel \\
      com.urunc.unikernel.initrd=/unikernel/initrd \\
      com.urunc.unikernel.unikernelType=unikraft \\
      com.urunc.unikernel.hypervisor=qemu
ENV A=1 B="\${A}-$TARGETARCH"
WORKDIR /srv
EXPOSE 80
CMD ["nginx", "-c", "/etc/nginx/nginx.conf"]
`;

const TOKENS = [
  'FROM ', 'COPY ', 'ADD ', 'LABEL ', 'ENV ', 'ARG ', 'CMD ', 'ENTRYPOINT ', 'WORKDIR ', 'EXPOSE ', 'VOLUME ', 'USER ',
  'scratch', 'alpine', 'unikraft.org/nginx:1.15', ' AS ', 'kernel', 'tools', '--from=', '--chmod=', '--chown=',
  '--platform=', 'qemu/amd64', 'com.urunc.unikernel.', 'binary', 'hypervisor', 'unikernelType', 'cmdline', 'block',
  'initrd', 'blkMntPoint', 'mountRootfs', 'qemu', 'hvt', 'firecracker', 'unikraft', 'rumprun', 'linux', '/unikernel/kernel',
  '$', '${', '}', ':-', '"', "'", '\\', '`', '[', ']', ',', '=', ' ', '\t', '\n', '\r\n', '#', '# escape=`\n',
  '..', '/', '*', 'a', '0', '\ufeff', '🚀', '\0',
];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as punch receives it: decoded from UTF-8 bytes (decodeContainerfile, or the frontend's
 * Buffer.toString), so never a lone UTF-16 surrogate. An edit splitting 🚀 in two would make one.
 */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''));

const mutated = fc.array(
  fc.record({ at: fc.nat(), remove: fc.nat({ max: 4 }), insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })) }),
  { minLength: 1, maxLength: 3 },
).map((edits) => {
  let text = VALID;
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
  }
  return wellFormed(text);
});

/** Mostly `usual`, sometimes anything from `wild`: enough valid inputs that the success path is checked too. */
const mostly = <T>(usual: T, wild: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 3, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: wild });

const labelValue = fc.oneof(fc.constantFrom('qemu', 'hvt', 'unikraft', 'linux', '/unikernel/kernel', '', 'true', 'x y'), fc.string({ maxLength: 8 }));
const labelKey = fc.oneof(fc.constantFrom(...KNOWN_KEYS).map((k) => URUNC_PREFIX + k), fc.constantFrom('a', 'COM.URUNC.UNIKERNEL.binary'));

/** What the stub resolver answers for every image: a digest, and a config with Env and labels. */
const resolvedImage = fc.record({
  labels: mostly({}, fc.dictionary(labelKey, labelValue, { maxKeys: 4 })),
  env: fc.array(fc.constantFrom('PATH=/bin', 'A=base', 'HOME=/root', 'EMPTY='), { maxLength: 3 }),
  cmd: fc.option(fc.array(fc.constantFrom('nginx', '-c', '/x'), { maxLength: 3 }), { nil: undefined }),
});

const options = fc.record({
  buildArgs: mostly({}, fc.dictionary(fc.constantFrom('BASE', 'TARGETARCH', 'X'), fc.constantFrom('scratch', 'alpine', 'arm64', '${X}', ''), { maxKeys: 2 })),
  labels: mostly({}, fc.dictionary(labelKey, labelValue, { maxKeys: 3 })),
  target: mostly(undefined, fc.constantFrom('kernel', 'tools', 'nope', '')),
  platform: mostly(undefined, fc.constantFrom<Platform>(amd64, { os: 'linux', architecture: 'arm64' }, { os: 'qemu', architecture: 'amd64' })),
  image: resolvedImage,
});

function lineCount(text: string): number {
  return text.replace(/^\ufeff/, '').split('\n').length;
}

function expectInside(ds: readonly Diagnostic[], lines: number): void {
  for (const d of ds) {
    expect(d.message).not.toMatch(/^internal error/);
    expect(d.file).toBe('Containerfile');
    expect(d.range.start.line).toBeGreaterThanOrEqual(1);
    expect(d.range.start.line).toBeLessThanOrEqual(lines);
    expect(d.range.start.col).toBeGreaterThanOrEqual(1);
  }
}

type Options = typeof options extends fc.Arbitrary<infer T> ? T : never;

/** Passes when buildGraph returns a consistent graph or throws a PunchError with positioned errors. */
async function checkGraph(text: string, opts: Options): Promise<'graph' | 'errors'> {
  const resolved: ResolvedImage = {
    digest: `sha256:${'ab'.repeat(32)}`,
    config: {
      architecture: 'amd64',
      os: 'linux',
      config: { Env: opts.image.env, Labels: opts.image.labels, ...(opts.image.cmd ? { Cmd: opts.image.cmd } : {}) },
      rootfs: { type: 'layers', diff_ids: [] },
    },
  };
  const input: BuildInput = {
    file: 'Containerfile',
    text,
    buildArgs: opts.buildArgs,
    labels: opts.labels,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
    defaultPlatform: amd64,
    context: { name: 'context', sessionId: 'SESSION', excludePatterns: [] },
    resolveImage: async () => structuredClone(resolved),
  };
  const lines = lineCount(text);
  let graph;
  try {
    graph = await buildGraph(input);
  } catch (e) {
    if (!(e instanceof PunchError)) throw e;
    expect(e.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expectInside(e.diagnostics, lines);
    return 'errors';
  }
  expect(graph.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  expectInside(graph.diagnostics, lines);
  // What /urunc.json says is what the graph reports, byte-decoded the way urunc decodes it.
  const mkfile = decodeDefinition(encodeDefinition(graph.definition))
    .ops.flatMap((o) => o.op.file?.actions ?? [])
    .find((a) => a.mkfile?.path === '/urunc.json')?.mkfile;
  expect(parseUruncJson(mkfile!.data!)).toEqual(graph.urunc);
  return 'graph';
}

const withDefaults = (image: Options['image']): Options => ({ buildArgs: {}, labels: {}, target: undefined, platform: undefined, image });

describe('buildGraph (parse, expand, plan, resolve, validate, marshal)', () => {
  it('builds the valid sample with the stub resolver', async () => {
    const g = await buildGraph({
      file: 'Containerfile',
      text: VALID,
      buildArgs: {},
      labels: {},
      defaultPlatform: amd64,
      context: { name: 'context', excludePatterns: [] },
      resolveImage: async () => ({ config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } } }),
    });
    expect(g.urunc).toEqual({
      'com.urunc.unikernel.binary': '/unikernel/kernel',
      'com.urunc.unikernel.cmdline': 'nginx -c /etc/nginx/nginx.conf',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.initrd': '/unikernel/initrd',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
  });

  it('arbitrary text only ever fails with a PunchError positioned inside the file', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }).map(wellFormed), resolvedImage, async (t, image) => void (await checkGraph(t, withDefaults(image)))), {
      numRuns: 300,
    });
  });

  it('token soup, with arbitrary build args, --label, target and platform, does the same', async () => {
    await fc.assert(fc.asyncProperty(soup, options, async (t, o) => void (await checkGraph(t, o))), { numRuns: 500 });
  });

  it('random edits of a valid file do the same, and often still build (so the success path is checked)', async () => {
    const outcomes = { graph: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(mutated, options, async (text, opts) => {
        outcomes[await checkGraph(text, opts)]++;
      }),
      { numRuns: 500 },
    );
    expect(outcomes.graph).toBeGreaterThan(25);
  });
});

/** A label written on `line` of an N-line file, or given on the command line / by the base. */
const labelInput = (lines: number) =>
  fc.record({
    key: labelKey,
    value: fc.oneof(labelValue, fc.string({ unit: 'binary', maxLength: 300 })),
    origin: fc.constantFrom<LabelInput['origin']>('file', 'cli', 'base'),
    line: fc.integer({ min: 1, max: lines }),
    col: fc.integer({ min: 1, max: 40 }),
  }).map(({ key, value, origin, line, col }): LabelInput => {
    if (origin !== 'file') return { key, value, origin };
    const range: SourceRange = { start: { line, col }, end: { line, col: col + key.length + 1 + value.length } };
    const valueRange: SourceRange = { start: { line, col: col + key.length + 1 }, end: range.end };
    return { key, value, origin, range, valueRange };
  });

const producedPath = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), path: fc.constantFrom('/unikernel/kernel', '/k', '/a/b', '/') }),
  fc.record({ kind: fc.constant('tree' as const), dir: fc.constantFrom('/', '/unikernel', '/k', '/a') }),
).map((p): ProducedPath => ({ ...p, range: { start: { line: 1, col: 1 }, end: { line: 1, col: 2 } } }));

const validatorCase = fc.integer({ min: 1, max: 50 }).chain((lines) =>
  fc.record({
    lines: fc.constant(lines),
    labels: fc.array(labelInput(lines), { maxLength: 20 }),
    produced: fc.array(producedPath, { maxLength: 5 }),
    base: fc.constantFrom<'scratch' | 'image' | 'stage'>('scratch', 'image', 'stage'),
    baseKnown: fc.boolean(),
    anchor: fc.integer({ min: 1, max: lines }),
  }),
);

describe('validateUrunc', () => {
  it('never throws; every diagnostic points at a label it was given or at the anchor', () => {
    fc.assert(
      fc.property(validatorCase, (c) => {
        const anchor: SourceRange = { start: { line: c.anchor, col: 1 }, end: { line: c.anchor, col: 5 } };
        const r = validateUrunc(c.labels, { file: 'Containerfile', anchor, produced: c.produced, base: c.base, baseKnown: c.baseKnown });
        const allowed = [anchor, ...c.labels.flatMap((l) => [l.range, l.valueRange])].filter((x) => x !== undefined);
        for (const d of r.diagnostics) {
          expect(allowed).toContainEqual(d.range);
          expect(d.range.start.line).toBeGreaterThanOrEqual(1);
          expect(d.range.start.line).toBeLessThanOrEqual(c.lines);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the last value of every key (as Docker), sorted by UTF-8 bytes; values are the urunc subset', () => {
    fc.assert(
      fc.property(validatorCase, (c) => {
        const anchor: SourceRange = { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
        const r = validateUrunc(c.labels, { file: 'Containerfile', anchor, produced: c.produced, base: c.base, baseKnown: c.baseKnown });
        const last = new Map(c.labels.map((l) => [l.key, l.value]));
        const keys = [...last.keys()].sort(compareBytes);
        expect(Object.entries(r.labels)).toEqual(keys.map((k) => [k, last.get(k)]));
        expect(Object.entries(r.values)).toEqual(keys.filter((k) => k.startsWith(URUNC_PREFIX)).map((k) => [k, last.get(k)]));
      }),
      { numRuns: 500 },
    );
  });
});

describe('/urunc.json', () => {
  it('round-trips any well-formed unicode keys and values through standard base64', () => {
    const text = fc.string({ unit: 'binary', maxLength: 64 }).map(wellFormed);
    fc.assert(
      fc.property(fc.dictionary(text, text, { maxKeys: 8 }), (values) => {
        const bytes = renderUruncJson(values);
        const back = parseUruncJson(bytes);
        expect(back).toEqual(values);
        expect(Object.keys(back)).toEqual(Object.keys(values).sort(compareBytes));
      }),
      { numRuns: 500 },
    );
  });
});
