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

/**
 * Views of the shared buffer of a run with `dims`: { np (parameters),
 * maxBatch, row (floats per sample), sw (soft-target floats per sample),
 * maxChunks, dataRows }. An in-memory run (dataRows > 0) keeps its
 * dataset's features here once and hands out each batch as row indices; a
 * streaming run (dataRows 0) hands out the batch's rows.
 */
export class Layout {
  static bytes(d) {
    const x = d.dataRows > 0 ? 0 : d.maxBatch * d.row;
    return 4 * CTL_WORDS + 4 * d.np + 4 * d.maxBatch * (2 + d.sw) + 4 * x + 4 * d.maxChunks * (d.np + 1) +
      8 + 8 * d.maxChunks * 3 + 4 * d.dataRows * d.row;
  }

  constructor(buffer, d) {
    this.buffer = buffer;
    let at = 0;
    const f32 = (n) => { const v = new Float32Array(buffer, at, n); at += 4 * n; return v; };
    const i32 = (n) => { const v = new Int32Array(buffer, at, n); at += 4 * n; return v; };
    this.ctl = i32(CTL_WORDS);
    this.params = f32(d.np);
    this.rows = i32(d.maxBatch); // an in-memory batch: its samples' rows in data
    this.x = f32(d.dataRows > 0 ? 0 : d.maxBatch * d.row); // a streamed batch's rows
    this.y = f32(d.maxBatch);
    this.soft = f32(d.maxBatch * d.sw);
    this.grads = f32(d.maxChunks * d.np);
    this.owner = i32(d.maxChunks); // who computed each chunk (0: the coordinator)
    at = (at + 7) & ~7;
    this.stats = new Float64Array(buffer, at, d.maxChunks * 3);
    at += 8 * d.maxChunks * 3;
    this.data = f32(d.dataRows * d.row);
  }
}
