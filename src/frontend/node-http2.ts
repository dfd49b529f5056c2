// The same unary gRPC calls as ./transport.ts, over Node's own HTTP/2 (node:http2) instead of punch's
// ./h2/. Chosen with PUNCH_FRONTEND_HTTP2=node (README: "Frontend transport"), so that a failing build
// can be run over both: a failure on both is in the gRPC/LLB part, one that goes away is in punch's
// HTTP/2. Request headers, framing, size limit, deadlines and status handling are shared with
// ./transport.ts; only the HTTP/2 connection differs. Loaded only when chosen: node:http2 costs start-up.
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { GrpcCode } from './grpc-status.js';
import type { HeaderMap } from './h2/session.js';
import {
  GrpcError,
  deadlineError,
  frameMessage,
  requestHeaders,
  requestTooLarge,
  unaryResult,
  type ConnectOptions,
  type UnaryCaller,
} from './transport.js';

function headerMap(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = typeof v === 'number' ? String(v) : v;
  return out;
}

/** Opens a node:http2 client session over `stream` (BuildKit is the server) and returns a unary caller. */
export function connectNodeHttp2(stream: Duplex, options: ConnectOptions = {}): UnaryCaller {
  const windowBytes = options.windowBytes ?? 16 * 1024 * 1024;
  let sessionError: GrpcError | undefined;
  const failed = (why: string): GrpcError => (sessionError ??= new GrpcError(GrpcCode.UNAVAILABLE, why));
  const session = http2.connect('http://localhost', {
    createConnection: () => stream,
    settings: { initialWindowSize: Math.min(windowBytes, 2 ** 31 - 1), enablePush: false },
  });
  session.on('connect', () => {
    if (!session.destroyed) session.setLocalWindowSize(windowBytes);
  });
  session.on('error', (err) => failed(`connection to BuildKit failed: ${err.message}`));
  session.on('goaway', () => failed('BuildKit closed the gRPC connection'));
  session.on('close', () => failed('the gRPC connection to BuildKit is closed'));

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
      let req: http2.ClientHttp2Stream;
      try {
        req = session.request(Object.fromEntries(requestHeaders(method, callOptions.timeoutMs)), { endStream: false });
      } catch (err) {
        // A session that went away before its 'close' event was seen.
        finish(sessionError ?? failed(`the gRPC connection to BuildKit is closed (${(err as Error).message})`));
        return;
      }
      let headers: HeaderMap = {};
      let trailers: HeaderMap | undefined;
      const body: Buffer[] = [];
      req.on('response', (h) => (headers = headerMap(h)));
      req.on('trailers', (t) => (trailers = headerMap(t as http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader)));
      req.on('data', (chunk: Buffer) => body.push(chunk));
      req.on('end', () => finish(unaryResult(method, { headers, trailers, body })));
      req.on('close', () => {
        if (req.rstCode !== undefined && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
          finish(sessionError ?? new GrpcError(GrpcCode.UNAVAILABLE, `${method}: the call ended without a gRPC status (stream reset, code ${req.rstCode})`));
        }
        finish(sessionError ?? new GrpcError(GrpcCode.UNAVAILABLE, `${method}: the call ended without a gRPC status`));
      });
      req.on('error', (err) => finish(sessionError ?? new GrpcError(GrpcCode.UNAVAILABLE, `${method}: ${err.message}`)));
      req.end(frameMessage(request));
      if (callOptions.timeoutMs) {
        timer = setTimeout(() => {
          finish(deadlineError(method, callOptions.timeoutMs!));
          req.close(http2.constants.NGHTTP2_CANCEL);
        }, callOptions.timeoutMs);
      }
    });

  // As for punch's own session: every call has its answer by now, and a graceful close over stdio
  // never completes (stdout never emits 'close').
  const close = (): Promise<void> => {
    session.destroy();
    if (!stream.destroyed) stream.destroy();
    return Promise.resolve();
  };

  return { call, close };
}
