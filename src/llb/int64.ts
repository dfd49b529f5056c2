// int64 fields: protobufjs wants number or Long; decoded values come back as Long when `long` is present.
import type Long from 'long';
import $protobuf from 'protobufjs/minimal.js';

// protobufjs bundles long.js as util.Long; the generated types name long.js's class.
const LongImpl = $protobuf.util.Long as unknown as typeof Long;

export type Int64 = number | Long;

/** For encoding: a number when exactly representable, else a Long (e.g. nanosecond timestamps). */
export function toInt64(v: bigint | number): Int64 {
  if (typeof v === 'number') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : LongImpl.fromString(v.toString(), false);
}

/** A decoded int64 as an exact bigint. */
export function int64ToBigInt(v: Int64 | null | undefined): bigint {
  if (v == null) return 0n;
  return typeof v === 'number' ? BigInt(v) : BigInt(LongImpl.fromValue(v).toString());
}

/** A decoded int64 as a number; throws when it does not fit (indexes and modes always fit). */
export function int64ToNumber(v: Int64 | null | undefined): number {
  const b = int64ToBigInt(v);
  const n = Number(b);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int64 ${b} does not fit in a JavaScript number`);
  return n;
}
