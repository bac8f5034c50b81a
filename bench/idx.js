// idx.js - a reader for the IDX files of MNIST and Fashion-MNIST.
//
// IDX: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16,
// 0x0C int32, 0x0D float32, 0x0E float64), a dimension count byte, then one
// big-endian uint32 per dimension, then the values, big-endian, row-major.
// Written here because the format is a dozen lines and no npm package for it
// is both maintained and dependency-free. Files ending in .gz are gunzipped
// with node:zlib first.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FastGRNNError } from '../js/errors.js';

const TYPES = {
  0x08: { name: 'uint8', size: 1, array: Uint8Array, get: (v, o) => v.getUint8(o) },
  0x09: { name: 'int8', size: 1, array: Int8Array, get: (v, o) => v.getInt8(o) },
  0x0b: { name: 'int16', size: 2, array: Int16Array, get: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int32', size: 4, array: Int32Array, get: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float32', size: 4, array: Float32Array, get: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'float64', size: 8, array: Float64Array, get: (v, o) => v.getFloat64(o, false) },
};

function bad(name, msg) {
  throw new FastGRNNError('SerializationError', `${name}: ${msg}`);
}

/**
 * Parses IDX bytes. Returns { type, dims: number[], data } where data is a
 * typed array of the type's kind holding prod(dims) values (uint8 data is a
 * view of the input, no copy). `name` prefixes the error messages.
 */
export function parseIDX(bytes, name = 'IDX data') {
  if (!(bytes instanceof Uint8Array)) {
    throw new FastGRNNError('InvalidInput', `${name}: bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  if (bytes.length < 4) bad(name, `${bytes.length} bytes is shorter than the 4-byte IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    bad(name, `not an IDX file: the first two bytes are ${bytes[0]}, ${bytes[1]} (expected 0, 0)`);
  }
  const type = TYPES[bytes[2]];
  if (!type) bad(name, `unknown IDX data type 0x${bytes[2].toString(16).padStart(2, '0')}`);
  const ndim = bytes[3];
  if (ndim === 0) bad(name, 'the IDX header declares 0 dimensions');
  const head = 4 + 4 * ndim;
  if (bytes.length < head) bad(name, `${bytes.length} bytes cannot hold the header of ${ndim} dimensions (${head} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const need = count * type.size;
  if (bytes.length - head !== need) {
    bad(name, `dimensions [${dims.join(', ')}] of ${type.name} need ${need} data bytes, the file has ${bytes.length - head}`);
  }
  let data;
  if (type.size === 1 && type.array === Uint8Array) {
    data = bytes.subarray(head);
  } else {
    data = new type.array(count);
    for (let i = 0; i < count; i++) data[i] = type.get(view, head + i * type.size);
  }
  return { type: type.name, dims, data };
}

/** Reads and parses an IDX file (gunzipped first when the path ends in .gz). */
export function readIDX(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FastGRNNError('IoError', `cannot read ${path}: ${e.message}`);
  }
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FastGRNNError('SerializationError', `${path}: not a valid gzip file: ${e.message}`);
    }
  }
  return parseIDX(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
