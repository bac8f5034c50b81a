// csv.js - the package's one CSV reader (readCSV, readCSVRows).
//
// Everything in the package that reads CSV goes through it
// (TrainingDataset.fromCSV, the demo page, ...), so a file reads the same
// everywhere. Rules (README "Reading CSV"):
//  - RFC 4180: cells may be quoted ("a,b", "say ""hi""", line breaks inside
//    quotes); records end with LF, CRLF or CR; a UTF-8 BOM is dropped;
//  - the delimiter is the one of , ; TAB found most often in the header
//    (outside quotes; ties in that order), unless options.delimiter is given;
//  - the first non-blank record is the header; blank lines are skipped;
//  - the label column is options.label, else "label", "target" or "class"
//    (exact name first, then case-insensitive); options.ignore drops columns;
//    every other column is a numeric feature;
//  - labels are numbers (all in [0, 1]: binary; integers 0..K-1 with some
//    above 1: K classes) or names (class indices in sorted order, or in the
//    order of options.classNames; two names: binary);
//  - missing cells (empty, NA, N/A, NaN, null; any case) follow
//    options.missing: 'error' (default), 'skip' the row, or 'mean' (the
//    feature's mean over the present values, see "The mean" below);
//  - with options.timesteps T, a row holds T steps of D = features / T
//    values, step-major.
// Every error is a FastGRNNError 'InvalidInput' (IoError when the source
// itself fails) whose message starts "<name> line L, column C (<column>):".
//
// The reader is written for speed (README "Reading CSV": rows/s and why no
// npm parser): records are scanned once with charCodeAt, numbers are parsed
// in place without substrings, and rows go straight into Float32Arrays.

import { FastGRNNError, describe } from './errors.js';

const OPTION_KEYS = ['delimiter', 'label', 'ignore', 'missing', 'timesteps', 'classNames',
  'featureNames', 'name', 'means', 'batchSize'];
const DEFAULT_LABELS = ['label', 'target', 'class'];
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null']);
const POLICIES = ['error', 'skip', 'mean'];
const FLOAT32_MAX = 3.4028234663852886e38;
const MAX_CLASS_INDEX = 2 ** 24; // integers up to here are exact in float32
const QUOTE = 34, LF = 10, CR = 13, SPACE = 32, TAB = 9;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact in float64

// ------------------------------------------------------------------ options

function invalid(msg) {
  throw new FastGRNNError('InvalidInput', msg);
}

function checkStringList(v, what) {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    invalid(`readCSV: ${what} must be an array of strings, got ${describe(v)}`);
  }
  return v;
}

/** Validated options with defaults. */
function checkOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    invalid(`readCSV: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) invalid(`readCSV: unknown option '${k}'`);
  }
  const o = { ...options };
  if (o.name === undefined) o.name = 'CSV';
  else if (typeof o.name !== 'string' || o.name === '') invalid(`readCSV: name must be a non-empty string, got ${describe(o.name)}`);
  if (o.delimiter !== undefined) {
    const d = o.delimiter;
    if (typeof d !== 'string' || d.length !== 1 || /["\r\n0-9.\-]/.test(d)) {
      invalid(`readCSV: delimiter must be one character other than a quote, a line break, a digit, '.' or '-', got ${describe(d)}`);
    }
  }
  if (o.label !== undefined && o.label !== false && (typeof o.label !== 'string' || o.label === '')) {
    invalid(`readCSV: label must be a column name or false (no label column), got ${describe(o.label)}`);
  }
  o.ignore = o.ignore === undefined ? [] : checkStringList(o.ignore, 'ignore');
  if (o.missing === undefined) o.missing = 'error';
  else if (!POLICIES.includes(o.missing)) invalid(`readCSV: missing must be 'error', 'skip' or 'mean', got ${describe(o.missing)}`);
  if (o.timesteps === undefined) o.timesteps = 1;
  else if (!Number.isInteger(o.timesteps) || o.timesteps < 1) invalid(`readCSV: timesteps must be an integer >= 1, got ${describe(o.timesteps)}`);
  if (o.classNames !== undefined && o.classNames !== null) {
    checkStringList(o.classNames, 'classNames');
    if (o.classNames.length < 2) invalid(`readCSV: classNames must name at least 2 classes, got ${o.classNames.length}`);
    if (new Set(o.classNames).size !== o.classNames.length) invalid('readCSV: classNames has a name twice');
  } else o.classNames = null;
  if (o.featureNames !== undefined && o.featureNames !== null) checkStringList(o.featureNames, 'featureNames');
  else o.featureNames = null;
  if (o.means !== undefined && o.means !== null) {
    if (!(Array.isArray(o.means) || (ArrayBuffer.isView(o.means) && !(o.means instanceof DataView))) ||
        Array.prototype.some.call(o.means, (v) => typeof v !== 'number' || !Number.isFinite(v))) {
      invalid(`readCSV: means must be an array of finite numbers, got ${describe(o.means)}`);
    }
  } else o.means = null;
  if (o.batchSize === undefined) o.batchSize = 8192;
  else if (!Number.isInteger(o.batchSize) || o.batchSize < 1) invalid(`readCSV: batchSize must be an integer >= 1, got ${describe(o.batchSize)}`);
  return o;
}

// ------------------------------------------------------------------ input

function isBytes(v) {
  return v instanceof ArrayBuffer || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function toU8(v) {
  return v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v)
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** The input as an async iterable of chunks (string | bytes). */
// Whole inputs are read in pieces of this many bytes / characters, like a
// stream's chunks: strings stay small, and readCSVRows hands out batches as
// it goes.
const PIECE = 1 << 16;

function* pieces(input) {
  const n = typeof input === 'string' ? input.length : input.byteLength;
  if (n <= PIECE) { yield input; return; }
  const u8 = typeof input === 'string' ? null : toU8(input);
  for (let i = 0; i < n; i += PIECE) yield u8 ? u8.subarray(i, i + PIECE) : input.slice(i, i + PIECE);
}

function chunkSource(input, name) {
  if (typeof input === 'string' || isBytes(input)) return pieces(input);
  if (input && typeof input === 'object') {
    // Blob / File
    if (typeof input.stream === 'function' && typeof input.arrayBuffer === 'function') input = input.stream();
    // ReadableStream (WHATWG)
    if (typeof input.getReader === 'function' && !input[Symbol.asyncIterator]) {
      const stream = input;
      return {
        async* [Symbol.asyncIterator]() {
          const reader = stream.getReader();
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              yield value;
            }
          } finally {
            reader.releaseLock();
          }
        },
      };
    }
    if (typeof input[Symbol.asyncIterator] === 'function' || typeof input[Symbol.iterator] === 'function') return input;
  }
  invalid(`readCSV: input must be a string, bytes, a Blob, a ReadableStream or an (async) iterable of string/byte chunks, got ${describe(input)} (${name})`);
}

/** How many bytes at the end of u8 begin a UTF-8 sequence that the next chunk completes (0-3). */
function incompleteTail(u8) {
  const n = u8.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = u8[n - k];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

/** Index of the first byte of u8 that does not begin a valid UTF-8 sequence, or -1. */
function firstInvalidByte(u8) {
  for (let i = 0; i < u8.length;) {
    const b = u8[i];
    if (b < 0x80) { i++; continue; }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= u8.length) return i;
    const c = u8[i + 1];
    if ((b === 0xe0 && c < 0xa0) || (b === 0xed && c > 0x9f) || (b === 0xf0 && c < 0x90) || (b === 0xf4 && c > 0x8f)) return i;
    for (let j = 1; j <= need; j++) if ((u8[i + j] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Text chunks of the input: UTF-8 decoded across chunk boundaries, the BOM
 * dropped. Invalid UTF-8: the text before it is given first (so an earlier
 * problem is reported, whatever the chunking), then an error naming the line
 * (from `lineAt`, which counts the lines of the text given so far) and byte.
 */
async function* textChunks(input, name, lineAt) { // lineAt: Reader#drain
  const source = chunkSource(input, name);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let first = true;
  let tail = null;   // an incomplete sequence at the end of the last byte chunk
  let offset = 0;    // bytes before the current chunk
  const dropBom = (s) => {
    if (first && s.length > 0) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) return s.slice(1);
    }
    return s;
  };
  let iterator;
  try {
    iterator = source[Symbol.asyncIterator] ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  } catch (e) {
    throw ioError(name, e);
  }
  try {
    for (;;) {
      let r;
      try {
        r = await iterator.next();
      } catch (e) {
        throw ioError(name, e);
      }
      const c = r.done ? null : r.value;
      if (r.done || typeof c === 'string') {
        if (tail) {
          yield '';
          invalid(`${name} line ${lineAt()}: the file is not UTF-8 text (byte ${offset - tail.length} begins a sequence that is cut off)`);
        }
        if (r.done) break;
        yield dropBom(c);
      } else if (isBytes(c)) {
        let u8 = toU8(c);
        if (u8.length === 0) continue;
        if (tail) {
          const joined = new Uint8Array(tail.length + u8.length);
          joined.set(tail);
          joined.set(u8, tail.length);
          u8 = joined;
          offset -= tail.length;
          tail = null;
        }
        const t = incompleteTail(u8);
        if (t > 0) {
          tail = u8.slice(u8.length - t);
          u8 = u8.subarray(0, u8.length - t);
        }
        let s;
        try {
          s = decoder.decode(u8);
        } catch {
          const bad = Math.max(0, firstInvalidByte(u8));
          yield dropBom(decoder.decode(u8.subarray(0, bad)));
          invalid(`${name} line ${lineAt()}: the file is not UTF-8 text (byte ${offset + bad} is 0x${u8[bad].toString(16).padStart(2, '0')})`);
        }
        offset += u8.length + (tail ? tail.length : 0);
        yield dropBom(s);
      } else {
        invalid(`${name}: a chunk of the input must be a string or bytes, got ${describe(c)}`);
      }
    }
  } finally {
    if (typeof iterator.return === 'function') {
      try { await iterator.return(); } catch { /* already failing or done */ }
    }
  }
}

function ioError(name, e) {
  if (e instanceof FastGRNNError) return e;
  return new FastGRNNError('IoError', `cannot read ${name}: ${e && e.message ? e.message : String(e)}`, { cause: e });
}

// ------------------------------------------------------------------ numbers

/**
 * The number in s[a, b) (surrounding spaces allowed): decimal syntax only,
 * [+-] digits [. digits] [e [+-] digits]; NaN for anything else (empty,
 * hex, Infinity, NaN, text). Correctly rounded: exact when it fits the
 * float64 fast path (<= 15 significant digits, |exponent| <= 22), else
 * Number() on the same text.
 */
function parseNumber(s, a, b) {
  let c;
  while (a < b && ((c = s.charCodeAt(a)) === SPACE || c === TAB)) a++;
  while (b > a && ((c = s.charCodeAt(b - 1)) === SPACE || c === TAB)) b--;
  if (a === b) return NaN;
  let i = a;
  let neg = false;
  c = s.charCodeAt(i);
  if (c === 45) { neg = true; i++; } else if (c === 43) i++;
  let mant = 0, sig = 0, exp = 0, digits = 0;
  for (; i < b; i++) {
    c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    digits++;
    if (mant !== 0 || c !== 0) { mant = mant * 10 + c; sig++; }
  }
  if (i < b && s.charCodeAt(i) === 46) {
    for (i++; i < b; i++) {
      c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      digits++;
      if (mant !== 0 || c !== 0) { mant = mant * 10 + c; sig++; }
      exp--;
    }
  }
  if (digits === 0) return NaN;
  if (i < b && (s.charCodeAt(i) | 32) === 101) { // e / E
    i++;
    let eneg = false;
    if (i < b) {
      c = s.charCodeAt(i);
      if (c === 45) { eneg = true; i++; } else if (c === 43) i++;
    }
    let e = 0, ed = 0;
    for (; i < b; i++) {
      c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (e < 100000) e = e * 10 + c;
      ed++;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -e : e;
  }
  if (i !== b) return NaN;
  if (sig <= 15 && exp >= -22 && exp <= 22) {
    const v = exp < 0 ? mant / POW10[-exp] : mant * POW10[exp];
    return neg ? -v : v;
  }
  return Number(s.slice(a, b)); // the sign included
}

// ------------------------------------------------------------------ reader

// The mean that missing: 'mean' fills in (also in the README, "Reading CSV"):
//  - readCSV: per feature, the mean of the feature's present values over
//    every data row of the input (the feature's column in every timestep),
//    summed in float64 from the float32 values, stored as float32;
//  - readCSVRows: the same sums over the rows read when the row's batch is
//    handed out (a batch is held back until every feature has had a value),
//    so early batches can differ from readCSV; options.means (e.g. from a
//    first pass, or a model card's normalization means) fills every row alike.

class Reader {
  constructor(o) {
    this.o = o;
    this.name = o.name;
    this.delim = o.delimiter === undefined ? -1 : o.delimiter.charCodeAt(0);
    this.buf = '';
    this.pos = 0;
    this.waitFor = 0;        // unread characters needed before scanning again
    this.line = 1;           // line number at this.pos
    this.bytesRead = 0;      // UTF-16 code units of text consumed so far
    this.header = null;
    // cells of the current record
    this.cap = 64;
    this.cs = new Int32Array(this.cap);
    this.ce = new Int32Array(this.cap);
    this.cl = new Int32Array(this.cap);
    this.cq = new Uint8Array(this.cap);
    this.cv = new Float64Array(this.cap); // the number of a plain cell, else NaN
    this.count = 0;
    this.nextLine = 1;
    // rows
    this.rows = 0;
    this.rowCap = 0;
    this.feat = null;
    this.lab = null;
    this.rowLine = null;      // line of each buffered row (readCSVRows' batch.line)
    this.rowsSkipped = 0;
    this.dataRows = 0;
    this.missingAt = [];      // flat feature indices waiting for a mean
    this.lastLine = 0;
  }

  fail(line, col, msg) {
    const h = this.header;
    const c = h && col >= 1 && col <= h.length ? h[col - 1] : null;
    const colName = c === null ? '' : ` (${c.length > 40 ? c.slice(0, 37) + '...' : c})`;
    invalid(`${this.name} line ${line}, column ${col}${colName}: ${msg}`);
  }

  /**
   * Before an error in the input itself (invalid UTF-8): parses every
   * complete record given so far, without waiting for more text (so an
   * earlier problem is the one reported, whatever the chunking), then returns
   * the line at the end of the text.
   */
  drain() {
    this.waitFor = 0;
    this.push('', false);
    return this.lineAtEnd();
  }

  /** The line at the end of the text given so far. */
  lineAtEnd() {
    const s = this.buf;
    let line = this.line;
    for (let i = this.pos; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === LF || (c === CR && s.charCodeAt(i + 1) !== LF)) line++;
    }
    return line;
  }

  /** Feeds text; final = no more text follows. Parses every complete record. */
  push(text, final) {
    if (this.pos > 0) {
      this.buf = this.pos >= this.buf.length ? text : this.buf.slice(this.pos) + text;
      this.pos = 0;
    } else if (text.length > 0) {
      this.buf = this.buf.length === 0 ? text : this.buf + text;
    }
    const s = this.buf;
    const n = s.length;
    // A record that did not end in the text so far is scanned again only
    // once the unread text has doubled: linear time even for one huge
    // record (or an unclosed quote at the top of a large file).
    if (!final && n - this.pos < this.waitFor) return;
    this.waitFor = 0;
    if (this.delim < 0 && !this.detectDelimiter(s, final)) {
      this.waitFor = 2 * (n - this.pos);
      return;
    }
    while (this.pos < n) {
      const next = this.scan(s, this.pos, final);
      if (next < 0) {
        this.waitFor = 2 * (n - this.pos);
        break;
      }
      this.bytesRead += next - this.pos;
      this.pos = next;
      const startLine = this.line;
      this.line = this.nextLine;
      this.record(s, startLine);
    }
    if (this.pos >= n) { this.buf = ''; this.pos = 0; }
  }

  /** Picks , ; or TAB from the first non-blank line; false while that line is incomplete. */
  detectDelimiter(s, final) {
    const n = s.length;
    let i = this.pos;
    while (i < n && (s.charCodeAt(i) === LF || s.charCodeAt(i) === CR)) i++;
    let comma = 0, semi = 0, tab = 0, quoted = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) quoted = !quoted;
      else if (!quoted) {
        if (c === LF || c === CR) break;
        if (c === 44) comma++;
        else if (c === 59) semi++;
        else if (c === TAB) tab++;
      }
    }
    if (i >= n && !final) return false;
    this.delim = tab > comma && tab > semi ? TAB : semi > comma ? 59 : 44;
    return true;
  }

  grow() {
    const cap = this.cap * 2;
    const g = (a, C) => { const b = new C(cap); b.set(a); return b; };
    this.cs = g(this.cs, Int32Array);
    this.ce = g(this.ce, Int32Array);
    this.cl = g(this.cl, Int32Array);
    this.cq = g(this.cq, Uint8Array);
    this.cv = g(this.cv, Float64Array);
    this.cap = cap;
  }

  /**
   * Scans one record from s[i]: cell bounds into cs/ce (quoted cells:
   * between the quotes), cell lines into cl, quote kinds into cq (0 plain,
   * 1 quoted, 2 quoted with doubled quotes). Returns the index after the
   * record's line break, or -1 when the record may continue in text not yet
   * given (not final).
   */
  scan(s, i, final) {
    const n = s.length;
    const d = this.delim;
    let line = this.line;
    let k = 0;
    let c = 0;
    for (;;) {
      if (k === this.cap) this.grow();
      this.cl[k] = line;
      if (i < n && s.charCodeAt(i) === QUOTE) {
        const openLine = line;
        let esc = 0;
        const start = ++i;
        for (;;) {
          if (i >= n) {
            if (!final) return -1;
            this.fail(openLine, k + 1, 'a quoted cell is not closed (the file ends inside quotes)');
          }
          c = s.charCodeAt(i);
          if (c === QUOTE) {
            if (i + 1 >= n && !final) return -1;
            if (i + 1 < n && s.charCodeAt(i + 1) === QUOTE) { esc = 1; i += 2; continue; }
            break;
          }
          if (c === LF) line++;
          else if (c === CR) {
            if (i + 1 >= n && !final) return -1;
            if (i + 1 >= n || s.charCodeAt(i + 1) !== LF) line++;
          }
          i++;
        }
        this.cs[k] = start;
        this.ce[k] = i;
        this.cq[k] = 1 + esc;
        this.cv[k] = NaN;
        i++;
        if (i >= n) {
          if (!final) return -1;
          this.count = k + 1;
          this.nextLine = line + 1;
          return n;
        }
        c = s.charCodeAt(i);
        if (c === d) { k++; i++; continue; }
        if (c !== LF && c !== CR) {
          this.fail(line, k + 1, `unexpected ${describe(s[i])} after the closing quote (a quoted cell must end at a delimiter or a line break; write a quote inside quotes as "")`);
        }
      } else {
        // The common cell, [-]digits[.digits] with at most 15 digits, is
        // parsed here in the same pass (exact: see parseNumber); cv[k] is NaN
        // for every other cell, which record() hands to parseNumber.
        const start = i;
        let v = NaN;
        let neg = false;
        if (i < n && s.charCodeAt(i) === 45) { neg = true; i++; }
        let mant = 0, nd = 0, frac = 0, x = 0;
        for (; i < n; i++) {
          x = s.charCodeAt(i) - 48;
          if (x >>> 0 > 9) break;
          mant = mant * 10 + x;
          nd++;
        }
        if (x === -2 && i < n) { // '.'
          for (i++; i < n; i++) {
            x = s.charCodeAt(i) - 48;
            if (x >>> 0 > 9) break;
            mant = mant * 10 + x;
            nd++;
            frac++;
          }
        }
        c = i < n ? s.charCodeAt(i) : -1;
        if (c === d || c === LF || c === CR || c === -1) {
          if (nd > 0 && nd <= 15) {
            v = frac === 0 ? mant : mant / POW10[frac];
            if (neg) v = -v;
          }
        } else {
          while (i < n) {
            c = s.charCodeAt(i);
            if (c === d || c === LF || c === CR) break;
            i++;
          }
        }
        this.cv[k] = v;
        this.cs[k] = start;
        this.ce[k] = i;
        this.cq[k] = 0;
        if (i >= n) {
          if (!final) return -1;
          this.count = k + 1;
          this.nextLine = line + 1;
          return n;
        }
        if (c === d) { k++; i++; continue; }
      }
      // line break at i
      this.count = k + 1;
      this.nextLine = line + 1;
      if (c === CR) {
        if (i + 1 >= n) {
          if (!final) return -1;
          return n;
        }
        return s.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      }
      return i + 1;
    }
  }

  /** Cell k of the current record as a string (quotes removed, "" unescaped). */
  cell(s, k) {
    const t = s.slice(this.cs[k], this.ce[k]);
    return this.cq[k] === 2 ? t.replaceAll('""', '"') : t;
  }

  isBlank(s) {
    return this.count === 1 && this.cq[0] === 0 && s.slice(this.cs[0], this.ce[0]).trim() === '';
  }

  record(s, line) {
    if (this.header === null) {
      if (this.isBlank(s)) return;
      this.setHeader(s, line);
      return;
    }
    if (this.count !== this.ncol) {
      if (this.isBlank(s)) return;
      if (this.count < this.ncol) {
        this.fail(line, this.count + 1, `the row ends after ${this.count} cell${this.count === 1 ? '' : 's'}, but the header has ${this.ncol} columns`);
      }
      this.fail(this.cl[this.ncol], this.ncol + 1, `the row has ${this.count} cells, but the header has ${this.ncol} columns`);
    }
    this.dataRows++;
    this.lastLine = line;
    if (this.rows === this.rowCap) this.growRows();
    const W = this.W;
    const D = this.D;
    const fi = this.featIdx;
    const feat = this.feat;
    const base = this.rows * W;
    const cs = this.cs, ce = this.ce, cv = this.cv;
    const mean = this.meanMode;
    let missing = 0;
    for (let j = 0; j < W; j++) {
      const k = fi[j];
      let v = cv[k];
      if (v !== v) v = parseNumber(s, cs[k], ce[k]);
      if (v === v) {
        if (v > FLOAT32_MAX || v < -FLOAT32_MAX) {
          this.fail(this.cl[k], k + 1, `${describe(this.cell(s, k))} is out of the float32 range`);
        }
        feat[base + j] = v;
        if (mean) { const f = j % D; this.sums[f] += feat[base + j]; this.counts[f]++; }
      } else {
        this.badCell(s, k);
        missing++;
        feat[base + j] = NaN;
      }
    }
    if (missing !== 0 && this.o.missing === 'skip') { this.rowsSkipped++; return; }
    if (this.labelCol >= 0 && !this.label(s)) missing = -1;
    if (missing !== 0) {
      if (this.o.missing === 'skip') { this.rowsSkipped++; return; }
      if (missing < 0) {
        const k = this.labelCol;
        this.fail(this.cl[k], k + 1, "the label is missing (a mean is filled in for features only; to drop rows without a label, skip rows with missing values: missing: 'skip')");
      }
      for (let j = 0; j < W; j++) if (feat[base + j] !== feat[base + j]) this.missingAt.push(base + j);
    }
    this.rowLine[this.rows] = line;
    this.rows++;
  }

  /** A feature cell that is not a number: missing (policy decides) or an error. */
  badCell(s, k) {
    const text = this.cell(s, k);
    if (MISSING_TOKENS.has(text.trim().toLowerCase())) {
      if (this.o.missing === 'error') {
        this.fail(this.cl[k], k + 1, `the value is missing (${text.trim() === '' ? 'an empty cell' : describe(text)}); to accept missing values, skip such rows or fill in the feature's mean (missing: 'skip' or 'mean')`);
      }
      return;
    }
    this.fail(this.cl[k], k + 1, `${describe(text)} is not a number`);
  }

  /** Parses the label cell into this.lab[rows]; false when it is missing. */
  label(s) {
    const k = this.labelCol;
    const r = this.rows;
    if (this.nameMode !== 1) {
      let v = this.cv[k];
      if (v !== v) v = parseNumber(s, this.cs[k], this.ce[k]);
      if (v === v) {
        if (v > FLOAT32_MAX || v < -FLOAT32_MAX) this.fail(this.cl[k], k + 1, `${describe(this.cell(s, k))} is out of the float32 range`);
        if (this.nameMode === 0) this.firstLabel(s, k, -1);
        if (v < 0 && this.firstNeg === 0) { this.firstNeg = this.cl[k]; this.firstNegV = v; }
        if (v > 1 && this.firstAbove1 === 0) { this.firstAbove1 = this.cl[k]; this.firstAbove1V = v; }
        if (v !== Math.floor(v) && this.firstFrac === 0) { this.firstFrac = this.cl[k]; this.firstFracV = v; }
        if (v > this.maxLabel) { this.maxLabel = v; this.maxLabelLine = this.cl[k]; }
        this.lab[r] = v;
        return true;
      }
    }
    const t = this.cell(s, k).trim();
    if (this.nameMode === 1) {
      const idx = this.classIndex.get(t);
      if (idx !== undefined) { this.lab[r] = idx; return true; }
    }
    if (MISSING_TOKENS.has(t.toLowerCase())) {
      if (this.o.missing === 'error') {
        this.fail(this.cl[k], k + 1, `the label is missing (${t === '' ? 'an empty cell' : describe(t)}); to drop rows without a label, skip rows with missing values (missing: 'skip')`);
      }
      return false;
    }
    if (this.fixedClasses) {
      const v = parseNumber(t, 0, t.length);
      const K = this.fixedClasses.length;
      if (v === v && (K === 2 ? v >= 0 && v <= 1 : Number.isInteger(v) && v >= 0 && v < K)) {
        this.lab[r] = v;
        return true;
      }
      this.fail(this.cl[k], k + 1, `the class ${describe(t)} is not one of the ${K} classes (${listNames(this.fixedClasses)})`);
    }
    if (this.nameMode === -1) {
      this.fail(this.cl[k], k + 1, `the label ${describe(t)} is a name, but the labels before it are numbers (line ${this.firstLabelLine}: ${this.firstLabelText}); labels must be all numbers or all class names`);
    }
    if (this.nameMode === 0) {
      this.firstLabel(s, k, 1);
      this.classIndex = new Map();
    } else if (Number.isFinite(parseNumber(t, 0, t.length))) {
      this.fail(this.cl[k], k + 1, `the label ${describe(t)} is a number, but the labels before it are class names (line ${this.firstLabelLine}: ${JSON.stringify(this.firstLabelText)}); labels must be all numbers or all class names`);
    }
    const id = this.names.length;
    this.names.push(t);
    this.classIndex.set(t, id);
    this.lab[r] = id;
    return true;
  }

  firstLabel(s, k, mode) {
    this.nameMode = mode;
    this.firstLabelLine = this.cl[k];
    this.firstLabelText = this.cell(s, k).trim();
  }

  growRows() {
    const cap = Math.max(1024, this.rowCap * 2);
    const f = new Float32Array(cap * this.W);
    if (this.feat) f.set(this.feat.subarray(0, this.rows * this.W));
    this.feat = f;
    const l = new Float32Array(cap);
    if (this.lab) l.set(this.lab.subarray(0, this.rows));
    this.lab = l;
    const rl = new Int32Array(cap);
    if (this.rowLine) rl.set(this.rowLine.subarray(0, this.rows));
    this.rowLine = rl;
    this.rowCap = cap;
  }

  setHeader(s, line) {
    const o = this.o;
    const names = [];
    for (let k = 0; k < this.count; k++) names.push(this.cell(s, k).trim());
    this.header = names;
    this.headerLine = line;
    this.ncol = names.length;
    const fail = (k, msg) => this.fail(this.cl[k] || line, k + 1, msg);
    if (names.every((h) => h !== '' && Number.isFinite(parseNumber(h, 0, h.length)))) {
      fail(0, `the first row looks like data (${names.length === 1 ? 'a number' : 'all numbers'}), not a header; the first row must name the columns, e.g. x1,x2,label`);
    }
    const find = (want, what) => {
      const exact = [];
      const loose = [];
      names.forEach((h, k) => {
        if (h === want) exact.push(k);
        else if (h.toLowerCase() === want.toLowerCase()) loose.push(k);
      });
      if (exact.length === 1) return exact[0];
      if (exact.length > 1) fail(exact[1], `${what}: ${JSON.stringify(want)} names columns ${exact.map((k) => k + 1).join(' and ')}`);
      if (loose.length === 1) return loose[0];
      if (loose.length > 1) fail(loose[1], `${what}: ${JSON.stringify(want)} matches columns ${loose.map((k) => k + 1).join(' and ')} (case-insensitive)`);
      return -1;
    };
    const ignored = new Set();
    for (const g of o.ignore) {
      let any = false;
      names.forEach((h, k) => { if (h === g) { ignored.add(k); any = true; } });
      if (!any) {
        const k = find(g, 'ignore');
        if (k < 0) fail(0, `ignore: there is no column ${JSON.stringify(g)} (columns: ${listNames(names)})`);
        ignored.add(k);
      }
    }
    let labelCol = -1;
    if (o.label !== false) {
      const wanted = o.label === undefined ? DEFAULT_LABELS : [o.label];
      for (const w of wanted) {
        labelCol = find(w, 'label');
        if (labelCol >= 0) break;
      }
      if (labelCol < 0) {
        fail(0, o.label === undefined
          ? `there is no label column: name one column "label", "target" or "class", or choose the label column by name (columns: ${listNames(names)})`
          : `there is no label column ${JSON.stringify(o.label)} (columns: ${listNames(names)})`);
      }
      if (ignored.has(labelCol)) fail(labelCol, 'the label column is also in ignore');
    }
    const seen = new Map();
    names.forEach((h, k) => {
      if (ignored.has(k)) return;
      if (h === '') fail(k, 'the column has no name (name it, or drop it with ignore: [""])');
      if (seen.has(h)) fail(k, `the column name ${JSON.stringify(h)} is also the name of column ${seen.get(h) + 1}; column names must be unique`);
      seen.set(h, k);
    });
    let featIdx = names.map((_, k) => k).filter((k) => k !== labelCol && !ignored.has(k));
    const T = o.timesteps;
    if (o.featureNames) {
      const want = o.featureNames;
      if (T === 1) {
        const picked = want.map((f) => {
          const k = names.indexOf(f);
          if (k < 0 || ignored.has(k) || k === labelCol) fail(0, `there is no feature column ${JSON.stringify(f)} (expected features: ${listNames(want)})`);
          return k;
        });
        const extra = featIdx.find((k) => !picked.includes(k));
        if (extra !== undefined) fail(extra, `the column is not one of the expected features (${listNames(want)}); drop it with ignore`);
        featIdx = picked;
      } else {
        const first = featIdx.slice(0, want.length).map((k) => names[k]);
        if (featIdx.length !== want.length * T || first.some((f, j) => f !== want[j])) {
          fail(featIdx[0] ?? 0, `the feature columns (${listNames(featIdx.map((k) => names[k]))}) are not ${T} steps of the expected features (${listNames(want)})`);
        }
      }
    }
    if (featIdx.length === 0) fail(labelCol >= 0 ? labelCol : 0, 'there are no feature columns (every column is the label or ignored)');
    if (featIdx.length % T !== 0) {
      fail(featIdx[featIdx.length - 1], `${featIdx.length} feature columns cannot be split into ${T} timesteps (the row width must be a multiple of timesteps)`);
    }
    this.featIdx = Int32Array.from(featIdx);
    this.W = featIdx.length;
    this.T = T;
    this.D = featIdx.length / T;
    if (o.means && o.means.length !== this.D) {
      invalid(`readCSV: means has ${o.means.length} values, but ${this.name} has ${this.D} features per step`);
    }
    this.featureNames = featIdx.slice(0, this.D).map((k) => names[k]);
    this.labelCol = labelCol;
    this.labelName = labelCol >= 0 ? names[labelCol] : null;
    this.meanMode = o.missing === 'mean' && !o.means;
    this.sums = new Float64Array(this.D);
    this.counts = new Float64Array(this.D);
    // labels
    this.nameMode = 0; // 0 unknown, 1 names, -1 numbers
    this.fixedClasses = o.classNames;
    this.names = o.classNames ? o.classNames.slice() : [];
    this.classIndex = o.classNames ? new Map(o.classNames.map((c, i) => [c, i])) : null;
    if (o.classNames) this.nameMode = 1;
    this.maxLabel = -Infinity;
    this.firstNeg = 0;
    this.firstAbove1 = 0;
    this.firstFrac = 0;
  }

  /** Fills the missing cells of rows [0, rows) with means; false when a feature has none yet. */
  fillMeans(final) {
    if (this.missingAt.length === 0) return true;
    const D = this.D;
    let means;
    if (this.o.means) means = this.o.means;
    else {
      means = new Float64Array(D);
      for (let f = 0; f < D; f++) {
        if (this.counts[f] === 0) {
          if (!final) return false;
          const k = this.featIdx[f];
          this.fail(this.headerLine, k + 1, "the feature has no values at all, so missing: 'mean' has no mean to fill in");
        }
        means[f] = this.sums[f] / this.counts[f];
      }
    }
    const W = this.W;
    for (const p of this.missingAt) this.feat[p] = means[(p % W) % D];
    this.missingAt.length = 0;
    return true;
  }

  /** Rows [0, m) as a batch, removed from the buffers. */
  take(m) {
    const W = this.W;
    const features = this.feat.slice(0, m * W);
    const labels = this.labelCol >= 0 ? this.lab.slice(0, m) : null;
    this.feat.copyWithin(0, m * W, this.rows * W);
    this.lab.copyWithin(0, m, this.rows);
    const line = this.rowLine[m - 1];
    this.rowLine.copyWithin(0, m, this.rows);
    this.rows -= m;
    return {
      n: m, features, labels, inputDim: this.D, timesteps: this.T,
      featureNames: this.featureNames.slice(), labelName: this.labelName,
      classNames: this.labelCol >= 0 && this.nameMode === 1 ? this.names.slice() : null,
      rowsSkipped: this.rowsSkipped, line, charsRead: this.bytesRead,
    };
  }

  /** Checks after the last chunk: empty file, header only, all rows skipped. */
  finish() {
    if (this.header === null) this.fail(1, 1, 'the file is empty; expected a header row naming the columns, then rows of numbers');
    if (this.dataRows === 0) this.fail(this.headerLine + 1, 1, 'the file has a header but no data rows');
    if (this.dataRows === this.rowsSkipped) {
      this.fail(this.lastLine, 1, `no rows are left: all ${this.rowsSkipped} data rows have missing values (missing: 'skip')`);
    }
  }

  /** readCSV's labels: outputDim and final class indices. */
  finishLabels(labels) {
    if (this.labelCol < 0) return { outputDim: null, classNames: null };
    const k = this.labelCol;
    if (this.nameMode === 1) {
      let names = this.names;
      if (!this.fixedClasses) {
        if (names.length < 2) {
          this.fail(this.headerLine, k + 1, `every label is the class ${describe(names[0])}; a data set needs at least 2 classes (or give classNames)`);
        }
        const sorted = names.slice().sort();
        const to = new Float32Array(names.length);
        names.forEach((nm, i) => { to[i] = sorted.indexOf(nm); });
        for (let i = 0; i < labels.length; i++) labels[i] = to[labels[i]];
        names = sorted;
      }
      return { outputDim: names.length === 2 ? 1 : names.length, classNames: names.slice() };
    }
    if (this.firstNeg) {
      this.fail(this.firstNeg, k + 1, `the label ${this.firstNegV} is negative (labels are 0/1, class indices 0, 1, 2, ..., or class names)`);
    }
    if (this.firstAbove1) {
      if (this.firstFrac) {
        const why = this.firstAbove1 === this.firstFrac ? 'labels above 1 make' : `labels above 1 (line ${this.firstAbove1}: ${this.firstAbove1V}) make`;
        this.fail(this.firstFrac, k + 1, `the label ${this.firstFracV} is not a whole number, but ${why} this a multi-class file, where labels are class indices 0, 1, 2, ...`);
      }
      if (this.maxLabel >= MAX_CLASS_INDEX) {
        this.fail(this.maxLabelLine, k + 1, `the label ${this.maxLabel} is too large for a class index (class indices are stored as float32, exact below ${MAX_CLASS_INDEX})`);
      }
      return { outputDim: this.maxLabel + 1, classNames: null };
    }
    return { outputDim: 1, classNames: null };
  }
}

function listNames(names) {
  const shown = names.slice(0, 12).map((h) => JSON.stringify(h.length > 24 ? h.slice(0, 21) + '...' : h));
  return shown.join(', ') + (names.length > 12 ? `, ... (${names.length} in all)` : '');
}

// ------------------------------------------------------------------ API

/**
 * Reads a whole CSV into { features, labels, n, inputDim, timesteps,
 * outputDim, featureNames, labelName, classNames, rowsSkipped }. input:
 * string | bytes | Blob | ReadableStream | (async) iterable of string/byte
 * chunks (Node Readable streams are async iterables).
 */
export async function readCSV(input, options) {
  const o = checkOptions(options);
  const r = new Reader(o);
  for await (const text of textChunks(input, o.name, () => r.drain())) r.push(text, false);
  r.push('', true);
  r.finish();
  r.fillMeans(true);
  const n = r.rows;
  const features = r.feat.length === n * r.W ? r.feat : r.feat.slice(0, n * r.W);
  const labels = r.labelCol < 0 ? null : (r.lab.length === n ? r.lab : r.lab.slice(0, n));
  const { outputDim, classNames } = labels ? r.finishLabels(labels) : { outputDim: null, classNames: null };
  return {
    features, labels, n, inputDim: r.D, timesteps: r.T, outputDim,
    featureNames: r.featureNames, labelName: r.labelName, classNames, rowsSkipped: r.rowsSkipped,
  };
}

/**
 * Reads a CSV as an async iterable of row batches (for streaming): each
 * { n, features [n*T*D], labels [n] | null, inputDim, timesteps,
 * featureNames, labelName, classNames, rowsSkipped, line, charsRead }.
 * Numeric labels come as written (no binary/multi-class decision: that needs
 * the whole file); name labels are indices in order of first appearance,
 * classNames lists the names seen so far (pass options.classNames for fixed
 * indices). Options are checked at once; the input is read as it is iterated.
 */
export function readCSVRows(input, options) {
  const o = checkOptions(options);
  chunkSource(input, o.name); // type check now
  return {
    async* [Symbol.asyncIterator]() {
      const r = new Reader(o);
      const B = o.batchSize;
      for await (const text of textChunks(input, o.name, () => r.drain())) {
        r.push(text, false);
        if (r.rows >= B && r.fillMeans(false)) {
          while (r.rows >= B) yield r.take(B);
        }
      }
      r.push('', true);
      r.finish();
      r.fillMeans(true);
      while (r.rows > 0) yield r.take(Math.min(B, r.rows));
    },
  };
}
