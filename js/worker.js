// worker.js - training off the main thread.
//
// The same file is both sides:
//  - imported normally (`import { TrainingWorker, trainInWorker } from
//    'fastgrnn-wasm/worker'`), it exports the main-thread wrapper;
//  - started as a Web Worker (name 'fastgrnn-train', type 'module') or a
//    Node worker_threads Worker (workerData.fastgrnnWorker === true), it
//    runs the training side of the protocol.
//
// Protocol (structured-cloned messages):
//   main -> worker  { type: 'train', modelConfig | modelBytes, trainingConfig,
//                     features, labels, softTargets?, dims: { inputDim,
//                     timesteps, outputDim }, normalize?, simd? }
//                   { type: 'stop' }   end after the current epoch (normal end)
//                   { type: 'abort' }  end now, reject with 'Aborted'
//   worker -> main  { type: 'ready', simd }
//                   { type: 'epoch', metrics }
//                   { type: 'done', metrics, model: Uint8Array, normalization }
//                   { type: 'error', code, message }

import {
  init, FastGRNN, TrainingDataset, Trainer, FastGRNNError,
} from './index.js';

export const WORKER_NAME = 'fastgrnn-train';

const isNode = typeof process !== 'undefined' && process.versions != null &&
  process.versions.node != null;

async function workerThreads() {
  return typeof process.getBuiltinModule === 'function'
    ? process.getBuiltinModule('node:worker_threads')
    : import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:worker_threads');
}

// ------------------------------------------------------------ worker side

function serveTraining(post, onMessage) {
  let stopRequested = false;
  let controller = null;
  let busy = false;
  onMessage(async (msg) => {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'stop') { stopRequested = true; return; }
    if (msg.type === 'abort') {
      if (controller) controller.abort(new Error('aborted by the main thread'));
      return;
    }
    if (msg.type !== 'train') return;
    if (busy) {
      post({ type: 'error', code: 'InvalidInput', message: 'this worker is already training' });
      return;
    }
    busy = true;
    stopRequested = false;
    controller = new AbortController();
    let model = null, dataset = null, trainer = null;
    try {
      const info = await init(msg.simd === undefined ? {} : { simd: msg.simd });
      post({ type: 'ready', simd: info.simd });
      const dims = msg.dims || {};
      dataset = new TrainingDataset(msg.features, msg.labels, {
        inputDim: dims.inputDim, timesteps: dims.timesteps, outputDim: dims.outputDim,
      });
      if (msg.softTargets) dataset.withSoftTargets(msg.softTargets);
      model = msg.modelBytes ? FastGRNN.load(msg.modelBytes) : new FastGRNN(msg.modelConfig);
      if (msg.normalize) model.normalization = dataset.normalize();
      trainer = new Trainer(model.config, msg.trainingConfig || {});
      const metrics = await trainer.train(model, dataset, {
        signal: controller.signal,
        onEpoch: (m) => {
          const k = msg.snapshotEvery;
          if (k > 0 && (m.epoch + 1) % k === 0) {
            const snapshot = model.save();
            post({ type: 'epoch', metrics: { ...m, snapshot } }, [snapshot.buffer]);
          } else {
            post({ type: 'epoch', metrics: m });
          }
          return stopRequested ? false : undefined;
        },
      });
      const bytes = model.save();
      post({ type: 'done', metrics, model: bytes, normalization: model.normalization },
        [bytes.buffer]);
    } catch (e) {
      post({
        type: 'error',
        code: e instanceof FastGRNNError ? e.code : 'InvalidInput',
        message: e && e.message ? e.message : String(e),
      });
    } finally {
      if (trainer) trainer.dispose();
      if (model) model.dispose();
      if (dataset) dataset.dispose();
      controller = null;
      busy = false;
    }
  });
}

let startedAsWorker = false;
if (isNode) {
  const wt = await workerThreads();
  if (!wt.isMainThread && wt.workerData && wt.workerData.fastgrnnWorker === true) {
    startedAsWorker = true;
    const port = wt.parentPort;
    serveTraining((m, transfer) => port.postMessage(m, transfer), (fn) => port.on('message', fn));
  }
} else if (typeof self !== 'undefined' && typeof self.postMessage === 'function' &&
  typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope &&
  self.name === WORKER_NAME) {
  startedAsWorker = true;
  serveTraining((m, transfer) => self.postMessage(m, transfer),
    (fn) => self.addEventListener('message', (ev) => fn(ev.data)));
}
export { startedAsWorker };

// ------------------------------------------------------------ main side

function toTransferableF32(v, what) {
  if (v instanceof Float32Array) return v.slice();
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    if (Array.isArray(v) && v.length > 0 && typeof v[0] !== 'number') {
      // rows: flatten
      const len = v[0].length;
      const out = new Float32Array(v.length * len);
      v.forEach((r, i) => {
        if (!r || r.length !== len) {
          throw new FastGRNNError('InvalidInput', `${what}[${i}] must have length ${len}`);
        }
        out.set(r, i * len);
      });
      return out;
    }
    return Float32Array.from(v);
  }
  throw new FastGRNNError('InvalidInput', `${what} must be a Float32Array or an array, got ${typeof v}`);
}

/**
 * Trains in a dedicated worker (a Web Worker in browsers, a worker_threads
 * Worker in Node). One training at a time per TrainingWorker.
 */
export class TrainingWorker {
  /** @param {{ url?: URL|string, simd?: 'auto'|boolean }} options */
  constructor(options = {}) {
    this._url = options.url || new URL('./worker.js', import.meta.url);
    this._simd = options.simd;
    this._worker = null;
    this._pending = null;
  }

  async _start() {
    if (this._worker) return;
    if (isNode) {
      const { Worker } = await workerThreads();
      const w = new Worker(this._url, { workerData: { fastgrnnWorker: true } });
      w.unref();
      this._worker = w;
      this._post = (m, t) => w.postMessage(m, t);
      w.on('message', (m) => this._onMessage(m));
      w.on('error', (e) => this._fail(new FastGRNNError('InvalidInput', `worker error: ${e.message}`)));
      w.on('exit', () => { this._worker = null; this._fail(new FastGRNNError('Aborted', 'the worker exited')); });
    } else {
      const w = new Worker(this._url, { type: 'module', name: WORKER_NAME });
      this._worker = w;
      this._post = (m, t) => w.postMessage(m, t);
      w.onmessage = (ev) => this._onMessage(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault();
        this._fail(new FastGRNNError('InvalidInput', `worker error: ${ev.message}`));
      };
    }
  }

  _onMessage(msg) {
    const p = this._pending;
    if (!p) return;
    if (msg.type === 'ready') p.info = { simd: msg.simd };
    else if (msg.type === 'epoch') {
      if (p.onEpoch) {
        try {
          if (p.onEpoch(msg.metrics) === false) this.stop();
        } catch (e) {
          this.abort();
          this._fail(e);
        }
      }
    } else if (msg.type === 'done') {
      this._pending = null;
      p.cleanup();
      p.resolve({ metrics: msg.metrics, model: msg.model, normalization: msg.normalization, simd: p.info?.simd });
    } else if (msg.type === 'error') {
      this._fail(new FastGRNNError(msg.code, msg.message));
    }
  }

  _fail(err) {
    const p = this._pending;
    if (!p) return;
    this._pending = null;
    p.cleanup();
    p.reject(err);
  }

  /**
   * @param {object} job { model?: FastGRNN | Uint8Array, modelConfig?,
   *   trainingConfig?, features, labels, softTargets?, inputDim?, timesteps?,
   *   outputDim?, normalize?, snapshotEvery?, onEpoch?, signal? }
   * @returns Promise<{ metrics, model: Uint8Array, normalization, simd }>
   */
  async train(job) {
    if (this._pending) throw new FastGRNNError('InvalidInput', 'this TrainingWorker is already training');
    if (!job || typeof job !== 'object') throw new FastGRNNError('InvalidInput', 'train: job must be an object');
    const { signal, onEpoch } = job;
    if (signal && signal.aborted) throw new FastGRNNError('Aborted', 'training aborted before it started');
    const features = toTransferableF32(job.features, 'features');
    const labels = toTransferableF32(job.labels, 'labels');
    const soft = job.softTargets ? toTransferableF32(job.softTargets, 'softTargets') : undefined;
    let inputDim = job.inputDim;
    if (inputDim === undefined && Array.isArray(job.features) && job.features.length > 0 &&
      typeof job.features[0] !== 'number') {
      inputDim = job.features[0].length / (job.timesteps || 1);
    }
    const every = job.snapshotEvery;
    if (every !== undefined && !(Number.isInteger(every) && every >= 0)) {
      throw new FastGRNNError('InvalidInput',
        `train: snapshotEvery must be a non-negative integer, got ${String(every)}`);
    }
    const msg = {
      type: 'train',
      snapshotEvery: every || 0,
      trainingConfig: job.trainingConfig || {},
      features, labels, softTargets: soft,
      dims: { inputDim, timesteps: job.timesteps, outputDim: job.outputDim },
      normalize: !!job.normalize,
    };
    if (this._simd !== undefined) msg.simd = this._simd;
    if (job.model instanceof FastGRNN) msg.modelBytes = job.model.save();
    else if (job.model instanceof Uint8Array) msg.modelBytes = job.model.slice();
    else msg.modelConfig = job.modelConfig || {};
    if (msg.dims.inputDim === undefined && msg.modelConfig && msg.modelConfig.inputDim !== undefined) {
      msg.dims.inputDim = msg.modelConfig.inputDim;
    }
    if (msg.dims.inputDim === undefined && job.model instanceof FastGRNN) {
      msg.dims.inputDim = job.model.inputDim;
    }
    await this._start();
    const worker = this._worker;
    // Node: keep the process alive while a training is pending, not after.
    if (typeof worker.ref === 'function') worker.ref();
    return new Promise((resolve, reject) => {
      const onAbort = () => this.abort();
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      this._pending = {
        resolve, reject, onEpoch, info: null,
        cleanup: () => {
          if (signal) signal.removeEventListener('abort', onAbort);
          if (typeof worker.unref === 'function') worker.unref();
        },
      };
      const transfer = [features.buffer, labels.buffer];
      if (soft) transfer.push(soft.buffer);
      if (msg.modelBytes) transfer.push(msg.modelBytes.buffer);
      this._post(msg, transfer);
    });
  }

  /** Ends training after the current epoch; train() then resolves normally. */
  stop() { if (this._worker) this._post({ type: 'stop' }); }

  /** Ends training now; train() rejects with FastGRNNError 'Aborted'. */
  abort() { if (this._worker) this._post({ type: 'abort' }); }

  /** Stops the worker. A pending train() rejects with 'Aborted'. */
  terminate() {
    const w = this._worker;
    this._worker = null;
    if (w) w.terminate();
    this._fail(new FastGRNNError('Aborted', 'the worker was terminated'));
  }
}

/** One-shot: starts a worker, trains, terminates it. */
export async function trainInWorker(job, options = {}) {
  const tw = new TrainingWorker(options);
  try {
    return await tw.train(job);
  } finally {
    tw.terminate();
  }
}
