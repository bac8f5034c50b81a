// worker.js - training off the main thread (fastgrnn-wasm/worker).
//
//   import { trainInWorker } from 'fastgrnn-wasm/worker';
//   const { metrics, model } = await trainInWorker({ features: rows, labels });
//
// TrainingWorker starts js/training-worker.js with
// `new Worker(new URL('./training-worker.js', import.meta.url), { type: 'module' })`,
// written literally so that bundlers (Vite, webpack 5, Rollup, Parcel) emit the
// worker and its .wasm files; in Node (and Bun) the same URL starts a
// worker_threads Worker. The protocol is in js/training-worker.js.

import {
  FastGRNN, FastGRNNError,
} from './index.js';
import { isNode, embeddedWasm, simdSupported } from './loader.js';
import { workerThreads } from './worker-host.js';
import { describe } from './errors.js';

/** The name the browser Worker is started with (shown by devtools). */
export const WORKER_NAME = 'fastgrnn-train';
const PROTOCOL = 'fastgrnn-worker';
const NODE_WORKER_FILE = './training-worker.js';
const PROTOCOL_VERSION = 2;


// ------------------------------------------------------------ main side

const isRowsArray = (v) => Array.isArray(v) && v.length > 0 &&
  (Array.isArray(v[0]) || ArrayBuffer.isView(v[0]));

function toF32Copy(v, what) {
  if (v instanceof Float32Array) return v.slice();
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return Float32Array.from(v);
  throw new FastGRNNError('InvalidInput',
    `train: ${what} must be a Float32Array or an array of numbers, got ${describe(v)}`);
}

function checkDimValue(v, what) {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || v < 1) {
    throw new FastGRNNError('InvalidInput', `train: ${what} must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

/**
 * The data message for the worker, with every dimension decided here:
 * from the data (a TrainingDataset, a dataset-like object, rows), else from
 * the job's own fields, else from the model or modelConfig; a clear error
 * names what is missing.
 */
function prepareData(job) {
  let src = job;
  let names = {};
  if (job.dataset !== undefined) {
    const d = job.dataset;
    if (d === null || typeof d !== 'object') {
      throw new FastGRNNError('InvalidInput', `train: dataset must be a TrainingDataset or { features, labels, ... }, got ${describe(d)}`);
    }
    if (job.features !== undefined || job.labels !== undefined) {
      throw new FastGRNNError('InvalidInput', 'train: give either dataset or features/labels, not both');
    }
    src = {
      features: d.features, labels: d.labels, softTargets: job.softTargets ?? d.softTargets ?? undefined,
      inputDim: job.inputDim ?? d.inputDim, timesteps: job.timesteps ?? d.timesteps,
      outputDim: job.outputDim ?? d.outputDim,
    };
    for (const k of ['featureNames', 'classNames', 'labelName']) {
      if (d[k] !== undefined && d[k] !== null) names[k] = d[k];
    }
  }
  if (src.features === undefined || src.features === null) {
    throw new FastGRNNError('InvalidInput', 'train: features are missing (give features and labels, dataset, or csv)');
  }
  if (src.labels === undefined || src.labels === null) {
    throw new FastGRNNError('InvalidInput', 'train: labels are missing (give features and labels, dataset, or csv)');
  }
  let inputDim = checkDimValue(src.inputDim, 'inputDim');
  let timesteps = checkDimValue(src.timesteps, 'timesteps');
  let outputDim = checkDimValue(src.outputDim, 'outputDim');
  const cfg = job.model instanceof FastGRNN ? job.model.config : (job.modelConfig || {});
  let features;
  if (isRowsArray(src.features)) {
    // rows [T*D]: the row length and timesteps (default 1) give inputDim
    const len = src.features[0].length;
    if (inputDim === undefined) {
      const t = timesteps ?? 1;
      if (len === 0 || len % t !== 0) {
        throw new FastGRNNError('InvalidInput', `train: features row length ${len} is not a multiple of timesteps ${t}`);
      }
      inputDim = len / t;
    }
    if (timesteps === undefined) timesteps = len % inputDim === 0 ? len / inputDim : 1;
    const step = len;
    features = new Float32Array(src.features.length * step);
    src.features.forEach((r, i) => {
      if (!r || r.length !== step) {
        throw new FastGRNNError('InvalidInput', `train: features[${i}] has length ${r ? r.length : describe(r)}, expected ${step}`);
      }
      features.set(r, i * step);
    });
  } else {
    features = toF32Copy(src.features, 'features');
    if (inputDim === undefined && cfg.inputDim !== undefined) inputDim = cfg.inputDim;
    if (inputDim === undefined) {
      throw new FastGRNNError('InvalidInput',
        `train: inputDim is missing: features is a flat array of ${features.length} values; ` +
        'give inputDim (and timesteps), rows, a dataset, or modelConfig.inputDim');
    }
    if (timesteps === undefined) timesteps = 1;
  }
  if (outputDim === undefined && cfg.outputDim !== undefined) outputDim = cfg.outputDim;
  if (outputDim === undefined) outputDim = 1;
  const labels = toF32Copy(src.labels, 'labels');
  const softTargets = src.softTargets ? toF32Copy(src.softTargets, 'softTargets') : undefined;
  return { features, labels, softTargets, inputDim, timesteps, outputDim, ...names };
}

function checkCsvInput(input) {
  const ok = typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input) ||
    (typeof Blob !== 'undefined' && input instanceof Blob);
  if (!ok) {
    throw new FastGRNNError('InvalidInput', `train: csv must be a string, bytes or a Blob, got ${describe(input)}`);
  }
  return ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength).slice() : input;
}

/** The `wasm` source in a form that can be posted to the worker. */
async function postableWasm(wasm) {
  if (wasm === undefined) return undefined;
  if (wasm && typeof wasm.then === 'function') wasm = await wasm;
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof URL) return wasm.href;
  if (typeof wasm === 'string') {
    if (/^[a-z][a-z0-9+.-]*:/i.test(wasm)) return wasm;
    // relative: resolve here (the worker's own location differs)
    if (isNode) return new URL(wasm, 'file://' + process.cwd().replace(/\/?$/, '/')).href;
    return new URL(wasm, globalThis.location?.href).href;
  }
  if (wasm instanceof ArrayBuffer) return new Uint8Array(wasm.slice(0));
  if (ArrayBuffer.isView(wasm)) return new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength).slice();
  if (typeof Response !== 'undefined' && wasm instanceof Response) {
    if (!wasm.ok) {
      throw new FastGRNNError('IoError', `init: cannot fetch ${wasm.url || 'the given Response'}: HTTP ${wasm.status}`);
    }
    return new Uint8Array(await wasm.arrayBuffer());
  }
  throw new FastGRNNError('InvalidInput',
    `init: wasm must be a URL, a string, bytes, a Response or a WebAssembly.Module, got ${describe(wasm)}`);
}

/** The error a caller sees: code and message from the worker, the caller's stack. */
function callerError(code, message, site, workerStack) {
  const err = new FastGRNNError(code, message);
  const frames = site && site.stack ? site.stack.split('\n').slice(1).join('\n') : '';
  if (frames) err.stack = `FastGRNNError: ${message}\n${frames}`;
  if (workerStack) err.workerStack = workerStack;
  return err;
}

/**
 * Trains in a dedicated worker (a Web Worker in browsers, a worker_threads
 * Worker in Node). One training at a time per TrainingWorker.
 */
export class TrainingWorker {
  /**
   * @param {{ url?: URL|string, simd?: 'auto'|boolean,
   *   init?: { wasm?: URL|string|BufferSource|Response|WebAssembly.Module, simd?: 'auto'|boolean },
   *   resourceLimits?: object }} options
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new FastGRNNError('InvalidInput', `TrainingWorker: options must be an object, got ${describe(options)}`);
    }
    for (const k of Object.keys(options)) {
      if (!['url', 'simd', 'init', 'resourceLimits'].includes(k)) {
        throw new FastGRNNError('InvalidInput', `TrainingWorker: unknown option '${k}'`);
      }
    }
    const initOpts = options.init ?? {};
    if (initOpts === null || typeof initOpts !== 'object') {
      throw new FastGRNNError('InvalidInput', `TrainingWorker: init must be an object, got ${describe(initOpts)}`);
    }
    for (const k of Object.keys(initOpts)) {
      if (k !== 'wasm' && k !== 'simd') throw new FastGRNNError('InvalidInput', `TrainingWorker: unknown init option '${k}'`);
    }
    this._url = options.url;
    this._simd = initOpts.simd ?? options.simd;
    this._wasm = initOpts.wasm;
    this._resourceLimits = options.resourceLimits;
    this._initMsg = null;
    this._worker = null;
    this._pending = null;
  }

  async _initMessage() {
    if (this._initMsg) return this._initMsg;
    const msg = {};
    if (this._simd !== undefined) msg.simd = this._simd;
    if (this._wasm !== undefined) {
      msg.wasm = await postableWasm(this._wasm);
    } else {
      // the embedded entry: the worker gets the same bytes
      const simd = this._simd === undefined || this._simd === 'auto' ? simdSupported() : this._simd;
      const bytes = embeddedWasm(simd);
      if (bytes) {
        msg.wasm = bytes;
        msg.simd = simd;
      }
    }
    this._initMsg = msg;
    return msg;
  }

  async _start() {
    if (this._worker) return;
    if (isNode) {
      const { Worker } = await workerThreads();
      // Not the new URL(literal, import.meta.url) form: bundlers would copy
      // the unbundled file as an extra asset (or make a context module).
      const base = import.meta.url;
      const url = this._url || new URL(NODE_WORKER_FILE, base);
      const opts = {};
      // The worker inherits the process's Node options; --input-type (node
      // --input-type=module -e '...') is one a worker file rejects, so drop it.
      if (process.execArgv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) {
        const execArgv = [];
        for (let i = 0; i < process.execArgv.length; i++) {
          const a = process.execArgv[i];
          if (a === '--input-type') i++;
          else if (!a.startsWith('--input-type=')) execArgv.push(a);
        }
        opts.execArgv = execArgv;
      }
      if (this._resourceLimits) opts.resourceLimits = this._resourceLimits;
      let w;
      try {
        w = new Worker(url, opts);
      } catch (e) {
        throw new FastGRNNError('Aborted', `cannot start the training worker: ${e.message}`);
      }
      w.unref();
      this._worker = w;
      this._post = (m, t) => w.postMessage(m, t);
      w.on('message', (m) => this._onMessage(m));
      w.on('error', (e) => {
        const oom = e && e.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this._fail(oom
          ? new FastGRNNError('OutOfMemory', `the training worker ran out of memory: ${e.message}`)
          : new FastGRNNError('Aborted', `the training worker died: ${e && e.message ? e.message : String(e)}`));
      });
      w.on('exit', (code) => {
        if (this._worker === w) this._worker = null;
        this._fail(new FastGRNNError('Aborted', `the training worker exited (exit code ${code}) before the training finished`));
      });
    } else {
      const w = this._url
        ? new Worker(this._url, { type: 'module', name: WORKER_NAME })
        : new Worker(new URL('./training-worker.js', import.meta.url), { type: 'module', name: WORKER_NAME });
      this._worker = w;
      this._post = (m, t) => w.postMessage(m, t);
      w.onmessage = (ev) => this._onMessage(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault();
        // A load failure (404, syntax error, a failed import) carries no message.
        const detail = ev.message ? `: ${ev.message}` : ' (the worker script or one of its imports could not be loaded)';
        this._worker = null;
        try { w.terminate(); } catch { /* already gone */ }
        this._fail(new FastGRNNError('Aborted', `the training worker died${detail}`));
      };
      w.onmessageerror = () => {
        this._fail(new FastGRNNError('Aborted', 'the training worker sent a message that could not be read'));
      };
    }
  }

  _onMessage(msg) {
    if (!msg || msg.protocol !== PROTOCOL) return;
    const p = this._pending;
    if (!p) return;
    if (msg.version !== PROTOCOL_VERSION) {
      this._fail(new FastGRNNError('InvalidInput',
        `the training worker speaks protocol version ${String(msg.version)}, not ${PROTOCOL_VERSION}`));
      return;
    }
    if (msg.type === 'ready') p.info = { simd: msg.simd };
    else if (msg.type === 'epoch') {
      if (p.onEpoch) {
        try {
          if (p.onEpoch(msg.metrics) === false) this.stop();
        } catch (e) {
          this.abort();
          this._fail(e, true);
        }
      }
    } else if (msg.type === 'done') {
      this._pending = null;
      p.cleanup();
      p.resolve({ metrics: msg.metrics, model: msg.model, normalization: msg.normalization, simd: p.info?.simd });
    } else if (msg.type === 'error') {
      this._fail(callerError(msg.code, msg.message, p.site, msg.stack), true);
    }
  }

  _fail(err, asIs = false) {
    const p = this._pending;
    if (!p) return;
    this._pending = null;
    p.cleanup();
    p.reject(asIs || !(err instanceof FastGRNNError) ? err : callerError(err.code, err.message, p.site));
  }

  /**
   * @param {object} job { model?: FastGRNN | Uint8Array, modelConfig?,
   *   trainingConfig?, features, labels, softTargets?, inputDim?, timesteps?,
   *   outputDim? | dataset | csv, csvOptions?, normalize?, snapshotEvery?,
   *   onEpoch?, signal? }
   * @returns Promise<{ metrics, model: Uint8Array, normalization, simd }>
   */
  async train(job) {
    const site = new Error('train');
    if (this._pending) throw new FastGRNNError('InvalidInput', 'this TrainingWorker is already training');
    if (!job || typeof job !== 'object') {
      throw new FastGRNNError('InvalidInput', `train: job must be an object, got ${describe(job)}`);
    }
    const { signal, onEpoch } = job;
    if (signal && signal.aborted) throw new FastGRNNError('Aborted', 'training aborted before it started');
    const every = job.snapshotEvery;
    if (every !== undefined && !(Number.isInteger(every) && every >= 0)) {
      throw new FastGRNNError('InvalidInput',
        `train: snapshotEvery must be a non-negative integer, got ${String(every)}`);
    }
    const msg = {
      protocol: PROTOCOL,
      version: PROTOCOL_VERSION,
      type: 'train',
      snapshotEvery: every || 0,
      trainingConfig: job.trainingConfig || {},
      normalize: !!job.normalize,
    };
    const transfer = [];
    if (job.csv !== undefined) {
      if (job.features !== undefined || job.labels !== undefined || job.dataset !== undefined) {
        throw new FastGRNNError('InvalidInput', 'train: give either csv or features/labels (or dataset), not both');
      }
      msg.csv = { input: checkCsvInput(job.csv), options: job.csvOptions || {} };
    } else {
      msg.data = prepareData(job);
      transfer.push(msg.data.features.buffer, msg.data.labels.buffer);
      if (msg.data.softTargets) transfer.push(msg.data.softTargets.buffer);
    }
    if (job.model instanceof FastGRNN) msg.modelBytes = job.model.save();
    else if (job.model instanceof Uint8Array) msg.modelBytes = job.model.slice();
    else if (job.model !== undefined) {
      throw new FastGRNNError('InvalidInput', `train: model must be a FastGRNN or its saved bytes, got ${describe(job.model)}`);
    } else {
      // A new model takes its dimensions from the data unless configured.
      msg.modelConfig = { ...(job.modelConfig || {}) };
      if (msg.data) {
        if (msg.modelConfig.inputDim === undefined) msg.modelConfig.inputDim = msg.data.inputDim;
        if (msg.modelConfig.outputDim === undefined) msg.modelConfig.outputDim = msg.data.outputDim;
      }
    }
    if (msg.modelBytes) transfer.push(msg.modelBytes.buffer);
    msg.init = await this._initMessage();
    await this._start();
    const worker = this._worker;
    // Node: keep the process alive while a training is pending, not after.
    if (typeof worker.ref === 'function') worker.ref();
    return new Promise((resolve, reject) => {
      const onAbort = () => this.abort();
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      this._pending = {
        resolve, reject, onEpoch, info: null, site,
        cleanup: () => {
          if (signal) signal.removeEventListener('abort', onAbort);
          if (typeof worker.unref === 'function') worker.unref();
        },
      };
      this._post(msg, transfer);
    });
  }

  /** Ends training after the current epoch; train() then resolves normally. */
  stop() { if (this._worker) this._post({ protocol: PROTOCOL, version: PROTOCOL_VERSION, type: 'stop' }); }

  /** Ends training now; train() rejects with FastGRNNError 'Aborted'. */
  abort() { if (this._worker) this._post({ protocol: PROTOCOL, version: PROTOCOL_VERSION, type: 'abort' }); }

  /** Stops the worker. A pending train() rejects with 'Aborted'. */
  terminate() {
    const w = this._worker;
    this._worker = null;
    this._fail(new FastGRNNError('Aborted', 'the worker was terminated'));
    if (w) w.terminate();
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
