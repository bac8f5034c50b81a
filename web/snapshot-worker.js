// snapshot-worker.js - the worker side of the package's TrainingWorker
// protocol (see js/worker.js), plus model snapshots during training.
//
// The package's worker reports metrics per epoch but not the weights, and
// the demo redraws the 2-D decision boundary every few epochs. This entry is
// started by the package's own TrainingWorker (`new TrainingWorker({ url })`),
// speaks the same messages and adds `snapshot` (the model's safetensors
// bytes) to the metrics of every k-th epoch, k from the URL (?every=k).
//
// Import maps do not reach workers, so the package is imported by path.

import { init, FastGRNN, TrainingDataset, Trainer, FastGRNNError } from '../js/index.js';

const every = Math.max(1, Number(new URL(self.location.href).searchParams.get('every')) || 3);

let stopRequested = false;
let controller = null;
let busy = false;

function post(msg, transfer) { self.postMessage(msg, transfer || []); }

async function train(msg) {
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
        if ((m.epoch + 1) % every === 0) {
          const snapshot = model.save();
          post({ type: 'epoch', metrics: { ...m, snapshot } }, [snapshot.buffer]);
        } else {
          post({ type: 'epoch', metrics: m });
        }
        return stopRequested ? false : undefined;
      },
    });
    const bytes = model.save();
    post({ type: 'done', metrics, model: bytes, normalization: model.normalization }, [bytes.buffer]);
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
}

self.addEventListener('message', (ev) => {
  const msg = ev.data;
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'stop') stopRequested = true;
  else if (msg.type === 'abort') { if (controller) controller.abort(new Error('aborted by the main thread')); }
  else if (msg.type === 'train') train(msg);
});
