// Rollup: the imports, plus the two plugins and the worker entry in rollup.config.js.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport,
} from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run({ init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport }, { trainInWorker });
