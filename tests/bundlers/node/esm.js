// Node, ES module: both entry points, training on the main thread and in a
// worker_threads worker; prints the outcome as JSON.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData,
} from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';

const TRAINING = { epochs: 8, learningRate: 0.01, batchSize: 32, validationSplit: 0.2 };
const { features, labels } = routingData(600, 3);
const info = await init();
const dataset = new TrainingDataset(features, labels, { inputDim: 5 });
dataset.normalize();
const model = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
const trainer = new Trainer(model.config, TRAINING);
const main = await trainer.train(model, dataset);
const worker = await trainInWorker({
  modelConfig: { inputDim: 5, hiddenDim: 8 }, trainingConfig: TRAINING, features, labels, normalize: true,
});
const reloaded = FastGRNN.load(worker.model);
console.log(JSON.stringify({
  simd: info.simd,
  main: main.map((m) => ({ trainLoss: m.trainLoss, valAccuracy: m.valAccuracy })),
  worker: worker.metrics.map((m) => ({ trainLoss: m.trainLoss, valAccuracy: m.valAccuracy })),
  workerParams: reloaded.numParams(),
}));
