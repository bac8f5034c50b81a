// Output of the `fastgrnn` command: number formats, the per-epoch progress
// reporter, plain-text tables.

export const fmt = (v, d = 4) => (v === null || v === undefined ? '-' : v.toFixed(d));
export const fmtRate = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(0)}k` : v.toFixed(0));
export const fmtLr = (v) => (v >= 1e-3 ? String(Number(v.toPrecision(4))) : v.toExponential(2));
export const fmtSecs = (ms) => (ms < 60000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60000)}m${String(Math.round((ms % 60000) / 1000)).padStart(2, '0')}s`);
export function fmtBytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

/** Per-epoch reporting: a redrawn progress bar on a TTY, else one line per epoch. */
export class Reporter {
  /** trainSamples: per epoch, or a function giving the samples trained so far. */
  constructor(out, totalEpochs, trainSamples) {
    this.out = out;
    this.tty = Boolean(out.isTTY);
    this.total = totalEpochs;
    this.trainSamples = trainSamples;
    this.start = performance.now();
    this.last = this.start;
    this.metrics = null;
    this.rate = null;
    this.frame = 0;
    this.timer = null;
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 125);
      this.timer.unref();
      this.draw();
    }
  }

  epoch(m) {
    const t = performance.now();
    // Epochs can end several at a time (one step of the trainer runs many
    // batches), so the rate is over the whole run so far, not the last epoch.
    const done = typeof this.trainSamples === 'function' ? this.trainSamples() : this.trainSamples * (m.epoch + 1);
    this.rate = done / Math.max((t - this.start) / 1000, 1e-9);
    this.last = t;
    this.metrics = m;
    if (this.tty) {
      this.draw();
      return;
    }
    const w = String(this.total).length;
    this.out.write(
      `epoch ${String(m.epoch + 1).padStart(w)}/${this.total}` +
      `  train_loss ${fmt(m.trainLoss)}  train_acc ${fmt(m.trainAccuracy)}` +
      `  val_loss ${fmt(m.valLoss)}  val_acc ${fmt(m.valAccuracy)}` +
      `  lr ${fmtLr(m.learningRate)}  samples/s ${Math.round(this.rate)}\n`);
  }

  draw() {
    const m = this.metrics;
    const done = m ? m.epoch + 1 : 0;
    const cols = Math.max(40, (this.out.columns || 80) - 1);
    const spin = '|/-\\'[this.frame++ % 4];
    const head = `epoch ${String(done).padStart(String(this.total).length)}/${this.total} `;
    // Parts in order of importance; the least important go when the terminal is narrow.
    const parts = m
      ? [
        [0, `loss ${fmt(m.trainLoss)} acc ${fmt(m.trainAccuracy, 3)}`],
        [1, `val ${fmt(m.valLoss)} ${fmt(m.valAccuracy, 3)}`],
        [2, `lr ${fmtLr(m.learningRate)}`],
        [4, `${fmtRate(this.rate)} samples/s`],
        [3, `${fmtSecs(performance.now() - this.start)} ${spin}`],
      ]
      : [[2, `${fmtSecs(performance.now() - this.start)} ${spin}`]];
    const minBar = 10;
    let keep = parts;
    const width = (ps) => ps.reduce((w, [, t]) => w + t.length + 3, 0);
    for (let level = 4; level >= 0 && head.length + minBar + 2 + width(keep) > cols; level--) {
      keep = keep.filter(([p]) => p < level);
    }
    const tail = keep.length ? ' ' + keep.map(([, t]) => t).join(' | ') : '';
    const barWidth = Math.max(minBar, Math.min(30, cols - head.length - tail.length - 2));
    const fill = Math.round((done / this.total) * barWidth);
    let line = `${head}[${'#'.repeat(fill)}${'.'.repeat(barWidth - fill)}]${tail}`;
    if (line.length > cols) line = line.slice(0, cols);
    this.out.write(`\r${line}\x1b[K`);
  }

  finish() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) {
      this.draw();
      this.out.write('\n');
    }
  }
}

/** Rows of cells -> aligned text: the first column left-aligned, the others right-aligned. */
export function table(rows) {
  const w = [];
  for (const r of rows) r.forEach((c, j) => { w[j] = Math.max(w[j] || 0, String(c).length); });
  return rows.map((r) => r.map((c, j) => (j === 0 ? String(c).padEnd(w[j]) : String(c).padStart(w[j])))
    .join('  ').trimEnd()).join('\n') + '\n';
}
