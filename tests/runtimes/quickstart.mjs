// quickstart.mjs - the README's quick start, worker example and data-parallel
// training, run by scripts/node-matrix.mjs under Node, Deno and Bun from a
// folder whose node_modules/fastgrnn-wasm is this package. Exits non-zero on
// failure.
import { init, FastGRNN, TrainingDataset, Trainer, parallelTransport } from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { saveModel, loadModel, deleteModel } from 'fastgrnn-wasm/storage';

function check(cond, what) {
  if (!cond) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
}

const info = await init();
const n = 2000, features = [], labels = [];
let s = 7;
const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < n; i++) {
  const [sim, recency, popularity, success, complexity] = Array.from({ length: 5 }, rnd);
  features.push([sim, recency, popularity, success, complexity]);
  labels.push(0.4 * sim + 0.3 * success + 0.3 * (1 - complexity) > 0.6 ? 1 : 0);
}
const dataset = new TrainingDataset(features, labels);
const norm = dataset.normalize();
const model = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8 });
model.normalization = norm;
const trainer = new Trainer(model.config, { learningRate: 0.01, epochs: 20 });
const metrics = await trainer.train(model, dataset);
check(metrics.length >= 1 && metrics.at(-1).valAccuracy > 0.9, `main-thread validation accuracy ${metrics.at(-1)?.valAccuracy}`);

const path = `quickstart-${Date.now()}.safetensors`;
await saveModel(model, path);
const again = await loadModel(path);
await deleteModel(path);
check(again.save().length === model.save().length && again.inputDim === 5, 'saveModel/loadModel by path');

const w = await trainInWorker({ features, labels, normalize: true, trainingConfig: { learningRate: 0.01, epochs: 5 } });
check(w.metrics.length === 5 && w.metrics.at(-1).valAccuracy > 0.9, `worker validation accuracy ${w.metrics.at(-1)?.valAccuracy}`);
check(FastGRNN.load(w.model).inputDim === 5, 'the worker model takes inputDim 5 from the rows');

let code = null;
try {
  await trainInWorker({ features, labels, modelConfig: { hiddenDim: 0 } });
} catch (e) {
  code = e.code;
}
check(code === 'InvalidInput', `a worker error crosses with its code (got ${code})`);

// data-parallel: 2 workers give the model of one thread, byte for byte
const parallel = [];
for (const options of [undefined, { workers: 2 }]) {
  const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8 });
  const t = new Trainer(m.config, { learningRate: 0.01, epochs: 3, batchSize: 64 });
  await t.train(m, dataset, options);
  parallel.push(m.save());
}
check(parallel[0].length === parallel[1].length && parallel[0].every((b, i) => b === parallel[1][i]),
  `2 workers (${parallelTransport()}) give the bytes of one thread`);

console.log(JSON.stringify({
  transport: parallelTransport(),
  simd: info.simd, epochs: metrics.length, valAccuracy: +metrics.at(-1).valAccuracy.toFixed(4),
  workerEpochs: w.metrics.length, workerSimd: w.simd, workerValAccuracy: +w.metrics.at(-1).valAccuracy.toFixed(4),
}));
