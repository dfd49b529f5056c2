// Whatever the text, buildPlan answers with a plan or diagnostics inside the file: never an exception
// (buildPlan turns one into an "internal error" diagnostic, so the property checks for that too).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { buildPlan } from '../../src/containerfile/index.js';
import { defaults } from './helpers.js';

const VALID = `# syntax=docker/dockerfile:1
ARG VERSION=1.15
FROM --platform=qemu/amd64 unikraft.org/nginx:\${VERSION} AS kernel
FROM scratch
ARG TARGETARCH
COPY --from=kernel /unikraft/bin/kernel /unikernel/kernel
COPY --chmod=0644 ["conf/nginx.conf", "/etc/nginx/"]
ADD rootfs.tar /
LABEL com.urunc.unikernel.binary=/unikernel/kernel \\
      com.urunc.unikernel.unikernelType="unikraft" \\
      com.urunc.unikernel.hypervisor='qemu'
ENV A=1 B="\${A}-$TARGETARCH"
WORKDIR /srv
ENTRYPOINT ["/unikernel/kernel"]
CMD -c /etc/nginx/nginx.conf
EXPOSE 80 443/tcp
`;

function check(text: string): void {
  const r = buildPlan(text, { ...defaults, buildArgs: { VERSION: '1.16' } });
  const lines = text.replace(/^\ufeff/, '').split(/\n/).length;
  for (const d of r.diagnostics) {
    expect(d.message).not.toMatch(/^internal error/);
    expect(d.range.start.line).toBeGreaterThanOrEqual(1);
    expect(d.range.start.line).toBeLessThanOrEqual(lines);
    expect(d.range.start.col).toBeGreaterThanOrEqual(1);
  }
  expect(r.plan !== undefined || r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
}

test('the valid sample gives a plan', () => {
  expect(buildPlan(VALID, defaults).plan?.stages.length).toBe(2);
});

test('arbitrary text never throws', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 500 });
});

const TOKENS = [
  'FROM ', 'COPY ', 'ADD ', 'LABEL ', 'ENV ', 'ARG ', 'CMD ', 'ENTRYPOINT ', 'WORKDIR ', 'EXPOSE ', 'VOLUME ',
  'USER ', 'STOPSIGNAL ', 'RUN ', 'scratch', 'alpine', ' AS ', '--from=', '--chmod=', '--platform=', '--link',
  '$', '${', '}', ':-', ':+', '?', '"', "'", '\\', '`', '[', ']', ',', '=', ' ', '\t', '\n', '\r\n', '#', '# escape=`\n',
  '<<EOF', '..', '/', '*', 'a', 'B', '0', '\ufeff',
];

test('token soup never throws', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join('')), check), {
    numRuns: 1000,
  });
});

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 8 }),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })),
});

test('random edits of a valid file never throw', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
      let text = VALID;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
      }
      check(text);
    }),
    { numRuns: 1000 },
  );
});
