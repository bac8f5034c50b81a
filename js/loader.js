// loader.js - loads the standalone fastgrnn WebAssembly module (SIMD128 or
// scalar) and wraps its raw exports with memory helpers.
//
// The module is built with -sSTANDALONE_WASM --no-entry: a reactor whose
// only import is env.emscripten_notify_memory_growth. Memory may grow during
// any call, which detaches every typed-array view of memory.buffer, so views
// are taken afresh after each call and never cached.

import { FastGRNNError, STATUS_CODES } from './errors.js';

const isNode = typeof process !== 'undefined' && process.versions != null &&
  process.versions.node != null;

// (module (func (result v128) i32.const 0 i8x16.splat))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code
]);

/** True when this engine validates WebAssembly SIMD128. */
export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

let nodeModules = null;
/** Node built-ins (fs, worker_threads), loaded lazily; null in browsers. */
export async function loadNodeModules() {
  if (!isNode) return null;
  if (nodeModules) return nodeModules;
  const get = (name) => (typeof process.getBuiltinModule === 'function'
    ? Promise.resolve(process.getBuiltinModule(name))
    : import(/* webpackIgnore: true */ /* @vite-ignore */ name));
  const [fs] = await Promise.all([get('node:fs')]);
  nodeModules = { fs };
  return nodeModules;
}
/** Synchronous access once loadNodeModules() has run (init() runs it). */
export function nodeFs() {
  return nodeModules ? nodeModules.fs : null;
}
export { isNode };

const SCRATCH_BYTES = 256;

/** One instantiated module and its memory helpers. */
export class WasmModule {
  constructor(instance, simd, source) {
    this.instance = instance;
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this.simd = simd;
    this.source = source;
    this.exports._initialize();
    // Scratch for out parameters (pointers, sizes, events) and config
    // structs; lives as long as the module.
    this.scratch = this.exports.fg_malloc(SCRATCH_BYTES);
    if (!this.scratch) throw new FastGRNNError('OutOfMemory', 'cannot allocate scratch memory');
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
  }

  // Fresh views: call after every C call that may allocate.
  u8(ptr = 0, n) { return new Uint8Array(this.memory.buffer, ptr, n); }
  f32(ptr, n) { return new Float32Array(this.memory.buffer, ptr, n); }
  i32(ptr, n) { return new Int32Array(this.memory.buffer, ptr, n); }
  u32(ptr, n) { return new Uint32Array(this.memory.buffer, ptr, n); }
  get memoryBytes() { return this.memory.buffer.byteLength; }

  // Scratch slots (4 bytes each).
  slot(i) {
    if (i < 0 || i >= 16) throw new Error('scratch slot out of range');
    return this.scratch + 4 * i;
  }
  // Config structs live in the upper part of the scratch block.
  get structA() { return this.scratch + 64; }
  get structB() { return this.scratch + 160; }
  readPtr(slotIndex) { return this.u32(this.slot(slotIndex), 1)[0]; }
  readI32(slotIndex) { return this.i32(this.slot(slotIndex), 1)[0]; }
  readF32(slotIndex) { return this.f32(this.slot(slotIndex), 1)[0]; }
  zeroSlots() { this.u8(this.scratch, 64).fill(0); }

  /** Allocates `bytes` (at least 1) or throws OutOfMemory naming `what`. */
  alloc(bytes, what) {
    // wasm32: a size of 2^32 bytes or more would wrap in fg_malloc's size_t.
    if (!(bytes < 2 ** 32)) {
      throw new FastGRNNError('OutOfMemory', `cannot allocate ${bytes} bytes for ${what}`);
    }
    const p = this.exports.fg_malloc(Math.max(bytes, 1)) >>> 0;
    if (p === 0) {
      throw new FastGRNNError('OutOfMemory', `cannot allocate ${bytes} bytes for ${what}`);
    }
    return p;
  }
  free(ptr) { if (ptr) this.exports.fg_free(ptr); }

  /** Copies a Float32Array into fresh wasm memory; returns the pointer. */
  copyInF32(arr, what) {
    const p = this.alloc(arr.length * 4, what);
    this.f32(p, arr.length).set(arr);
    return p;
  }
  copyInU8(arr, what) {
    const p = this.alloc(arr.length, what);
    this.u8(p, arr.length).set(arr);
    return p;
  }
  /** A copy of n floats at ptr. */
  copyOutF32(ptr, n) { return this.f32(ptr, n).slice(); }

  /** Writes a NUL-terminated UTF-8 string; returns { ptr, len } (len without NUL). */
  writeString(str, what) {
    const bytes = this.encoder.encode(str);
    const p = this.alloc(bytes.length + 1, what);
    const view = this.u8(p, bytes.length + 1);
    view.set(bytes);
    view[bytes.length] = 0;
    return { ptr: p, len: bytes.length };
  }
  /** Decodes a NUL-terminated UTF-8 string at ptr. */
  readCString(ptr) {
    if (!ptr) return '';
    const mem = this.u8();
    let end = ptr;
    while (end < mem.length && mem[end] !== 0) end++;
    return this.decoder.decode(mem.subarray(ptr, end));
  }
  /** Reads and frees a C-allocated string returned through a char ** slot. */
  takeString(slotIndex) {
    const p = this.readPtr(slotIndex);
    try {
      return this.readCString(p);
    } finally {
      this.free(p);
    }
  }

  lastError() { return this.readCString(this.exports.fg_last_error()); }

  /** Throws FastGRNNError for a non-zero fg_status. */
  check(status) {
    if (status !== 0) {
      const code = STATUS_CODES[status] || 'InvalidInput';
      throw new FastGRNNError(code, this.lastError() || code);
    }
  }
}

function defaultUrl(simd) {
  return new URL(simd ? '../dist/fastgrnn-simd.wasm' : '../dist/fastgrnn.wasm', import.meta.url);
}

async function readBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  let url = source;
  if (typeof url === 'string') {
    url = isNode && !/^[a-z][a-z0-9+.-]*:/i.test(url)
      ? new URL(url, 'file://' + process.cwd() + '/') : new URL(url, globalThis.location?.href);
  }
  if (!(url instanceof URL)) {
    throw new FastGRNNError('InvalidInput',
      `wasm must be a URL, a string or bytes, got ${Object.prototype.toString.call(source)}`);
  }
  if (isNode && url.protocol === 'file:') {
    const { fs } = await loadNodeModules();
    try {
      return new Uint8Array(await fs.promises.readFile(url));
    } catch (e) {
      throw new FastGRNNError('IoError', `cannot read ${url.pathname}: ${e.message}`);
    }
  }
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FastGRNNError('IoError', `cannot fetch ${url}: ${e.message}`);
  }
  if (!res.ok) throw new FastGRNNError('IoError', `cannot fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Instantiates a module.
 * @param {{simd?: 'auto'|boolean, wasm?: URL|string|BufferSource}} opts
 */
export async function instantiate(opts = {}) {
  const simdOpt = opts.simd === undefined ? 'auto' : opts.simd;
  if (simdOpt !== 'auto' && simdOpt !== true && simdOpt !== false) {
    throw new FastGRNNError('InvalidInput', `init: simd must be 'auto', true or false, got ${String(simdOpt)}`);
  }
  const supported = simdSupported();
  if (simdOpt === true && !supported) {
    throw new FastGRNNError('InvalidInput', 'init: simd true requested but this engine lacks WebAssembly SIMD128');
  }
  // With an explicit `wasm`, `simd: true` tells that it is the SIMD build.
  const simd = opts.wasm !== undefined ? simdOpt === true
    : (simdOpt === 'auto' ? supported : simdOpt);
  await loadNodeModules();
  const source = opts.wasm !== undefined ? opts.wasm : defaultUrl(simd);
  const bytes = await readBytes(source);
  const imports = {
    env: {
      // Called by the module after memory.grow; views are never cached, so
      // there is nothing to refresh.
      emscripten_notify_memory_growth() {},
    },
  };
  let instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes, imports));
  } catch (e) {
    throw new FastGRNNError('SerializationError', `cannot instantiate the wasm module: ${e.message}`);
  }
  return new WasmModule(instance, simd, typeof source === 'object' && !(source instanceof URL) ? 'bytes' : String(source));
}
