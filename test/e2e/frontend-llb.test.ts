// The Definition the frontend solves inside BuildKit is the one `punch llb` prints for the same input:
// the same ops in the same graph, with the same metadata. Only the context source's identity differs
// by design (the frontend names its client session, `punch llb` a stable `local.unique`), and an image
// base is pinned to the digest BuildKit resolved, which `punch llb` cannot know.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { decodeDefinition, int64ToNumber, metadataToJSON, opToJSON } from '../../src/llb/index.js';
import {
  URUNC,
  definitionLoggingFrontend,
  exampleContext,
  publishUnikraftIndex,
  punchBuildOk,
  punchStdout,
  solvedDefinition,
  syntaxLine,
  type PublishedIndex,
} from './frontend-support.js';
import { e2e, makeContext, onEachEngine } from './engine.js';

type Json = ReturnType<typeof opToJSON>;

interface Normalised {
  /** The terminal output as a tree: each op with its inputs replaced by the ops they point at. */
  graph: Json;
  /** How many ops the Definition holds (a stray op would not show in the tree). */
  ops: number;
  /** `local.session` / `local.unique` of the context source and their caps, taken out of the graph. */
  identity: Record<string, string>;
  /** `@sha256:...` pins taken out of image identifiers (and their progress names). */
  pins: string[];
}

function normalise(bytes: Uint8Array): Normalised {
  const d = decodeDefinition(bytes);
  const identity: Record<string, string> = {};
  const pins: string[] = [];
  const node = (digest: string, index: number): Json => {
    const o = d.byDigest.get(digest);
    if (!o) throw new Error(`input ${digest} is not in the Definition`);
    const json = opToJSON(o.op);
    const source = o.op.source;
    if (source) {
      const attrs = { ...(source.attrs ?? {}) };
      for (const k of ['local.session', 'local.unique']) {
        if (attrs[k] !== undefined) identity[k] = attrs[k]!;
        delete attrs[k];
      }
      let identifier = source.identifier ?? '';
      const pin = /@sha256:[0-9a-f]{64}$/.exec(identifier);
      if (pin && identifier.startsWith('docker-image://')) {
        pins.push(pin[0].slice(1));
        identifier = identifier.slice(0, pin.index);
      }
      json.Op = { source: { identifier, ...(Object.keys(attrs).length > 0 ? { attrs } : {}) } };
    }
    json.inputs = (o.op.inputs ?? []).map((i) => node(i.digest ?? '', int64ToNumber(i.index)));
    const metadata = metadataToJSON(o.metadata);
    // The caps that go with the two identities.
    const caps = metadata.caps as Record<string, boolean> | undefined;
    for (const cap of ['source.local.sessionid', 'source.local.unique']) {
      if (caps?.[cap] === undefined) continue;
      identity[cap] = 'cap';
      delete caps[cap];
    }
    const description = metadata.description as Record<string, string> | undefined;
    const name = description?.['llb.customname'];
    if (name !== undefined) description!['llb.customname'] = name.replace(/@sha256:[0-9a-f]{64}$/, '');
    return { output: index, op: json, metadata };
  };
  if (!d.terminal) throw new Error('empty Definition');
  return { graph: node(d.terminal.digest, d.terminal.index), ops: d.ops.length, identity, pins };
}

interface Case {
  name: string;
  context: () => string;
  file?: string;
  /** Called at run time: a value may name what beforeAll published. */
  buildArgs?: () => Record<string, string>;
  /** The base is an image BuildKit pins: the published Unikraft index, or the setup's busybox. */
  pinned?: 'catalog' | 'busybox';
  /** No COPY reads the context: the graph has no context source. */
  noContext?: boolean;
  labels?: Record<string, string>;
  target?: string;
}

let catalog: PublishedIndex;
let frontend: string;

beforeAll(async () => {
  frontend = await definitionLoggingFrontend();
  catalog = await publishUnikraftIndex(
    'unikraft/nginx-llb:1.15',
    [
      { os: 'qemu', kernel: 'kernel (qemu)\n', initrd: 'initrd (qemu)\n' },
      { os: 'fc', kernel: 'kernel (fc)\n', initrd: 'initrd (fc)\n' },
    ],
    { env: [], labels: {} },
  );
});

const RUMPRUN = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

const cases: Case[] = [
  { name: 'examples/unikraft-qemu-nginx', context: () => exampleContext('unikraft-qemu-nginx', frontend) },
  { name: 'examples/rumprun-hvt-redis', context: () => exampleContext('rumprun-hvt-redis', frontend) },
  { name: 'examples/linux-firecracker-block', context: () => exampleContext('linux-firecracker-block', frontend) },
  {
    name: 'examples/unikraft-catalog-nginx (an image base)',
    context: () => exampleContext('unikraft-catalog-nginx', frontend),
    buildArgs: () => ({ BASE: catalog.ref }),
    pinned: 'catalog',
    noContext: true,
  },
  {
    name: 'examples/rumprun-hvt-build-stage (RUN in a build stage)',
    context: () => exampleContext('rumprun-hvt-build-stage', frontend),
    buildArgs: () => ({ BASE: e2e().busyboxImage }),
    pinned: 'busybox',
  },
  {
    name: 'examples/linux-qemu-busybox-rootfs (RUN in the final stage)',
    context: () => exampleContext('linux-qemu-busybox-rootfs', frontend),
    buildArgs: () => ({ BASE: e2e().busyboxImage }),
    pinned: 'busybox',
  },
  {
    name: 'several stages, --target, --build-arg, --label, --chmod and .dockerignore',
    context: () =>
      makeContext({
        'sub/Containerfile': [
          syntaxLine(frontend).trimEnd(),
          'ARG FLAVOUR=small',
          'FROM scratch AS parts',
          'ARG FLAVOUR',
          'COPY app-${FLAVOUR}.hvt /out/app.hvt',
          'COPY conf/ /out/conf/',
          'FROM scratch AS release',
          'COPY --from=parts --chmod=0755 /out/app.hvt /unikernel/app.hvt',
          'COPY --from=parts /out/conf /etc/app/',
          RUMPRUN.trimEnd(),
          'FROM release AS debug',
          'ENV DEBUG=1',
          '',
        ].join('\n'),
        '.dockerignore': 'conf/*.bak\n',
        'app-small.hvt': 'small\n',
        'app-large.hvt': 'large\n',
        'conf/app.conf': 'conf\n',
        'conf/app.conf.bak': 'old\n',
      }),
    file: 'sub/Containerfile',
    buildArgs: () => ({ FLAVOUR: 'large' }),
    labels: { 'org.example.team': 'kernel' },
    target: 'release',
  },
];

onEachEngine((engine) => {
  describe('the Definition the frontend solves equals `punch llb` for the same input', () => {
    test.each(cases)('$name', async (c) => {
      const context = c.context();
      const file = c.file ?? 'Containerfile';
      const buildArgs = c.buildArgs?.() ?? {};
      const labels = c.labels ?? {};
      const r = await punchBuildOk({ context, file, tag: 'punch-e2e/llb:case', buildArgs, labels, ...(c.target ? { target: c.target } : {}) });
      const args = ['llb', '-f', join(context, file), '.'];
      for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
      for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
      if (c.target) args.push('--target', c.target);
      const printed = await punchStdout(args, context);

      const solved = normalise(solvedDefinition(r));
      const expected = normalise(printed);
      expect(solved.graph).toEqual(expected.graph);
      expect(solved.ops).toBe(expected.ops);
      // The context source names the build's session inside BuildKit and a stable id in `punch llb`.
      if (c.noContext) {
        expect([solved.identity, expected.identity]).toEqual([{}, {}]);
      } else {
        expect(Object.keys(solved.identity).sort()).toEqual(['local.session', 'source.local.sessionid']);
        expect(solved.identity['local.session']).toMatch(/^\w{20,}$/);
        expect(Object.keys(expected.identity).sort()).toEqual(['local.unique', 'source.local.unique']);
      }
      // An image base is pinned to what BuildKit resolved: for the catalog, the index pushed.
      expect(expected.pins).toEqual([]);
      // Docker 20.10 resolves the busybox base from its own image store (the setup imported it there),
      // with no digest to pin; Docker 26 resolves it in the registry and pins it.
      if (c.pinned === 'busybox') expect(solved.pins).toEqual(engine.name === 'docker20' ? [] : [expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
      else expect(solved.pins).toEqual(c.pinned === 'catalog' ? [catalog.digest] : []);
    });
  });
});
