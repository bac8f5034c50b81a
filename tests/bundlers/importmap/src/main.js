// No bundler: the import map in index.html maps the package names.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo,
} from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run({ init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo }, { trainInWorker });
