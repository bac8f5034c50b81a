// No bundler: the import map in index.html maps the package names.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport,
} from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run({ init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport }, { trainInWorker });
