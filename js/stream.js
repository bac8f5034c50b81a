// stream.js - data larger than memory: streaming sources and streaming
// training (docs/design.md, "Streaming").
//
// A source is reopened for every pass (a factory), so training never holds
// the data: CSV through the package's reader, JSON Lines, a compact binary
// row format, and any async iterable of batches. Trainer#train(model,
// source, options) runs the C streaming run (fg_trainer_stream_*): samples
// are pushed as they are read, the C side keeps a seeded shuffle buffer and
// the batch being filled, and checkpoints the whole run on request.

import { FastGRNNError, describe, invalid } from './errors.js';
import { readCSVRows } from './csv.js';

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;
const nodeBuiltin = (name) => (typeof process.getBuiltinModule === 'function'
  ? Promise.resolve(process.getBuiltinModule(name))
  : import(/* webpackIgnore: true */ /* @vite-ignore */ name));

// ------------------------------------------------------------------ bytes

const BINARY_MAGIC = 'FGROWS1\n';
const BINARY_FORMAT = 'fastgrnn-wasm-rows/1';
const READ_CHUNK = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function ioError(what, e) {
  if (e instanceof FastGRNNError) return e;
  return new FastGRNNError('IoError', `cannot read ${what}: ${e && e.message ? e.message : String(e)}`, { cause: e });
}

/**
 * The bytes of an input, from byte `start`: { chunks: AsyncIterable<Uint8Array>,
 * size: total bytes or null, name }. input: a path (Node), an http(s) URL
 * (string or URL), a Blob/File, bytes, or a function returning one of these
 * or a ReadableStream / async iterable (called for every pass).
 */
async function openBytes(input, start, name, used) {
  if (typeof input === 'function') {
    let v;
    try {
      v = await input();
    } catch (e) {
      throw ioError(name, e);
    }
    if (typeof v === 'function') invalid(`${name}: the source function returned a function`);
    return openBytes(v, start, name, null);
  }
  if (input instanceof URL || (typeof input === 'string' && /^https?:\/\//i.test(input))) {
    let res;
    try {
      res = await fetch(input);
    } catch (e) {
      throw ioError(String(input), e);
    }
    if (!res.ok) throw new FastGRNNError('IoError', `cannot read ${input}: HTTP ${res.status}`);
    const size = Number(res.headers.get('content-length')) || null;
    return { chunks: skipBytes(streamChunks(res.body, String(input)), start), size };
  }
  if (typeof input === 'string') {
    if (!isNode) invalid(`${name}: a file path needs Node.js; pass a File, a URL or bytes`);
    const fs = await nodeBuiltin('node:fs');
    let size;
    try {
      size = (await fs.promises.stat(input)).size;
    } catch (e) {
      throw ioError(input, e);
    }
    if (start > size) {
      throw new FastGRNNError('IoError', `${input} has ${size} bytes, fewer than the ${start} already read (the file changed)`);
    }
    return { chunks: fileChunks(fs, input, start), size };
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const u8 = input instanceof Uint8Array ? input : new Uint8Array(input);
    return { chunks: (async function* one() { if (start < u8.length) yield u8.subarray(start); })(), size: u8.length };
  }
  if (input && typeof input.stream === 'function' && typeof input.size === 'number') { // Blob / File
    return { chunks: streamChunks(input.slice(start).stream(), name), size: input.size };
  }
  if (input && (typeof input.getReader === 'function' || typeof input[Symbol.asyncIterator] === 'function')) {
    if (used) {
      if (used.has(input)) {
        invalid(`${name}: a stream can be read only once; for more than one pass (epochs, validation, statistics) pass a function that returns a new stream`);
      }
      used.add(input);
    }
    const it = typeof input.getReader === 'function' ? streamChunks(input, name) : input;
    return { chunks: skipBytes(it, start), size: null };
  }
  invalid(`${name} must be a file path, a URL, a Blob, bytes, a ReadableStream, an async iterable or a function returning one, got ${describe(input)}`);
}

async function* streamChunks(stream, name) {
  const reader = stream.getReader();
  try {
    for (;;) {
      let r;
      try {
        r = await reader.read();
      } catch (e) {
        throw ioError(name, e);
      }
      if (r.done) return;
      yield typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A file's bytes from `start`, in READ_CHUNK pieces (each a new buffer). */
async function* fileChunks(fs, path, start) {
  let fh;
  try {
    fh = await fs.promises.open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    let pos = start;
    for (;;) {
      const buf = new Uint8Array(READ_CHUNK);
      let got;
      try {
        ({ bytesRead: got } = await fh.read(buf, 0, READ_CHUNK, pos));
      } catch (e) {
        throw ioError(path, e);
      }
      if (got === 0) return;
      pos += got;
      yield got === READ_CHUNK ? buf : buf.subarray(0, got);
    }
  } finally {
    await fh.close();
  }
}

async function* skipBytes(chunks, start) {
  let left = start;
  for await (let c of chunks) {
    if (typeof c === 'string') c = new TextEncoder().encode(c);
    if (left >= c.length) { left -= c.length; continue; }
    yield left > 0 ? c.subarray(left) : c;
    left = 0;
  }
}

// ------------------------------------------------------------------ sources

/**
 * A reopenable source of samples. pass(start) yields batches
 * { n, features: Float32Array [n*T*D], labels: Float32Array [n],
 *   softTargets?: Float32Array, bytes } starting at sample `start` (rows
 * before it are read and dropped, or skipped by seeking when the format
 * allows). info() reads what training needs to know before it starts.
 */
export class DataSource {
  constructor(kind, name, options) {
    this.kind = kind;
    this.name = name;
    this._options = options;
    this._used = new Set();
    this._info = null;
  }

  /** { inputDim, timesteps, outputDim, featureNames, classNames, labelName, rows, bytes } (one pass when labels must be seen). */
  async info() {
    if (!this._info) this._info = await this._scan();
    return { ...this._info };
  }
}

class CSVSource extends DataSource {
  constructor(input, options) {
    super('csv', (options && options.name) || (typeof input === 'string' ? input : 'the CSV'), options || {});
    this._input = input;
    const { batchSize, ...rest } = this._options;
    this._csv = rest;
    this._batch = batchSize === undefined ? 4096 : batchSize;
    readCSVRows('', { ...this._csv, name: this.name }); // checks the options now
  }

  async* _rows(start, extra) {
    const { chunks } = await openBytes(this._input, 0, this.name, this._used);
    let skip = start;
    for await (const b of readCSVRows(chunks, { ...this._csv, ...extra, name: this.name, batchSize: this._batch })) {
      if (skip >= b.n) { skip -= b.n; continue; }
      const W = b.inputDim * b.timesteps;
      yield skip > 0 ? { ...b, n: b.n - skip, features: b.features.subarray(skip * W), labels: b.labels.subarray(skip) } : b;
      skip = 0;
    }
  }

  async _scan() {
    return scanLabels(this.name, this._rows(0, {}), this._csv.classNames);
  }

  async* pass(start) {
    const info = await this.info();
    const extra = info.classNames && !this._csv.classNames ? { classNames: info.classNames } : {};
    yield* this._rows(start, extra);
  }
}

/**
 * One reading pass over a source's batches for what training must know
 * first: dimensions, rows, and the label kind by readCSV's rule (class names
 * sorted, two names binary; numbers in [0, 1] binary, whole numbers above 1
 * classes). Class names given by the caller keep their order.
 */
async function scanLabels(name, batches, fixedClassNames) {
  let rows = 0, first = null, names = null;
  const numeric = { min: Infinity, max: -Infinity, whole: true };
  for await (const b of batches) {
    if (!b.labels) invalid(`${name}: a training source needs a label column`);
    first = first || b;
    rows += b.n;
    if (b.classNames) { names = b.classNames; continue; }
    for (let i = 0; i < b.n; i++) {
      const y = b.labels[i];
      if (y < numeric.min) numeric.min = y;
      if (y > numeric.max) numeric.max = y;
      if (y !== Math.floor(y)) numeric.whole = false;
    }
  }
  const info = finishInfo(name, first, rows, fixedClassNames ? null : names, numeric);
  if (fixedClassNames) {
    info.classNames = fixedClassNames.slice();
    info.outputDim = info.classNames.length === 2 ? 1 : info.classNames.length;
  }
  return info;
}

function finishInfo(name, first, rows, names, numeric) {
  if (!first) invalid(`${name}: no data rows`);
  let outputDim, classNames = null;
  if (names) {
    const sorted = names.slice().sort();
    if (sorted.length < 2) invalid(`${name}: every label is the class ${describe(sorted[0])}; a data set needs at least 2 classes`);
    classNames = sorted;
    outputDim = sorted.length === 2 ? 1 : sorted.length;
  } else if (numeric.min < 0) {
    invalid(`${name}: the label ${numeric.min} is negative (labels are 0/1, class indices or class names)`);
  } else if (numeric.max > 1) {
    if (!numeric.whole) invalid(`${name}: labels above 1 make this a multi-class file, but some labels are not whole numbers`);
    outputDim = numeric.max + 1;
  } else {
    outputDim = 1;
  }
  return {
    inputDim: first.inputDim, timesteps: first.timesteps, outputDim,
    featureNames: first.featureNames || null, classNames, labelName: first.labelName || 'label', rows,
  };
}

class JSONLSource extends DataSource {
  constructor(input, options = {}) {
    super('jsonl', options.name || (typeof input === 'string' ? input : 'the JSON Lines'), options);
    const allowed = ['features', 'label', 'classNames', 'timesteps', 'batchSize', 'name'];
    for (const k of Object.keys(options)) if (!allowed.includes(k)) invalid(`jsonlSource: unknown option '${k}'`);
    if (options.features !== undefined && (!Array.isArray(options.features) || options.features.some((f) => typeof f !== 'string'))) {
      invalid(`jsonlSource: features must be an array of field names, got ${describe(options.features)}`);
    }
    this._input = input;
    this._label = options.label === undefined ? 'label' : options.label;
    this._T = options.timesteps === undefined ? 1 : options.timesteps;
    if (!Number.isInteger(this._T) || this._T < 1) invalid(`jsonlSource: timesteps must be an integer >= 1, got ${describe(this._T)}`);
    this._batch = options.batchSize === undefined ? 4096 : options.batchSize;
  }

  async* _rows(start, classNames) {
    const { chunks } = await openBytes(this._input, 0, this.name, this._used);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let names = this._options.features || null;
    const index = classNames ? new Map(classNames.map((c, i) => [c, i])) : null;
    let W = 0, feat = null, lab = null, n = 0, line = 0, row = 0, rest = '', seen = null;
    const flush = () => {
      const b = { n, features: feat.slice(0, n * W), labels: lab.slice(0, n), inputDim: W / this._T, timesteps: this._T, featureNames: names, labelName: this._label, classNames: seen ? [...seen.keys()] : null };
      n = 0;
      return b;
    };
    const parse = (text) => {
      line++;
      if (text.trim() === '') return false;
      let o;
      try {
        o = JSON.parse(text);
      } catch (e) {
        invalid(`${this.name} line ${line}: not JSON (${e.message})`);
      }
      if (o === null || typeof o !== 'object' || Array.isArray(o)) invalid(`${this.name} line ${line}: expected an object, got ${describe(o)}`);
      if (!names) {
        names = Object.keys(o).filter((k) => k !== this._label);
        if (names.length === 0) invalid(`${this.name} line ${line}: no feature fields besides the label "${this._label}"`);
      }
      if (!feat) {
        W = names.length;
        if (W % this._T !== 0) invalid(`${this.name}: ${W} feature fields are not a multiple of timesteps ${this._T}`);
        feat = new Float32Array(this._batch * W);
        lab = new Float32Array(this._batch);
      }
      if (row++ < start) return false;
      for (let j = 0; j < W; j++) {
        const v = o[names[j]];
        if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`${this.name} line ${line}: field "${names[j]}" must be a finite number, got ${describe(v)}`);
        feat[n * W + j] = v;
      }
      const y = o[this._label];
      if (typeof y === 'number' && Number.isFinite(y)) {
        lab[n] = y;
      } else if (typeof y === 'string') {
        if (index) {
          if (!index.has(y)) invalid(`${this.name} line ${line}: the label ${describe(y)} is not one of the classes ${classNames.join(', ')}`);
          lab[n] = index.get(y);
        } else {
          seen = seen || new Map();
          if (!seen.has(y)) seen.set(y, seen.size);
          lab[n] = seen.get(y);
        }
      } else {
        invalid(`${this.name} line ${line}: the label "${this._label}" must be a number or a class name, got ${describe(y)}`);
      }
      n++;
      return n === this._batch;
    };
    for await (const c of chunks) {
      let text;
      try {
        text = rest + decoder.decode(c, { stream: true });
      } catch {
        invalid(`${this.name} line ${line + 1}: not UTF-8 text`);
      }
      let at = 0;
      for (;;) {
        const nl = text.indexOf('\n', at);
        if (nl < 0) break;
        if (parse(text.slice(at, nl))) yield flush();
        at = nl + 1;
      }
      rest = text.slice(at);
    }
    if (rest.length > 0 && parse(rest)) yield flush();
    if (n > 0) yield flush();
  }

  async _scan() {
    return scanLabels(this.name, this._rows(0, this._options.classNames || null), this._options.classNames);
  }

  async* pass(start) {
    const info = await this.info();
    yield* this._rows(start, info.classNames);
  }
}

/** Header of the binary row format, from its first bytes. */
function parseBinaryHeader(bytes, name) {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 16 || magic !== BINARY_MAGIC) {
    throw new FastGRNNError('SerializationError', `${name} is not a fastgrnn-wasm rows file (it does not start with "FGROWS1")`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(8, true));
  if (hlen > 1 << 24) throw new FastGRNNError('SerializationError', `${name}: header length ${hlen} is too large`);
  return hlen;
}

function checkBinaryHeader(h, name) {
  const bad = (msg) => { throw new FastGRNNError('SerializationError', `${name}: header ${msg}`); };
  if (h === null || typeof h !== 'object' || h.format !== BINARY_FORMAT) bad(`format must be "${BINARY_FORMAT}"`);
  for (const k of ['rows', 'timesteps', 'input_dim', 'output_dim']) {
    if (!Number.isSafeInteger(h[k]) || h[k] < (k === 'rows' ? 0 : 1)) bad(`"${k}" must be a positive integer, got ${describe(h[k])}`);
  }
  if (h.timesteps * h.input_dim > 1 << 24) bad('rows are too wide');
  if (h.feature_names != null && (!Array.isArray(h.feature_names) || h.feature_names.length !== h.input_dim)) bad(`"feature_names" must list ${h.input_dim} names`);
  if (h.class_names != null && (!Array.isArray(h.class_names) || h.class_names.length !== (h.output_dim === 1 ? 2 : h.output_dim))) bad('"class_names" has the wrong length');
}

class BinarySource extends DataSource {
  constructor(input, options = {}) {
    super('binary', options.name || (typeof input === 'string' ? input : 'the rows file'), options);
    for (const k of Object.keys(options)) if (!['batchSize', 'name'].includes(k)) invalid(`binarySource: unknown option '${k}'`);
    this._input = input;
    this._batch = options.batchSize === undefined ? 4096 : options.batchSize;
  }

  async _header() {
    const { chunks } = await openBytes(this._input, 0, this.name, null);
    let buf = new Uint8Array(0);
    let need = 16, hlen = -1;
    for await (const c of chunks) {
      const nb = new Uint8Array(buf.length + c.length);
      nb.set(buf);
      nb.set(c, buf.length);
      buf = nb;
      if (hlen < 0 && buf.length >= 16) { hlen = parseBinaryHeader(buf, this.name); need = 16 + hlen; }
      if (hlen >= 0 && buf.length >= need) break;
    }
    if (hlen < 0 || buf.length < need) throw new FastGRNNError('SerializationError', `${this.name} is truncated inside its header`);
    let h;
    try {
      h = JSON.parse(new TextDecoder().decode(buf.subarray(16, 16 + hlen)));
    } catch (e) {
      throw new FastGRNNError('SerializationError', `${this.name}: header is not JSON (${e.message})`);
    }
    checkBinaryHeader(h, this.name);
    return { h, dataStart: 16 + hlen };
  }

  async _scan() {
    const { h, dataStart } = await this._header();
    this._dataStart = dataStart;
    return {
      inputDim: h.input_dim, timesteps: h.timesteps, outputDim: h.output_dim,
      featureNames: h.feature_names || null, classNames: h.class_names || null,
      labelName: h.label_name || 'label', rows: h.rows,
    };
  }

  async* pass(start) {
    const info = await this.info();
    const W = info.inputDim * info.timesteps, rec = (W + 1) * 4;
    if (start > info.rows) throw new FastGRNNError('IoError', `${this.name}: cannot start at row ${start} of ${info.rows}`);
    const from = this._dataStart + start * rec;
    const { chunks, size } = await openBytes(this._input, from, this.name, this._used);
    if (size !== null && size !== this._dataStart + info.rows * rec) {
      throw new FastGRNNError('SerializationError', `${this.name} has ${size} bytes, but its header says ${info.rows} rows (${this._dataStart + info.rows * rec} bytes): truncated or changed`);
    }
    const B = this._batch;
    const carry = new Uint8Array(rec);
    let carried = 0, row = start;
    const feat = new Float32Array(B * W), lab = new Float32Array(B);
    let n = 0;
    const flush = () => {
      const b = { n, features: feat.slice(0, n * W), labels: lab.slice(0, n), inputDim: info.inputDim, timesteps: info.timesteps };
      n = 0;
      return b;
    };
    const take = (dv, off) => {
      for (let j = 0; j < W; j++) feat[n * W + j] = dv.getFloat32(off + 4 * j, true);
      lab[n] = dv.getFloat32(off + 4 * W, true);
      n++;
      row++;
    };
    for await (const c of chunks) {
      let at = 0;
      if (carried > 0) {
        const k = Math.min(rec - carried, c.length);
        carry.set(c.subarray(0, k), carried);
        carried += k;
        at = k;
        if (carried < rec) continue;
        take(new DataView(carry.buffer), 0);
        carried = 0;
        if (n === B) yield flush();
      }
      if (LITTLE_ENDIAN && (c.byteOffset + at) % 4 === 0) {
        // aligned float32 records: read them through one Float32Array view
        const whole = Math.floor((c.length - at) / rec);
        const f = new Float32Array(c.buffer, c.byteOffset + at, whole * (W + 1));
        for (let r = 0, o = 0; r < whole; r++, o += W + 1) {
          const base = n * W;
          for (let j = 0; j < W; j++) feat[base + j] = f[o + j];
          lab[n++] = f[o + W];
          row++;
          if (n === B) yield flush();
        }
        at += whole * rec;
      } else {
        const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
        while (at + rec <= c.length) {
          take(dv, at);
          at += rec;
          if (n === B) yield flush();
        }
      }
      if (at < c.length) { carry.set(c.subarray(at), 0); carried = c.length - at; }
    }
    if (n > 0) yield flush();
    if (carried > 0 || row !== info.rows) {
      throw new FastGRNNError('SerializationError', `${this.name} is truncated: ${row} of ${info.rows} rows${carried ? ` and ${carried} bytes of the next` : ''}`);
    }
  }
}

class IterableSource extends DataSource {
  constructor(factory, options = {}) {
    super('iterable', options.name || 'the data', options);
    if (typeof factory !== 'function') invalid(`iterableSource: factory must be a function returning an async iterable of batches, got ${describe(factory)}`);
    for (const k of ['inputDim', 'outputDim']) {
      if (!Number.isInteger(options[k]) || options[k] < 1) invalid(`iterableSource: ${k} must be an integer >= 1, got ${describe(options[k])}`);
    }
    this._factory = factory;
  }

  async _scan() {
    const o = this._options;
    return {
      inputDim: o.inputDim, timesteps: o.timesteps || 1, outputDim: o.outputDim,
      featureNames: o.featureNames || null, classNames: o.classNames || null, labelName: o.labelName || 'label', rows: null,
    };
  }

  async* pass(start) {
    const info = await this.info();
    const W = info.inputDim * info.timesteps;
    let it;
    try {
      it = await this._factory();
    } catch (e) {
      throw ioError(this.name, e);
    }
    if (!it || typeof it[Symbol.asyncIterator] !== 'function' && typeof it[Symbol.iterator] !== 'function') {
      invalid(`${this.name}: the factory must return an (async) iterable of batches, got ${describe(it)}`);
    }
    let skip = start, k = 0;
    for await (const b of it) {
      k++;
      if (!b || typeof b !== 'object') invalid(`${this.name}: batch ${k} must be an object { features, labels }, got ${describe(b)}`);
      const features = b.features instanceof Float32Array ? b.features : Float32Array.from(b.features || []);
      const labels = b.labels instanceof Float32Array ? b.labels : Float32Array.from(b.labels || []);
      if (features.length !== labels.length * W) invalid(`${this.name}: batch ${k} has ${features.length} feature values for ${labels.length} labels (expected ${labels.length * W})`);
      const sw = info.outputDim === 1 ? 1 : info.outputDim;
      const soft = b.softTargets == null ? undefined : (b.softTargets instanceof Float32Array ? b.softTargets : Float32Array.from(b.softTargets));
      if (soft && soft.length !== labels.length * sw) invalid(`${this.name}: batch ${k} softTargets has length ${soft.length}, expected ${labels.length * sw}`);
      const n = labels.length;
      if (skip >= n) { skip -= n; continue; }
      yield {
        n: n - skip, features: features.subarray(skip * W), labels: labels.subarray(skip),
        softTargets: soft ? soft.subarray(skip * sw) : undefined,
      };
      skip = 0;
    }
  }
}

/** A CSV file / URL / Blob / stream factory, read with readCSVRows. options: readCSV's, plus batchSize. */
export function csvSource(input, options) { return new CSVSource(input, options); }
/** JSON Lines: one object per line with numeric feature fields and a label. */
export function jsonlSource(input, options) { return new JSONLSource(input, options); }
/** The compact binary row format (writeRows / encodeRows). */
export function binarySource(input, options) { return new BinarySource(input, options); }
/** Any async iterable of { features, labels, softTargets? } batches, from factory() for each pass. */
export function iterableSource(factory, options) { return new IterableSource(factory, options); }

/**
 * The binary row format: "FGROWS1\n", the header length (u64 LE), a JSON
 * header { format, rows, timesteps, input_dim, output_dim, feature_names,
 * class_names, label_name } padded with spaces to 8 bytes, then per row
 * T*D float32 features and a float32 label, little-endian.
 */
export function encodeRowsHeader({ rows, inputDim, timesteps = 1, outputDim = 1, featureNames = null, classNames = null, labelName = 'label' }) {
  const h = {
    format: BINARY_FORMAT, rows, timesteps, input_dim: inputDim, output_dim: outputDim,
    feature_names: featureNames, class_names: classNames, label_name: labelName,
  };
  checkBinaryHeader(h, 'encodeRows');
  let json = JSON.stringify(h);
  while ((json.length + 16) % 8 !== 0) json += ' ';
  const jb = new TextEncoder().encode(json);
  const out = new Uint8Array(16 + jb.length);
  out.set(new TextEncoder().encode(BINARY_MAGIC));
  new DataView(out.buffer).setBigUint64(8, BigInt(jb.length), true);
  out.set(jb, 16);
  return out;
}

/** Row records (features [n*T*D], labels [n]) as bytes of the binary format. */
export function encodeRows(features, labels, inputDim, timesteps = 1) {
  const W = inputDim * timesteps, n = labels.length;
  if (features.length !== n * W) invalid(`encodeRows: ${features.length} feature values for ${n} labels of width ${W}`);
  const out = new Uint8Array(n * (W + 1) * 4);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < W; j++, at += 4) dv.setFloat32(at, features[i * W + j], true);
    dv.setFloat32(at, labels[i], true);
    at += 4;
  }
  return out;
}

// ------------------------------------------------------------------ training

/** Which rows of the pass [first, first + n) go where: a hold-out mask from C, or null. */
function holdoutMask(m, first, n, seed, ratio) {
  const out = m.alloc(n, 'the hold-out mask');
  try {
    m.check(m.exports.fg_holdout_rows(BigInt(first), n, BigInt(seed), ratio, out));
    return m.u8(out, n).slice();
  } finally {
    m.free(out);
  }
}

function select(b, mask, want, W, sw) {
  let k = 0;
  for (let i = 0; i < b.n; i++) if (mask[i] === want) k++;
  if (k === b.n) return b;
  const features = new Float32Array(k * W), labels = new Float32Array(k);
  const soft = b.softTargets ? new Float32Array(k * sw) : undefined;
  for (let i = 0, j = 0; i < b.n; i++) {
    if (mask[i] !== want) continue;
    features.set(b.features.subarray(i * W, (i + 1) * W), j * W);
    labels[j] = b.labels[i];
    if (soft) soft.set(b.softTargets.subarray(i * sw, (i + 1) * sw), j * sw);
    j++;
  }
  return { n: k, features, labels, softTargets: soft };
}

/** Wasm buffers for pushing batches of up to `cap` samples. */
class PushBuffers {
  constructor(m, cap, W, sw, soft) {
    this.m = m;
    this.cap = cap;
    this.W = W;
    this.sw = sw;
    this.x = m.alloc(cap * W * 4, 'the stream batch');
    this.y = m.alloc(cap * 4, 'the stream batch');
    this.s = soft ? m.alloc(cap * sw * 4, 'the stream batch') : 0;
  }
  /** Calls fn(xp, yp, sp, k) for pieces of at most cap samples. */
  each(b, fn) {
    for (let i = 0; i < b.n; i += this.cap) fn(...this.load(b, i));
  }
  /** The same, awaiting each call. */
  async eachAsync(b, fn) {
    for (let i = 0; i < b.n; i += this.cap) await fn(...this.load(b, i));
  }
  /** Copies the piece of b from sample i into the buffers: [xp, yp, sp, k]. */
  load(b, i) {
    const { m, cap, W, sw } = this;
    const k = Math.min(cap, b.n - i);
    m.f32(this.x, k * W).set(b.features.subarray(i * W, (i + k) * W));
    m.f32(this.y, k).set(b.labels.subarray(i, i + k));
    if (this.s) {
      if (!b.softTargets) invalid('the run uses soft targets (distillation) but a batch has none');
      m.f32(this.s, k * sw).set(b.softTargets.subarray(i * sw, (i + k) * sw));
    }
    return [this.x, this.y, this.s, k];
  }
  free() {
    this.m.free(this.x);
    this.m.free(this.y);
    this.m.free(this.s);
  }
}

const EVENT_DONE = 2, EVENT_BATCH = 3;
const STREAM_SOFT = 1, STREAM_RAW = 2;
const CHECKPOINT_FILE = 'checkpoint.fgck';

async function writeAtomic(dir, bytes) {
  const fs = await nodeBuiltin('node:fs');
  const path = await nodeBuiltin('node:path');
  const final = path.join(dir, CHECKPOINT_FILE);
  const tmp = `${final}.${process.pid}.tmp`;
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, final);
  } catch (e) {
    try { await fs.promises.unlink(tmp); } catch { /* not there */ }
    throw new FastGRNNError('IoError', `cannot write the checkpoint ${final}: ${e.message}`);
  }
  return final;
}

/** The checkpoint bytes from a path (a file, or a folder holding checkpoint.fgck), or bytes as given. */
export async function readCheckpoint(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string') invalid(`resume must be checkpoint bytes or (Node) a path, got ${describe(source)}`);
  if (!isNode) invalid('resume: a path needs Node.js; pass the checkpoint bytes');
  const fs = await nodeBuiltin('node:fs');
  const path = await nodeBuiltin('node:path');
  let file = source;
  try {
    if ((await fs.promises.stat(source)).isDirectory()) file = path.join(source, CHECKPOINT_FILE);
    return new Uint8Array(await fs.promises.readFile(file));
  } catch (e) {
    throw new FastGRNNError('IoError', `cannot read the checkpoint ${file}: ${e.message}`);
  }
}

/**
 * The streaming run behind Trainer#train(model, source, options) and
 * Trainer#resume(checkpoint, source, options). `h` gives the trainer's
 * internals: { m, tp, config, sliceMs, now, yieldNow, abortError,
 * readMetrics, interrupted(), writeCardBeforeRun, wrapModel } and, for a
 * data-parallel run, startPool(mp, info), which sets pool.
 */
export async function runStream(h, model, source, opts, resumeBytes) {
  const { m, tp } = h;
  const info = await source.info();
  const cfg = h.config;
  const T = info.timesteps, W = info.inputDim * T, sw = info.outputDim === 1 ? 1 : info.outputDim;
  const validation = opts.validation;
  if (validation !== undefined && !(validation instanceof DataSource)) {
    invalid(`train: validation must be a data source (csvSource, jsonlSource, binarySource, iterableSource), got ${describe(validation)}`);
  }
  const holdout = opts.holdout === undefined ? (validation ? 0 : cfg.validationSplit) : opts.holdout;
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout < 1)) invalid(`train: holdout must be a number in [0, 1), got ${describe(holdout)}`);
  if (validation && holdout > 0) invalid('train: give either validation (a second source) or holdout, not both');
  const shuffleBuffer = opts.shuffleBuffer === undefined ? 10000 : opts.shuffleBuffer;
  const soft = opts.softTargets === true;
  const ck = opts.checkpoint;
  if (ck !== undefined) {
    if (ck === null || typeof ck !== 'object') invalid(`train: checkpoint must be { dir | save, everyBatches?, everyEpochs? }, got ${describe(ck)}`);
    if (ck.dir === undefined && typeof ck.save !== 'function') invalid('train: checkpoint needs dir (Node) or a save(bytes) function');
    for (const k of ['everyBatches', 'everyEpochs']) {
      if (ck[k] !== undefined && (!Number.isInteger(ck[k]) || ck[k] < 1)) invalid(`train: checkpoint.${k} must be an integer >= 1, got ${describe(ck[k])}`);
    }
  }
  const sourceText = (pos) => JSON.stringify({ source: source.name, ...pos });

  // Resume or begin.
  let pos = { epoch: 0, phase: 'train', rows: 0 };
  let mp;
  if (resumeBytes) {
    const bp = m.copyInU8(resumeBytes, 'the checkpoint');
    try {
      m.zeroSlots();
      m.check(m.exports.fg_trainer_resume(tp, bp, resumeBytes.length, m.slot(0), m.slot(1)));
    } finally {
      m.free(bp);
    }
    mp = m.readPtr(0);
    let saved;
    try {
      saved = JSON.parse(m.takeString(1));
    } catch {
      saved = null;
    }
    if (!saved || saved.source !== source.name || !Number.isSafeInteger(saved.rows) || !['train', 'validate'].includes(saved.phase)) {
      m.exports.fg_trainer_cancel(tp);
      m.exports.fg_model_destroy(mp);
      throw new FastGRNNError('SerializationError', `the checkpoint was not written for ${source.name} (its source: ${saved ? describe(saved.source) : 'unreadable'})`);
    }
    const ckT = m.exports.fg_trainer_stream_timesteps(tp);
    if (ckT !== T) {
      m.exports.fg_trainer_cancel(tp);
      m.exports.fg_model_destroy(mp);
      invalid(`the checkpoint's run has timesteps ${ckT}, but ${source.name} has timesteps ${T}`);
    }
    pos = { epoch: saved.epoch, phase: saved.phase, rows: saved.rows };
    model = h.wrapModel(mp);
  } else {
    mp = model._p();
    if (model.inputDim !== info.inputDim || model.outputDim !== info.outputDim) {
      invalid(`${source.name} has inputDim ${info.inputDim} and outputDim ${info.outputDim}, the model ${model.inputDim} and ${model.outputDim}`);
    }
    const flags = STREAM_RAW | (soft ? STREAM_SOFT : 0);
    h.writeCardBeforeRun(model, info);
    m.check(m.exports.fg_trainer_stream_begin(tp, mp, T, shuffleBuffer, flags));
  }
  if (resumeBytes && (model.inputDim !== info.inputDim || model.outputDim !== info.outputDim)) {
    m.exports.fg_trainer_cancel(tp);
    invalid(`${source.name} has inputDim ${info.inputDim} and outputDim ${info.outputDim}, the model ${model.inputDim} and ${model.outputDim}`);
  }
  // A data-parallel run feeds pieces of at most one batch: each stops at
  // most once for the workers, and is checked again from where it stopped.
  const bufs = new PushBuffers(m, h.startPool ? Math.max(1, Math.min(4096, cfg.batchSize)) : 4096, W, sw, soft);
  let batchesAtCheckpoint = 0;
  const batchSize = cfg.batchSize;
  let totalTrainRows = 0;
  const progress = opts.onProgress;
  const t0 = h.now();
  let sliceStart = h.now();
  const checkpoint = async () => {
    m.zeroSlots();
    const s = m.writeString(sourceText(pos), 'the checkpoint source');
    let bytes;
    try {
      m.check(m.exports.fg_trainer_checkpoint(tp, s.ptr, m.slot(0), m.slot(1)));
      const p = m.readPtr(0), len = m.readPtr(1);
      bytes = m.u8(p, len).slice();
      m.free(p);
    } finally {
      m.free(s.ptr);
    }
    if (ck.dir !== undefined) await writeAtomic(ck.dir, bytes);
    else await ck.save(bytes);
  };
  const pause = async () => {
    if (h.now() - sliceStart >= h.sliceMs) {
      await h.yieldNow();
      sliceStart = h.now();
    }
    if (opts.signal && opts.signal.aborted) throw h.abortError(opts.signal);
  };
  // data-parallel: the waiting batch goes to the workers, then the step
  const applyPending = async () => {
    await h.pool.batch(tp, mp);
    m.check(m.exports.fg_trainer_apply_chunks(tp));
  };
  const feed = async (xp, yp, sp, k) => {
    while (k > 0) {
      m.zeroSlots();
      m.check(m.exports.fg_trainer_stream_feed(tp, xp, yp, sp, k, m.slot(0), m.slot(1)));
      const taken = m.readI32(0), event = m.readI32(1);
      if (event === EVENT_BATCH) await applyPending();
      xp += 4 * taken * W;
      yp += 4 * taken;
      if (sp) sp += 4 * taken * sw;
      k -= taken;
    }
  };
  const closeTraining = async () => {
    for (;;) {
      const ev = m.slot(15);
      m.i32(ev, 1)[0] = 0;
      m.check(m.exports.fg_trainer_stream_close_training(tp, ev));
      if (m.i32(ev, 1)[0] !== EVENT_BATCH) return;
      await applyPending();
    }
  };
  try {
    if (h.startPool) await h.startPool(mp, info);
    let reported = m.exports.fg_trainer_metrics_count(tp) >>> 0; // a resumed run's earlier epochs are not reported again
    for (;;) {
      // training part of the epoch
      if (pos.phase === 'train') {
        for await (const raw of source.pass(pos.rows)) {
          let b = raw;
          const first = pos.rows;
          pos.rows += raw.n;
          if (holdout > 0) b = select(raw, holdoutMask(m, first, raw.n, cfg.seed, holdout), 0, W, sw);
          if (b.n > 0) {
            if (h.pool) await bufs.eachAsync(b, feed);
            else bufs.each(b, (xp, yp, sp, k) => m.check(m.exports.fg_trainer_stream_push(tp, xp, yp, sp, k)));
            totalTrainRows += b.n;
          }
          if (progress) progress({ epoch: pos.epoch, phase: 'train', rows: pos.rows, totalRows: info.rows, trainedRows: totalTrainRows, rowsPerSecond: totalTrainRows / Math.max(1e-3, (h.now() - t0) / 1000) });
          if (ck && ck.everyBatches && Math.floor(totalTrainRows / batchSize) - batchesAtCheckpoint >= ck.everyBatches) {
            batchesAtCheckpoint = Math.floor(totalTrainRows / batchSize);
            await checkpoint();
          }
          if (h.interrupted()) break;
          await pause();
        }
        if (h.interrupted()) break;
        pos = { epoch: pos.epoch, phase: 'validate', rows: 0 };
      }
      if (h.pool) await closeTraining();
      // validation part
      const vsource = validation || (holdout > 0 ? source : null);
      if (vsource) {
        for await (const raw of vsource.pass(pos.rows)) {
          let b = raw;
          const first = pos.rows;
          pos.rows += raw.n;
          if (!validation) b = select(raw, holdoutMask(m, first, raw.n, cfg.seed, holdout), 1, W, sw);
          if (b.n > 0) bufs.each(b, (xp, yp, sp, k) => m.check(m.exports.fg_trainer_stream_validate(tp, xp, yp, k)));
          if (progress) progress({ epoch: pos.epoch, phase: 'validate', rows: pos.rows, totalRows: (validation ? null : info.rows) });
          if (h.interrupted()) break;
          await pause();
        }
        if (h.interrupted()) break;
      }
      const ev = m.slot(15);
      m.i32(ev, 1)[0] = 0;
      m.check(m.exports.fg_trainer_stream_end_epoch(tp, ev));
      const event = m.i32(ev, 1)[0];
      pos = { epoch: pos.epoch + 1, phase: 'train', rows: 0 };
      let stop = false;
      const count = m.exports.fg_trainer_metrics_count(tp) >>> 0;
      while (reported < count && !stop) {
        const metrics = h.readMetrics(reported++);
        if (opts.onEpoch) {
          let r = opts.onEpoch(metrics);
          if (r && typeof r.then === 'function') r = await r;
          if (r === false) stop = true;
        }
      }
      if (stop || event === EVENT_DONE) break;
      if (ck && ck.everyEpochs && pos.epoch % ck.everyEpochs === 0) await checkpoint();
      if (opts.signal && opts.signal.aborted) throw h.abortError(opts.signal);
    }
    // as in-memory training: an aborted signal wins over interrupt()
    if (opts.signal && opts.signal.aborted) throw h.abortError(opts.signal);
    if (h.interrupted()) m.check(m.exports.fg_trainer_interrupt(tp));
    else m.check(m.exports.fg_trainer_finish(tp));
  } catch (e) {
    if (m.exports.fg_trainer_is_running(tp)) m.exports.fg_trainer_cancel(tp);
    throw e;
  } finally {
    bufs.free();
  }
  return model;
}
