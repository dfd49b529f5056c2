// Which HTTP/2 carries the frontend's gRPC calls: punch's own (./h2/, the default: it starts faster)
// or Node's (node:http2), chosen with PUNCH_FRONTEND_HTTP2=node as a build argument
// (`docker build --build-arg PUNCH_FRONTEND_HTTP2=node`, which reaches the frontend as an opt before
// any call) or in the frontend's environment. Same calls, same bytes: a build that fails with one and
// not the other points at the transport, one that fails with both at the protocol.
import type { Duplex } from 'node:stream';
import { FrontendError } from './errors.js';
import { connectGrpc, type UnaryCaller } from './transport.js';

export const HTTP2_SWITCH = 'PUNCH_FRONTEND_HTTP2';

export type Http2Choice = 'punch' | 'node';

/** The value of the switch (absent or empty: punch's own); anything else is refused by name. */
export function parseHttp2Choice(value: string | undefined): Http2Choice {
  if (value === undefined || value === '' || value === 'punch') return 'punch';
  if (value === 'node') return 'node';
  throw new FrontendError(`${HTTP2_SWITCH}: invalid value "${value}": expected node (Node's HTTP/2) or punch (the default)`);
}

/** A unary caller over `stream`; node:http2 is loaded only when chosen. */
export function connectTransport(choice: Http2Choice, stream: Duplex): UnaryCaller {
  if (choice === 'punch') return connectGrpc(stream);
  const caller = import('./node-http2.js').then((m) => m.connectNodeHttp2(stream));
  return {
    call: (method, request, options) => caller.then((c) => c.call(method, request, options)),
    close: () => caller.then((c) => c.close()),
  };
}
