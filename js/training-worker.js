// training-worker.js - the training side of fastgrnn-wasm/worker.
//
// js/worker.js starts this file as a module Web Worker (browsers, Deno) or a
// worker_threads Worker (Node, Bun) and talks to it with the messages below.
// It imports the package by a relative path, so a bundler that follows
// `new Worker(new URL('./training-worker.js', import.meta.url))` bundles it
// with the package and its .wasm assets.
//
// Protocol (structured-cloned messages; every message carries
// `protocol: 'fastgrnn-worker'` and `version: PROTOCOL_VERSION`):
//   main -> worker  { type: 'train', init: { wasm?, simd? }, modelConfig | modelBytes,
//                     trainingConfig, data: { features, labels, softTargets?,
//                     inputDim, timesteps, outputDim, featureNames?, classNames?,
//                     labelName? } | csv: { input, options }, normalize?,
//                     snapshotEvery? }
//                   { type: 'stop' }   end after the current epoch (normal end)
//                   { type: 'abort' }  end now, reject with 'Aborted'
//   worker -> main  { type: 'ready', simd }
//                   { type: 'epoch', metrics }
//                   { type: 'done', metrics, model: Uint8Array, normalization }
//                   { type: 'error', code, message, stack }

import {
  init, FastGRNN, TrainingDataset, Trainer, FastGRNNError,
} from './index.js';
import { serveInWorker } from './worker-host.js';

export const PROTOCOL = 'fastgrnn-worker';
export const PROTOCOL_VERSION = 2;

let initialized = null; // Promise of moduleInfo(): one module per worker

function datasetOptions(data) {
  const opts = { inputDim: data.inputDim, timesteps: data.timesteps, outputDim: data.outputDim };
  // Names travel only when the data has them (the card takes them over).
  for (const k of ['featureNames', 'classNames', 'labelName']) {
    if (data[k] !== undefined && data[k] !== null) opts[k] = data[k];
  }
  return opts;
}

async function makeDataset(msg) {
  if (msg.csv) {
    return TrainingDataset.fromCSV(msg.csv.input, msg.csv.options || {});
  }
  const data = msg.data;
  const ds = new TrainingDataset(data.features, data.labels, datasetOptions(data));
  if (data.softTargets) ds.withSoftTargets(data.softTargets);
  return ds;
}

function serveTraining(post, onMessage) {
  const send = (m, transfer) => post({ protocol: PROTOCOL, version: PROTOCOL_VERSION, ...m }, transfer);
  let stopRequested = false;
  let controller = null;
  let busy = false;
  onMessage(async (msg) => {
    if (!msg || typeof msg !== 'object' || msg.protocol !== PROTOCOL) return;
    if (msg.version !== PROTOCOL_VERSION) {
      send({
        type: 'error', code: 'InvalidInput',
        message: `worker protocol version ${String(msg.version)} is not the worker's ${PROTOCOL_VERSION}: ` +
          'fastgrnn-wasm/worker and its training worker come from different versions of the package',
      });
      return;
    }
    if (msg.type === 'stop') { stopRequested = true; return; }
    if (msg.type === 'abort') {
      if (controller) controller.abort(new Error('aborted by the main thread'));
      return;
    }
    if (msg.type !== 'train') return;
    if (busy) {
      send({ type: 'error', code: 'InvalidInput', message: 'this worker is already training' });
      return;
    }
    busy = true;
    stopRequested = false;
    controller = new AbortController();
    let model = null, dataset = null, trainer = null;
    try {
      if (!initialized) {
        initialized = init(msg.init || {});
        initialized.catch(() => { initialized = null; });
      }
      const info = await initialized;
      send({ type: 'ready', simd: info.simd });
      dataset = await makeDataset(msg);
      if (msg.modelBytes) {
        model = FastGRNN.load(msg.modelBytes);
      } else {
        // A new model takes its dimensions from the data unless configured
        // (the main side fills them in, except for CSV read here).
        const cfg = { ...(msg.modelConfig || {}) };
        if (cfg.inputDim === undefined) cfg.inputDim = dataset.inputDim;
        if (cfg.outputDim === undefined) cfg.outputDim = dataset.outputDim;
        model = new FastGRNN(cfg);
      }
      if (msg.normalize) model.normalization = dataset.normalize();
      trainer = new Trainer(model.config, msg.trainingConfig || {});
      const metrics = await trainer.train(model, dataset, {
        signal: controller.signal,
        onEpoch: (m) => {
          const k = msg.snapshotEvery;
          if (k > 0 && (m.epoch + 1) % k === 0) {
            const snapshot = model.save();
            send({ type: 'epoch', metrics: { ...m, snapshot } }, [snapshot.buffer]);
          } else {
            send({ type: 'epoch', metrics: m });
          }
          return stopRequested ? false : undefined;
        },
      });
      const bytes = model.save();
      send({ type: 'done', metrics, model: bytes, normalization: model.normalization },
        [bytes.buffer]);
    } catch (e) {
      const known = e instanceof FastGRNNError;
      send({
        type: 'error',
        code: known ? e.code : 'InvalidInput',
        message: known ? e.message : `${e && e.name ? e.name : 'Error'}: ${e && e.message ? e.message : String(e)}`,
        stack: e && e.stack ? String(e.stack) : '',
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

serveInWorker(serveTraining);
