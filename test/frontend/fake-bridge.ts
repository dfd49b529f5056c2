// A scriptable stand-in for BuildKit's LLBBridge: a node:http2 server on a unix socket speaking gRPC's
// framing, with one handler per method, recording every request (headers, raw and decoded payload).
import { randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { connectGrpc, type ConnectOptions, type UnaryCaller } from '../../src/frontend/transport.js';
import { google, moby } from '../../src/gen/pb.js';

const gw = moby.buildkit.v1.frontend;

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

// Request and response types per method, as in gateway.proto.
export const methods = {
  Ping: [gw.PingRequest, gw.PongResponse],
  Solve: [gw.SolveRequest, gw.SolveResponse],
  ReadFile: [gw.ReadFileRequest, gw.ReadFileResponse],
  ReadDir: [gw.ReadDirRequest, gw.ReadDirResponse],
  StatFile: [gw.StatFileRequest, gw.StatFileResponse],
  ResolveImageConfig: [gw.ResolveImageConfigRequest, gw.ResolveImageConfigResponse],
  Evaluate: [gw.EvaluateRequest, gw.EvaluateResponse],
  Return: [gw.ReturnRequest, gw.ReturnResponse],
  Inputs: [gw.InputsRequest, gw.InputsResponse],
  Warn: [gw.WarnRequest, gw.WarnResponse],
} as const;

export type Method = keyof typeof methods;

export type RequestOf<M extends Method> = ReturnType<(typeof methods)[M][0]['decode']>;
export type ResponseOf<M extends Method> = Parameters<(typeof methods)[M][1]['encode']>[0];

/** Throw from a handler to answer with a non-OK status. */
export class FakeStatus {
  constructor(
    readonly code: number,
    readonly message: string,
    /** google.rpc.Status to send as grpc-status-details-bin. */
    readonly details?: google.rpc.Status.$Properties,
    /** Send the status in trailers after (empty) headers instead of a trailers-only response. */
    readonly inTrailers = false,
  ) {}
}

/** Throw from a handler to reset the call's stream with this HTTP/2 error code instead of answering. */
export class FakeReset {
  constructor(readonly code: number) {}
}

/** Throw from a handler to answer with a bare HTTP status and no gRPC status. */
export class FakeHttpStatus {
  constructor(readonly status: number) {}
}

export interface FakeBridgeOptions {
  /** node:http2 server options: SETTINGS to announce (window, frame size, concurrency), padding. */
  server?: http2.ServerOptions;
}

export type Handlers = { [M in Method]?: (req: RequestOf<M>) => ResponseOf<M> | Promise<ResponseOf<M>> };

export interface RecordedCall {
  method: string;
  headers: http2.IncomingHttpHeaders;
  /** The request's protobuf payload (without the 5-byte gRPC prefix). */
  payload: Buffer;
  /** Decoded with the method's request type (undefined for unknown methods). */
  request: unknown;
}

export interface FakeBridge {
  calls: RecordedCall[];
  /** Decoded requests of one method, in arrival order. */
  requests<M extends Method>(method: M): RequestOf<M>[];
  /** Server-side HTTP/2 session or stream errors (a stray byte from the client would land here). */
  errors: Error[];
  /** The server side of each client connection, in order (to PING, GOAWAY or change SETTINGS). */
  sessions: http2.ServerHttp2Session[];
  /** Non-zero RST_STREAM codes the streams closed with (from either side), in order. */
  resets: number[];
  /** A client connection to this server (a fresh socket each call). */
  connect(): Promise<net.Socket>;
  close(): Promise<void>;
}

function grpcMessageEncode(message: string): string {
  // Percent-encode as grpc-go does: everything outside printable ASCII, and '%'.
  return Array.from(Buffer.from(message, 'utf8'))
    .map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

function statusHeaders(status: FakeStatus): http2.OutgoingHttpHeaders {
  const h: http2.OutgoingHttpHeaders = { 'grpc-status': String(status.code), 'grpc-message': grpcMessageEncode(status.message) };
  if (status.details) {
    h['grpc-status-details-bin'] = Buffer.from(google.rpc.Status.encode(status.details).finish())
      .toString('base64')
      .replace(/=+$/, ''); // grpc-go sends unpadded base64
  }
  return h;
}

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

export async function startFakeBridge(handlers: Handlers, options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  const calls: RecordedCall[] = [];
  const errors: Error[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  const resets: number[] = [];
  const server = http2.createServer(options.server ?? {});
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('sessionError', (e) => errors.push(e));
  server.on('session', (session) => {
    sessions.push(session);
    session.on('error', (e) => errors.push(e));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('error', (e) => errors.push(e));
    stream.on('close', () => {
      if (stream.rstCode) resets.push(stream.rstCode);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      void (async () => {
        const path = String(headers[':path'] ?? '');
        const method = path.replace('/moby.buildkit.v1.frontend.LLBBridge/', '');
        const body = Buffer.concat(chunks);
        const payload = body.subarray(5, 5 + body.readUInt32BE(1));
        const types = (methods as Record<string, readonly [Codec<unknown>, Codec<unknown>]>)[method];
        let request: unknown;
        let decodeError: Error | undefined;
        try {
          request = types ? types[0].decode(payload) : undefined;
        } catch (e) {
          decodeError = e as Error;
        }
        calls.push({ method, headers, payload, request });
        const handler = (handlers as Record<string, ((r: unknown) => unknown) | undefined>)[method];
        const fail = (st: FakeStatus): void => {
          if (stream.destroyed) return;
          if (st.inTrailers) {
            stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
            stream.on('wantTrailers', () => stream.sendTrailers(statusHeaders(st)));
            stream.end();
          } else {
            stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...statusHeaders(st) }, { endStream: true });
          }
        };
        if (decodeError) {
          fail(new FakeStatus(13, `grpc: error unmarshalling request: ${decodeError.message}`));
          return;
        }
        if (!types || !handler) {
          fail(new FakeStatus(12, `unknown method ${method} for service moby.buildkit.v1.frontend.LLBBridge`));
          return;
        }
        try {
          const response = await handler(request);
          const bytes = types[1].encode(response ?? {}).finish();
          if (stream.destroyed) return;
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
          stream.end(frame(bytes));
        } catch (e) {
          if (e instanceof FakeReset) stream.close(e.code);
          else if (e instanceof FakeHttpStatus) stream.respond({ ':status': e.status }, { endStream: true });
          else if (e instanceof FakeStatus) fail(e);
          else fail(new FakeStatus(2, `fake handler threw: ${(e as Error).message}`));
        }
      })();
    });
  });
  const path = join(tmpdir(), `punch-fake-bridge-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    calls,
    errors,
    sessions,
    resets,
    requests: <M extends Method>(method: M) => calls.filter((c) => c.method === method).map((c) => c.request as RequestOf<M>),
    connect: () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(path, () => resolve(s));
        s.once('error', reject);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Ping answers: the cap lists of Docker 20.10 (BuildKit v0.8) and of a current BuildKit. */
const V08_FRONTEND_CAPS = [
  'solve.base',
  'solve.inlinereturn',
  'resolveimage',
  'resolveimage.resolvemode',
  'readfile',
  'return',
  'returnmap',
  'readdir',
  'statfile',
  'importcaches',
  'proto.refarray',
  'reference.output',
  'frontend.inputs',
  'gateway.solve.metadata',
  'gateway.exec',
  'frontend.caps',
  'gateway.solve.evaluate',
];
const V08_LLB_CAPS = [
  'source.image',
  'source.image.resolvemode',
  'source.local',
  'source.local.unique',
  'source.local.sessionid',
  'source.local.includepatterns',
  'source.local.followpaths',
  'source.local.excludepatterns',
  'source.local.sharedkeyhint',
  'source.git',
  'source.git.keepgitdir',
  'source.git.fullurl',
  'source.git.httpauth',
  'source.git.knownsshhosts',
  'source.git.mountsshsock',
  'source.http',
  'source.http.checksum',
  'exec.meta.base',
  'exec.mount.bind',
  'file.base',
  'constraints',
  'platform',
  'meta.ignorecache',
  'meta.description',
  'meta.exportcache',
];
const CURRENT_FRONTEND_CAPS = [
  ...V08_FRONTEND_CAPS,
  'gateway.exec.extrahosts',
  'gateway.exec.signals',
  'gateway.warnings',
  'gateway.evaluate',
  'reference.attestations',
  'gateway.exec.secretenv',
  'source.metaresolver',
];
const CURRENT_LLB_CAPS = [
  ...V08_LLB_CAPS,
  'file.copy.includeexcludepatterns',
  'source.local.differ',
  'source.git.subdir',
  'mergeop',
  'diffop',
  'exporter.image.annotations',
  'exporter.image.attestations',
  'source.policy',
  'source.ocilayout',
];

function capList(ids: string[], disabled: string[] = []): moby.buildkit.v1.apicaps.APICap.$Properties[] {
  return [...ids.map((ID) => ({ ID, Enabled: true })), ...disabled.map((ID) => ({ ID, Enabled: false, DisabledReason: 'test' }))];
}

export const pongV08: moby.buildkit.v1.frontend.PongResponse.$Properties = {
  FrontendAPICaps: capList(V08_FRONTEND_CAPS),
  LLBCaps: capList(V08_LLB_CAPS),
  Workers: [{ ID: 'w0', platforms: [{ OS: 'linux', Architecture: 'amd64' }] }],
};

export const pongCurrent: moby.buildkit.v1.frontend.PongResponse.$Properties = {
  // A disabled cap is listed but must not count as present.
  FrontendAPICaps: capList(CURRENT_FRONTEND_CAPS, ['gateway.exec.filesystem']),
  LLBCaps: capList(CURRENT_LLB_CAPS, ['exec.meta.cdi']),
  Workers: [
    {
      ID: 'w1',
      platforms: [
        { OS: 'linux', Architecture: 'amd64' },
        { OS: 'linux', Architecture: 'amd64', Variant: 'v2' },
        { OS: 'linux', Architecture: '386' },
      ],
    },
  ],
};

/**
 * For suites of unary calls: returns `setup`, which starts a fake bridge with `handlers` and connects
 * a client to it (punch's connectGrpc unless `connectWith` says otherwise); both are closed after each test of the calling suite.
 */
export function connectedClient(connectWith: (stream: net.Socket, options: ConnectOptions) => UnaryCaller = connectGrpc): (
  handlers: Handlers,
  options?: FakeBridgeOptions,
  connect?: ConnectOptions,
) => Promise<{ bridge: FakeBridge; client: UnaryCaller }> {
  let bridge: FakeBridge | undefined;
  let client: UnaryCaller | undefined;
  afterEach(async () => {
    await client?.close();
    await bridge?.close();
    client = undefined;
    bridge = undefined;
  });
  return async (handlers, options = {}, connect = {}) => {
    bridge = await startFakeBridge(handlers, options);
    client = connectWith(await bridge.connect(), connect);
    return { bridge, client };
  };
}
