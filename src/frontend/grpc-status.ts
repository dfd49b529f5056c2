// gRPC status codes (grpc/grpc doc/statuscodes.md; google.rpc.Code): the one table every status in
// src/ is named from, so no code is written as a bare number and logs can name what they got.

export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcCodeName = keyof typeof GrpcCode;

const NAMES = new Map<number, GrpcCodeName>(Object.entries(GrpcCode).map(([name, code]) => [code, name as GrpcCodeName]));

/** `UNAVAILABLE` for 14; a code outside the table (servers may send one) is shown as its number. */
export function grpcCodeName(code: number): string {
  return NAMES.get(code) ?? `code ${code}`;
}
