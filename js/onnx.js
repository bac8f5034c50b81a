// onnx.js - a FastGRNN model as an ONNX file (ModelProto bytes).
//
// The graph mirrors the C forward pass (c/src/model.c), per sample with
// inputs x_1..x_T and h_0 = 0:
//   x   <- (x - means) / stds                     (optional, stored normalization)
//   a_t = W x_t + U h_{t-1}                        (W = W1 W2, U = U1 U2 when low-rank)
//   z_t = sigmoid(a_t + b_z),  c_t = tanh(a_t + b_h)
//   h_t = z_t h_{t-1} + (zeta (1 - z_t) + nu) c_t, zeta/nu = sigmoid(raw params)
//   logits = W_o h_T + b_o;  probabilities = sigmoid (O = 1) / softmax (O > 1)
// The recurrence is a Scan over the time axis (any sequence length), or,
// with `unroll`, one copy of the cell per step for a fixed T. Weights are
// stored in the model's layout and names (cell.W [H, D], ...) and
// transposed in the graph. A quantized model keeps int8 initializers and
// their per-tensor scale, dequantized by Cast + Mul (float(q) * scale, the
// definition of DequantizeLinear with zero point 0), or with `qdq` by
// DequantizeLinear nodes. The default is not DequantizeLinear because
// ONNX Runtime's CPU optimizer fuses DequantizeLinear -> MatMul into an int8
// kernel (MatMulNBits) that also quantizes the activations: outputs then
// differ from the model's by up to 3e-3 in a probability, where Cast + Mul
// folds into the very float weights the model computes with.
//
// The protobuf is written by a small encoder: only the fields of the
// messages below are emitted (field numbers of onnx.proto, proto2 wire
// format).

import { FastGRNNError, describe, invalid } from './errors.js';

/** Lowest opset written: DequantizeLinear (int8, per-tensor) appears in 10. */
export const ONNX_MIN_OPSET = 10;
/** Highest opset written. Every op used keeps its meaning from 10 to 21. */
export const ONNX_MAX_OPSET = 21;
/** Default opset: the lowest one (widest runtime support). */
export const ONNX_DEFAULT_OPSET = 10;
/** Most timesteps of an unrolled graph (each step adds a copy of the cell). */
export const ONNX_MAX_UNROLL = 4096;

// IR version that goes with each opset (the ONNX release that introduced it).
const IR_VERSION = { 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

// TensorProto.DataType
const FLOAT = 1, INT8 = 3, INT64 = 7;
// AttributeProto.AttributeType
const A_FLOAT = 1, A_INT = 2, A_TENSOR = 4, A_GRAPH = 5, A_INTS = 7;

// ------------------------------------------------------------------ protobuf

const utf8 = new TextEncoder();

/**
 * A protobuf message under construction, in a growable byte buffer. A
 * nested message is built on its own, then copied in after its length.
 */
class Msg {
  constructor() {
    this.buf = new Uint8Array(64);
    this.length = 0;
  }
  _room(n) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  // Unsigned varint of a non-negative safe integer, or 64-bit two's
  // complement (10 bytes) of a negative one, as int64 fields want.
  _varint(v) {
    this._room(10);
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      while (b >= 0x80n) { this.buf[this.length++] = Number(b & 0x7fn) | 0x80; b >>= 7n; }
      this.buf[this.length++] = Number(b);
    } else {
      while (v >= 0x80) { this.buf[this.length++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
      this.buf[this.length++] = v;
    }
  }
  _bytes(b) {
    this._room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  _tag(field, wire) { this._varint(field * 8 + wire); }
  int(field, v) { this._tag(field, 0); this._varint(v); return this; }
  float(field, v) {
    this._tag(field, 5);
    this._room(4);
    new DataView(this.buf.buffer).setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }
  bytes(field, b) { this._tag(field, 2); this._varint(b.length); this._bytes(b); return this; }
  string(field, s) { return this.bytes(field, utf8.encode(s)); }
  msg(field, m) { return this.bytes(field, m.buf.subarray(0, m.length)); }
  finish() { return this.buf.slice(0, this.length); }
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
function tensorProto(name, type, dims, values) {
  const t = new Msg();
  for (const d of dims) t.int(1, d);
  t.int(2, type);
  if (name) t.string(8, name);
  const n = values.length;
  let raw;
  if (type === FLOAT) {
    raw = new Uint8Array(n * 4);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) dv.setFloat32(i * 4, values[i], true);
  } else if (type === INT64) {
    raw = new Uint8Array(n * 8);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) dv.setBigInt64(i * 8, BigInt(values[i]), true);
  } else {
    raw = Uint8Array.from(values, (v) => v & 0xff); // INT8
  }
  return t.bytes(9, raw);
}

// TypeProto.tensor_type { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } }
function valueInfo(name, elemType, dims) {
  const shape = new Msg();
  for (const d of dims) {
    const dim = new Msg();
    if (typeof d === 'string') dim.string(2, d);
    else dim.int(1, d);
    shape.msg(1, dim);
  }
  const tensor = new Msg().int(1, elemType).msg(2, shape);
  const type = new Msg().msg(1, tensor);
  return new Msg().string(1, name).msg(2, type);
}

// AttributeProto: name 1, f 2, i 3, t 5, g 6, ints 8, type 20.
function attribute(name, value) {
  const a = new Msg().string(1, name);
  if (value.graph) a.msg(6, value.graph).int(20, A_GRAPH);
  else if (value.tensor) a.msg(5, value.tensor).int(20, A_TENSOR);
  else if (value.ints) { for (const v of value.ints) a.int(8, v); a.int(20, A_INTS); }
  else if (value.float !== undefined) a.float(2, value.float).int(20, A_FLOAT);
  else a.int(3, value.int).int(20, A_INT);
  return a;
}

/** Collects nodes, initializers, inputs and outputs of one GraphProto. */
class Graph {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.inits = [];
    this.inputs = [];
    this.outputs = [];
    this.count = 0;
  }
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  node(op, inputs, output, attrs = {}) {
    const n = new Msg();
    for (const i of inputs) n.string(1, i);
    n.string(2, output);
    n.string(3, `${op}_${this.count++}`);
    n.string(4, op);
    for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
    this.nodes.push(n);
    return output;
  }
  init(name, type, dims, values) {
    this.inits.push(tensorProto(name, type, dims, values));
    return name;
  }
  // GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12.
  encode(doc) {
    const g = new Msg();
    for (const n of this.nodes) g.msg(1, n);
    g.string(2, this.name);
    for (const t of this.inits) g.msg(5, t);
    if (doc) g.string(10, doc);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    return g;
  }
}

// ------------------------------------------------------------------ options

const OPTION_KEYS = ['opset', 'unroll', 'timesteps', 'normalization', 'qdq'];

function checkOptions(options, hasNorm) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    invalid(`toONNX: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) invalid(`toONNX: unknown option '${k}'`);
  }
  const { opset = ONNX_DEFAULT_OPSET, unroll = false, timesteps, normalization = hasNorm, qdq = false } = options;
  if (!Number.isInteger(opset) || opset < ONNX_MIN_OPSET || opset > ONNX_MAX_OPSET) {
    invalid(`toONNX: opset must be an integer in [${ONNX_MIN_OPSET}, ${ONNX_MAX_OPSET}], got ${describe(opset)}`);
  }
  if (typeof unroll !== 'boolean') invalid(`toONNX: unroll must be a boolean, got ${describe(unroll)}`);
  if (unroll) {
    if (timesteps === undefined) invalid('toONNX: unroll needs timesteps (the fixed sequence length)');
    if (!Number.isInteger(timesteps) || timesteps < 1 || timesteps > ONNX_MAX_UNROLL) {
      invalid(`toONNX: timesteps must be an integer in [1, ${ONNX_MAX_UNROLL}], got ${describe(timesteps)}`);
    }
  } else if (timesteps !== undefined) {
    invalid(`toONNX: timesteps (${describe(timesteps)}) is only used with unroll: true`);
  }
  if (typeof normalization !== 'boolean') {
    invalid(`toONNX: normalization must be a boolean, got ${describe(normalization)}`);
  }
  if (normalization && !hasNorm) {
    invalid('toONNX: normalization is true but the model has no stored normalization');
  }
  if (typeof qdq !== 'boolean') invalid(`toONNX: qdq must be a boolean, got ${describe(qdq)}`);
  return { opset, unroll, timesteps, normalization, qdq };
}

// ------------------------------------------------------------------ card

const snakeKey = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

function snakeKeys(v) {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) {
    return ArrayBuffer.isView(v) ? Array.from(v) : v;
  }
  const out = {};
  for (const [k, x] of Object.entries(v)) out[snakeKey(k)] = snakeKeys(x);
  return out;
}

function cardError(msg) {
  throw new FastGRNNError('InvalidInput', `toONNX: the model's card is inconsistent with its config: ${msg}`);
}

function checkNames(v, n, what) {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    cardError(`${what} must be an array of strings, got ${describe(v)}`);
  }
  if (v.length !== n) cardError(`${what} has ${v.length} names, expected ${n}`);
}

/**
 * The card (model.card when the model has one) checked against the config,
 * or null. Returned snake_case, as the card is stored in model files.
 */
function readCard(model, cfg) {
  let card;
  try {
    card = model.card;
  } catch (e) {
    if (e instanceof FastGRNNError) throw e;
    cardError(`reading it failed: ${e && e.message}`);
  }
  if (card === undefined || card === null) return null;
  if (typeof card !== 'object' || Array.isArray(card)) cardError(`it must be an object, got ${describe(card)}`);
  // snake_case keys, as in model files; card.data's keys are the user's own
  const c = {};
  for (const [k, v] of Object.entries(card)) c[snakeKey(k)] = k === 'data' ? v : snakeKeys(v);
  const D = cfg.inputDim, O = cfg.outputDim;
  checkNames(c.feature_names, D, 'feature_names');
  checkNames(c.class_names, O === 1 ? 2 : O, 'class_names');
  if (c.timesteps !== undefined && c.timesteps !== null &&
      (!Number.isInteger(c.timesteps) || c.timesteps < 1)) {
    cardError(`timesteps must be an integer >= 1, got ${describe(c.timesteps)}`);
  }
  const norm = c.normalization;
  if (norm !== undefined && norm !== null) {
    if (typeof norm !== 'object' || !Array.isArray(norm.means) || !Array.isArray(norm.stds)) {
      cardError(`normalization must be { means, stds }, got ${describe(norm)}`);
    }
    if (norm.means.length !== D || norm.stds.length !== D) {
      cardError(`normalization has ${norm.means.length} means and ${norm.stds.length} stds, expected input_dim ${D}`);
    }
  }
  return c;
}

// ------------------------------------------------------------------ export

function tensorTable(model) {
  const params = model.getParameters();
  const byName = new Map();
  for (const t of model.tensors()) {
    const size = t.shape.length === 2 ? t.shape[0] * t.shape[1] : t.shape[0];
    byName.set(t.name, { ...t, values: params.subarray(t.offset, t.offset + size) });
  }
  return byName;
}

/**
 * The ONNX file of `model` (a FastGRNN) as bytes.
 * options: { opset = 10, unroll = false, timesteps (with unroll),
 *            normalization = whether the model has one, qdq = false }.
 */
export function modelToONNX(model, options, version) {
  const cfg = model.config; // throws when disposed
  const stored = model.normalization;
  const opts = checkOptions(options, stored !== null);
  const card = readCard(model, cfg);
  const D = cfg.inputDim, H = cfg.hiddenDim, O = cfg.outputDim;
  const tensors = tensorTable(model);
  const quantized = model.isQuantized();

  const g = new Graph('fastgrnn');
  const T = opts.unroll ? opts.timesteps : 'time';
  g.inputs.push(valueInfo('input', FLOAT, ['batch', T, D]));

  // Weights as [rows, cols] in the model's layout; the graph uses W^T.
  const weight = (name) => {
    const t = tensors.get(name);
    const [rows, cols] = t.shape;
    if (quantized && t.scale > 0) {
      g.init(`${name}.quantized`, INT8, [rows, cols], t.int8);
      g.init(`${name}.scale`, FLOAT, [], [t.scale]);
      if (opts.qdq) {
        g.init(`${name}.zero_point`, INT8, [], [0]);
        g.node('DequantizeLinear', [`${name}.quantized`, `${name}.scale`, `${name}.zero_point`], name);
      } else {
        // DequantizeLinear's definition with zero point 0: float(q) * scale
        const qf = g.node('Cast', [`${name}.quantized`], `${name}.float`, { to: { int: FLOAT } });
        g.node('Mul', [qf, `${name}.scale`], name);
      }
    } else {
      g.init(name, FLOAT, [rows, cols], t.values);
    }
    return g.node('Transpose', [name], `${name}.T`, { perm: { ints: [1, 0] } });
  };
  const vector = (name) => {
    const t = tensors.get(name);
    return g.init(name, FLOAT, t.shape, t.values);
  };
  const lowW = tensors.has('cell.W1'), lowU = tensors.has('cell.U1');

  let x = 'input';
  if (opts.normalization) {
    const mu = g.init('normalization.means', FLOAT, [D], stored.means);
    const sd = g.init('normalization.stds', FLOAT, [D], stored.stds);
    x = g.node('Div', [g.node('Sub', [x, mu], 'input.centered'), sd], 'input.normalized');
  }

  // W x_t for every t at once: [batch, T, H].
  let wx;
  if (lowW) {
    const w2 = weight('cell.W2'), w1 = weight('cell.W1');
    wx = g.node('MatMul', [g.node('MatMul', [x, w2], 'cell.W2x'), w1], 'cell.Wx');
  } else {
    wx = g.node('MatMul', [x, weight('cell.W')], 'cell.Wx');
  }
  const uT = lowU ? [weight('cell.U2'), weight('cell.U1')] : [weight('cell.U')];
  const bz = vector('cell.bias_gate'), bh = vector('cell.bias_update');
  const zeta = g.node('Sigmoid', [vector('cell.zeta')], 'zeta');
  const nu = g.node('Sigmoid', [vector('cell.nu')], 'nu');
  const one = g.init('one', FLOAT, [], [1]);

  // One cell step in graph `s`: (wx_t, h_prev or null) -> h_t, names suffixed.
  const step = (s, wxT, hPrev, sfx) => {
    let a = wxT;
    if (hPrev) {
      let uh;
      if (lowU) uh = s.node('MatMul', [s.node('MatMul', [hPrev, uT[0]], `U2h${sfx}`), uT[1]], `Uh${sfx}`);
      else uh = s.node('MatMul', [hPrev, uT[0]], `Uh${sfx}`);
      a = s.node('Add', [wxT, uh], `a${sfx}`);
    }
    const z = s.node('Sigmoid', [s.node('Add', [a, bz], `a_gate${sfx}`)], `z${sfx}`);
    const c = s.node('Tanh', [s.node('Add', [a, bh], `a_update${sfx}`)], `c${sfx}`);
    const gz = s.node('Add', [s.node('Mul', [zeta, s.node('Sub', [one, z], `one_minus_z${sfx}`)], `zeta_1mz${sfx}`), nu], `g${sfx}`);
    const gc = s.node('Mul', [gz, c], `gc${sfx}`);
    if (!hPrev) return s.node('Identity', [gc], `h${sfx}`); // h_0 = 0: z h_0 vanishes
    return s.node('Add', [s.node('Mul', [z, hPrev], `zh${sfx}`), gc], `h${sfx}`);
  };

  let hLast;
  if (opts.unroll) {
    let h = null;
    for (let t = 0; t < opts.timesteps; t++) {
      const idx = g.init(`t${t}`, INT64, [], [t]);
      const wxT = g.node('Gather', [wx, idx], `cell.Wx.${t}`, { axis: { int: 1 } });
      h = step(g, wxT, h, `.${t}`);
    }
    hLast = h;
  } else {
    // h_0 = zeros [batch, H]
    const shape = g.node('Shape', [x], 'input.shape');
    const b = g.node('Slice', [shape, g.init('slice.start', INT64, [1], [0]), g.init('slice.end', INT64, [1], [1])], 'batch');
    const hShape = g.node('Concat', [b, g.init('hidden_dim', INT64, [1], [H])], 'h0.shape', { axis: { int: 0 } });
    const h0 = g.node('ConstantOfShape', [hShape], 'h0', { value: { tensor: tensorProto('', FLOAT, [1], [0]) } });
    const body = new Graph('fastgrnn_step');
    body.inputs.push(valueInfo('h_prev', FLOAT, ['batch', H]));
    body.inputs.push(valueInfo('Wx_t', FLOAT, ['batch', H]));
    step(body, 'Wx_t', 'h_prev', '');
    body.outputs.push(valueInfo('h', FLOAT, ['batch', H]));
    hLast = g.node('Scan', [h0, wx], 'h_last', {
      body: { graph: body.encode('one FastGRNN step: h = z h_prev + (zeta (1 - z) + nu) c') },
      num_scan_inputs: { int: 1 },
      scan_input_axes: { ints: [1] },
    });
  }

  const logits = g.node('Add', [g.node('MatMul', [hLast, weight('head.weight')], 'head.Wh'), vector('head.bias')], 'logits');
  if (O === 1) g.node('Sigmoid', [logits], 'probabilities');
  else g.node('Softmax', [logits], 'probabilities', { axis: { int: 1 } });
  g.outputs.push(valueInfo('probabilities', FLOAT, ['batch', O]));
  g.outputs.push(valueInfo('logits', FLOAT, ['batch', O]));

  const kind = O === 1 ? 'binary: probabilities [batch, 1] = P(class 1)' : `${O} classes: probabilities [batch, ${O}] (softmax)`;
  const doc = `FastGRNN classifier (input_dim ${D}, hidden_dim ${H}, output_dim ${O}` +
    `${lowW || lowU ? ', low-rank' : ''}${quantized ? ', int8 weights' : ''}). ` +
    `input: [batch, ${opts.unroll ? T : 'time'}, ${D}] raw features` +
    `${opts.normalization ? ' (normalized in the graph)' : ' (already normalized)'}; ${kind}; logits: W_o h_T + b_o.`;

  // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6,
  // graph 7, opset_import 8 { domain 1, version 2 }, metadata_props 14 { key 1, value 2 }.
  const m = new Msg();
  m.int(1, IR_VERSION[opts.opset]);
  m.string(2, 'fastgrnn-wasm');
  m.string(3, version);
  m.string(6, doc);
  m.msg(7, g.encode(doc));
  m.msg(8, new Msg().string(1, '').int(2, opts.opset));
  const meta = { config: JSON.stringify(snakeKeys(cfg)), ...(card ? Object.fromEntries(
    Object.entries(card).map(([k, v]) => [k, JSON.stringify(v)])) : {}) };
  meta.normalized_in_graph = JSON.stringify(opts.normalization);
  for (const [k, v] of Object.entries(meta)) {
    if (v !== undefined) m.msg(14, new Msg().string(1, k).string(2, v));
  }
  if (m.length > 0x7fffffff) {
    invalid(`toONNX: the model is too large for one ONNX file (${m.length} bytes; protobuf allows 2 GiB)`);
  }
  return m.finish();
}
