// Node, CommonJS: require() of each entry point. Prints, per entry, either
// what require() gave (and, for the main entry, that it trains) or the
// error's code and message.
'use strict';

function attempt(name) {
  try {
    const ns = require(name);
    return { ok: true, exports: Object.keys(ns).sort() };
  } catch (e) {
    return { ok: false, code: e.code, message: e.message };
  }
}

const out = { main: attempt('fastgrnn-wasm'), worker: attempt('fastgrnn-wasm/worker') };

(async () => {
  if (out.main.ok) {
    const { init, FastGRNN, TrainingDataset, Trainer, routingData } = require('fastgrnn-wasm');
    await init();
    const { features, labels } = routingData(300, 3);
    const dataset = new TrainingDataset(features, labels, { inputDim: 5 });
    const model = new FastGRNN({ inputDim: 5 });
    const metrics = await new Trainer(model.config, { epochs: 3 }).train(model, dataset);
    out.main.trainLoss = metrics.map((m) => m.trainLoss);
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.log(JSON.stringify({ ...out, trainingError: String(e && e.stack) }));
});
