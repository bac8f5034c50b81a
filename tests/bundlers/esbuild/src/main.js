// esbuild does not follow new URL('…', import.meta.url): this app imports the
// entry with the wasm modules inside, and build.js bundles the training
// worker as a second entry point next to this one.
import {
  init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport,
} from 'fastgrnn-wasm/embedded';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run({ init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo, parallelTransport }, { trainInWorker });
