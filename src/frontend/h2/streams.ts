// The HTTP/2 client's streams: the response and failure types callers see, and each open stream's
// state inside the session (src/frontend/h2/session.ts).
import { errorCodeName } from './frames.js';
import type { HeaderField } from './hpack.js';

/** Header fields by name; a name sent more than once maps to all its values, in order. */
export type HeaderMap = Record<string, string | string[]>;

export interface H2Response {
  headers: HeaderMap;
  /** Undefined for a response that ended with its headers (e.g. gRPC trailers-only). */
  trailers: HeaderMap | undefined;
  body: Buffer[];
}

/** Why the connection ended: every open and later stream fails with it. */
export type SessionFailure =
  | { kind: 'error'; message: string }
  | { kind: 'goaway'; errorCode: number; lastStreamId: number; debug: string }
  | { kind: 'closed' };

/** A stream failed because its connection did. */
export class SessionError extends Error {
  constructor(readonly failure: SessionFailure) {
    super(failure.kind === 'error' ? failure.message : failure.kind === 'goaway' ? `GOAWAY (${errorCodeName(failure.errorCode)})` : 'connection closed');
    this.name = 'SessionError';
  }
}

/** One stream failed: reset by the peer (`reset`), malformed (`protocol`), or cancelled by us. */
export class StreamError extends Error {
  constructor(
    readonly kind: 'reset' | 'protocol' | 'cancelled',
    /** The RST_STREAM error code received or sent. */
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

export interface ClientStream {
  /** Resolves when the peer ends the stream; rejects with SessionError or StreamError. */
  readonly response: Promise<H2Response>;
  /** Resets the stream (RST_STREAM CANCEL) and rejects `response`, unless it has settled. */
  cancel(): void;
}

export interface SessionOptions {
  /** Our receive window, per stream (SETTINGS_INITIAL_WINDOW_SIZE) and for the connection. */
  windowBytes: number;
  /** Called once, when the connection fails or closes. */
  onFailure?: (failure: SessionFailure) => void;
}

export interface StreamState {
  id: number;
  readonly fields: readonly HeaderField[];
  readonly body: Uint8Array;
  /** Request bytes sent so far. */
  sent: number;
  sendWindow: number;
  /** What the peer may still send before our next WINDOW_UPDATE, and what it sent since the last. */
  recvAvailable: number;
  recvUnacked: number;
  /** The next header block is the response headers, or (after them) the trailers. */
  expecting: 'headers' | 'trailers';
  headers: HeaderMap | undefined;
  trailers: HeaderMap | undefined;
  chunks: Buffer[];
  resolve: (response: H2Response) => void;
  reject: (err: Error) => void;
}

export interface OpenHeaderBlock {
  streamId: number;
  endStream: boolean;
  parts: Buffer[];
  bytes: number;
}

/** A protocol violation by the peer that ends the connection. */
export class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function toHeaderMap(fields: readonly HeaderField[]): HeaderMap {
  const map: HeaderMap = {};
  for (const [name, value] of fields) {
    const seen = map[name];
    if (seen === undefined) map[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else map[name] = [seen, value];
  }
  return map;
}

