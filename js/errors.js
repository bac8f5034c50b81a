// errors.js - FastGRNNError and the C status codes.

/** fg_status value -> FastGRNNError code. */
export const STATUS_CODES = Object.freeze({
  1: 'InvalidInput',
  2: 'SerializationError',
  3: 'IoError',
  4: 'Aborted',
  5: 'Diverged',
  6: 'OutOfMemory',
});

export const ERROR_CODES = Object.freeze(Object.values(STATUS_CODES));

/**
 * The one error type of the package. `code` is one of InvalidInput,
 * SerializationError, IoError, Aborted, Diverged, OutOfMemory.
 */
export class FastGRNNError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'FastGRNNError';
    this.code = code;
  }
}

/** Throws InvalidInput with `message`. */
export function invalid(message) {
  throw new FastGRNNError('InvalidInput', message);
}

/** A short printable form of a value for error messages. */
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${v.length ?? v.byteLength}`;
  const name = v.constructor ? v.constructor.name : 'Object';
  return name === 'Object' ? 'an object' : `a ${name}`;
}
