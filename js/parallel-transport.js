// parallel-transport.js - how data-parallel workers can exchange data here.
import { isNode } from './loader.js';

/** Most workers one data-parallel run may use. */
export const MAX_WORKERS = 64;

/**
 * 'shared' when SharedArrayBuffer and Atomics can be used (Node; browsers
 * when the page is crossOriginIsolated), else 'message' (copies by
 * postMessage). Both give the same results.
 */
export function parallelTransport() {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'message';
  if (isNode) return 'shared';
  return globalThis.crossOriginIsolated === true ? 'shared' : 'message';
}
