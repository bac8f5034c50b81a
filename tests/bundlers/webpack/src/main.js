// webpack 5: the imports are all it takes.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport,
} from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run({ init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport }, { trainInWorker });
