// parallel.js - the coordinator of a data-parallel training run: K threads
// compute the chunks of each batch (this one and K - 1 workers), the
// trainer in this thread reduces them and takes the step (docs/design.md,
// "Data-parallel training").
//
// Trainer#train({ workers: K }) runs the usual stepwise loop with the C
// trainer in data-parallel mode: each step stops at a batch
// (FG_EVENT_BATCH). ParallelPool#batch hands the batch (an in-memory
// batch as row indices into the dataset, whose features the workers got
// once; a streamed batch as its rows) and the weights to the workers,
// computes this thread's chunks straight into the trainer's chunk buffers,
// waits for the workers' chunks and copies them in; fg_trainer_apply_chunks
// reduces them in chunk order. The model's bytes are the same for every K,
// and the same as without workers.
//
// Transport: one SharedArrayBuffer (parallel-layout.js) with Atomics when
// the platform allows it (Node; browsers when crossOriginIsolated): every
// thread claims the next chunk while any is left. Else messages with
// copies, the chunks dealt c = k, k + K, ... The results are the same
// either way.

import { FastGRNNError, describe } from './errors.js';
import { isNode } from './loader.js';
import { Layout, CTL } from './parallel-layout.js';
import { workerThreads } from './worker-host.js';

const PROTOCOL = 'fastgrnn-parallel';
const NODE_WORKER_FILE = './parallel-worker.js';

const aborted = (message) => new FastGRNNError('Aborted', message);
const BLOCK_MS = 20; // longest blocking wait between looks at the event loop
const SPIN_MS = 2; // longest spin of the coordinator before it blocks

/** true when this thread may block in Atomics.wait (Node's main thread may; a browser's may not). */
function threadCanBlock() {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Logical cores of this machine (navigator.hardwareConcurrency, or Node's os module). */
function coreCount() {
  if (globalThis.navigator && navigator.hardwareConcurrency > 0) return navigator.hardwareConcurrency;
  const os = isNode && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:os') : null;
  return os ? os.availableParallelism() : 1;
}

// C's JSON of a config struct (what fg_*_config_from_json reads back).
function configJSON(m, fn, structPtr) {
  m.zeroSlots();
  m.check(m.exports[fn](structPtr, m.slot(0)));
  return m.takeString(0);
}

/**
 * Starts the workers of a data-parallel run that has begun: trainer tp
 * training model mp on samples of `dims` ({ inputDim, outputDim, timesteps,
 * maxBatch, data?: { ptr, rows } the in-memory dataset's features }), with
 * the checked options `parallel` of train(). An abort of `signal` fails the
 * pool at once with abortError(signal).
 */
export async function openParallelPool(m, tp, mp, dims, parallel, signal, abortError) {
  const e = m.exports;
  m.zeroSlots();
  m.check(e.fg_trainer_create(e.fg_model_get_config(mp), e.fg_trainer_get_config(tp), m.slot(0)));
  const own = m.readPtr(0);
  const pool = new ParallelPool(m, {
    ...parallel, ...dims,
    modelConfig: configJSON(m, 'fg_model_config_to_json', e.fg_model_get_config(mp)),
    trainingConfig: configJSON(m, 'fg_training_config_to_json', e.fg_trainer_get_config(tp)),
    numParams: e.fg_model_num_params(mp) >>> 0,
  }, own);
  if (signal) {
    pool.signal = signal;
    pool.onAbort = () => pool.abort(abortError(signal));
    signal.addEventListener('abort', pool.onAbort, { once: true });
  }
  try {
    await pool.start();
  } catch (err) {
    pool.close();
    throw err;
  }
  return pool;
}

/** One worker thread of the pool. */
class ParallelWorker {
  constructor(pool, index) {
    this.pool = pool;
    this.index = index;
    this.w = null;
    this.waiter = null; // { resolve, reject } of the message awaited
  }

  async start(setup) {
    const { workerUrl } = this.pool;
    if (isNode) {
      const { Worker } = await workerThreads();
      const w = new Worker(workerUrl ? (/^file:/i.test(workerUrl) ? new URL(workerUrl) : workerUrl)
        : new URL(NODE_WORKER_FILE, import.meta.url));
      this.w = w;
      w.unref();
      w.on('message', (m) => this.onMessage(m));
      w.on('error', (e) => this.pool.fail(this, `died: ${e && e.message ? e.message : String(e)}`));
      w.on('exit', (code) => this.pool.fail(this, `exited (exit code ${code})`));
    } else {
      const w = workerUrl ? new Worker(workerUrl, { type: 'module', name: 'fastgrnn-parallel' })
        : new Worker(new URL('./parallel-worker.js', import.meta.url), { type: 'module', name: 'fastgrnn-parallel' });
      this.w = w;
      w.onmessage = (ev) => this.onMessage(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault();
        this.pool.fail(this, `died${ev.message ? `: ${ev.message}` : ' (its script could not be loaded)'}`);
      };
      w.onmessageerror = () => this.pool.fail(this, 'sent a message that could not be read');
    }
    const answer = await this.request({ ...setup, index: this.index });
    if (answer.type !== 'ready') throw this.pool.workerError(this, answer);
  }

  post(msg, transfer) {
    this.w.postMessage({ protocol: PROTOCOL, ...msg }, transfer || []);
  }

  /** Posts msg and resolves to the worker's next answer (rejects when the pool fails). */
  request(msg) {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.post(msg);
    });
  }

  /** The next answer without posting anything (shared mode: errors). */
  next() {
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  onMessage(m) {
    if (!m || m.protocol !== PROTOCOL) return;
    if (m.type === 'error' && !this.waiter) { this.lastError = m; return; }
    const w = this.waiter;
    this.waiter = null;
    if (w) w.resolve(m);
  }

  terminate() {
    const w = this.w;
    this.w = null;
    if (w) {
      try { w.terminate(); } catch { /* already gone */ }
    }
  }
}

/**
 * K workers for one run. start() sets them up; batch() runs one batch;
 * close() ends them. A worker that throws, dies or does not answer within
 * timeoutMs fails the run with FastGRNNError naming it; nothing waits
 * forever.
 */
export class ParallelPool {
  /**
   * @param m       the coordinator's WasmModule (its compiled module is shared)
   * @param opts    { workers, transport, timeoutMs, workerUrl, modelConfig, trainingConfig
   *                  (C's JSON), inputDim, outputDim, timesteps, maxBatch, numParams,
   *                  data: { ptr, rows } (an in-memory run's features in m) or none }
   * @param own     an idle C trainer of the run's configs: this thread's scratch
   */
  constructor(m, opts, own) {
    this.m = m;
    this.K = opts.workers; // threads computing, this one included
    this.own = own;
    this.T = opts.timesteps;
    this.timeoutMs = opts.timeoutMs;
    this.workerUrl = opts.workerUrl;
    this.transport = opts.transport;
    this.np = opts.numParams;
    this.row = opts.timesteps * opts.inputDim;
    this.sw = opts.outputDim === 1 ? 1 : opts.outputDim;
    this.maxBatch = opts.maxBatch;
    this.maxChunks = m.exports.fg_grad_chunks(opts.maxBatch);
    this.failure = null;
    this.workers = [];
    this.opts = opts;
    this.paramsPtr = m.alloc(4 * this.np, 'parameters');
  }

  async start() {
    if (this.K === 1) return; // this thread alone
    const o = this.opts, m = this.m;
    // every computing thread (this one too) may spin while it waits when
    // each has a core of its own
    const spin = this.K <= coreCount();
    const dims = {
      np: this.np, maxBatch: this.maxBatch, row: this.row, sw: this.sw, maxChunks: this.maxChunks,
      dataRows: o.data ? o.data.rows : 0,
    };
    const features = o.data ? m.f32(o.data.ptr, o.data.rows * this.row) : null;
    let shared = null, data = null;
    if (this.transport === 'shared') {
      shared = new SharedArrayBuffer(Layout.bytes(dims));
      this.L = new Layout(shared, dims);
      if (features) this.L.data.set(features); // once: batches go out as row indices
      this.canBlock = threadCanBlock();
      this.spin = spin;
    } else if (features) {
      data = features.slice(); // each worker gets a copy, once
    }
    const setup = {
      type: 'setup', module: m.module, simd: m.relaxed ? 'relaxed' : m.simd,
      modelConfig: o.modelConfig, trainingConfig: o.trainingConfig,
      inputDim: o.inputDim, outputDim: o.outputDim, timesteps: o.timesteps,
      workers: this.K, dims, shared, data, spin,
    };
    for (let k = 1; k < this.K; k++) this.workers.push(new ParallelWorker(this, k));
    await this.bounded(Promise.all(this.workers.map((w) => w.start(setup))), 'setting up');
  }

  workerError(w, answer) {
    return new FastGRNNError(answer.code || 'InvalidInput',
      `data-parallel worker ${w.index}: ${answer.message || describe(answer)}`);
  }

  /** A worker died: the run fails; every waiter rejects. */
  fail(w, what) {
    this.abort(aborted(`data-parallel worker ${w.index} ${what}; the run stops`));
  }

  /** Fails the run with `error` now: every waiter rejects, the workers are terminated. */
  abort(error) {
    if (this.failure || this.closed) return;
    this.failure = error;
    if (this.rejectRace) this.rejectRace(error);
    for (const x of this.workers) {
      const waiter = x.waiter;
      x.waiter = null;
      if (waiter) waiter.reject(this.failure);
    }
    if (this.L) Atomics.notify(this.L.ctl, CTL.DONE);
    for (const x of this.workers) x.terminate();
  }

  /** p, or a rejection when the pool fails or timeoutMs passes. */
  bounded(p, what) {
    if (this.failure) return Promise.reject(this.failure);
    let timer;
    const timeout = new Promise((_, reject) => {
      this.rejectRace = reject;
      timer = setTimeout(() => {
        const e = aborted(`data-parallel workers did not answer within ${this.timeoutMs} ms while ${what}; they were terminated`);
        this.abort(e);
        reject(e);
      }, this.timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => {
      clearTimeout(timer);
      this.rejectRace = null;
    });
  }

  /**
   * The waiting batch of trainer tp (model mp): hands it to the workers,
   * computes this thread's chunks, waits for theirs and copies them into
   * the trainer's chunk buffers. The caller then calls
   * fg_trainer_apply_chunks.
   */
  async batch(tp, mp) {
    if (this.failure) throw this.failure;
    const m = this.m, e = m.exports, np = this.np, K = this.K;
    m.zeroSlots();
    m.check(e.fg_trainer_pending_batch(tp, m.slot(0), m.slot(1), m.slot(2), m.slot(3), m.slot(4), m.slot(5)));
    const xp = m.readPtr(0), rp = m.readPtr(1), yp = m.readPtr(2), sp = m.readPtr(3);
    const n = m.readI32(4), chunks = m.readI32(5);
    let answers = null;
    if (this.workers.length) {
      m.check(e.fg_model_get_params(mp, this.paramsPtr, np));
      if (this.L) {
        const L = this.L, ctl = L.ctl;
        L.params.set(m.f32(this.paramsPtr, np));
        if (rp) L.rows.set(m.i32(rp, n));
        else L.x.set(m.f32(xp, n * this.row));
        L.y.set(m.f32(yp, n));
        if (sp) L.soft.set(m.f32(sp, n * this.sw));
        Atomics.store(ctl, CTL.DONE, 0);
        Atomics.store(ctl, CTL.FAILED, 0);
        Atomics.store(ctl, CTL.BATCH, n);
        Atomics.store(ctl, CTL.HAS_SOFT, sp ? 1 : 0);
        Atomics.store(ctl, CTL.NEXT, 0);
        Atomics.add(ctl, CTL.GENERATION, 1);
        Atomics.notify(ctl, CTL.GENERATION);
      } else {
        const msg = {
          type: 'batch', n,
          params: m.f32(this.paramsPtr, np).slice(),
          rows: rp ? m.i32(rp, n).slice() : null,
          x: rp ? null : m.f32(xp, n * this.row).slice(),
          y: m.f32(yp, n).slice(),
          soft: sp ? m.f32(sp, n * this.sw).slice() : null,
        };
        answers = this.bounded(Promise.all(this.workers.map((w) => w.request(msg))), 'computing a batch');
        answers.catch(() => {}); // awaited below, unless this thread's own chunks fail first
      }
    }
    // this thread's chunks, straight into the trainer's buffers: in shared
    // memory whichever is next (the workers claim theirs the same way), by
    // message chunks 0, K, 2K, ...
    const G = e.fg_trainer_chunk_grads(tp), S = e.fg_trainer_chunk_stats(tp);
    const own = (c) => m.check(e.fg_trainer_chunk_gradient(this.own, mp, xp, rp, yp, sp, n, this.T, c,
      G + 4 * c * np, S + 24 * c));
    if (this.L) {
      const L = this.L, ctl = L.ctl;
      for (let c = Atomics.add(ctl, CTL.NEXT, 1); c < chunks; c = Atomics.add(ctl, CTL.NEXT, 1)) {
        own(c);
        L.owner[c] = 0;
      }
      await this.bounded(this.waitDone(), 'computing a batch');
      if (Atomics.load(ctl, CTL.FAILED)) throw await this.postedError();
      const g = m.f32(G, chunks * np), s = new Float64Array(m.memory.buffer, S, chunks * 3);
      for (let c = 0; c < chunks; c++) {
        if (L.owner[c] === 0) continue;
        g.set(L.grads.subarray(c * np, (c + 1) * np), c * np);
        s.set(L.stats.subarray(c * 3, c * 3 + 3), c * 3);
      }
      return;
    }
    for (let c = 0; c < chunks; c += K) own(c);
    if (!this.workers.length) return;
    const got = await answers;
    let received = 0;
    for (let k = 0; k < got.length; k++) {
      const a = got[k];
      if (a.type !== 'grads') throw this.workerError(this.workers[k], a);
      received += a.chunks.length;
    }
    const expected = chunks - Math.ceil(chunks / K);
    if (received !== expected) {
      throw aborted(`data-parallel workers returned ${received} of their ${expected} chunks`);
    }
    const g = m.f32(G, chunks * np), s = new Float64Array(m.memory.buffer, S, chunks * 3);
    for (const a of got) {
      a.chunks.forEach((c, i) => {
        g.set(a.grads.subarray(i * np, (i + 1) * np), c * np);
        s.set(a.stats.subarray(i * 3, i * 3 + 3), c * 3);
      });
    }
  }

  // Shared mode: until every worker counted the batch as done. When every
  // computing thread has a core, this thread first spins for up to SPIN_MS:
  // a blocked thread takes tens of microseconds to wake, and the workers
  // finish about when this thread's own chunks do. Then, where this thread may block (Node), Atomics.wait
  // in slices of BLOCK_MS; between slices (a slow or dead worker) it yields
  // to the event loop, so deaths, aborts and the timeout are seen.
  // Elsewhere (a browser's main thread) Atomics.waitAsync, or polling.
  async waitDone() {
    const ctl = this.L.ctl;
    if (this.spin) {
      const end = performance.now() + SPIN_MS;
      while (Atomics.load(ctl, CTL.DONE) < this.workers.length && performance.now() < end) { /* spin */ }
    }
    for (;;) {
      if (this.failure) throw this.failure;
      const done = Atomics.load(ctl, CTL.DONE);
      if (done >= this.workers.length) return;
      if (this.canBlock && Atomics.wait(ctl, CTL.DONE, done, BLOCK_MS) !== 'timed-out') continue;
      if (typeof Atomics.waitAsync === 'function') {
        const r = Atomics.waitAsync(ctl, CTL.DONE, Atomics.load(ctl, CTL.DONE), 100);
        if (r.async) await r.value;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  }

  // Shared mode: a worker flagged a failure; its error message is posted.
  async postedError() {
    let w = this.workers.find((x) => x.lastError);
    if (w) return this.workerError(w, w.lastError);
    const first = await this.bounded(Promise.race(this.workers.map((x) => x.next().then((a) => [x, a]))),
      'reporting an error');
    for (const x of this.workers) x.waiter = null;
    [w] = first;
    return this.workerError(w, first[1]);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (this.L) {
      Atomics.store(this.L.ctl, CTL.STOP, 1);
      Atomics.add(this.L.ctl, CTL.GENERATION, 1);
      Atomics.notify(this.L.ctl, CTL.GENERATION);
    }
    for (const w of this.workers) w.terminate();
    this.m.free(this.paramsPtr);
    this.paramsPtr = 0;
    this.m.exports.fg_trainer_destroy(this.own);
    this.own = 0;
  }
}
