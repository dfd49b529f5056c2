// The meaning of Containerfiles: each row is a file (and options) and the exact plan fragment Docker's
// rules give for it.
import { describe, expect, test } from 'vitest';
import type { PlanOptions } from '../../src/containerfile/index.js';
import { copySteps } from '../../src/plan/steps.js';
import type { Plan, Stage } from '../../src/plan/types.js';
import { lastStage, planOf } from './helpers.js';

const labels = (s: Stage) => s.config.labels.map((l) => [l.key, l.value]);
const env = (s: Stage) => s.config.env.map((e) => e.value);
const copies = (s: Stage) =>
  copySteps([s]).map((c) => ({
    from: c.from,
    sources: c.sources.map((x) => x.value),
    dest: c.dest.value,
    ...(c.chmod !== undefined ? { chmod: c.chmod } : {}),
    ...(c.chown ? { chown: c.chown } : {}),
    link: c.link,
    unpack: c.unpack,
  }));
const cmd = (s: Stage) => ({ entrypoint: s.config.entrypoint?.value, cmd: s.config.cmd?.value });

type Row = [name: string, text: string, opts: Partial<PlanOptions>, view: (s: Stage) => unknown, expected: unknown];

const row = (name: string, text: string, view: (s: Stage) => unknown, expected: unknown, opts: Partial<PlanOptions> = {}): Row => [
  name,
  text,
  opts,
  view,
  expected,
];

describe('stage semantics', () => {
  const rows: Row[] = [
    // FROM
    row('FROM scratch', 'FROM scratch', (s) => s.base, { kind: 'scratch' }),
    row('FROM an image normalises the reference', 'FROM alpine', (s) => s.base, {
      kind: 'image',
      ref: 'docker.io/library/alpine:latest',
      written: 'alpine',
    }),
    row('FROM keeps a pinned digest', `FROM ghcr.io/a/b@sha256:${'a'.repeat(64)}`, (s) => s.base, {
      kind: 'image',
      ref: `ghcr.io/a/b@sha256:${'a'.repeat(64)}`,
      written: `ghcr.io/a/b@sha256:${'a'.repeat(64)}`,
    }),
    row('lower-case instructions and AS', 'from alpine:3 as Base', (s) => [s.name, s.base], [
      'base',
      { kind: 'image', ref: 'docker.io/library/alpine:3', written: 'alpine:3' },
    ]),
    row('FROM an earlier stage', 'FROM alpine AS a\nFROM A', (s) => s.base, { kind: 'stage', stage: 0 }),
    row('FROM with a global ARG', 'ARG V=3.19\nFROM alpine:${V}', (s) => s.base, {
      kind: 'image',
      ref: 'docker.io/library/alpine:3.19',
      written: 'alpine:3.19',
    }),
    row('a build arg overrides the global default', 'ARG V=3.19\nFROM alpine:$V', (s) => (s.base as { written: string }).written, 'alpine:3.20', {
      buildArgs: { V: '3.20' },
    }),
    row('FROM --platform', 'FROM --platform=qemu/x86_64 unikraft.org/nginx:1.15', (s) => s.platform?.value, {
      os: 'qemu',
      architecture: 'amd64',
    }),
    row('FROM --platform=$BUILDPLATFORM needs no ARG', 'FROM --platform=$BUILDPLATFORM scratch', (s) => s.platform?.value, {
      os: 'linux',
      architecture: 'arm64',
    }),
    row('FROM --platform from a global ARG', 'ARG P=linux/arm/v6\nFROM --platform=${P} scratch', (s) => s.platform?.value, {
      os: 'linux',
      architecture: 'arm',
      variant: 'v6',
    }),

    // ARG scopes
    row('a global ARG must be re-declared in the stage', 'ARG V=1\nFROM scratch\nLABEL a=$V\nARG V\nLABEL b=$V', labels, [
      ['a', ''],
      ['b', '1'],
    ]),
    row('a stage ARG default', 'FROM scratch\nARG V=x\nLABEL v=$V', labels, [['v', 'x']]),
    row('a build arg overrides a stage ARG default', 'FROM scratch\nARG V=x\nLABEL v=$V', labels, [['v', 'y']], {
      buildArgs: { V: 'y' },
    }),
    row('a stage ARG default wins over the global value', 'ARG V=g\nFROM scratch\nARG V=s\nLABEL v=$V', labels, [['v', 's']]),
    row('several ARGs on one line, defaults see earlier ones', 'FROM scratch\nARG A=1 B=${A}2\nLABEL v=$B', labels, [['v', '12']]),
    row('a declared ARG without value is unset', 'FROM scratch\nARG V\nLABEL a=${V-unset} b=${V:-empty}', labels, [
      ['a', 'unset'],
      ['b', 'empty'],
    ]),
    row('automatic platform args when declared', 'FROM scratch\nARG TARGETARCH TARGETOS TARGETPLATFORM BUILDARCH\nLABEL p=$TARGETOS/$TARGETARCH t=$TARGETPLATFORM b=$BUILDARCH', labels, [
      ['p', 'linux/amd64'],
      ['t', 'linux/amd64'],
      ['b', 'arm64'],
    ]),
    row('automatic platform args are not visible undeclared', 'FROM scratch\nLABEL a=${TARGETARCH:-none}', labels, [['a', 'none']]),
    row('TARGETVARIANT', 'FROM scratch\nARG TARGETVARIANT\nLABEL v=$TARGETVARIANT', labels, [['v', 'v7']], {
      targetPlatform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    }),
    row('ENV wins over ARG of the same name', 'FROM scratch\nENV V=env\nARG V=arg\nLABEL v=$V', labels, [['v', 'env']]),
    row('base image env is usable', 'FROM alpine\nLABEL p=$PATH', labels, [['p', '/usr/bin:/bin']], {
      baseImage: (ref) => (ref === 'docker.io/library/alpine:latest' ? { env: ['PATH=/usr/bin:/bin'] } : undefined),
    }),
    row('a child stage sees the parent stage env', 'FROM scratch AS a\nENV X=1\nFROM a\nLABEL x=$X', labels, [['x', '1']]),

    // LABEL
    row('LABEL with quotes', `FROM scratch\nLABEL k='a b' "q r"="s t" u=v\\ w`, labels, [
      ['k', 'a b'],
      ['q r', 's t'],
      ['u', 'v w'],
    ]),
    row('LABEL legacy form', 'FROM scratch\nLABEL key some value', labels, [['key', 'some value']]),
    row('LABEL across continuation lines and comments', 'FROM scratch\nLABEL a=1 \\\n  # note\n\n  b=2', labels, [
      ['a', '1'],
      ['b', '2'],
    ]),
    row('LABEL keys expand too', 'FROM scratch\nARG P=com.urunc.unikernel\nLABEL $P.binary=/k', labels, [['com.urunc.unikernel.binary', '/k']]),
    row('LABEL duplicates are kept in order', 'FROM scratch\nLABEL a=1\nLABEL a=2', labels, [
      ['a', '1'],
      ['a', '2'],
    ]),
    row('single quotes keep $ literal', "FROM scratch\nARG X=1\nLABEL a='$X' b=\"$X\"", labels, [
      ['a', '$X'],
      ['b', '1'],
    ]),

    // ENV
    row('ENV pairs see the env from before the instruction', 'FROM scratch\nENV A=1\nENV A=2 B=$A', env, [
      ['A', '1'],
      ['A', '2'],
      ['B', '1'],
    ]),
    row('ENV legacy form keeps the rest of the line', 'FROM scratch\nENV GREETING hello  world', env, [['GREETING', 'hello  world']]),

    // CMD / ENTRYPOINT
    row('CMD JSON form', 'FROM scratch\nCMD ["/k", "-v", "$HOME"]', cmd, { entrypoint: undefined, cmd: ['/k', '-v', '$HOME'] }),
    row('CMD shell form is split, never wrapped in a shell', 'FROM scratch\nCMD nginx -c "/etc/a b.conf"', cmd, {
      entrypoint: undefined,
      cmd: ['nginx', '-c', '/etc/a b.conf'],
    }),
    row('CMD is not expanded', 'FROM scratch\nARG X=1\nCMD echo $X', cmd, { entrypoint: undefined, cmd: ['echo', '$X'] }),
    row('a JSON-looking CMD that is not JSON is the shell form', "FROM scratch\nCMD ['/k']", cmd, { entrypoint: undefined, cmd: ['[/k]'] }),
    row('ENTRYPOINT resets the inherited CMD', 'FROM scratch\nENTRYPOINT ["/k"]', cmd, { entrypoint: ['/k'], cmd: [] }),
    row('ENTRYPOINT keeps a CMD set earlier in the stage', 'FROM scratch\nCMD ["a"]\nENTRYPOINT ["/k"]', cmd, {
      entrypoint: ['/k'],
      cmd: ['a'],
    }),
    row('CMD after ENTRYPOINT', 'FROM scratch\nENTRYPOINT /k\nCMD x', cmd, { entrypoint: ['/k'], cmd: ['x'] }),

    // WORKDIR, USER, EXPOSE, STOPSIGNAL, VOLUME
    row('WORKDIR relative to the previous one', 'FROM scratch\nWORKDIR /a\nWORKDIR b/\nWORKDIR ../c', (s) => s.config.workdir?.value, '/a/c'),
    row('WORKDIR expands', 'FROM scratch\nENV D=/srv\nWORKDIR $D/app', (s) => s.config.workdir?.value, '/srv/app'),
    row('USER', 'FROM scratch\nARG U=1000\nUSER $U:$U', (s) => s.config.user?.value, '1000:1000'),
    row('EXPOSE ports', 'FROM scratch\nEXPOSE 80 53/udp 443/TCP 8000-8002', (s) => s.config.exposedPorts.map((p) => p.value), [
      '80/tcp',
      '53/udp',
      '443/tcp',
      '8000/tcp',
      '8001/tcp',
      '8002/tcp',
    ]),
    row('EXPOSE expands', 'FROM scratch\nARG P=8080\nEXPOSE $P', (s) => s.config.exposedPorts.map((p) => p.value), ['8080/tcp']),
    row('STOPSIGNAL', 'FROM scratch\nSTOPSIGNAL SIGINT', (s) => s.config.stopSignal?.value, 'SIGINT'),
    row('VOLUME words', 'FROM scratch\nVOLUME /data /logs', (s) => s.config.volumes.map((v) => v.value), ['/data', '/logs']),
    row('VOLUME JSON', 'FROM scratch\nARG D=/x\nVOLUME ["/data", "$D"]', (s) => s.config.volumes.map((v) => v.value), ['/data', '/x']),

    // COPY / ADD
    row('COPY one file', 'FROM scratch\nCOPY kernel /unikernel/kernel', copies, [
      { from: { kind: 'context' }, sources: ['kernel'], dest: '/unikernel/kernel', link: false, unpack: false },
    ]),
    row('COPY several sources into a directory', 'FROM scratch\nCOPY a b /dst/', copies, [
      { from: { kind: 'context' }, sources: ['a', 'b'], dest: '/dst/', link: false, unpack: false },
    ]),
    row('COPY JSON form with spaces', 'FROM scratch\nCOPY ["a b", "/c d/"]', copies, [
      { from: { kind: 'context' }, sources: ['a b'], dest: '/c d/', link: false, unpack: false },
    ]),
    row('COPY dest relative to WORKDIR', 'FROM scratch\nWORKDIR /app\nCOPY a b/\nCOPY c .\nCOPY d e', (s) => copySteps([s]).map((c) => c.dest.value), [
      '/app/b/',
      '/app/',
      '/app/e',
    ]),
    row('COPY drops a leading / of context sources', 'FROM scratch\nCOPY /kernel /k', (s) => copySteps([s])[0]!.sources.map((x) => x.value), ['kernel']),
    row('COPY flags', 'FROM scratch\nCOPY --chmod=0755 --chown=app:staff --link k /k', copies, [
      { from: { kind: 'context' }, sources: ['k'], dest: '/k', chmod: 0o755, chown: { user: 'app', group: 'staff' }, link: true, unpack: false },
    ]),
    row('COPY --link=false and a user-only --chown', 'FROM scratch\nCOPY --link=false --chown=1000 k /k', copies, [
      { from: { kind: 'context' }, sources: ['k'], dest: '/k', chown: { user: '1000' }, link: false, unpack: false },
    ]),
    row('COPY --from a stage name', 'FROM alpine AS build\nFROM scratch\nCOPY --from=build /out/k /k', (s) => copySteps([s])[0]!.from, {
      kind: 'stage',
      stage: 0,
    }),
    row('COPY --from a stage index', 'FROM alpine\nFROM scratch\nCOPY --from=0 /out/k /k', (s) => copySteps([s])[0]!.from, { kind: 'stage', stage: 0 }),
    row('COPY --from an image', 'FROM scratch\nCOPY --from=unikraft.org/nginx:1.15 /unikraft/bin/kernel /k', (s) => copySteps([s])[0]!.from, {
      kind: 'image',
      ref: 'unikraft.org/nginx:1.15',
      written: 'unikraft.org/nginx:1.15',
    }),
    row('COPY expands sources, dest and flags', 'FROM scratch\nARG K=kernel S=build U=1\nCOPY --chown=$U $K /$K', copies, [
      { from: { kind: 'context' }, sources: ['kernel'], dest: '/kernel', chown: { user: '1' }, link: false, unpack: false },
    ]),
    row('COPY wildcard into a directory', 'FROM scratch\nCOPY *.img /disk/', (s) => copySteps([s])[0]!.sources.map((x) => x.value), ['*.img']),
    row('ADD unpacks local archives', 'FROM scratch\nADD rootfs.tar /', copies, [
      { from: { kind: 'context' }, sources: ['rootfs.tar'], dest: '/', link: false, unpack: true },
    ]),
    row('description as written after expansion', 'FROM scratch\nARG K=kernel\nCOPY --chmod=755 $K /unikernel/kernel', (s) => copySteps([s])[0]!.description, 'COPY --chmod=755 kernel /unikernel/kernel'),

    // Lines
    row('CRLF and a BOM', '\ufeffFROM scratch\r\nLABEL a=b\r\n', labels, [['a', 'b']]),
    row('the backtick escape directive', '# escape=`\nFROM scratch\nLABEL a=C:\\x `\n  b=2', labels, [
      ['a', 'C:\\x'],
      ['b', '2'],
    ]),
    row('blanks after a continuation escape', 'FROM scratch\nLABEL a=1 \\  \n b=2', labels, [
      ['a', '1'],
      ['b', '2'],
    ]),
  ];
  test.each(rows)('%s', (_name, text, opts, view, expected) => {
    expect(view(lastStage(text, opts))).toEqual(expected);
  });
});

describe('history', () => {
  test('exec-form words are quoted like Go %q: printable Unicode kept, other spaces and format characters escaped', () => {
    // NBSP and ZWSP as themselves, BEL as a JSON escape (a raw control character is not JSON).
    const s = lastStage('FROM scratch\nCMD ["é", "a\u00a0b", "z\u200bw", "\\u0007", "😀"]');
    expect(s.history).toEqual([{ createdBy: 'CMD ["é" "a\\u00a0b" "z\\u200bw" "\\a" "😀"]', emptyLayer: true }]);
  });

  test('WORKDIR makes a layer (its mkdir), as BuildKit records it', () => {
    expect(lastStage('FROM scratch\nWORKDIR /w').history).toEqual([{ createdBy: 'WORKDIR /w', emptyLayer: false }]);
  });

  test('WORKDIR / makes no layer', () => {
    expect(lastStage('FROM scratch\nWORKDIR /').history).toEqual([{ createdBy: 'WORKDIR /', emptyLayer: true }]);
  });

  test('WORKDIR becomes a step carrying the cleaned directory and the USER set before it', () => {
    expect(lastStage('FROM scratch\nUSER app\nENV D=srv\nWORKDIR /$D/../app/').steps).toEqual([
      { kind: 'workdir', range: expect.anything(), description: 'WORKDIR /srv/../app/', dir: '/app', user: 'app' },
    ]);
  });

  test('one entry per instruction, like BuildKit', () => {
    const s = lastStage(
      'FROM scratch\nARG V=1 W\nLABEL a=$V b="x y"\nENV E=2\nWORKDIR /w\nCOPY --chmod=0755 k d/\nUSER 1\nEXPOSE 80\nSTOPSIGNAL SIGTERM\nVOLUME /v /u\nENTRYPOINT ["/k", "a \\"b\\""]\nCMD x',
    );
    expect(s.history).toEqual([
      { createdBy: 'ARG V=1 W', emptyLayer: true },
      { createdBy: 'LABEL a=1 b=x y', emptyLayer: true },
      { createdBy: 'ENV E=2', emptyLayer: true },
      { createdBy: 'WORKDIR /w', emptyLayer: false },
      { createdBy: 'COPY k d/ # buildkit', emptyLayer: false },
      { createdBy: 'USER 1', emptyLayer: true },
      { createdBy: 'EXPOSE 80', emptyLayer: true },
      { createdBy: 'STOPSIGNAL SIGTERM', emptyLayer: true },
      { createdBy: 'VOLUME [/v /u]', emptyLayer: true },
      { createdBy: 'ENTRYPOINT ["/k" "a \\"b\\""]', emptyLayer: true },
      { createdBy: 'CMD ["x"]', emptyLayer: true },
    ]);
  });
});

describe('plan', () => {
  const plan = (text: string, opts: Partial<PlanOptions> = {}): Plan => planOf(text, opts);

  test('the target is the last stage by default', () => {
    expect(plan('FROM scratch AS a\nFROM scratch AS b').target).toBe(1);
  });

  test('--target picks a stage by name, case-insensitively', () => {
    expect(plan('FROM scratch AS a\nFROM scratch AS b', { target: 'A' }).target).toBe(0);
  });

  test('directives are kept', () => {
    expect(plan('# syntax=x/y\nFROM scratch').directives).toEqual({ syntax: 'x/y' });
  });

  test('file name is kept', () => {
    expect(plan('FROM scratch', { file: 'sub/Containerfile' }).file).toBe('sub/Containerfile');
  });

  test('unused build args are those no ARG declares, minus automatic and proxy args', () => {
    const p = plan('ARG A\nFROM scratch\nARG B', {
      buildArgs: { A: '1', B: '2', C: '3', Z: '4', TARGETARCH: 'x', HTTP_PROXY: 'p', no_proxy: 'q' },
    });
    expect(p.unusedBuildArgs).toEqual(['C', 'Z']);
  });

  test('stage indexes and names', () => {
    expect(plan('FROM alpine AS one\nFROM scratch\nFROM one AS three').stages.map((s) => [s.index, s.name])).toEqual([
      [0, 'one'],
      [1, undefined],
      [2, 'three'],
    ]);
  });

  test('ranges are 1-based and point at what was written', () => {
    const s = lastStage('FROM scratch\n\n  COPY --chmod=0755 kernel \\\n    /unikernel/kernel');
    const step = copySteps([s])[0]!;
    expect(s.range).toEqual({ start: { line: 1, col: 1 }, end: { line: 1, col: 13 } });
    expect(step.range).toEqual({ start: { line: 3, col: 3 }, end: { line: 4, col: 22 } });
    expect(step.sources[0]!.range).toEqual({ start: { line: 3, col: 21 }, end: { line: 3, col: 27 } });
    expect(step.dest.range).toEqual({ start: { line: 4, col: 5 }, end: { line: 4, col: 22 } });
  });

  test('a label range covers key and value', () => {
    const s = lastStage('FROM scratch\nLABEL  a="b c"');
    expect(s.config.labels[0]!.range).toEqual({ start: { line: 2, col: 8 }, end: { line: 2, col: 15 } });
  });
});
