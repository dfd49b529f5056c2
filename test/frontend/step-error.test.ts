// A failed Solve's error, led by the file:line:col and step of the op BuildKit says failed.
import { describe, expect, it } from 'vitest';
import { locateSolveError } from '../../src/frontend/step-error.js';
import { GrpcError } from '../../src/frontend/transport.js';
import { google } from '../../src/gen/pb.js';
import { decodeDefinition, encodeDefinition, image, marshal, sourceMap, type Definition } from '../../src/llb/index.js';

const file = sourceMap('Containerfile', 'FROM busybox\n\nRUN make\n');
const definition: Definition = marshal(
  image('busybox')
    .run({ args: ['/bin/sh', '-c', 'make'], customName: '[build 2/2] RUN make', locations: [{ map: file, ranges: [{ start: { line: 3, character: 0 }, end: { line: 3, character: 8 } }] }] })
    .root(),
  { platform: { os: 'linux', architecture: 'amd64' } },
);
const ops = decodeDefinition(encodeDefinition(definition)).ops;
const execDigest = ops.find((o) => o.op.exec)!.digest;
const sourceDigest = ops.find((o) => o.op.source)!.digest;

const MESSAGE = 'process "/bin/sh -c make" did not complete successfully: exit code: 2';
const vertexDetail = (digest: string): google.rpc.IAny => ({ type_url: 'github.com/moby/buildkit/errdefs.Vertex+json', value: Buffer.from(JSON.stringify({ digest })) });
const failure = (details: google.rpc.IAny[]): GrpcError => new GrpcError(2, MESSAGE, google.rpc.Status.encode({ code: 2, message: MESSAGE, details }).finish());

describe('locateSolveError', () => {
  it('leads the message with the failing RUN line and step', () => {
    expect(locateSolveError(failure([vertexDetail(execDigest)]), definition).message).toBe(`Containerfile:3:1: RUN make: ${MESSAGE}`);
  });

  it('keeps the engine details, with the new message in the status', () => {
    const other = { type_url: 'github.com/moby/buildkit/stack.Stack+json', value: Buffer.from('{}') };
    const st = locateSolveError(failure([vertexDetail(execDigest), other]), definition).toStatus();
    expect(st.message).toBe(`Containerfile:3:1: RUN make: ${MESSAGE}`);
    expect(st.details?.map((d) => d.type_url)).toEqual(['github.com/moby/buildkit/errdefs.Vertex+json', 'github.com/moby/buildkit/stack.Stack+json']);
  });

  it('leaves an error about an op without a location as the engine sent it', () => {
    const e = failure([vertexDetail(sourceDigest)]);
    expect(locateSolveError(e, definition)).toBe(e);
  });

  it('leaves an error without a vertex detail as the engine sent it', () => {
    const e = failure([]);
    expect(locateSolveError(e, definition)).toBe(e);
  });

  it('ignores a vertex detail that is not JSON', () => {
    const e = failure([{ type_url: 'github.com/moby/buildkit/errdefs.Vertex+json', value: Buffer.from('nope') }]);
    expect(locateSolveError(e, definition)).toBe(e);
  });

  it('names the first RUN --network=host when the build lacks the network.host entitlement, and how to grant it', () => {
    const loc = (line: number) => [{ map: file, ranges: [{ start: { line, character: 0 }, end: { line, character: 20 } }] }];
    const def = marshal(
      image('busybox')
        .run({ args: ['a'], customName: '[2/3] RUN --network=host a', network: 'host', locations: loc(4) })
        .root()
        .run({ args: ['b'], customName: '[3/3] RUN --network=host b', network: 'host', locations: loc(3) })
        .root(),
      { platform: { os: 'linux', architecture: 'amd64' } },
    );
    const msg = 'failed to load LLB: network.host is not allowed';
    const e = new GrpcError(2, msg, google.rpc.Status.encode({ code: 2, message: msg }).finish());
    expect(locateSolveError(e, def).message).toBe(
      `Containerfile:3:1: RUN --network=host b: ${msg}: RUN --network=host needs the network.host entitlement: ` +
        'build with `docker build --network=host` (Docker 20.10), `docker buildx build --allow network.host` or `buildctl build --allow network.host`',
    );
  });

  it('leaves an entitlement error as it is when no RUN asks for the entitlement', () => {
    const msg = 'failed to load LLB: security.insecure is not allowed';
    const e = new GrpcError(2, msg, google.rpc.Status.encode({ code: 2, message: msg }).finish());
    expect(locateSolveError(e, definition)).toBe(e);
  });
});
