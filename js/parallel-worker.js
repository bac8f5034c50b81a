// parallel-worker.js - one worker of a data-parallel training run (js/parallel.js).
//
// js/parallel.js starts this file with
// `new Worker(new URL('./parallel-worker.js', import.meta.url), { type: 'module' })`
// (browsers) or as a worker_threads Worker (Node). The worker instantiates
// the coordinator's own compiled module, so its arithmetic is the same, and
// computes the chunks of each batch it is given (chunk c for c = index,
// index + workers, ... when dealt by message; in shared memory, whichever
// chunk is next when it is free) with fg_trainer_chunk_gradient
// (docs/design.md, "Data-parallel training").
//
// Protocol (every message carries protocol 'fastgrnn-parallel'):
//   main -> worker { type: 'setup', module, simd, modelConfig, trainingConfig (C's JSON),
//                    inputDim, outputDim, timesteps, index, workers, dims (parallel-layout.js),
//                    shared (SharedArrayBuffer | null), data (message mode, in-memory
//                    runs: the features, once), spin }
//                  { type: 'batch', n, params, rows | x, y, soft }     message mode only
//   worker -> main { type: 'ready' } | { type: 'error', code, message }
//                  { type: 'grads', chunks, grads, stats }            message mode only
// Shared mode: after 'ready' the worker waits on the shared control words
// (spinning up to SPIN_MS first when the coordinator says there are cores
// enough)
// (parallel.js, Layout) and never reads messages again.

import { instantiate } from './loader.js';
import { FastGRNNError } from './errors.js';
import { Layout, CTL } from './parallel-layout.js';
import { serveInWorker, errorFields } from './worker-host.js';

export const PARALLEL_PROTOCOL = 'fastgrnn-parallel';
const SPIN_MS = 1;

/** The worker's own trainer and model copy, and its buffers in wasm memory. */
class ChunkComputer {
  constructor(m, msg) {
    this.m = m;
    this.T = msg.timesteps;
    this.index = msg.index;
    this.workers = msg.workers;
    const mc = m.writeString(msg.modelConfig, 'a config');
    const tc = m.writeString(msg.trainingConfig, 'a config');
    try {
      m.check(m.exports.fg_model_config_from_json(mc.ptr, mc.len, m.structA));
      m.check(m.exports.fg_training_config_from_json(tc.ptr, tc.len, m.structB));
    } finally {
      m.free(mc.ptr);
      m.free(tc.ptr);
    }
    m.zeroSlots();
    m.check(m.exports.fg_model_create(m.structA, m.slot(0)));
    this.model = m.readPtr(0);
    m.check(m.exports.fg_trainer_create(m.structA, m.structB, m.slot(0)));
    this.trainer = m.readPtr(0);
    this.np = m.exports.fg_model_num_params(this.model) >>> 0;
    this.row = this.T * msg.inputDim;
    this.sw = msg.outputDim === 1 ? 1 : msg.outputDim;
    const B = msg.dims.maxBatch;
    this.data = null; // an in-memory run's features (shared, or this worker's copy)
    this.params = m.alloc(4 * this.np, 'parameters');
    this.x = m.alloc(4 * B * this.row, 'batch rows');
    this.y = m.alloc(4 * B, 'batch labels');
    this.soft = m.alloc(4 * B * this.sw, 'batch soft targets');
    this.grad = m.alloc(4 * this.np, 'chunk gradient');
    this.stats = m.alloc(8 * 3, 'chunk statistics');
  }

  /** Chunks this worker computes of a batch of n samples when they are
   *  dealt out (message mode): c = index, index + workers, ... */
  myChunks(n) {
    const chunks = this.m.exports.fg_grad_chunks(n);
    const mine = [];
    for (let c = this.index; c < chunks; c += this.workers) mine.push(c);
    return mine;
  }

  /** Loads the batch's weights (an array in any memory). */
  setWeights(params) {
    const m = this.m;
    m.f32(this.params, this.np).set(params);
    m.check(m.exports.fg_model_set_params(this.model, this.params, this.np));
  }

  /** Chunk c of a batch of n samples (rows: indices into this.data, or x:
   *  the batch's rows; y, soft: arrays in any memory): copies its rows in,
   *  computes it; out(c, grad view, stats view). */
  compute(c, n, x, rows, y, soft, out) {
    const m = this.m, e = m.exports, row = this.row, sw = this.sw;
    m.zeroSlots();
    const count = e.fg_grad_chunk_span(n, c, m.slot(0)), a = m.readI32(0), b = a + count;
    if (rows) {
      for (let i = a; i < b; i++) m.f32(this.x + 4 * i * row, row).set(this.data.subarray(rows[i] * row, (rows[i] + 1) * row));
    } else {
      m.f32(this.x + 4 * a * row, (b - a) * row).set(x.subarray(a * row, b * row));
    }
    m.f32(this.y + 4 * a, b - a).set(y.subarray(a, b));
    if (soft) m.f32(this.soft + 4 * a * sw, (b - a) * sw).set(soft.subarray(a * sw, b * sw));
    m.check(e.fg_trainer_chunk_gradient(this.trainer, this.model, this.x, 0, this.y, soft ? this.soft : 0,
      n, this.T, c, this.grad, this.stats));
    out(c, m.f32(this.grad, this.np), new Float64Array(m.memory.buffer, this.stats, 3));
  }
}

function serve(post, onMessage) {
  const send = (msg, transfer) => post({ protocol: PARALLEL_PROTOCOL, ...msg }, transfer);
  let comp = null, L = null;
  onMessage(async (msg) => {
    if (!msg || msg.protocol !== PARALLEL_PROTOCOL) return;
    if (msg.type === 'setup') {
      try {
        const m = await instantiate({ wasm: msg.module, simd: msg.simd });
        comp = new ChunkComputer(m, msg);
        L = msg.shared ? new Layout(msg.shared, msg.dims) : null;
        comp.data = L ? (msg.dims.dataRows > 0 ? L.data : null) : msg.data;
      } catch (e) {
        send({ type: 'error', ...errorFields(e) });
        return;
      }
      send({ type: 'ready' });
      if (L) sharedLoop(comp, L, send, msg.spin);
      return;
    }
    if (msg.type === 'batch' && comp) {
      try {
        const mine = comp.myChunks(msg.n);
        const grads = new Float32Array(mine.length * comp.np);
        const stats = new Float64Array(mine.length * 3);
        let i = 0;
        comp.setWeights(msg.params);
        for (const c of mine) {
          comp.compute(c, msg.n, msg.x, msg.rows, msg.y, msg.soft, (_, g, st) => {
            grads.set(g, i * comp.np);
            stats.set(st, i * 3);
            i++;
          });
        }
        send({ type: 'grads', chunks: mine, grads, stats }, [grads.buffer, stats.buffer]);
      } catch (e) {
        send({ type: 'error', ...errorFields(e) });
      }
    }
  });
}

// Shared mode: wait for a new generation, compute, count done, repeat until
// the stop word is set. An error is posted, then flagged and counted, so
// the coordinator never waits for it.
function sharedLoop(comp, L, send, spin) {
  const ctl = L.ctl;
  let gen = 0; // a fresh buffer's; the first batch may be posted before this loop starts
  for (;;) {
    if (spin) { // the next batch usually comes within microseconds: look before blocking
      const end = performance.now() + SPIN_MS;
      while (Atomics.load(ctl, CTL.GENERATION) === gen && performance.now() < end) { /* spin */ }
    }
    Atomics.wait(ctl, CTL.GENERATION, gen);
    if (Atomics.load(ctl, CTL.STOP)) return;
    const g = Atomics.load(ctl, CTL.GENERATION);
    if (g === gen) continue;
    gen = g;
    const n = Atomics.load(ctl, CTL.BATCH);
    try {
      const soft = Atomics.load(ctl, CTL.HAS_SOFT) ? L.soft : null;
      const rows = comp.data ? L.rows : null;
      const chunks = comp.m.exports.fg_grad_chunks(n);
      comp.setWeights(L.params);
      // claim chunks until none is left: whoever is free takes the next one
      for (let c = Atomics.add(ctl, CTL.NEXT, 1); c < chunks; c = Atomics.add(ctl, CTL.NEXT, 1)) {
        comp.compute(c, n, L.x, rows, L.y, soft, (_, gv, sv) => {
          L.grads.set(gv, c * comp.np);
          L.stats.set(sv, c * 3);
        });
        L.owner[c] = comp.index;
      }
    } catch (e) {
      send({ type: 'error', ...errorFields(e) });
      Atomics.store(ctl, CTL.FAILED, 1);
    }
    Atomics.add(ctl, CTL.DONE, 1);
    Atomics.notify(ctl, CTL.DONE);
  }
}

serveInWorker(serve);
