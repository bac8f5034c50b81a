// parallel-layout.js - the shared memory of a data-parallel run: one
// SharedArrayBuffer holding the control words, the weights, the batch and
// every chunk's gradient and statistics (js/parallel.js, js/parallel-worker.js).

/** Indices of the Int32 control words. */
export const CTL = {
  GENERATION: 0, // bumped by the coordinator for each batch
  DONE: 1,       // workers finished with the current batch
  BATCH: 2,      // samples in the batch
  HAS_SOFT: 3,   // 1: the batch has soft targets
  STOP: 4,       // 1: workers leave their loop
  FAILED: 5,     // 1: a worker failed on the batch (its error is posted)
  NEXT: 6,       // the next chunk to claim (Atomics.add); past the last: none left
};
const CTL_WORDS = 8;

/** Views of the shared buffer for a model of np parameters. */
export class Layout {
  static bytes(np, maxBatch, row, sw, maxChunks) {
    return 4 * CTL_WORDS + 4 * np + 4 * maxBatch * (row + 1 + sw) + 4 * maxChunks * (np + 1) + 8 * maxChunks * 3 + 8;
  }

  constructor(buffer, np, maxBatch, row, sw, maxChunks) {
    this.buffer = buffer;
    let at = 0;
    const f32 = (n) => { const v = new Float32Array(buffer, at, n); at += 4 * n; return v; };
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    at = 4 * CTL_WORDS;
    this.params = f32(np);
    this.x = f32(maxBatch * row);
    this.y = f32(maxBatch);
    this.soft = f32(maxBatch * sw);
    this.grads = f32(maxChunks * np);
    this.owner = new Int32Array(buffer, at, maxChunks); // who computed each chunk (0: the coordinator)
    at += 4 * maxChunks;
    at = (at + 7) & ~7;
    this.stats = new Float64Array(buffer, at, maxChunks * 3);
  }
}
