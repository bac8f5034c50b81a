// loader.js - loads the standalone fastgrnn WebAssembly module (SIMD128,
// scalar, or the opt-in relaxed-SIMD build) and wraps its raw exports with
// memory helpers.
//
// The module is built with -sSTANDALONE_WASM --no-entry: a reactor whose
// only import is env.emscripten_notify_memory_growth. Memory may grow during
// any call, which detaches every typed-array view of memory.buffer, so views
// are taken afresh after each call and never cached.

import { FastGRNNError, STATUS_CODES, describe } from './errors.js';

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

// (module (func (result v128)
//   i32.const 0 i8x16.splat  i32.const 0 i8x16.splat  i32.const 0 i8x16.splat
//   f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x13, 0x01, 0x11, 0x00, // code: one body of 17 bytes, no locals
  0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f,
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd (0xfd 0x105), end
]);

/** True when this engine validates WebAssembly relaxed SIMD (f32x4.relaxed_madd). */
export function relaxedSimdSupported() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
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
  constructor(instance, simd, source, module = null, relaxed = false) {
    this.instance = instance;
    this.module = module; // the compiled WebAssembly.Module (workers instantiate it too)
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this.simd = simd;
    this.relaxed = relaxed;
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

// The packaged modules. Each URL is one static `new URL('literal',
// import.meta.url)` expression, the form every bundler (Vite, webpack 5,
// Rollup, Parcel) follows to emit the .wasm file as an asset and rewrite the
// URL; a conditional inside `new URL(...)` would hide the file from them.
function simdModuleUrl() {
  return new URL('../dist/fastgrnn-simd.wasm', import.meta.url);
}
function scalarModuleUrl() {
  return new URL('../dist/fastgrnn.wasm', import.meta.url);
}
function relaxedModuleUrl() {
  return new URL('../dist/fastgrnn-relaxed.wasm', import.meta.url);
}

// Set by the embedded entry (js/embedded.js): functions returning the bytes
// of the SIMD and scalar modules, used instead of fetching the files.
let embedded = null;
/** Makes init() use these bytes instead of the packaged .wasm files. */
export function setEmbeddedWasm(sources) {
  embedded = sources;
}
/**
 * The embedded bytes of one flavour (simd true, false or 'relaxed'), or null
 * without the embedded entry. The embedded entry carries the SIMD128 and
 * scalar modules only: for 'relaxed' it is null, and the packaged
 * dist/fastgrnn-relaxed.wasm is loaded like without the embedded entry.
 */
export function embeddedWasm(simd) {
  if (!embedded || simd === 'relaxed') return null;
  return simd ? embedded.simd() : embedded.scalar();
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function hexStart(bytes) {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Throws SerializationError unless `bytes` starts with the wasm magic word. */
function checkMagic(bytes, from, contentType) {
  if (bytes.length >= 4 && WASM_MAGIC.every((b, i) => bytes[i] === b)) return;
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  const ct = contentType ? `content-type ${contentType}, ` : '';
  let what;
  if (bytes.length === 0) what = `got an empty body (${ct}0 bytes)`;
  else if (head.startsWith('<')) what = `got HTML (${ct}first bytes ${hexStart(bytes)})`;
  else if (head.startsWith('{') || head.startsWith('[')) what = `got JSON (${ct}first bytes ${hexStart(bytes)})`;
  else if (/^(import|export|\/\/|\/\*|const|let|var|function|"use strict")/.test(head)) {
    what = `got JavaScript (${ct}first bytes ${hexStart(bytes)})`;
  } else what = `got ${bytes.length} bytes that are not WebAssembly (${ct}first bytes ${hexStart(bytes)})`;
  throw new FastGRNNError('SerializationError',
    `init: ${from} is not a WebAssembly module: ${what}; is the .wasm file served at that URL?`);
}

function toUrl(source) {
  if (source instanceof URL) return source;
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(source);
  if (isNode && !absolute) return new URL(source, 'file://' + process.cwd().replace(/\/?$/, '/'));
  try {
    return new URL(source, globalThis.location?.href);
  } catch {
    throw new FastGRNNError('InvalidInput', `init: wasm ${JSON.stringify(source)} is not a valid URL`);
  }
}

async function compileBytes(bytes, from) {
  checkMagic(bytes, from, null);
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new FastGRNNError('SerializationError', `init: cannot compile the wasm module from ${from}: ${e.message}`);
  }
}

/** A compiled module from a fetch Response: streamed when served as application/wasm. */
async function compileResponse(res, from) {
  if (!res.ok) {
    throw new FastGRNNError('IoError', `init: cannot fetch ${from}: HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  }
  const type = (res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    // Keep a copy of the body to explain a failure (a server that labels
    // HTML as application/wasm).
    const copy = res.clone();
    try {
      return await WebAssembly.compileStreaming(res);
    } catch (e) {
      let bytes;
      try {
        bytes = new Uint8Array(await copy.arrayBuffer());
      } catch {
        bytes = null;
      }
      if (bytes) checkMagic(bytes, from, type);
      throw new FastGRNNError('SerializationError', `init: cannot compile the wasm module from ${from}: ${e.message}`);
    }
  }
  let bytes;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new FastGRNNError('IoError', `init: cannot read the body of ${from}: ${e.message}`);
  }
  checkMagic(bytes, from, type || '(none)');
  return compileBytes(bytes, from);
}

/**
 * A compiled WebAssembly.Module from any accepted `wasm` source: a URL or
 * string (fetched; a path or file: URL is read from disk in Node), bytes
 * (ArrayBuffer or a view), a fetch Response (or a promise of one), or a
 * WebAssembly.Module (used as is).
 */
export async function compileSource(source) {
  if (source && typeof source.then === 'function') source = await source;
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return compileBytes(new Uint8Array(source), 'the given bytes');
  if (ArrayBuffer.isView(source)) {
    return compileBytes(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), 'the given bytes');
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return compileResponse(source, source.url || 'the given Response');
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new FastGRNNError('InvalidInput',
      `init: wasm must be a URL, a string, bytes, a Response or a WebAssembly.Module, got ${describe(source)}`);
  }
  const url = toUrl(source);
  if (isNode && url.protocol === 'file:') {
    const { fs } = await loadNodeModules();
    let bytes;
    try {
      bytes = new Uint8Array(await fs.promises.readFile(url));
    } catch (e) {
      throw new FastGRNNError('IoError', `init: cannot read ${decodeURIComponent(url.pathname)}: ${e.message}`);
    }
    return compileBytes(bytes, decodeURIComponent(url.pathname));
  }
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FastGRNNError('IoError', `init: cannot fetch ${url}: ${e.message}`);
  }
  return compileResponse(res, String(url));
}

function describeSource(source) {
  if (source instanceof URL || typeof source === 'string') return String(source);
  if (source instanceof WebAssembly.Module) return 'the given WebAssembly.Module';
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'the given Response';
  return 'the given bytes';
}

/**
 * Instantiates a module.
 * @param {{simd?: 'auto'|boolean|'relaxed', wasm?: URL|string|BufferSource|Response|WebAssembly.Module}} opts
 */
export async function instantiate(opts = {}) {
  const simdOpt = opts.simd === undefined ? 'auto' : opts.simd;
  if (simdOpt !== 'auto' && simdOpt !== true && simdOpt !== false && simdOpt !== 'relaxed') {
    throw new FastGRNNError('InvalidInput', `init: simd must be 'auto', true, false or 'relaxed', got ${String(simdOpt)}`);
  }
  const supported = simdSupported();
  if (simdOpt === true && !supported) {
    throw new FastGRNNError('InvalidInput', 'init: simd true requested but this engine lacks WebAssembly SIMD128');
  }
  // Relaxed SIMD is opt-in and never a silent fallback: the caller asked for
  // a module whose results may differ between engines and CPUs.
  const relaxed = simdOpt === 'relaxed';
  if (relaxed && !relaxedSimdSupported()) {
    throw new FastGRNNError('InvalidInput',
      "init: simd 'relaxed' requested but this engine lacks WebAssembly relaxed SIMD " +
      "(relaxedSimdSupported() is false); use simd 'auto' or true for the SIMD128 module");
  }
  // With an explicit `wasm`, `simd: true` (or 'relaxed') tells that it is the
  // SIMD (or relaxed-SIMD) build.
  const simd = opts.wasm !== undefined ? simdOpt === true || relaxed
    : (simdOpt === 'auto' ? supported : simdOpt !== false);
  await loadNodeModules();
  let source = opts.wasm;
  if (source === undefined) source = embeddedWasm(relaxed ? 'relaxed' : simd);
  if (source === null || source === undefined) {
    source = relaxed ? relaxedModuleUrl() : simd ? simdModuleUrl() : scalarModuleUrl();
  }
  const module = await compileSource(source);
  const imports = {
    env: {
      // Called by the module after memory.grow; views are never cached, so
      // there is nothing to refresh.
      emscripten_notify_memory_growth() {},
    },
  };
  let instance;
  try {
    instance = await WebAssembly.instantiate(module, imports);
  } catch (e) {
    throw new FastGRNNError('SerializationError', `init: cannot instantiate the wasm module from ${describeSource(source)}: ${e.message}`);
  }
  for (const name of ['memory', '_initialize', 'fg_malloc', 'fg_free', 'fg_last_error']) {
    if (!(name in instance.exports)) {
      throw new FastGRNNError('SerializationError',
        `init: the wasm module from ${describeSource(source)} is not a fastgrnn-wasm module (it lacks the export '${name}')`);
    }
  }
  const from = opts.wasm === undefined && embedded && !relaxed ? 'embedded' : describeSource(source);
  return new WasmModule(instance, simd, from, module, relaxed);
}
