// A fake LLBBridge on @grpc/grpc-js, the reference gRPC implementation for Node: its server takes
// connections injected as plain duplex streams (a frontend process's stdio, or a socket), so punch's
// client is checked against a gRPC server it was not written alongside.
import * as grpc from '@grpc/grpc-js';
import * as net from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { methods, type Method, type RequestOf, type ResponseOf } from './fake-bridge.js';

/** Throw from a handler to answer with this status. */
export class GrpcJsStatus extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

export type GrpcJsHandlers = { [M in Method]?: (req: RequestOf<M>) => ResponseOf<M> | Promise<ResponseOf<M>> };

export interface GrpcJsBridge {
  /** Methods called, in arrival order. */
  calls: string[];
  /** Serves one connection (e.g. a frontend process's stdout + stdin). */
  inject(connection: Duplex): void;
  /** A socket to a loopback listener whose connections are injected. */
  connect(): Promise<net.Socket>;
  close(): Promise<void>;
}

export function startGrpcJsBridge(handlers: GrpcJsHandlers): GrpcJsBridge {
  const calls: string[] = [];
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, [req, res]] of Object.entries(methods) as [Method, (typeof methods)[Method]][]) {
    definition[name] = {
      path: `/moby.buildkit.v1.frontend.LLBBridge/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: object) => Buffer.from((req as { encode(m: object): { finish(): Uint8Array } }).encode(m).finish()),
      requestDeserialize: (b: Buffer) => req.decode(b),
      responseSerialize: (m: object) => Buffer.from((res as { encode(m: object): { finish(): Uint8Array } }).encode(m).finish()),
      responseDeserialize: (b: Buffer) => res.decode(b),
    };
    const handler = handlers[name] as ((r: unknown) => unknown) | undefined;
    if (!handler) continue;
    implementation[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      calls.push(name);
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (r) => callback(null, r),
          (e: unknown) => callback(e instanceof GrpcJsStatus ? { code: e.code, details: e.message } : { code: grpc.status.INTERNAL, details: String(e) }),
        );
    };
  }
  // Methods without a handler stay unregistered: grpc-js answers them UNIMPLEMENTED, as BuildKit would.
  server.addService(
    Object.fromEntries(Object.entries(definition).filter(([n]) => n in implementation)),
    implementation,
  );
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = net.createServer((s) => injector.injectConnection(s));
  const sockets: net.Socket[] = [];
  return {
    calls,
    inject: (c) => injector.injectConnection(c),
    connect: () =>
      new Promise((resolve, reject) => {
        const go = (): void => {
          const { port } = listener.address() as net.AddressInfo;
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          sockets.push(s);
          s.once('error', reject);
        };
        if (listener.listening) go();
        else listener.listen(0, '127.0.0.1', go);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      injector.destroy();
      await new Promise<void>((resolve) => (listener.listening ? listener.close(() => resolve()) : resolve()));
      server.forceShutdown();
    },
  };
}

/** A process's stdout (what it writes) and stdin (what it reads) as the server's side of one connection. */
export function processConnection(stdout: Readable, stdin: Writable): Duplex {
  const d = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      stdin.write(chunk, cb);
    },
    final(cb) {
      cb();
    },
  });
  stdout.on('data', (c: Buffer) => {
    if (!d.push(c)) stdout.pause();
  });
  stdout.on('end', () => d.push(null));
  return d;
}
