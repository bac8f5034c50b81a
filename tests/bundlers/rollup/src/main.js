// Rollup: the imports, plus the two plugins and the worker entry in rollup.config.js.
import * as fastgrnn from 'fastgrnn-wasm';
import * as fastgrnnWorker from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run(fastgrnn, fastgrnnWorker);
