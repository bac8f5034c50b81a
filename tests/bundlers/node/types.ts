// TypeScript: both entry points resolve and type-check (tsc --noEmit with
// each tsconfig.*.json: moduleResolution node10, node16, bundler).
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, FastGRNNError,
} from 'fastgrnn-wasm';
import type { ModuleInfo, TrainingMetrics } from 'fastgrnn-wasm';
import { trainInWorker, TrainingWorker } from 'fastgrnn-wasm/worker';
import type { WorkerResult } from 'fastgrnn-wasm/worker';

export async function main(): Promise<number> {
  const info: ModuleInfo = await init();
  const { features, labels } = routingData(100, 1);
  const dataset = new TrainingDataset(features, labels, { inputDim: 5 });
  const model = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
  const metrics: TrainingMetrics[] = await new Trainer(model.config, { epochs: 2 }).train(model, dataset);
  const done: WorkerResult = await trainInWorker({ modelConfig: { inputDim: 5 }, features, labels });
  const worker = new TrainingWorker();
  worker.terminate();
  const loaded: FastGRNN = FastGRNN.load(done.model);
  if (!(metrics[0] instanceof Object)) throw new FastGRNNError('InvalidInput', 'no metrics');
  return loaded.numParams() + (info.simd ? 1 : 0);
}
