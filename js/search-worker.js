// search-worker.js - one worker of a hyperparameter search (js/search.js).
//
// js/search.js starts this file with
// `new Worker(new URL('./search-worker.js', import.meta.url), { type: 'module' })`
// (browsers) or as a worker_threads Worker (Node), so bundlers emit it with
// the package. It trains one trial at a time.
//
// Protocol (structured-cloned; every message carries protocol 'fastgrnn-search'):
//   main -> worker  { type: 'setup', init, data: { features, labels, softTargets?,
//                     inputDim, timesteps, outputDim, featureNames?, classNames?,
//                     labelName? }, validationSplit, splitSeed, normalize }
//                   { type: 'trial', index, rung, modelConfig, trainingConfig,
//                     prune, quantize }
//   worker -> main  { type: 'ready' }                         after setup
//                   { type: 'result', index, rung, valLoss, valAccuracy,
//                     sizeBytes, epochsRun, sparsity, model: Uint8Array }
//                   { type: 'failed', index, rung, code, message }
//                   { type: 'error', code, message }          setup failed
//
// The data is split once per worker with the search's seed (TrainingDataset#split,
// the same C split everywhere), so every trial is scored on the same held-out
// samples; the trainer's own validationSplit then works inside the training part.

import {
  init, FastGRNN, TrainingDataset, Trainer, FastGRNNError, evaluate,
} from './index.js';
import { serveInWorker, errorFields } from './worker-host.js';

export const SEARCH_PROTOCOL = 'fastgrnn-search';

function serveSearch(post, onMessage) {
  const send = (m, transfer) => post({ protocol: SEARCH_PROTOCOL, ...m }, transfer);
  let train = null, val = null, normalization = null;
  onMessage(async (msg) => {
    if (!msg || typeof msg !== 'object' || msg.protocol !== SEARCH_PROTOCOL) return;
    if (msg.type === 'setup') {
      try {
        await init(msg.init || {});
        const d = msg.data;
        const opts = { inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim };
        for (const k of ['featureNames', 'classNames', 'labelName']) {
          if (d[k] !== undefined && d[k] !== null) opts[k] = d[k];
        }
        const all = new TrainingDataset(d.features, d.labels, opts);
        if (d.softTargets) all.withSoftTargets(d.softTargets);
        [train, val] = all.split(msg.validationSplit, msg.splitSeed);
        all.dispose();
        if (msg.normalize) {
          normalization = train.normalize();
          val.applyNormalization(normalization.means, normalization.stds);
        }
        send({ type: 'ready' });
      } catch (e) {
        send({ type: 'error', ...errorFields(e) });
      }
      return;
    }
    if (msg.type !== 'trial') return;
    const { index, rung } = msg;
    let model = null, trainer = null;
    try {
      if (!train) throw new FastGRNNError('InvalidInput', 'search worker: trial before setup');
      model = new FastGRNN(msg.modelConfig);
      if (normalization) model.normalization = normalization;
      trainer = new Trainer(model.config, msg.trainingConfig);
      const history = await trainer.train(model, train);
      if (msg.prune !== undefined && msg.prune !== null && msg.prune > 0) model.prune(msg.prune);
      if (msg.quantize) model.quantize();
      const report = evaluate(model, val, { raw: false });
      const bytes = model.save();
      send({
        type: 'result', index, rung,
        valLoss: report.loss, valAccuracy: report.accuracy,
        sizeBytes: model.sizeBytes(), epochsRun: history.length, sparsity: model.sparsity(),
        model: bytes,
      }, [bytes.buffer]);
    } catch (e) {
      send({ type: 'failed', index, rung, ...errorFields(e) });
    } finally {
      if (trainer) trainer.dispose();
      if (model) model.dispose();
    }
  });
}

serveInWorker(serveSearch);
