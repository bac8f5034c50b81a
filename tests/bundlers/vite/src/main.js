// Vite: the imports are all it takes (build and dev server).
import * as fastgrnn from 'fastgrnn-wasm';
import * as fastgrnnWorker from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run(fastgrnn, fastgrnnWorker);
