// A minimal unary gRPC client over any Duplex: BuildKit's LLBBridge is an HTTP/2 (h2c, prior
// knowledge) server on the frontend's stdin/stdout.
//
// Why hand-written HTTP/2 (./h2/): the frontend runs in a fresh container for every build, and
// loading node:http2 costs ~9 ms there (it pulls in tls, crypto, http and ~80 internal modules,
// against ~2 ms for node:net), plus several ms of session set-up in node's JS core before Ping is
// answered. Unary calls need little of HTTP/2 (framing, HPACK decoding, flow control); without
// node:http2 a whole frontend session (start to Return) measured ~12 ms shorter.
// Why not @grpc/grpc-js: it cannot run a client over an arbitrary duplex (grpc/grpc-node#2038), so it
// would need a unix-socket bridge piped to stdio, and it is slower to load still.
// The gRPC part is: framing (1-byte compressed flag + 4-byte big-endian length), four request
// headers, and the status in trailers (or trailers-only responses).
//
// It never writes anywhere but the given stream: stdout carries protocol bytes only.
import { Duplex, type Readable, type Writable } from 'node:stream';
import { google } from '../gen/pb.js';
import { errorCodeName } from './h2/frames.js';
import { GrpcCode, grpcCodeName } from './grpc-status.js';
import { ClientSession, SessionError, StreamError, type H2Response, type SessionFailure } from './h2/session.js';

/**
 * Docker 20.10 (BuildKit v0.8) and BuildKit up to v0.13 reject requests over 4 MiB with
 * ResourceExhausted; refusing locally gives a clearer error than the engine's.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const SERVICE = 'moby.buildkit.v1.frontend.LLBBridge';

/** A non-OK gRPC status: from the engine, or made locally for transport failures. */
export class GrpcError extends Error {
  readonly code: number;
  /** The raw `grpc-status-details-bin` bytes (a marshaled google.rpc.Status), when the server sent them. */
  readonly details: Uint8Array | undefined;

  constructor(code: number, message: string, details?: Uint8Array) {
    super(message);
    this.name = 'GrpcError';
    this.code = code;
    this.details = details;
  }

  /** The status name (`UNAVAILABLE`), for logs. */
  get codeName(): string {
    return grpcCodeName(this.code);
  }

  /**
   * The status to forward unchanged (e.g. into Return.error): the server's own google.rpc.Status when it
   * sent one (as grpc-go does, it is authoritative), else code and message.
   */
  toStatus(): google.rpc.Status.$Properties {
    if (this.details && this.details.length > 0) {
      try {
        const st = google.rpc.Status.decode(this.details);
        return { code: st.code, message: st.message, details: st.details };
      } catch {
        // Undecodable details: fall back to the header values below.
      }
    }
    return { code: this.code, message: this.message };
  }
}

/** What the bridge client needs: one unary call by method name, payloads as protobuf bytes. */
export interface UnaryCaller {
  call(method: string, request: Uint8Array, options?: { timeoutMs?: number }): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Frames one message: flag 0 (uncompressed) + big-endian length + payload. */
export function frameMessage(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

/** Splits a response body into messages; throws GrpcError on a truncated or compressed frame. */
export function parseFrames(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < 5) throw new GrpcError(GrpcCode.INTERNAL, 'truncated gRPC frame header in response');
    const flag = body[offset]!;
    const length = body.readUInt32BE(offset + 1);
    if (flag !== 0) throw new GrpcError(GrpcCode.INTERNAL, 'compressed gRPC response, but no compression was offered');
    if (body.length - offset - 5 < length) throw new GrpcError(GrpcCode.INTERNAL, 'truncated gRPC message in response');
    messages.push(body.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return messages;
}

/** Percent-decodes `grpc-message` leniently (as the gRPC spec asks): bad escapes stay as written. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // The header is ASCII by spec; encode anything else as UTF-8 to be safe.
      for (const b of Buffer.from(value[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** HTTP status → gRPC code when a response carries no grpc-status (gRPC's http-grpc-status-mapping). */
function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

/** Response headers or trailers by (lowercase) name. */
export type GrpcHeaders = Record<string, string | string[] | undefined>;

function headerValue(headers: GrpcHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The status carried by a header block, or undefined when it has none. Used for trailers and for
 * trailers-only responses (status in the initial headers).
 */
export function statusFromHeaders(headers: GrpcHeaders): GrpcError | { code: typeof GrpcCode.OK } | undefined {
  const raw = headerValue(headers, 'grpc-status');
  if (raw === undefined) return undefined;
  const code = Number.parseInt(raw, 10);
  if (!Number.isInteger(code) || code < 0) {
    return new GrpcError(GrpcCode.UNKNOWN, `invalid grpc-status "${raw}" from server`);
  }
  if (code === GrpcCode.OK) return { code: GrpcCode.OK };
  const message = decodeGrpcMessage(headerValue(headers, 'grpc-message') ?? '');
  const detailsB64 = headerValue(headers, 'grpc-status-details-bin');
  const details = detailsB64 ? new Uint8Array(Buffer.from(detailsB64, 'base64')) : undefined;
  return new GrpcError(code, message, details);
}

/**
 * One duplex over a readable and a writable (stdin + stdout in production). Unlike Duplex.from, its
 * destruction only detaches from the two: process.stdout never emits 'close', so a wrapper that waits
 * for both sides to close would keep the HTTP/2 session from ever finishing its close.
 */
export function joinStreams(input: Readable, output: Writable): Duplex {
  const onData = (chunk: Buffer): void => {
    if (!duplex.push(chunk)) input.pause();
  };
  const onEnd = (): void => {
    duplex.push(null);
  };
  const onError = (err: Error): void => {
    duplex.destroy(err);
  };
  const duplex = new Duplex({
    read() {
      input.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      output.write(chunk, callback);
    },
    destroy(err, callback) {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      output.off('error', onError);
      input.pause();
      callback(err);
    },
  });
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('error', onError);
  output.on('error', onError);
  return duplex;
}

export interface ConnectOptions {
  /** Connection-level receive window; big ReadFile responses stream faster with a larger one. */
  windowBytes?: number;
}

function sessionFailureError(failure: SessionFailure): GrpcError {
  switch (failure.kind) {
    case 'error':
      return new GrpcError(GrpcCode.UNAVAILABLE, `connection to BuildKit failed: ${failure.message}`);
    case 'goaway':
      return new GrpcError(GrpcCode.UNAVAILABLE, 'BuildKit closed the gRPC connection');
    case 'closed':
      return new GrpcError(GrpcCode.UNAVAILABLE, 'the gRPC connection to BuildKit is closed');
  }
}

/** The one response message of a finished call, or its error status. */
export function unaryResult(method: string, response: H2Response): Uint8Array | GrpcError {
  // Trailers-only responses (usual for errors) carry the status in the initial headers.
  const status = (response.trailers && statusFromHeaders(response.trailers)) ?? statusFromHeaders(response.headers);
  if (status === undefined) {
    const httpStatus = Number(headerValue(response.headers, ':status') ?? 0);
    if (httpStatus !== 0 && httpStatus !== 200) return new GrpcError(codeForHttpStatus(httpStatus), `${method}: BuildKit answered HTTP ${httpStatus}`);
    return new GrpcError(GrpcCode.UNAVAILABLE, `${method}: the call ended without a gRPC status`);
  }
  if (status instanceof GrpcError) return status;
  try {
    const messages = parseFrames(response.body.length === 1 ? response.body[0]! : Buffer.concat(response.body));
    if (messages.length !== 1) return new GrpcError(GrpcCode.INTERNAL, `${method}: expected one response message, got ${messages.length}`);
    return new Uint8Array(messages[0]!.buffer, messages[0]!.byteOffset, messages[0]!.length);
  } catch (err) {
    return err as GrpcError;
  }
}

/** The request headers of a unary call (both transports send exactly these). */
export function requestHeaders(method: string, timeoutMs?: number): [string, string][] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':authority', 'localhost'],
    [':path', `/${SERVICE}/${method}`],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...(timeoutMs ? [['grpc-timeout', `${Math.ceil(timeoutMs)}m`] as [string, string]] : []),
  ];
}

/** Refuses a request BuildKit would refuse, with the reason; undefined when it may be sent. */
export function requestTooLarge(method: string, request: Uint8Array): GrpcError | undefined {
  if (request.length <= MAX_REQUEST_BYTES) return undefined;
  return new GrpcError(
    GrpcCode.RESOURCE_EXHAUSTED,
    `the ${method} request is ${request.length} bytes, over the 4 MiB (${MAX_REQUEST_BYTES} bytes) that ` +
      'BuildKit accepts (Docker 20.10 and BuildKit < 0.14); make the build smaller (e.g. fewer or smaller inline files)',
  );
}

export function deadlineError(method: string, timeoutMs: number): GrpcError {
  return new GrpcError(GrpcCode.DEADLINE_EXCEEDED, `${method}: no answer from BuildKit within ${timeoutMs} ms`);
}

/**
 * Opens an HTTP/2 client connection over `stream` (BuildKit is the server) and returns a unary caller.
 * Responses of any size are accepted; requests over MAX_REQUEST_BYTES are refused locally.
 */
export function connectGrpc(stream: Duplex, options: ConnectOptions = {}): UnaryCaller {
  const windowBytes = options.windowBytes ?? 16 * 1024 * 1024;
  let sessionError: GrpcError | undefined;
  const failed = (failure: SessionFailure): GrpcError => (sessionError ??= sessionFailureError(failure));
  const session = new ClientSession(stream, { windowBytes, onFailure: failed });

  const call = (method: string, request: Uint8Array, callOptions: { timeoutMs?: number } = {}): Promise<Uint8Array> =>
    new Promise<Uint8Array>((resolve, reject) => {
      const refused = requestTooLarge(method, request) ?? sessionError;
      if (refused) {
        reject(refused);
        return;
      }
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: Uint8Array | GrpcError): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (result instanceof GrpcError) reject(result);
        else resolve(result);
      };
      const h2 = session.request(requestHeaders(method, callOptions.timeoutMs), frameMessage(request));
      if (callOptions.timeoutMs) {
        timer = setTimeout(() => {
          finish(deadlineError(method, callOptions.timeoutMs!));
          h2.cancel();
        }, callOptions.timeoutMs);
      }
      h2.response.then(
        (response) => finish(unaryResult(method, response)),
        (err: unknown) => {
          if (err instanceof SessionError) finish(failed(err.failure));
          else if (err instanceof StreamError && err.kind === 'reset') {
            finish(new GrpcError(GrpcCode.UNAVAILABLE, `${method}: the call ended without a gRPC status (stream reset, code ${err.code} ${errorCodeName(err.code)})`));
          } else finish(new GrpcError(GrpcCode.UNAVAILABLE, `${method}: ${(err as Error).message}`));
        },
      );
    });

  // Tear down rather than a graceful close: every call has its answer by now, and a graceful close
  // over stdio never completes (stdout never emits 'close').
  const close = (): Promise<void> => {
    session.destroy();
    if (!stream.destroyed) stream.destroy();
    return Promise.resolve();
  };

  return { call, close };
}
