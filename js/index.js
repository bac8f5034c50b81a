// fastgrnn-wasm - FastGRNN training in WebAssembly.
//
// A thin layer over the C API (c/include/fastgrnn.h): arguments are checked
// and copied into wasm memory, the C function does the work, results are
// copied out. Configs cross the boundary as JSON (camelCase here, snake_case
// in C). Every object that owns wasm memory has dispose(); a
// FinalizationRegistry frees what is forgotten.

import { FastGRNNError, describe, invalid } from './errors.js';
import { instantiate, simdSupported, isNode, nodeFs } from './loader.js';
import { downloadModel } from './storage.js';
import { modelToONNX } from './onnx.js';
import { parallelTransport, MAX_WORKERS } from './parallel-transport.js';

export { FastGRNNError };
export { routingData, seededRandom, ROUTING_FEATURES } from './data.js';
export { ONNX_MIN_OPSET, ONNX_MAX_OPSET, ONNX_DEFAULT_OPSET, ONNX_MAX_UNROLL } from './onnx.js';
export { readCSV, readCSVRows } from './csv.js';
export { search, SearchResult, trialSeed, paretoFront } from './search.js';
export { parallelTransport } from './parallel-transport.js';
import { readCSV } from './csv.js';
import { DataSource, runStream, readCheckpoint } from './stream.js';
export {
  DataSource, csvSource, jsonlSource, binarySource, iterableSource, encodeRows, encodeRowsHeader,
} from './stream.js';

/** The package version (package.json's); moduleInfo().version is the wasm module's own (fg_version). */
export const VERSION = '0.2.0';

// Marks an internal constructor call that wraps an existing C pointer.
const WRAP = Symbol('wrap');

// ------------------------------------------------------------------ module

let current = null; // the WasmModule new objects are created in
const defaultModules = new Map(); // 'simd' | 'scalar' | 'relaxed' -> Promise<WasmModule>

/**
 * Loads and instantiates the WebAssembly module. Must be awaited once before
 * anything else. Options: `simd` ('auto' | true | false | 'relaxed': which
 * build to load; 'auto' picks SIMD128 when the engine validates it; 'relaxed'
 * opts in to the relaxed-SIMD build, which fuses multiply-adds where the CPU
 * can and so may give other bits on another engine or CPU, and throws
 * InvalidInput on an engine without relaxed SIMD) and `wasm` (a URL,
 * path, bytes, fetch Response or compiled WebAssembly.Module to use instead
 * of the packaged module).
 * Calling init() again with other options switches the module that new
 * objects use; objects already made keep working with theirs.
 */
export async function init(options = {}) {
  if (options === null || typeof options !== 'object') {
    invalid(`init: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== 'simd' && k !== 'wasm') invalid(`init: unknown option '${k}'`);
  }
  if (current && options.simd === undefined && options.wasm === undefined) return moduleInfo();
  if (options.wasm !== undefined) {
    current = await instantiate(options);
  } else {
    const s = options.simd === undefined ? 'auto' : options.simd;
    if (s !== 'auto' && s !== true && s !== false && s !== 'relaxed') {
      invalid(`init: simd must be 'auto', true, false or 'relaxed', got ${describe(s)}`);
    }
    const simd = s === 'auto' ? simdSupported() : s;
    const key = simd === 'relaxed' ? 'relaxed' : simd ? 'simd' : 'scalar';
    if (!defaultModules.has(key)) {
      const p = instantiate({ simd });
      p.catch(() => defaultModules.delete(key));
      defaultModules.set(key, p);
    }
    current = await defaultModules.get(key);
  }
  return moduleInfo();
}

/** True when this engine validates relaxed SIMD, i.e. init({ simd: 'relaxed' }) can load. */
export { relaxedSimdSupported } from './loader.js';

/** Which module is loaded: { initialized, simd, relaxed, memoryBytes, version }. */
export function moduleInfo() {
  return {
    initialized: current !== null,
    simd: current ? current.simd : false,
    relaxed: current ? current.relaxed : false,
    memoryBytes: current ? current.memoryBytes : 0,
    version: current ? current.readCString(current.exports.fg_version()) : VERSION,
  };
}

function mod() {
  if (!current) {
    throw new FastGRNNError('InvalidInput', 'fastgrnn-wasm is not initialised: await init() first');
  }
  return current;
}

// ------------------------------------------------------------------ handles

const registry = new FinalizationRegistry(({ m, ptr, destroy }) => {
  try { m.exports[destroy](ptr); } catch { /* nothing to do in a finalizer */ }
});

class Handle {
  constructor(m, ptr, destroy, what) {
    this._m = m;
    this._ptr = ptr;
    this._destroy = destroy;
    this._what = what;
    this._busy = 0; // > 0 while a training run uses the object
    registry.register(this, { m, ptr, destroy }, this);
  }
  _p() {
    if (!this._ptr) throw new FastGRNNError('InvalidInput', `this ${this._what} has been disposed`);
    return this._ptr;
  }
  _mutable(action) {
    this._p();
    if (this._busy) {
      throw new FastGRNNError('InvalidInput', `cannot ${action} this ${this._what} while a Trainer is training with it`);
    }
  }
  /** True once dispose() has run. */
  get disposed() { return !this._ptr; }
  /** Frees the wasm memory this object owns. Idempotent. */
  dispose() {
    if (!this._ptr) return;
    if (this._busy) {
      throw new FastGRNNError('InvalidInput', `cannot dispose this ${this._what} while a Trainer is training with it`);
    }
    registry.unregister(this);
    this._m.exports[this._destroy](this._ptr);
    this._ptr = 0;
  }
}

function sameModule(a, b, what) {
  if (a._m !== b._m) {
    invalid(`${what} was created by another instance of the wasm module (init() was called with other options in between)`);
  }
}

function checkInstance(v, cls, what) {
  if (!(v instanceof cls)) invalid(`${what} must be a ${cls.name}, got ${describe(v)}`);
  return v;
}

// ------------------------------------------------------------------ configs

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

function keysToCamel(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[camel(k)] = v;
  return out;
}

// Known snake_case keys, from the C defaults (one set per module).
function knownKeys(m, kind) {
  if (!m._keys) m._keys = {};
  if (!m._keys[kind]) {
    m._keys[kind] = new Set(Object.keys(JSON.parse(defaultConfigJSON(m, kind))));
  }
  return m._keys[kind];
}

function defaultConfigJSON(m, kind) {
  const fromJson = kind === 'model' ? 'fg_model_config_from_json' : 'fg_training_config_from_json';
  const toJson = kind === 'model' ? 'fg_model_config_to_json' : 'fg_training_config_to_json';
  // Own struct memory: m.structA / m.structB may hold a config being built.
  const st = m.alloc(STRUCT_BYTES, 'a config');
  const s = m.writeString('{}', 'a config');
  try {
    m.check(m.exports[fromJson](s.ptr, s.len, st));
    m.zeroSlots();
    m.check(m.exports[toJson](st, m.slot(0)));
    return m.takeString(0);
  } finally {
    m.free(s.ptr);
    m.free(st);
  }
}
const STRUCT_BYTES = 96; // >= sizeof(fg_model_config), sizeof(fg_training_config)

// camelCase (or snake_case) JS object -> snake_case JSON for C.
function configJSON(m, cfg, kind) {
  const what = kind === 'model' ? 'model config' : 'training config';
  if (cfg === undefined || cfg === null) cfg = {};
  if (typeof cfg !== 'object' || Array.isArray(cfg) || ArrayBuffer.isView(cfg)) {
    invalid(`${what} must be an object, got ${describe(cfg)}`);
  }
  const known = knownKeys(m, kind);
  const out = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (v === undefined) continue;
    const key = snake(k);
    if (!known.has(key)) invalid(`unknown ${what} key '${k}'`);
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      invalid(`${what} key '${k}' is given twice (camelCase and snake_case)`);
    }
    if (typeof v === 'number' && !Number.isFinite(v)) {
      invalid(`${what} key '${k}' must be a finite number, got ${v}`);
    }
    out[key] = typeof v === 'bigint' ? Number(v) : v;
  }
  return JSON.stringify(out);
}

// Parses cfg into the struct at `dest` (m.structA / m.structB).
function parseConfig(m, cfg, kind, dest) {
  const json = configJSON(m, cfg, kind);
  const fn = kind === 'model' ? 'fg_model_config_from_json' : 'fg_training_config_from_json';
  const s = m.writeString(json, 'a config');
  try {
    m.check(m.exports[fn](s.ptr, s.len, dest));
  } finally {
    m.free(s.ptr);
  }
}

function configToObject(m, structPtr, kind) {
  const fn = kind === 'model' ? 'fg_model_config_to_json' : 'fg_training_config_to_json';
  m.zeroSlots();
  m.check(m.exports[fn](structPtr, m.slot(0)));
  return keysToCamel(JSON.parse(m.takeString(0)));
}

/** The specification's TrainingConfig::default() (plus seed, shuffle, restoreBestWeights). */
export function defaultTrainingConfig() {
  return keysToCamel(JSON.parse(defaultConfigJSON(mod(), 'training')));
}

/** The specification's FastGRNNConfig::default(). */
export function defaultModelConfig() {
  return keysToCamel(JSON.parse(defaultConfigJSON(mod(), 'model')));
}

// ------------------------------------------------------------------ arrays

function isNumericView(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function isRow(r) {
  return Array.isArray(r) || isNumericView(r);
}

/** A flat Float32Array of numbers from a typed array or number[]. */
function toF32(v, what) {
  if (v instanceof Float32Array) return v;
  if (isNumericView(v)) return Float32Array.from(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number') invalid(`${what}[${i}] must be a number, got ${describe(v[i])}`);
    }
    return Float32Array.from(v);
  }
  invalid(`${what} must be a Float32Array or an array of numbers, got ${describe(v)}`);
}

function checkDim(v, what, min = 1) {
  if (!Number.isInteger(v) || v < min || v > 0x7fffffff) {
    invalid(`${what} must be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

/**
 * Features -> { data: Float32Array [n*T*D], n, T, D }. `features` is a flat
 * typed array / number[] (needs D), or an array of rows of T*D numbers.
 */
function toFeatures(features, D, T, what) {
  if (D !== undefined) checkDim(D, 'inputDim');
  if (T !== undefined) checkDim(T, 'timesteps');
  const flat = isNumericView(features) ||
    (Array.isArray(features) && features.length > 0 && !isRow(features[0]));
  if (flat) {
    const data = toF32(features, what);
    if (D === undefined) invalid(`${what}: inputDim is required with flat features`);
    const t = T === undefined ? 1 : T;
    const step = t * D;
    if (data.length % step !== 0) {
      invalid(`${what}: length ${data.length} is not a multiple of timesteps * inputDim = ${step}`);
    }
    return { data, n: data.length / step, T: t, D };
  }
  if (!Array.isArray(features)) {
    invalid(`${what} must be a Float32Array or an array of rows, got ${describe(features)}`);
  }
  const n = features.length;
  if (n === 0) return { data: new Float32Array(0), n: 0, T: T ?? 1, D: D ?? 1 };
  const len = features[0].length;
  let t = T, d = D;
  if (d === undefined) {
    t = t ?? 1;
    if (len % t !== 0 || len === 0) {
      invalid(`${what}: row length ${len} is not a multiple of timesteps ${t}`);
    }
    d = len / t;
  } else if (t === undefined) {
    if (len % d !== 0 || len === 0) invalid(`${what}: row length ${len} is not a multiple of inputDim ${d}`);
    t = len / d;
  }
  const step = t * d;
  const data = new Float32Array(n * step);
  for (let i = 0; i < n; i++) {
    const r = features[i];
    if (!isRow(r)) invalid(`${what}[${i}] must be an array of numbers, got ${describe(r)}`);
    if (r.length !== step) {
      invalid(`${what}[${i}] has length ${r.length}, expected timesteps * inputDim = ${step}`);
    }
    if (Array.isArray(r)) {
      for (let j = 0; j < step; j++) {
        if (typeof r[j] !== 'number') invalid(`${what}[${i}][${j}] must be a number, got ${describe(r[j])}`);
      }
    }
    data.set(r, i * step);
  }
  return { data, n, T: t, D: d };
}

// Runs fn(ptr) with arr copied into wasm memory, then frees it.
function withF32(m, arr, what, fn) {
  const p = m.copyInF32(arr, what);
  try {
    return fn(p);
  } finally {
    m.free(p);
  }
}

function checkNumber(v, what) {
  if (typeof v !== 'number' || Number.isNaN(v)) invalid(`${what} must be a number, got ${describe(v)}`);
  return v;
}

function toSeed(v, what) {
  if (typeof v === 'bigint') {
    if (v < 0n || v > 0xffffffffffffffffn) invalid(`${what} must be an integer in [0, 2^64), got ${v}`);
    return v;
  }
  if (!Number.isSafeInteger(v) || v < 0) invalid(`${what} must be a non-negative integer, got ${describe(v)}`);
  return BigInt(v);
}

function checkOptions(opts, allowed, what) {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') invalid(`${what}: options must be an object, got ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) invalid(`${what}: unknown option '${k}'`);
  }
  return opts;
}

function toBytes(v, what) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  invalid(`${what} must be a Uint8Array or ArrayBuffer, got ${describe(v)}`);
}

function fs() {
  const f = nodeFs();
  if (!f) throw new FastGRNNError('InvalidInput', 'file paths need Node.js; pass bytes instead');
  return f;
}

function writeFile(path, data) {
  try {
    fs().writeFileSync(path, data);
  } catch (e) {
    if (e instanceof FastGRNNError) throw e;
    throw new FastGRNNError('IoError', `cannot write ${path}: ${e.message}`);
  }
}

// Writes to a temporary file next to `path`, then renames it over `path`:
// readers never see a partial file, and a failure leaves `path` untouched.
function writeFileAtomic(path, data) {
  const f = fs();
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  let step = 'write';
  try {
    f.writeFileSync(tmp, data);
    step = 'rename';
    f.renameSync(tmp, path);
  } catch (e) {
    try { f.unlinkSync(tmp); } catch { /* not created */ }
    const why = step === 'write' ? String(e.message).split(tmp).join(path)
      : `cannot replace it with the new file (${e.code || e.message})`;
    throw new FastGRNNError('IoError', `cannot write ${path}: ${why}`);
  }
}

function readFile(path) {
  try {
    return new Uint8Array(fs().readFileSync(path));
  } catch (e) {
    if (e instanceof FastGRNNError) throw e;
    throw new FastGRNNError('IoError', `cannot read ${path}: ${e.message}`);
  }
}

function checkPath(p, what) {
  if (typeof p !== 'string' || p.length === 0) invalid(`${what} must be a non-empty string, got ${describe(p)}`);
  return p;
}

// ------------------------------------------------------------------ model card

// The card and training summary cross the boundary as JSON: snake_case in C,
// camelCase here. Only the card's own keys are converted; the free-text
// keys of `data` stay as they are.

// The final metrics are float32 values written as their shortest decimal:
// Math.fround gives back the very float (as metricsHistory() reports it).
function summaryFromC(s) {
  if (s === null || typeof s !== 'object') return s;
  const out = keysToCamel(s);
  if (out.final !== null && typeof out.final === 'object') {
    out.final = keysToCamel(out.final);
    for (const k of Object.keys(out.final)) if (typeof out.final[k] === 'number') out.final[k] = Math.fround(out.final[k]);
  }
  return out;
}

function cardFromC(c) {
  const out = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'training') out.training = summaryFromC(v);
    else if (k === 'normalization') out.normalization = { means: Float32Array.from(v.means), stds: Float32Array.from(v.stds) };
    else out[camel(k)] = v;
  }
  return out;
}

// A JSON-safe copy of v (plain objects, arrays, strings, finite numbers,
// booleans, null); anything else is InvalidInput naming `path`, so that
// JSON.stringify never turns NaN or a function into null (which would
// remove a card key).
function plainJSON(v, path) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) invalid(`${path} must be a finite number, got ${v}`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => plainJSON(x, `${path}[${i}]`));
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plainJSON(x, `${path}.${k}`);
    return out;
  }
  invalid(`${path} must be JSON data (string, number, array, plain object or null), got ${describe(v)}`);
}

function snakeKeys(obj, what) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = snake(k);
    if (Object.prototype.hasOwnProperty.call(out, key)) invalid(`${what} key '${k}' is given twice (camelCase and snake_case)`);
    out[key] = v;
  }
  return out;
}

// camelCase card update -> snake_case JSON for fg_model_set_card.
function cardJSON(partial, what) {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial) || ArrayBuffer.isView(partial)) {
    invalid(`${what} must be an object, got ${describe(partial)}`);
  }
  const card = snakeKeys(plainJSON(partial, what), what);
  const t = card.training;
  if (t !== null && typeof t === 'object' && !Array.isArray(t)) {
    card.training = snakeKeys(t, `${what}.training`);
    const f = card.training.final;
    if (f !== null && typeof f === 'object' && !Array.isArray(f)) card.training.final = snakeKeys(f, `${what}.training.final`);
  }
  return JSON.stringify(card);
}

function setCard(m, ptr, json) {
  const s = m.writeString(json, 'the card');
  try {
    m.check(m.exports.fg_model_set_card(ptr, s.ptr, s.len));
  } finally {
    m.free(s.ptr);
  }
}

// ------------------------------------------------------------------ FastGRNN

/** A FastGRNN model (cell + linear head). */
export class FastGRNN extends Handle {
  /** @param {object} config camelCase model config; absent keys take the defaults. */
  constructor(config = {}) {
    const m = mod();
    let ptr;
    if (config && config[WRAP]) {
      ptr = config.ptr;
    } else {
      parseConfig(m, config, 'model', m.structA);
      m.zeroSlots();
      m.check(m.exports.fg_model_create(m.structA, m.slot(0)));
      ptr = m.readPtr(0);
    }
    super(m, ptr, 'fg_model_destroy', 'FastGRNN');
    this._cfg = configToObject(m, m.exports.fg_model_get_config(ptr), 'model');
  }

  /** Loads a safetensors model from bytes, or (Node) from a file path. */
  static load(source) {
    const m = mod();
    const bytes = typeof source === 'string' ? readFile(source) : toBytes(source, 'FastGRNN.load: source');
    const p = m.copyInU8(bytes, 'the model bytes');
    try {
      m.zeroSlots();
      m.check(m.exports.fg_model_load(p, bytes.length, m.slot(0)));
      return new FastGRNN({ [WRAP]: true, ptr: m.readPtr(0) });
    } finally {
      m.free(p);
    }
  }

  /** The model config (camelCase; a copy). */
  get config() { this._p(); return { ...this._cfg }; }
  get inputDim() { return this._cfg.inputDim; }
  get hiddenDim() { return this._cfg.hiddenDim; }
  get outputDim() { return this._cfg.outputDim; }

  /**
   * Browser: offers the model's safetensors file as a download (see
   * fastgrnn-wasm/storage for IndexedDB save/load by name).
   */
  download(filename = 'model.safetensors') {
    this._p();
    downloadModel(this, filename);
  }

  /** safetensors bytes; with a path (Node) writes the file instead. */
  save(path) {
    const m = this._m;
    const ptr = this._p();
    if (path !== undefined) checkPath(path, 'save: path');
    m.zeroSlots();
    m.check(m.exports.fg_model_save(ptr, m.slot(0), m.slot(1)));
    const p = m.readPtr(0);
    const len = m.readPtr(1);
    const bytes = m.u8(p, len).slice();
    m.free(p);
    if (path !== undefined) {
      writeFile(path, bytes);
      return undefined;
    }
    return bytes;
  }

  _input(x, timesteps, what, one) {
    const D = this._cfg.inputDim;
    if (one) {
      const data = toF32(x, what);
      let T = timesteps;
      if (T === undefined) {
        if (data.length === 0 || data.length % D !== 0) {
          invalid(`${what}: length ${data.length} is not a positive multiple of inputDim ${D}`);
        }
        T = data.length / D;
      } else {
        checkDim(T, 'timesteps');
        if (data.length !== T * D) {
          invalid(`${what}: length ${data.length} does not equal timesteps * inputDim = ${T * D}`);
        }
      }
      return { data, n: 1, T };
    }
    return toFeatures(x, D, timesteps, what);
  }

  /**
   * One sample (Float32Array of timesteps * inputDim) of ALREADY-NORMALIZED
   * features: the primitive under predict(), which takes raw features.
   * Returns the probability (binary) or a Float32Array of class probabilities.
   */
  forward(x, options) {
    const m = this._m;
    const ptr = this._p();
    const { timesteps } = checkOptions(options, ['timesteps'], 'forward');
    const { data, T } = this._input(x, timesteps, 'forward: x', true);
    const O = this._cfg.outputDim;
    const out = m.alloc(O * 4, 'the output');
    try {
      withF32(m, data, 'the input', (xp) => m.check(m.exports.fg_model_forward(ptr, xp, T, out)));
      const probs = m.copyOutF32(out, O);
      return O === 1 ? probs[0] : probs;
    } finally {
      m.free(out);
    }
  }

  _batch(fn, x, options, what, width) {
    const m = this._m;
    const ptr = this._p();
    const { timesteps } = checkOptions(options, ['timesteps'], what);
    const { data, n, T } = this._input(x, timesteps, `${what}: x`, false);
    if (n === 0) return new Float32Array(0);
    const out = m.alloc(n * width * 4, 'the output');
    try {
      withF32(m, data, 'the input', (xp) => m.check(m.exports[fn](ptr, xp, n, T, out)));
      return m.copyOutF32(out, n * width);
    } finally {
      m.free(out);
    }
  }

  /** Probabilities for a batch of already-normalized samples: [n] (binary) or [n, O]. */
  forwardBatch(x, options) {
    return this._batch('fg_model_forward_batch', x, options, 'forwardBatch', this._cfg.outputDim);
  }

  /** Raw outputs W_o h_T + b_o for a batch of already-normalized samples: [n, O]. */
  logits(x, options) {
    return this._batch('fg_model_logits_batch', x, options, 'logits', this._cfg.outputDim);
  }

  // ---- prediction on raw inputs: C applies the stored normalization, then
  // the forward pass (forward / forwardBatch / logits take normalized input).

  /** True for a binary model (outputDim 1): predict() returns a number. */
  isBinary() { this._p(); return this._cfg.outputDim === 1; }
  /** True for a multi-class model (outputDim > 1): predict() returns a Float32Array. */
  isMultiClass() { this._p(); return this._cfg.outputDim !== 1; }

  /**
   * One RAW sample (timesteps * inputDim values, as in the data): the
   * model's stored normalization is applied, then the forward pass. Returns
   * P(class 1) (binary) or a Float32Array of class probabilities.
   * `timesteps` defaults to the model card's when it has one (the predict
   * methods all do), else to length / inputDim.
   */
  predict(x, options) {
    const m = this._m;
    const ptr = this._p();
    const { timesteps } = this._withCardTimesteps(options, 'predict');
    const { data, T } = this._input(x, timesteps, 'predict: x', true);
    const O = this._cfg.outputDim;
    const out = m.alloc(O * 4, 'the output');
    try {
      withF32(m, data, 'the input', (xp) => m.check(m.exports.fg_model_predict(ptr, xp, T, out)));
      const probs = m.copyOutF32(out, O);
      return O === 1 ? probs[0] : probs;
    } finally {
      m.free(out);
    }
  }

  /** Probabilities for a batch of RAW samples: [n] (binary) or [n, O]. */
  predictBatch(x, options) {
    return this._batch('fg_model_predict_batch', x, this._withCardTimesteps(options, 'predictBatch'), 'predictBatch',
      this._cfg.outputDim);
  }

  /** Raw outputs W_o h_T + b_o for a batch of RAW samples: [n, O]. */
  predictLogits(x, options) {
    return this._batch('fg_model_predict_logits_batch', x, this._withCardTimesteps(options, 'predictLogits'),
      'predictLogits', this._cfg.outputDim);
  }

  /**
   * The class index of each RAW sample of a batch (Int32Array [n]). C decides:
   * binary 1 when the logit >= 0 (p >= 0.5); multi-class the first largest.
   */
  predictClassBatch(x, options) {
    this._p();
    const { timesteps } = this._withCardTimesteps(options, 'predictClassBatch');
    const { data, n, T } = this._input(x, timesteps, 'predictClassBatch: x', false);
    return this._classes(data, n, T);
  }

  /** The class index of one RAW sample. */
  predictClass(x, options) {
    this._p();
    const { timesteps } = this._withCardTimesteps(options, 'predictClass');
    const { data, T } = this._input(x, timesteps, 'predictClass: x', true);
    return this._classes(data, 1, T)[0];
  }

  /** The class name of one RAW sample: the card's class name, else String(index). */
  predictLabel(x, options) {
    this._p();
    const { timesteps } = this._withCardTimesteps(options, 'predictLabel');
    const { data, T } = this._input(x, timesteps, 'predictLabel: x', true);
    const k = this._classes(data, 1, T)[0];
    const names = this._classNames();
    return names ? String(names[k]) : String(k);
  }

  /** The class names of a batch of RAW samples. */
  predictLabelBatch(x, options) {
    this._p();
    const { timesteps } = this._withCardTimesteps(options, 'predictLabelBatch');
    const { data, n, T } = this._input(x, timesteps, 'predictLabelBatch: x', false);
    const classes = this._classes(data, n, T);
    const names = this._classNames(); // the card is read once
    return Array.from(classes, (k) => (names ? String(names[k]) : String(k)));
  }

  _classes(data, n, T) {
    const m = this._m;
    const ptr = this._p();
    if (n === 0) return new Int32Array(0);
    const out = m.alloc(n * 4, 'the classes');
    try {
      withF32(m, data, 'the input',
        (xp) => m.check(m.exports.fg_model_predict_class_batch(ptr, xp, n, T, out)));
      return m.i32(out, n).slice();
    } finally {
      m.free(out);
    }
  }

  // The options of a predict method; without `timesteps`, the model card's
  // (the timesteps the model was trained with), so a row of another width
  // is an error rather than a sequence of another length.
  _withCardTimesteps(options, what) {
    const opts = checkOptions(options, ['timesteps'], what);
    if (opts.timesteps !== undefined) return opts;
    const card = this.card;
    const T = card ? card.timesteps : undefined;
    return Number.isInteger(T) && T > 0 ? { timesteps: T } : opts;
  }

  // Class names of the model card when it has them (2 for binary, O else).
  _classNames() {
    const card = this.card;
    const names = card && Array.isArray(card.classNames) ? card.classNames : null;
    const O = this._cfg.outputDim;
    return names && names.length === (O === 1 ? 2 : O) ? names : null;
  }

  numParams() { return this._m.exports.fg_model_num_params(this._p()) >>> 0; }
  sizeBytes() { return this._m.exports.fg_model_size_bytes(this._p()) >>> 0; }

  /** Effective ranks of W and U (0 = stored full rank). */
  get ranks() {
    const p = this._p();
    return { w: this._m.exports.fg_model_w_rank(p), u: this._m.exports.fg_model_u_rank(p) };
  }

  /** All parameters in tensor-table order (a copy). */
  getParameters() {
    const m = this._m;
    const p = this._p();
    const n = this.numParams();
    const out = m.alloc(n * 4, 'the parameters');
    try {
      m.check(m.exports.fg_model_get_params(p, out, n));
      return m.copyOutF32(out, n);
    } finally {
      m.free(out);
    }
  }

  setParameters(values) {
    const m = this._m;
    this._mutable('set the parameters of');
    const p = this._ptr;
    const data = toF32(values, 'setParameters: values');
    withF32(m, data, 'the parameters', (vp) => m.check(m.exports.fg_model_set_params(p, vp, data.length)));
  }

  /** The tensor table: [{ name, shape, offset, scale }] (scale 0 unless quantized). */
  tensors() {
    const m = this._m;
    const p = this._p();
    const count = m.exports.fg_model_num_tensors(p);
    const out = [];
    for (let i = 0; i < count; i++) {
      m.zeroSlots();
      m.check(m.exports.fg_model_tensor_info(p, i, m.slot(0), m.slot(1), m.slot(2), m.slot(3)));
      const rows = m.readI32(1);
      const cols = m.readI32(2);
      const info = {
        name: m.readCString(m.readPtr(0)),
        shape: cols === 0 ? [rows] : [rows, cols],
        offset: m.readPtr(3),
        scale: m.exports.fg_model_tensor_scale(p, i),
      };
      if (info.scale > 0) { // C's int8 entries (the weights are int8 * scale)
        const size = rows * Math.max(cols, 1);
        const q = m.alloc(size, 'int8 entries');
        try {
          m.check(m.exports.fg_model_tensor_int8(p, i, q, size));
          info.int8 = new Int8Array(m.memory.buffer, q, size).slice();
        } finally {
          m.free(q);
        }
      }
      out.push(info);
    }
    return out;
  }

  /**
   * Magnitude pruning of the cell matrices: the fraction `sparsity` in [0, 1)
   * of entries with the smallest magnitude become 0 and stay 0 in later
   * training; the model then saves sparse.
   */
  prune(sparsity) {
    this._mutable('prune');
    checkNumber(sparsity, 'prune: sparsity');
    this._m.check(this._m.exports.fg_model_prune(this._ptr, sparsity));
  }

  /** Fraction of cell-matrix entries held at zero (0 when dense). */
  sparsity() { return this._m.exports.fg_model_sparsity(this._p()); }
  isSparse() { return this._m.exports.fg_model_is_sparse(this._p()) !== 0; }

  /** INT8 post-training quantization of the weight matrices (no more training after it). */
  quantize() {
    this._mutable('quantize');
    this._m.check(this._m.exports.fg_model_quantize(this._ptr));
  }
  isQuantized() { return this._m.exports.fg_model_is_quantized(this._p()) !== 0; }

  /** 1 for kept parameters, 0 for pruned ones: numParams() values. */
  getMask() {
    const m = this._m;
    const p = this._p();
    const n = this.numParams();
    const out = m.alloc(n, 'the mask');
    try {
      m.check(m.exports.fg_model_get_mask(p, out, n));
      return m.u8(out, n).slice();
    } finally {
      m.free(out);
    }
  }

  /**
   * A self-contained C99 source computing this model's forward pass
   * (<prefix>_predict and <prefix>_logits). With a path (Node) writes it.
   */
  exportC(prefix = 'fastgrnn', path) {
    const m = this._m;
    const p = this._p();
    if (typeof prefix !== 'string') invalid(`exportC: prefix must be a string, got ${describe(prefix)}`);
    if (path !== undefined) checkPath(path, 'exportC: path');
    if (typeof m.exports.fg_model_export_c !== 'function') {
      invalid('exportC is not available in this build of the wasm module');
    }
    const s = m.writeString(prefix, 'the prefix');
    let source;
    try {
      m.zeroSlots();
      m.check(m.exports.fg_model_export_c(p, s.ptr, m.slot(0)));
      source = m.takeString(0);
    } finally {
      m.free(s.ptr);
    }
    if (path !== undefined) {
      writeFile(path, source);
      return undefined;
    }
    return source;
  }

  /** Normalization parameters carried with the model, or null. */
  get normalization() {
    const m = this._m;
    const p = this._p();
    m.zeroSlots();
    if (!m.exports.fg_model_get_normalization(p, m.slot(0), m.slot(1))) return null;
    const D = this._cfg.inputDim;
    return { means: m.copyOutF32(m.readPtr(0), D), stds: m.copyOutF32(m.readPtr(1), D) };
  }

  set normalization(value) {
    const m = this._m;
    this._p();
    if (value === null || typeof value !== 'object') {
      invalid(`normalization must be an object { means, stds }, got ${describe(value)}`);
    }
    const means = toF32(value.means, 'normalization.means');
    const stds = toF32(value.stds, 'normalization.stds');
    if (means.length !== stds.length) {
      invalid(`normalization: means has length ${means.length} but stds has length ${stds.length}`);
    }
    const p = this._ptr;
    withF32(m, means, 'the means', (mp) => withF32(m, stds, 'the stds',
      (sp) => m.check(m.exports.fg_model_set_normalization(p, mp, sp, means.length))));
  }

  /**
   * What the model says about itself (camelCase; a copy): libraryVersion,
   * and when known featureNames, labelName, classNames, timesteps,
   * normalization, training (the summary of the run that trained it), data.
   * Saved with the model and validated on load.
   */
  get card() {
    const m = this._m;
    const p = this._p();
    m.zeroSlots();
    m.check(m.exports.fg_model_get_card(p, m.slot(0)));
    return cardFromC(JSON.parse(m.takeString(0)));
  }

  /**
   * Merges `partial` (camelCase card keys) into the card; a key set to null
   * removes it. Every field is checked by the C core (InvalidInput naming
   * it; nothing changes on failure). libraryVersion and normalization are
   * read-only.
   */
  updateCard(partial) {
    this._mutable('update the card of');
    setCard(this._m, this._ptr, cardJSON(partial, 'updateCard'));
  }

  // ---- ONNX export (js/onnx.js)

  /**
   * The model as an ONNX file: bytes, or with a path first (Node) writes the
   * file atomically (temporary file + rename) and returns undefined.
   * options: { opset = 10, unroll = false, timesteps (with unroll),
   * normalization = whether the model has one, qdq = false }. See js/onnx.js.
   */
  toONNX(pathOrOptions, options) {
    this._p();
    let path;
    if (typeof pathOrOptions === 'string') {
      path = checkPath(pathOrOptions, 'toONNX: path');
    } else {
      if (options !== undefined) {
        invalid(`toONNX: the first argument must be a path string when options follow, got ${describe(pathOrOptions)}`);
      }
      options = pathOrOptions;
    }
    const bytes = modelToONNX(this, options, VERSION);
    if (path === undefined) return bytes;
    writeFileAtomic(path, bytes);
    return undefined;
  }

  /** A deep copy (weights, config, normalization, card). */
  clone() {
    const m = this._m;
    const p = this._p();
    m.zeroSlots();
    m.check(m.exports.fg_model_clone(p, m.slot(0)));
    const ptr = m.readPtr(0);
    const saved = current;
    current = m; // the clone belongs to the same module
    try {
      return new FastGRNN({ [WRAP]: true, ptr });
    } finally {
      current = saved;
    }
  }
}

// ------------------------------------------------------------------ dataset

function nameList(v, what) {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) invalid(`${what} must be an array of strings, got ${describe(v)}`);
  v.forEach((s, i) => {
    if (typeof s !== 'string') invalid(`${what}[${i}] must be a string, got ${describe(s)}`);
  });
  return Object.freeze([...v]);
}

// The dataset's name options, checked by the C core's card rules for D
// inputs and O outputs (counts, empty, duplicate and over-long names).
function datasetNames(m, opts, D, O) {
  const featureNames = nameList(opts.featureNames, 'TrainingDataset: featureNames');
  const classNames = nameList(opts.classNames, 'TrainingDataset: classNames');
  let labelName = null;
  if (opts.labelName !== undefined && opts.labelName !== null) {
    if (typeof opts.labelName !== 'string') {
      invalid(`TrainingDataset: labelName must be a string, got ${describe(opts.labelName)}`);
    }
    labelName = opts.labelName;
  }
  const card = {};
  if (featureNames) card.feature_names = featureNames;
  if (classNames) card.class_names = classNames;
  if (labelName !== null) card.label_name = labelName;
  const s = m.writeString(JSON.stringify(card), 'the names');
  try {
    const status = m.exports.fg_card_validate(s.ptr, s.len, D, O);
    if (status !== 0) {
      try {
        m.check(status);
      } catch (e) {
        throw new FastGRNNError(e.code, `TrainingDataset: ${e.message}`);
      }
    }
  } finally {
    m.free(s.ptr);
  }
  return { featureNames, classNames, labelName };
}

/** Features [N, T, D], labels [N] and optional soft targets, in wasm memory. */
export class TrainingDataset extends Handle {
  /**
   * @param features flat Float32Array [N*T*D] (with inputDim) or an array of rows
   * @param labels   Float32Array or number[] of length N
   * @param options  { inputDim, timesteps = 1, outputDim = 1, featureNames, classNames, labelName }
   *                 (the names: metadata that Trainer#train writes into the model's card)
   */
  constructor(features, labels, options) {
    const m = mod();
    let ptr;
    let names = { featureNames: null, classNames: null, labelName: null };
    if (features && features[WRAP]) {
      ptr = features.ptr;
      if (features.names) names = features.names;
    } else {
      const opts = checkOptions(options, ['inputDim', 'timesteps', 'outputDim', 'featureNames', 'classNames', 'labelName'],
        'TrainingDataset');
      const O = opts.outputDim === undefined ? 1 : checkDim(opts.outputDim, 'outputDim');
      const { data, n, T, D } = toFeatures(features, opts.inputDim, opts.timesteps, 'features');
      const y = toF32(labels, 'labels');
      if (y.length !== n) {
        invalid(`features and labels have different lengths: ${n} samples vs ${y.length} labels`);
      }
      names = datasetNames(m, opts, D, O);
      // The dataset adopts these two buffers: the data is held in wasm once.
      const xp = m.copyInF32(data, 'the features');
      let yp = 0;
      let adopted = false;
      try {
        yp = m.copyInF32(y, 'the labels');
        m.zeroSlots();
        m.check(m.exports.fg_dataset_adopt(xp, yp, n, T, D, O, m.slot(0)));
        adopted = true;
      } finally {
        if (!adopted) {
          m.free(xp);
          if (yp) m.free(yp);
        }
      }
      ptr = m.readPtr(0);
    }
    super(m, ptr, 'fg_dataset_destroy', 'TrainingDataset');
    this._names = names;
  }

  /**
   * Reads a CSV (any input readCSV takes) into a dataset; featureNames,
   * classNames and labelName come from the file.
   */
  static async fromCSV(input, options) {
    const d = await readCSV(input, options);
    if (d.labels === null) invalid('TrainingDataset.fromCSV: a dataset needs a label column, got label: false');
    const meta = { featureNames: d.featureNames, labelName: d.labelName };
    if (d.classNames) meta.classNames = d.classNames;
    return new TrainingDataset(d.features, d.labels,
      { inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim, ...meta });
  }

  static _wrap(m, ptr, names) {
    const saved = current;
    current = m;
    try {
      return new TrainingDataset({ [WRAP]: true, ptr, names });
    } finally {
      current = saved;
    }
  }

  /** Names of the input features (inputDim of them), or null. */
  get featureNames() { this._p(); return this._names.featureNames && [...this._names.featureNames]; }
  /** Names of the classes (2 for binary, else outputDim), or null. */
  get classNames() { this._p(); return this._names.classNames && [...this._names.classNames]; }
  /** Name of the label column, or null. */
  get labelName() { this._p(); return this._names.labelName; }

  // The card fields Trainer#train writes into the model (snake_case JSON).
  _cardJSON() {
    const n = this._names;
    const card = { timesteps: this.timesteps };
    if (n.featureNames) card.feature_names = n.featureNames;
    if (n.classNames) card.class_names = n.classNames;
    if (n.labelName !== null) card.label_name = n.labelName;
    return JSON.stringify(card);
  }

  len() { return this._m.exports.fg_dataset_len(this._p()); }
  get length() { return this.len(); }
  isEmpty() { return this._m.exports.fg_dataset_is_empty(this._p()) !== 0; }
  get inputDim() { return this._m.exports.fg_dataset_input_dim(this._p()); }
  get timesteps() { return this._m.exports.fg_dataset_timesteps(this._p()); }
  get outputDim() { return this._m.exports.fg_dataset_output_dim(this._p()); }

  /** A copy of the features [N*T*D]. */
  get features() {
    const p = this._p();
    const n = this.len() * this.timesteps * this.inputDim;
    return n === 0 ? new Float32Array(0) : this._m.copyOutF32(this._m.exports.fg_dataset_features(p), n);
  }
  /** A copy of the labels [N]. */
  get labels() {
    const p = this._p();
    const n = this.len();
    return n === 0 ? new Float32Array(0) : this._m.copyOutF32(this._m.exports.fg_dataset_labels(p), n);
  }
  /** A copy of the soft targets ([N] or [N, O]), or null. */
  get softTargets() {
    const p = this._p();
    const sp = this._m.exports.fg_dataset_soft_targets(p);
    if (!sp) return null;
    const O = this.outputDim;
    return this._m.copyOutF32(sp, this.len() * (O === 1 ? 1 : O));
  }

  /** Adds teacher soft targets ([N] binary, [N, O] multi-class). Returns this. */
  withSoftTargets(soft) {
    const m = this._m;
    this._mutable('change the soft targets of');
    const data = toF32(soft, 'softTargets');
    const p = this._ptr;
    withF32(m, data, 'the soft targets',
      (sp) => m.check(m.exports.fg_dataset_with_soft_targets(p, sp, data.length)));
    return this;
  }

  /** Seeded shuffle, then [train, val] with round(N * valRatio) in val. */
  split(valRatio, seed = 42) {
    const m = this._m;
    const p = this._p();
    checkNumber(valRatio, 'split: valRatio');
    const s = toSeed(seed, 'split: seed');
    m.zeroSlots();
    m.check(m.exports.fg_dataset_split(p, valRatio, s, m.slot(0), m.slot(1)));
    const a = m.readPtr(0);
    const b = m.readPtr(1);
    return [TrainingDataset._wrap(m, a, this._names), TrainingDataset._wrap(m, b, this._names)];
  }

  /** z-score per input feature, in place. Returns { means, stds }. */
  normalize() {
    const m = this._m;
    this._mutable('normalize');
    const p = this._ptr;
    const D = this.inputDim;
    const buf = m.alloc(D * 8, 'the normalization parameters');
    try {
      m.check(m.exports.fg_dataset_normalize(p, buf, buf + D * 4));
      return { means: m.copyOutF32(buf, D), stds: m.copyOutF32(buf + D * 4, D) };
    } finally {
      m.free(buf);
    }
  }

  /** (x - mean) / std with given parameters, in place. */
  applyNormalization(means, stds) {
    const m = this._m;
    this._mutable('normalize');
    const mu = toF32(means, 'means');
    const sd = toF32(stds, 'stds');
    if (mu.length !== sd.length) {
      invalid(`applyNormalization: means has length ${mu.length} but stds has length ${sd.length}`);
    }
    const p = this._ptr;
    withF32(m, mu, 'the means', (mp) => withF32(m, sd, 'the stds',
      (sp) => m.check(m.exports.fg_dataset_apply_normalization(p, mp, sp, mu.length))));
  }

  /** A deep copy. */
  clone() {
    const m = this._m;
    const p = this._p();
    m.zeroSlots();
    m.check(m.exports.fg_dataset_clone(p, m.slot(0)));
    return TrainingDataset._wrap(m, m.readPtr(0), this._names);
  }

  dispose() {
    if (this._busy) {
      invalid('cannot dispose this TrainingDataset while a Trainer is training with it');
    }
    if (this._iterators) {
      for (const it of this._iterators) it.dispose();
      this._iterators = null;
    }
    super.dispose();
  }
}

// ------------------------------------------------------------------ batches

/**
 * Mini-batches of a dataset: iterable once, yielding [features, labels,
 * softTargets | null] (Float32Array copies). The C iterator is freed when
 * the pass ends, when a for-of loop is left early, or by dispose().
 */
export class BatchIterator extends Handle {
  constructor(dataset, batchSize = 32, shuffle = true, seed = 42) {
    checkInstance(dataset, TrainingDataset, 'BatchIterator: dataset');
    const dp = dataset._p();
    const m = dataset._m;
    checkDim(batchSize, 'batchSize');
    if (typeof shuffle !== 'boolean') invalid(`BatchIterator: shuffle must be a boolean, got ${describe(shuffle)}`);
    const s = toSeed(seed, 'BatchIterator: seed');
    m.zeroSlots();
    m.check(m.exports.fg_batch_iter_create(dp, batchSize, shuffle ? 1 : 0, s, m.slot(0)));
    super(m, m.readPtr(0), 'fg_batch_iter_destroy', 'BatchIterator');
    this._dataset = dataset;
    this._width = dataset.timesteps * dataset.inputDim;
    this._soft = dataset.outputDim === 1 ? 1 : dataset.outputDim;
    if (!dataset._iterators) dataset._iterators = new Set();
    dataset._iterators.add(this);
  }

  [Symbol.iterator]() { return this; }

  next() {
    if (!this._ptr) return { done: true, value: undefined };
    const m = this._m;
    m.zeroSlots();
    const n = m.exports.fg_batch_iter_next(this._ptr, m.slot(0), m.slot(1), m.slot(2));
    if (n <= 0) {
      this.dispose();
      return { done: true, value: undefined };
    }
    const sp = m.readPtr(2);
    const value = [
      m.copyOutF32(m.readPtr(0), n * this._width),
      m.copyOutF32(m.readPtr(1), n),
      sp ? m.copyOutF32(sp, n * this._soft) : null,
    ];
    return { done: false, value };
  }

  return() {
    this.dispose();
    return { done: true, value: undefined };
  }

  dispose() {
    if (this._dataset && this._dataset._iterators) this._dataset._iterators.delete(this);
    super.dispose();
  }
}

// ------------------------------------------------------------------ trainer

const METRICS_BYTES = 24; // fg_training_metrics: i32 + 5 floats
const SUMMARY_BYTES = 24 + METRICS_BYTES; // fg_training_summary: 6 i32 + metrics
const EVENT_DONE = 2;
const EVENT_BATCH = 3;

function nanToNull(v) { return Number.isNaN(v) ? null : v; }

function readMetrics(m, base, i) {
  const p = base + i * METRICS_BYTES;
  const f = m.f32(p, 6);
  return {
    epoch: m.i32(p, 1)[0],
    trainLoss: nanToNull(f[1]),
    valLoss: nanToNull(f[2]),
    trainAccuracy: nanToNull(f[3]),
    valAccuracy: nanToNull(f[4]),
    learningRate: f[5],
  };
}

const now = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

// A macrotask: lets timers, I/O and UI events run.
const yieldToEventLoop = (() => {
  if (typeof setImmediate === 'function') return () => new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') {
    const ch = new MessageChannel();
    const queue = [];
    ch.port1.onmessage = () => queue.shift()();
    return () => new Promise((r) => { queue.push(r); ch.port2.postMessage(0); });
  }
  return () => new Promise((r) => setTimeout(r, 0));
})();

function abortError(signal) {
  const reason = signal && signal.reason;
  const msg = reason instanceof Error ? reason.message : (reason !== undefined ? String(reason) : 'aborted');
  return new FastGRNNError('Aborted', `training aborted: ${msg}`, { cause: reason });
}

const PARALLEL_OPTIONS = ['workers', 'transport', 'workerTimeoutMs', 'workerUrl'];

// The data-parallel options of train(), checked; null without `workers`.
function parallelOptions(opts) {
  const { workers, transport, workerTimeoutMs, workerUrl } = opts;
  if (workers === undefined) {
    for (const k of PARALLEL_OPTIONS) {
      if (opts[k] !== undefined) invalid(`train: ${k} needs workers (data-parallel training), got no workers`);
    }
    return null;
  }
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    invalid(`train: workers must be an integer in [1, ${MAX_WORKERS}], got ${describe(workers)}`);
  }
  const available = parallelTransport();
  const t = transport === undefined ? 'auto' : transport;
  if (t !== 'auto' && t !== 'shared' && t !== 'message') {
    invalid(`train: transport must be 'auto', 'shared' or 'message', got ${describe(t)}`);
  }
  if (t === 'shared' && available !== 'shared') {
    invalid("train: transport 'shared' needs SharedArrayBuffer and Atomics (in browsers, a crossOriginIsolated page), which this context lacks");
  }
  const timeoutMs = workerTimeoutMs === undefined ? 60000 : workerTimeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !(timeoutMs <= 2 ** 31 - 1)) {
    invalid(`train: workerTimeoutMs must be a number of milliseconds in (0, 2147483647], got ${describe(timeoutMs)}`);
  }
  if (workerUrl !== undefined && typeof workerUrl !== 'string' && !(workerUrl instanceof URL)) {
    invalid(`train: workerUrl must be a string or a URL, got ${describe(workerUrl)}`);
  }
  return { workers, transport: t === 'auto' ? available : t, timeoutMs, workerUrl };
}

/** Trains FastGRNN models: Adam, L2, clipping, step decay, early stopping, distillation. */
export class Trainer extends Handle {
  /**
   * @param modelConfig    the model's config (e.g. model.config)
   * @param trainingConfig partial training config; absent keys take the defaults
   */
  constructor(modelConfig, trainingConfig = {}) {
    const m = mod();
    if (modelConfig instanceof FastGRNN) modelConfig = modelConfig.config;
    parseConfig(m, modelConfig, 'model', m.structA);
    parseConfig(m, trainingConfig, 'training', m.structB);
    m.zeroSlots();
    m.check(m.exports.fg_trainer_create(m.structA, m.structB, m.slot(0)));
    super(m, m.readPtr(0), 'fg_trainer_destroy', 'Trainer');
    this._running = false;
  }

  /** The full training config (camelCase; a copy). */
  get config() {
    return configToObject(this._m, this._m.exports.fg_trainer_get_config(this._p()), 'training');
  }

  /** The current learning rate (after decay). */
  get learningRate() { return this._m.exports.fg_trainer_learning_rate(this._p()); }

  _idle(what) {
    this._p();
    if (this._running) invalid(`${what}: this Trainer is already training`);
  }

  /**
   * Trains `model` on `dataset`: split, epochs of shuffled mini-batches,
   * validation, early stopping, best-weight restore. Yields to the event
   * loop between batches. onEpoch(metrics) is called after each epoch;
   * returning false stops training (normally). interrupt() ends it at the
   * next batch boundary (normally, best weights restored). An aborted
   * `signal` rejects with FastGRNNError 'Aborted' and keeps the current
   * weights. Before the first batch, the dataset's featureNames, classNames,
   * labelName and timesteps go into the model's card; when the run ends
   * normally, its summary() does too. Resolves to the metrics of every epoch.
   */
  async train(model, dataset, options) {
    const m = this._m;
    this._idle('train');
    checkInstance(model, FastGRNN, 'train: model');
    if (dataset instanceof DataSource) return this._stream(model, dataset, options, null).then(() => this.metricsHistory());
    checkInstance(dataset, TrainingDataset, 'train: dataset (a TrainingDataset or a data source)');
    const opts = checkOptions(options, ['onEpoch', 'signal', 'sliceMs', ...PARALLEL_OPTIONS], 'train');
    const { onEpoch, signal } = opts;
    const parallel = parallelOptions(opts);
    const sliceMs = opts.sliceMs === undefined ? 20 : checkNumber(opts.sliceMs, 'train: sliceMs');
    if (onEpoch !== undefined && typeof onEpoch !== 'function') {
      invalid(`train: onEpoch must be a function, got ${describe(onEpoch)}`);
    }
    if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean')) {
      invalid(`train: signal must be an AbortSignal, got ${describe(signal)}`);
    }
    sameModule(this, model, 'train: model');
    sameModule(this, dataset, 'train: dataset');
    const mp = model._p();
    const dp = dataset._p();
    if (model._busy) invalid('train: this model is already being trained');
    if (signal && signal.aborted) throw abortError(signal);

    const tp = this._ptr;
    const openPool = parallel ? (await import('./parallel.js')).openParallelPool : null;
    m.check(m.exports.fg_trainer_set_data_parallel(tp, parallel ? 1 : 0));
    const began = m.exports.fg_trainer_begin(tp, mp, dp);
    if (began !== 0) {
      m.exports.fg_trainer_set_data_parallel(tp, 0);
      m.check(began);
    }
    this._running = true;
    this._interrupt = false;
    model._busy++;
    dataset._busy++;
    let pool = null;
    try {
      setCard(m, mp, dataset._cardJSON());
      if (parallel) {
        pool = await openPool(m, tp, mp, {
          inputDim: dataset.inputDim, outputDim: dataset.outputDim, timesteps: dataset.timesteps,
          maxBatch: Math.min(this.config.batchSize, dataset.length),
          data: { ptr: m.exports.fg_dataset_features(dp), rows: dataset.length },
        }, parallel, signal, abortError);
      }
      // Return the promise before any heavy work.
      await yieldToEventLoop();
      let batches = 1; // batches per step, adapted to about sliceMs / 4 of work
      let reported = 0; // metrics records already passed to onEpoch
      let sliceStart = now();
      for (;;) {
        if (signal && signal.aborted) throw abortError(signal);
        if (this._interrupt) break;
        const t0 = now();
        const ev = m.slot(15);
        m.i32(ev, 1)[0] = 0;
        m.check(m.exports.fg_trainer_step(tp, batches, ev));
        const event = m.i32(ev, 1)[0];
        if (event === EVENT_BATCH) { // data-parallel: the workers compute it
          await pool.batch(tp, mp);
          m.check(m.exports.fg_trainer_apply_chunks(tp));
          continue;
        }
        const dt = now() - t0;
        if (dt < sliceMs / 8 && batches < (1 << 20)) batches *= 2;
        else if (dt > sliceMs / 2 && batches > 1) batches = Math.max(1, batches >> 1);
        if (event !== 0) {
          // One record per finished epoch (the last one may come with DONE).
          let stop = false;
          const count = m.exports.fg_trainer_metrics_count(tp) >>> 0;
          while (onEpoch && reported < count && !stop) {
            const metrics = readMetrics(m, m.exports.fg_trainer_metrics(tp), reported++);
            let r = onEpoch(metrics);
            if (r && typeof r.then === 'function') r = await r;
            if (r === false) stop = true;
            if (signal && signal.aborted) throw abortError(signal);
          }
          if (stop || event === EVENT_DONE) break;
        }
        if (now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          sliceStart = now();
        }
      }
      if (signal && signal.aborted) throw abortError(signal);
      m.check(this._interrupt ? m.exports.fg_trainer_interrupt(tp) : m.exports.fg_trainer_finish(tp));
    } catch (e) {
      if (m.exports.fg_trainer_is_running(tp)) m.exports.fg_trainer_cancel(tp);
      throw e;
    } finally {
      if (pool) pool.close();
      m.exports.fg_trainer_set_data_parallel(tp, 0);
      this._running = false;
      this._interrupt = false;
      model._busy--;
      dataset._busy--;
    }
    return this.metricsHistory();
  }

  /**
   * Continues a streaming run from a checkpoint (bytes, or in Node a
   * checkpoint file or the folder holding checkpoint.fgck) on the same
   * source, with the options of train(). The trainer's configs must be the
   * run's. Resolves to { model, metrics }: the trained model (a new object)
   * and every epoch's metrics, the same as without the interruption.
   */
  async resume(checkpoint, source, options) {
    this._idle('resume');
    checkInstance(source, DataSource, 'resume: source');
    const bytes = await readCheckpoint(checkpoint);
    const model = await this._stream(null, source, options, bytes);
    return { model, metrics: this.metricsHistory() };
  }

  // A streaming run (stream.js) with this trainer's internals.
  async _stream(model, source, options, resumeBytes) {
    const m = this._m;
    const opts = checkOptions(options, ['onEpoch', 'signal', 'sliceMs', 'validation', 'holdout', 'shuffleBuffer',
      'checkpoint', 'onProgress', 'softTargets', ...PARALLEL_OPTIONS], 'train');
    const parallel = parallelOptions(opts);
    const sliceMs = opts.sliceMs === undefined ? 20 : checkNumber(opts.sliceMs, 'train: sliceMs');
    for (const k of ['onEpoch', 'onProgress']) {
      if (opts[k] !== undefined && typeof opts[k] !== 'function') invalid(`train: ${k} must be a function, got ${describe(opts[k])}`);
    }
    if (opts.signal !== undefined && (opts.signal === null || typeof opts.signal.aborted !== 'boolean')) {
      invalid(`train: signal must be an AbortSignal, got ${describe(opts.signal)}`);
    }
    if (opts.shuffleBuffer !== undefined && (!Number.isInteger(opts.shuffleBuffer) || opts.shuffleBuffer < 0)) {
      invalid(`train: shuffleBuffer must be an integer >= 0, got ${describe(opts.shuffleBuffer)}`);
    }
    if (model) {
      sameModule(this, model, 'train: model');
      model._p();
      if (model._busy) invalid('train: this model is already being trained');
    }
    if (opts.signal && opts.signal.aborted) throw abortError(opts.signal);
    const tp = this._ptr;
    this._running = true;
    this._interrupt = false;
    if (model) model._busy++;
    const h = {
      m, tp, config: this.config, sliceMs, now, abortError, yieldNow: yieldToEventLoop,
      readMetrics: (i) => readMetrics(m, m.exports.fg_trainer_metrics(tp), i),
      interrupted: () => this._interrupt,
      writeCardBeforeRun: (mdl, info) => {
        const card = { timesteps: info.timesteps };
        if (info.featureNames) card.feature_names = info.featureNames;
        if (info.classNames) card.class_names = info.classNames;
        if (info.labelName) card.label_name = info.labelName;
        card.data = { source: source.name.slice(0, 200) };
        setCard(m, mdl._p(), JSON.stringify(card));
      },
      wrapModel: (ptr) => {
        const saved = current;
        current = m;
        try {
          return new FastGRNN({ [WRAP]: true, ptr });
        } finally {
          current = saved;
        }
      },
    };
    if (parallel) {
      const { openParallelPool } = await import('./parallel.js');
      // runStream calls this once the run has begun (or resumed)
      h.startPool = async (mp, info) => {
        h.pool = await openParallelPool(m, tp, mp, {
          inputDim: info.inputDim, outputDim: info.outputDim, timesteps: info.timesteps,
          maxBatch: h.config.batchSize,
        }, parallel, opts.signal, abortError);
      };
    }
    try {
      m.check(m.exports.fg_trainer_set_data_parallel(tp, parallel ? 1 : 0));
      await yieldToEventLoop();
      return await runStream(h, model, source, opts, resumeBytes);
    } finally {
      if (h.pool) h.pool.close();
      if (!m.exports.fg_trainer_is_running(tp)) m.exports.fg_trainer_set_data_parallel(tp, 0);
      this._running = false;
      this._interrupt = false;
      if (model) model._busy--;
    }
  }

  /**
   * During train(): ends the run at the next batch boundary as
   * "interrupted" (best weights restored as at a normal end, when
   * restoreBestWeights); train() then resolves normally. Returns true when
   * a run was going on, false (and does nothing) otherwise.
   */
  interrupt() {
    this._p();
    if (!this._running) return false;
    this._interrupt = true;
    return true;
  }

  /**
   * How the last train() run ended (camelCase): epochsRun, keptEpoch (null
   * when none), keptReason, stopReason, trainSamples, validationSamples and
   * final (the kept epoch's metrics, or null). InvalidInput while training
   * or before any run ended.
   */
  summary() {
    const m = this._m;
    const p = this._p();
    const buf = m.alloc(SUMMARY_BYTES, 'the training summary');
    try {
      m.check(m.exports.fg_trainer_summary(p, buf));
      m.zeroSlots();
      m.check(m.exports.fg_training_summary_to_json(buf, m.slot(0)));
      return summaryFromC(JSON.parse(m.takeString(0)));
    } finally {
      m.free(buf);
    }
  }

  /**
   * One Adam step on one mini-batch (custom loops). features: [n*T*D] or
   * rows; labels [n]; softTargets null or [n] / [n*O]. Returns the batch's
   * mean data loss.
   */
  trainBatch(model, features, labels, softTargets = null, options) {
    const m = this._m;
    this._idle('trainBatch');
    checkInstance(model, FastGRNN, 'trainBatch: model');
    sameModule(this, model, 'trainBatch: model');
    model._mutable('train');
    const { timesteps } = checkOptions(options, ['timesteps'], 'trainBatch');
    const cfg = model._cfg;
    const { data, n, T } = toFeatures(features, cfg.inputDim, timesteps, 'trainBatch: features');
    const y = toF32(labels, 'trainBatch: labels');
    if (y.length !== n) invalid(`trainBatch: ${n} feature rows but ${y.length} labels`);
    if (n === 0) invalid('trainBatch: the batch is empty');
    let soft = null;
    if (softTargets !== null && softTargets !== undefined) {
      soft = toF32(softTargets, 'trainBatch: softTargets');
      const w = cfg.outputDim === 1 ? 1 : cfg.outputDim;
      if (soft.length !== n * w) {
        invalid(`trainBatch: softTargets has length ${soft.length}, expected ${n * w}`);
      }
    }
    const xp = m.copyInF32(data, 'the features');
    let yp = 0, sp = 0;
    try {
      yp = m.copyInF32(y, 'the labels');
      if (soft) sp = m.copyInF32(soft, 'the soft targets');
      const lossp = m.slot(14);
      m.check(m.exports.fg_trainer_train_batch(this._ptr, model._ptr, xp, yp, sp, n, T, lossp));
      return m.f32(lossp, 1)[0];
    } finally {
      m.free(xp);
      m.free(yp);
      m.free(sp);
    }
  }

  /** Mean data loss and accuracy of model on dataset: { loss, accuracy }. */
  evaluate(model, dataset) {
    const m = this._m;
    this._idle('evaluate');
    checkInstance(model, FastGRNN, 'evaluate: model');
    checkInstance(dataset, TrainingDataset, 'evaluate: dataset');
    sameModule(this, model, 'evaluate: model');
    sameModule(this, dataset, 'evaluate: dataset');
    m.check(m.exports.fg_trainer_evaluate(this._ptr, model._p(), dataset._p(), m.slot(12), m.slot(13)));
    return { loss: m.readF32(12), accuracy: m.readF32(13) };
  }

  /** Metrics of every epoch of the last train() run (camelCase; NaN as null). */
  metricsHistory() {
    const m = this._m;
    const p = this._p();
    const count = m.exports.fg_trainer_metrics_count(p) >>> 0;
    const base = m.exports.fg_trainer_metrics(p);
    const out = [];
    for (let i = 0; i < count; i++) out.push(readMetrics(m, base, i));
    return out;
  }

  /** The metrics history as JSON with the specification's snake_case keys. */
  metricsJSON() {
    const m = this._m;
    const p = this._p();
    const count = m.exports.fg_trainer_metrics_count(p) >>> 0;
    m.zeroSlots();
    m.check(m.exports.fg_metrics_to_json(m.exports.fg_trainer_metrics(p), count, m.slot(0)));
    return m.takeString(0);
  }

  /** Writes metricsJSON() to a file (Node). */
  saveMetrics(path) {
    checkPath(path, 'saveMetrics: path');
    writeFile(path, this.metricsJSON());
  }

  dispose() {
    if (this._running) invalid('cannot dispose this Trainer while it is training');
    super.dispose();
  }
}

// ------------------------------------------------------------------ helpers

/** -t log p - (1 - t) log(1 - p), p clamped to [1e-7, 1 - 1e-7]. */
export function binaryCrossEntropy(prediction, target) {
  checkNumber(prediction, 'binaryCrossEntropy: prediction');
  checkNumber(target, 'binaryCrossEntropy: target');
  return mod().exports.fg_binary_cross_entropy(prediction, target);
}

/** sigmoid(logit / temperature). */
export function temperatureSoftmax(logit, temperature) {
  checkNumber(logit, 'temperatureSoftmax: logit');
  checkNumber(temperature, 'temperatureSoftmax: temperature');
  if (!(temperature > 0)) invalid(`temperatureSoftmax: temperature must be > 0, got ${temperature}`);
  return mod().exports.fg_temperature_softmax(logit, temperature);
}

/**
 * Soft targets from a teacher: sigmoid(logit / T) ([n]) for binary,
 * softmax(logits / T) ([n*O]) for multi-class.
 */
export function generateTeacherPredictions(teacher, features, temperature, options) {
  checkInstance(teacher, FastGRNN, 'generateTeacherPredictions: teacher');
  const m = teacher._m;
  const tp = teacher._p();
  checkNumber(temperature, 'generateTeacherPredictions: temperature');
  const { timesteps } = checkOptions(options, ['timesteps'], 'generateTeacherPredictions');
  const cfg = teacher._cfg;
  const { data, n, T } = toFeatures(features, cfg.inputDim, timesteps, 'generateTeacherPredictions: features');
  if (n === 0) return new Float32Array(0);
  const w = cfg.outputDim === 1 ? 1 : cfg.outputDim;
  const out = m.alloc(n * w * 4, 'the soft targets');
  try {
    withF32(m, data, 'the features',
      (xp) => m.check(m.exports.fg_generate_teacher_predictions(tp, xp, n, T, temperature, out)));
    return m.copyOutF32(out, n * w);
  } finally {
    m.free(out);
  }
}

// ------------------------------------------------------------------ evaluation and rules

const snakeToCamelDeep = (v) => {
  if (Array.isArray(v)) return v.map(snakeToCamelDeep);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) out[camel(k)] = snakeToCamelDeep(x);
  return out;
};

/**
 * The evaluation report of model on dataset, computed in C: loss, accuracy,
 * confusion matrix (rows: true class, columns: predicted), per-class
 * precision / recall / F1 / support, ROC-AUC (binary). options.raw (default
 * true): the dataset holds raw features and the model's stored
 * normalization is applied first, as predict() does; false: the dataset is
 * already normalized.
 */
export function evaluate(model, dataset, options) {
  checkInstance(model, FastGRNN, 'evaluate: model');
  checkInstance(dataset, TrainingDataset, 'evaluate: dataset');
  const opts = checkOptions(options, ['raw'], 'evaluate');
  const raw = opts.raw === undefined ? true : opts.raw;
  if (typeof raw !== 'boolean') invalid(`evaluate: raw must be a boolean, got ${describe(raw)}`);
  sameModule(model, dataset, 'evaluate: dataset');
  const m = model._m;
  const mp = model._p();
  const dp = dataset._p();
  m.zeroSlots();
  m.check(m.exports.fg_model_evaluate(mp, dp, raw ? 1 : 0, m.slot(0)));
  const report = snakeToCamelDeep(JSON.parse(m.takeString(0)));
  const names = model._classNames() ??
    (Array.isArray(dataset.classNames) && dataset.classNames.length === report.numClasses
      ? dataset.classNames : null);
  for (const c of report.classes) c.className = names ? String(names[c.index]) : String(c.index);
  return report;
}

/**
 * Bounds of every numeric model and training config key, from the C table
 * the validators use: { model: { inputDim: { min, max, minOpen, maxOpen,
 * integer, nullable }, ... }, training: { ... }, maxParameters }.
 */
export function configLimits() {
  const m = mod();
  if (!m._limits) {
    m.zeroSlots();
    m.check(m.exports.fg_config_limits_json(m.slot(0)));
    m._limits = snakeToCamelDeep(JSON.parse(m.takeString(0)));
  }
  return structuredClone(m._limits);
}

/**
 * The train / validation sizes TrainingDataset#split and the Trainer use
 * for n samples: validation = round(n * validationSplit) as C computes it.
 */
export function splitSizes(n, validationSplit) {
  const m = mod();
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    invalid(`splitSizes: n must be an integer in [0, 2^31), got ${describe(n)}`);
  }
  checkNumber(validationSplit, 'splitSizes: validationSplit');
  m.zeroSlots();
  m.check(m.exports.fg_split_sizes(n, validationSplit, m.slot(0), m.slot(1)));
  return { train: m.readI32(0), validation: m.readI32(1) };
}

/** { means, stds } as the JSON file C writes: {"means":[...],"stds":[...]}. */
export function normalizationToJSON(normalization) {
  const m = mod();
  if (normalization === null || typeof normalization !== 'object') {
    invalid(`normalizationToJSON: normalization must be an object { means, stds }, got ${describe(normalization)}`);
  }
  const means = toF32(normalization.means, 'normalizationToJSON: means');
  const stds = toF32(normalization.stds, 'normalizationToJSON: stds');
  if (means.length !== stds.length) {
    invalid(`normalizationToJSON: means has length ${means.length} but stds has length ${stds.length}`);
  }
  return withF32(m, means, 'the means', (mp) => withF32(m, stds, 'the stds', (sp) => {
    m.zeroSlots();
    m.check(m.exports.fg_normalization_to_json(mp, sp, means.length, m.slot(0)));
    return m.takeString(0);
  }));
}

const METRIC_FIELDS = ['trainLoss', 'valLoss', 'trainAccuracy', 'valAccuracy', 'learningRate'];

/**
 * Metrics records (camelCase, as Trainer#metricsHistory and onEpoch give
 * them; null for "none") as the JSON C writes: snake_case keys, NaN as null.
 */
export function metricsToJSON(metrics) {
  const m = mod();
  if (!Array.isArray(metrics)) invalid(`metricsToJSON: metrics must be an array, got ${describe(metrics)}`);
  const n = metrics.length;
  const buf = new ArrayBuffer(n * METRICS_BYTES);
  const i32 = new Int32Array(buf);
  const f32 = new Float32Array(buf);
  metrics.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object') {
      invalid(`metricsToJSON: metrics[${i}] must be an object, got ${describe(rec)}`);
    }
    if (!Number.isInteger(rec.epoch) || rec.epoch < 0 || rec.epoch > 0x7fffffff) {
      invalid(`metricsToJSON: metrics[${i}].epoch must be an integer >= 0, got ${describe(rec.epoch)}`);
    }
    i32[i * 6] = rec.epoch;
    METRIC_FIELDS.forEach((k, j) => {
      const v = rec[k];
      if (v !== null && typeof v !== 'number') {
        invalid(`metricsToJSON: metrics[${i}].${k} must be a number or null, got ${describe(v)}`);
      }
      f32[i * 6 + 1 + j] = v === null ? NaN : v;
    });
  });
  const p = m.alloc(buf.byteLength, 'the metrics');
  try {
    m.u8(p, buf.byteLength).set(new Uint8Array(buf));
    m.zeroSlots();
    m.check(m.exports.fg_metrics_to_json(p, n, m.slot(0)));
    return m.takeString(0);
  } finally {
    m.free(p);
  }
}

/**
 * Per-feature means and standard deviations of a data source in one
 * streaming pass (Welford in C): what TrainingDataset#normalize gives for
 * the same rows. Set them as model.normalization before a streaming run.
 */
export async function sourceNormalization(source) {
  checkInstance(source, DataSource, 'sourceNormalization: source');
  const m = mod();
  const info = await source.info();
  const D = info.inputDim;
  m.zeroSlots();
  m.check(m.exports.fg_stats_create(D, m.slot(0)));
  const st = m.readPtr(0);
  let buf = 0, cap = 0;
  try {
    for await (const b of source.pass(0)) {
      const need = b.features.length;
      if (need > cap) {
        m.free(buf);
        buf = 0;
        buf = m.alloc(need * 4, 'the statistics batch');
        cap = need;
      }
      m.f32(buf, need).set(b.features);
      m.check(m.exports.fg_stats_update(st, buf, BigInt(need / D)));
      await yieldToEventLoop();
    }
    const out = m.alloc(D * 8, 'the normalization');
    try {
      m.check(m.exports.fg_stats_finish(st, out, out + D * 4));
      return { means: m.copyOutF32(out, D), stds: m.copyOutF32(out + D * 4, D) };
    } finally {
      m.free(out);
    }
  } finally {
    m.free(buf);
    m.exports.fg_stats_destroy(st);
  }
}

export { isNode };
