// worker-host.js - what the package's workers and worker pools share: Node's
// worker_threads module, the start of a worker script in whichever kind of
// worker runs it, and the form errors cross the boundary in (a worker_threads worker in Node, a module Web Worker in
// browsers, Deno and Bun).

import { FastGRNNError } from './errors.js';

// A variable, not a literal: browser bundlers must not try to resolve it.
const WORKER_THREADS = 'node:worker_threads';

/** Node's worker_threads module (a promise). */
export function workerThreads() {
  return typeof process.getBuiltinModule === 'function'
    ? Promise.resolve(process.getBuiltinModule(WORKER_THREADS))
    : import(/* webpackIgnore: true */ /* @vite-ignore */ WORKER_THREADS);
}

/**
 * In a worker, calls serve(post, onMessage) with the worker's port:
 * post(message, transfer) answers the thread that started it, and
 * onMessage(fn) gives fn every message it receives. Elsewhere (a main
 * thread), does nothing.
 */
export function serveInWorker(serve) {
  const isNodeProcess = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;
  const nodeThreads = isNodeProcess && typeof process.getBuiltinModule === 'function'
    ? process.getBuiltinModule(WORKER_THREADS) : null;
  const servePort = (port) => serve((m, transfer) => port.postMessage(m, transfer), (fn) => port.on('message', fn));
  if (nodeThreads && !nodeThreads.isMainThread && nodeThreads.parentPort) {
    servePort(nodeThreads.parentPort);
  } else if (isNodeProcess && typeof process.getBuiltinModule !== 'function' && typeof WorkerGlobalScope === 'undefined') {
    // no getBuiltinModule (some runtimes): load worker_threads asynchronously
    // (messages queue on the port until a listener is added)
    workerThreads().then((wt) => {
      if (!wt.isMainThread && wt.parentPort) servePort(wt.parentPort);
    });
  } else if (typeof self !== 'undefined' && typeof self.postMessage === 'function' &&
    typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
    serve((m, transfer) => self.postMessage(m, transfer), (fn) => self.addEventListener('message', (ev) => fn(ev.data)));
  }
}

/** What a worker posts for an error: a FastGRNNError's code and message; any other error as InvalidInput. */
export function errorFields(e) {
  const known = e instanceof FastGRNNError;
  return {
    code: known ? e.code : 'InvalidInput',
    message: known ? e.message : `${e && e.name ? e.name : 'Error'}: ${e && e.message ? e.message : String(e)}`,
  };
}
