// `fastgrnn train` on data streamed from a file (README "Streaming
// training"): the file is read in pieces every pass, never held whole.
//
// When: --stream, --checkpoint-dir or --resume given, a .jsonl / .fgrows
// file (only streaming readers exist for them), or a file larger than
// STREAM_THRESHOLD. The stages are train.js's, with a source in place of the
// dataset: load (source + one pass for the labels and one for the
// normalization statistics) -> train (shuffle buffer, hash hold-out,
// checkpoints) -> compress -> write -> report.

import fs from 'node:fs';
import * as fg from '../index.js';
import { usage, DataError } from './args.js';
import { sourceName } from './data.js';
import { Reporter, fmtRate, fmtSecs } from './report.js';

/** Files above this size stream even without --stream (bytes). */
export const STREAM_THRESHOLD = 256 * 1024 * 1024;

export const STREAM_FLAGS = [
  { name: 'stream', kind: 'bool', to: 'cli', def: false, group: 'Streaming (data larger than memory)',
    help: `read --data in pieces every epoch instead of loading it (automatic for .jsonl and .fgrows files and files over ${STREAM_THRESHOLD / 1024 / 1024} MiB); shuffling is by a buffer, validation by a hash hold-out of --validation-split` },
  { name: 'shuffle-buffer', kind: 'int', meta: 'N', to: 'cli', def: 10000, check: (v) => (v >= 0 && v <= 1 << 24 ? null : 'in [0, 16777216]'),
    help: 'samples in the seeded shuffle buffer of a stream' },
  { name: 'checkpoint-dir', kind: 'str', meta: 'DIR', to: 'cli', def: undefined,
    help: 'write the run\'s whole state to DIR/checkpoint.fgck (atomically) every --checkpoint-every batches and at every epoch\'s end' },
  { name: 'checkpoint-every', kind: 'int', meta: 'N', to: 'cli', def: 1000, check: (v) => (v >= 1 ? null : '>= 1'),
    help: 'batches between checkpoints' },
  { name: 'resume', kind: 'bool', to: 'cli', def: false,
    help: 'continue the run of --checkpoint-dir (same data and flags); ends with the same model as an uninterrupted run' },
];

/** Whether `fastgrnn train` streams --data. */
export function wantsStream(v) {
  const file = v('data');
  if (file === undefined) {
    if (v('stream') || v('resume') || v('checkpoint-dir') !== undefined) {
      usage('--stream, --checkpoint-dir and --resume need --data FILE');
    }
    return false;
  }
  if (v('resume') && v('checkpoint-dir') === undefined) usage('--resume needs --checkpoint-dir DIR (the folder of the run to continue)');
  if (v('stream') || v('resume') || v('checkpoint-dir') !== undefined) return true;
  if (/\.(jsonl|ndjson|fgrows)$/i.test(file)) return true;
  try {
    return fs.statSync(file).size > STREAM_THRESHOLD;
  } catch {
    return false; // the reader reports the missing file
  }
}

/** The source for --data by its extension, with the CSV flags. */
export function openSource(v, missingOverride, means) {
  const file = v('data');
  if (!fs.existsSync(file)) throw new DataError('IoError', `--data ${file}: no such file`);
  if (/\.fgrows$/i.test(file)) return fg.binarySource(file);
  if (/\.(jsonl|ndjson)$/i.test(file)) {
    const o = {};
    if (v('label') !== undefined) o.label = v('label');
    if (v('timesteps') !== 1) o.timesteps = v('timesteps');
    return fg.jsonlSource(file, o);
  }
  const o = { missing: missingOverride || v('missing'), timesteps: v('timesteps') };
  if (v('label') !== undefined) o.label = v('label');
  if (v('delimiter') !== undefined) o.delimiter = v('delimiter') === 'tab' ? '\t' : v('delimiter');
  if (v('ignore') !== undefined) o.ignore = v('ignore');
  if (means) o.means = means;
  return fg.csvSource(file, o);
}

/** A reader's error is the data's (exit status 2); the library's own are not. */
export async function dataStep(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof fg.FastGRNNError && e.code !== 'OutOfMemory' && e.code !== 'Diverged' && e.code !== 'Aborted') {
      throw new DataError(e.code, e.message, { cause: e });
    }
    throw e;
  }
}

/** A redrawn progress line on a terminal: rows read, rows/s, ETA over the run's rows. */
export class StreamProgress {
  constructor(err, epochs, rows, holdout, hasValidation) {
    this.err = err;
    this.tty = Boolean(err.isTTY);
    this.epochs = epochs;
    this.rows = rows;
    // rows read per epoch: the training pass, and the hold-out's second pass
    this.perEpoch = rows === null ? null : rows * (holdout > 0 && !hasValidation ? 2 : 1);
    this.start = performance.now();
    this.lastDraw = 0;
    this.read = 0;
  }

  update(p) {
    if (!this.tty) return;
    const t = performance.now();
    if (t - this.lastDraw < 200) return;
    this.lastDraw = t;
    const secs = (t - this.start) / 1000;
    const doneRows = this.perEpoch === null ? null : p.epoch * this.perEpoch + (p.phase === 'validate' ? this.rows : 0) + p.rows;
    const rate = p.rowsPerSecond || (doneRows ? doneRows / secs : 0);
    let eta = '';
    if (doneRows && this.perEpoch) {
      const left = this.epochs * this.perEpoch - doneRows;
      eta = ` ETA ${fmtSecs(1000 * left / Math.max(1, doneRows / secs))}`;
    }
    const of = this.rows === null ? '' : `/${this.rows}`;
    this.err.write(`\r\x1b[2K${p.phase} epoch ${p.epoch + 1}/${this.epochs}: ${p.rows}${of} rows, ${fmtRate(rate)} rows/s${eta}`);
  }

  finish() {
    if (this.tty) this.err.write('\r\x1b[2K');
  }
}

/**
 * `fastgrnn train --data FILE` streaming: the run, or its continuation with
 * --resume. Resolves to { model, trainer, norm, run, data } for the write
 * and report stages, or null when interrupted before the first epoch.
 */
export async function streamRun(v, configs, { out, err, ctrlC, prog }) {
  const file = v('data');
  const { modelConfig, trainingConfig } = configs;
  if (v('teacher') !== undefined) usage('--teacher needs the data in memory: leave out --stream / --checkpoint-dir (distillation from a stream takes soft targets in the batches: see the JS API)');
  if (v('missing') === 'mean' && /\.(jsonl|ndjson|fgrows)$/i.test(file)) usage('--missing applies to CSV files');
  // --missing mean on a stream: the means of a first pass (rows with a missing cell skipped)
  const statsSource = openSource(v, v('missing') === 'mean' ? 'skip' : undefined);
  const info = await dataStep(() => statsSource.info());
  const wanted = v('output-dim');
  if (wanted !== undefined && wanted !== info.outputDim) {
    usage(`--output-dim ${wanted} does not match the labels of ${file}, which give ${info.outputDim === 1 ? '1 output (binary)' : `${info.outputDim} classes`}`);
  }
  const trainer = new fg.Trainer({ ...modelConfig, inputDim: info.inputDim, outputDim: info.outputDim }, trainingConfig);
  let model = null;
  let source = statsSource;
  try {
    const tc = trainer.config;
    const dir = v('checkpoint-dir');
    const options = {
      shuffleBuffer: v('shuffle-buffer'),
      holdout: tc.validationSplit,
      ...(v('workers') > 0 ? { workers: v('workers') } : {}),
    };
    if (dir !== undefined) options.checkpoint = { dir, everyBatches: v('checkpoint-every'), everyEpochs: 1 };
    let norm = null;
    if (!v('resume')) {
      model = new fg.FastGRNN({ ...modelConfig, inputDim: info.inputDim, outputDim: info.outputDim });
      model.updateCard({ data: { source: sourceName(file) } });
      out.write(`data: ${file}, streamed (${info.rows === null ? '?' : info.rows} rows, ${info.inputDim} features x ${info.timesteps} timestep${info.timesteps > 1 ? 's' : ''}` +
        `${info.classNames ? `, classes ${info.classNames.join(', ')}` : ''}); shuffle buffer ${options.shuffleBuffer}, hash hold-out ${tc.validationSplit}\n`);
      norm = await dataStep(() => fg.sourceNormalization(statsSource));
      model.normalization = norm;
    } else {
      out.write(`data: ${file}, streamed; resuming the run in ${dir}\n`);
    }
    if (v('missing') === 'mean') source = openSource(v, 'mean', Array.from(norm ? norm.means : []));
    const sigint = ctrlC(trainer);
    // samples/s from the samples the trainer was given (the hold-out is C's rule)
    let trained = 0;
    const reporter = new Reporter(out, tc.epochs, () => trained);
    const progress = new StreamProgress(err, tc.epochs, info.rows, tc.validationSplit, false);
    const t0 = performance.now();
    const run = {
      ...options,
      onEpoch: (m) => { sigint.epochs++; progress.finish(); reporter.epoch(m); },
      onProgress: (p) => {
        if (p.phase === 'train') trained = p.trainedRows;
        progress.update(p);
      },
      signal: sigint.controller.signal,
    };
    try {
      if (v('resume')) {
        const r = await dataStep(() => trainer.resume(dir, source, run));
        model = r.model;
        norm = model.normalization;
      } else {
        await dataStep(() => trainer.train(model, source, run));
      }
    } catch (e) {
      progress.finish();
      reporter.finish();
      const cause = e instanceof DataError ? e.cause : e;
      if (cause instanceof fg.FastGRNNError && cause.code === 'Aborted' && sigint.controller.signal.aborted) {
        const n = trainer.metricsHistory().length;
        if (model) model.dispose();
        trainer.dispose();
        err.write(`${prog}: interrupted after ${n} epochs; nothing written${dir ? ` (the last checkpoint in ${dir} is intact: --resume continues)` : ''}\n`);
        return null;
      }
      throw e;
    } finally {
      sigint.done();
    }
    progress.finish();
    reporter.finish();
    const rowsPerSec = info.rows === null ? null : (info.rows * trainer.metricsHistory().length) / ((performance.now() - t0) / 1000);
    if (rowsPerSec !== null) out.write(`streamed ${fmtRate(rowsPerSec)} rows/s over ${trainer.metricsHistory().length} epochs\n`);
    return {
      model, trainer, norm: norm || model.normalization, info,
      run: { seconds: (performance.now() - t0) / 1000, interrupted: sigint.interrupted },
      dispose: () => { model.dispose(); trainer.dispose(); },
    };
  } catch (e) {
    if (model && !model.disposed) model.dispose();
    if (!trainer.disposed) trainer.dispose();
    throw e;
  }
}
