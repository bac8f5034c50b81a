// No bundler: the import map in index.html maps the package names.
import * as fastgrnn from 'fastgrnn-wasm';
import * as fastgrnnWorker from 'fastgrnn-wasm/worker';
import { run } from './app.js';

run(fastgrnn, fastgrnnWorker);
