#!/usr/bin/env node
// bench/real.js - FastGRNN on real data: Fashion-MNIST (see BENCHMARKS.md,
// "Fashion-MNIST").
//
//   npm run bench:real                      the full run (about 25 minutes on 2 busy cores)
//   npm run bench:real -- --smoke           seconds: a few hundred samples, every model
//   node bench/real.js [--epochs E] [--tf-samples N] [--pixel-samples N] [--pixel-epochs E]
//                      [--json FILE] [--markdown FILE] [--update-doc] [--data DIR]
//   --update-doc replaces the measured blocks of BENCHMARKS.md and README.md.
//
// Data: Debian's dataset-fashion-mnist (IDX files under
// /usr/share/datasets/fashion-mnist, installed with apt-get when missing):
// 60,000 training and 10,000 test images of 28x28 pixels, 10 classes. Each
// image is a sequence of 28 steps of 28 pixels (one row per step), pixels
// scaled to [0, 1] and z-scored per column with the training statistics.
// Every model trains on the training set (no validation split, no early
// stopping, all epochs run) and is scored on the official test set.
//
// Models (each in its own child process, so its time and memory are its own):
//   FastGRNN dense, low-rank (W and U of rank H/4), IHT-sparse (sparse
//   training, half of W and U kept), and the dense model quantized to int8
//   after training; H 32 and H 64. Adam, batch 64, learning rate 0.005 halved
//   after half of the epochs, gradient clipping 5.
//   TF.js (wasm backend) GRU and LSTM with about as many parameters as the
//   dense H 64 FastGRNN, same epochs, batch and learning rate, on the first
//   --tf-samples training images (TF.js is slow; the table says so), and a
//   dense H 64 FastGRNN trained on the same subset for a like-for-like row.
//   Pixel sequences (the FastGRNN paper's Pixel-MNIST, on Fashion-MNIST):
//   784 steps of 1 pixel, H 32, nu initialised at -4 (sigmoid 0.018), on the first --pixel-samples training images
//   and the first 1,000 test images: a stress run of long backpropagation
//   through time (time, peak memory, accuracy after the epochs run).
//
// Exit status 77 (and a message) when the data set is missing and cannot be
// installed; tests/js/bench-real-smoke.test.js skips on it.

import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIDX } from './idx.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const DEFAULT_DATA = '/usr/share/datasets/fashion-mnist';
const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz',
};
export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
  'Sneaker', 'Bag', 'Ankle boot'];
const EXIT_NO_DATA = 77;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = {
    smoke: false, epochs: null, tfSamples: null, pixelSamples: null, pixelEpochs: null,
    json: null, markdown: null, updateDoc: false, data: DEFAULT_DATA, job: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const v = Number(val());
      if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${a} must be an integer >= 1`);
      return v;
    };
    if (a === '--smoke') o.smoke = true;
    else if (a === '--epochs') o.epochs = int();
    else if (a === '--tf-samples') o.tfSamples = int();
    else if (a === '--pixel-samples') o.pixelSamples = int();
    else if (a === '--pixel-epochs') o.pixelEpochs = int();
    else if (a === '--json') o.json = val();
    else if (a === '--markdown') o.markdown = val();
    else if (a === '--update-doc') o.updateDoc = true;
    else if (a === '--data') o.data = val();
    else if (a === '--job') o.job = JSON.parse(val());
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(SELF, 'utf8').split('\n').slice(1, 10).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  const full = { epochs: 10, tfSamples: 12000, pixelSamples: 10000, pixelEpochs: 5, trainSamples: 60000, testSamples: 10000 };
  const smoke = { epochs: 1, tfSamples: 200, pixelSamples: 64, pixelEpochs: 1, trainSamples: 300, testSamples: 200 };
  const d = o.smoke ? smoke : full;
  o.epochs ??= d.epochs;
  o.tfSamples ??= d.tfSamples;
  o.pixelSamples ??= d.pixelSamples;
  o.pixelEpochs ??= d.pixelEpochs;
  o.trainSamples = d.trainSamples;
  o.testSamples = d.testSamples;
  return o;
}

// ------------------------------------------------------------------ data

/** Installs dataset-fashion-mnist with apt-get when its files are missing. */
function ensureData(dir) {
  const have = () => Object.values(FILES).every((f) => existsSync(path.join(dir, f)));
  if (have()) return null;
  if (dir !== DEFAULT_DATA) return `Fashion-MNIST IDX files not found in ${dir}`;
  console.error('bench/real: installing the Debian package dataset-fashion-mnist (about 30 MB)');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const cmd = root ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync(cmd[0], [...cmd.slice(1), 'install', '-y', '-qq', 'dataset-fashion-mnist'], { stdio: 'inherit', env });
  if (!have() && r.status !== 0) {
    // The package lists may be stale: update once and retry.
    spawnSync(cmd[0], [...cmd.slice(1), 'update', '-qq'], { stdio: 'inherit', env });
    r = spawnSync(cmd[0], [...cmd.slice(1), 'install', '-y', '-qq', 'dataset-fashion-mnist'], { stdio: 'inherit', env });
  }
  if (have()) return null;
  return `the Debian package dataset-fashion-mnist is not installed and could not be installed (${r.error ? r.error.message : `apt-get exit status ${r.status}`})`;
}

/**
 * { images: Uint8Array [n*784], labels: Uint8Array [n], n } of one split,
 * the first `limit` samples.
 */
function loadSplit(dir, which, limit) {
  const img = readIDX(path.join(dir, FILES[`${which}Images`]));
  const lab = readIDX(path.join(dir, FILES[`${which}Labels`]));
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new Error(`${which} images: expected [n, 28, 28], got [${img.dims.join(', ')}]`);
  }
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new Error(`${which} labels: expected [${img.dims[0]}], got [${lab.dims.join(', ')}]`);
  }
  const n = Math.min(limit, img.dims[0]);
  return { images: img.data.subarray(0, n * 784), labels: lab.data.subarray(0, n), n };
}

/** Pixels / 255 as Float32Array, labels as Float32Array class indices. */
function toFloat({ images, labels }) {
  const x = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) x[i] = images[i] / 255;
  return { x, y: Float32Array.from(labels) };
}

// ------------------------------------------------------------------ jobs (child processes)

function rssMiB() {
  // maxRSS is in KiB: the process's peak resident set so far.
  return process.resourceUsage().maxRSS / 1024;
}

function progress(msg) {
  process.stderr.write(`  ${msg}\n`);
}

/** A FastGRNN job: trains one configuration, returns its rows (and int8 for dense). */
async function fastgrnnJob(job, o) {
  const lib = await import('../js/index.js');
  await lib.init();
  const T = job.pixel ? 784 : 28;
  const D = job.pixel ? 1 : 28;
  const train = toFloat(loadSplit(o.data, 'train', job.trainSamples));
  const test = toFloat(loadSplit(o.data, 'test', job.testSamples));
  const ds = new lib.TrainingDataset(train.x, train.y, { inputDim: D, timesteps: T, outputDim: 10 });
  const { means, stds } = ds.normalize();
  const tds = new lib.TrainingDataset(test.x, test.y, { inputDim: D, timesteps: T, outputDim: 10 });
  tds.applyNormalization(means, stds);
  const n = ds.len();
  train.x = null;
  test.x = null;
  const memBefore = lib.moduleInfo().memoryBytes;

  const H = job.H;
  const model = new lib.FastGRNN({
    inputDim: D, hiddenDim: H, outputDim: 10, rank: null, seed: 42,
    ...(job.kind === 'lowrank' ? { rank: H / 4 } : {}),
    // 784 steps: with the default nu (sigmoid(1)) the hidden state grows
    // without bound along the sequence (loss ~190 after an epoch); the
    // FastGRNN paper's small nu (sigmoid(-4)) keeps it bounded.
    ...(job.pixel ? { nu: -4 } : {}),
  });
  const trainer = new lib.Trainer(model.config, {
    epochs: job.epochs, batchSize: 64, learningRate: 0.005, lrDecay: 0.5,
    lrDecayStep: Math.max(1, Math.ceil(job.epochs / 2)), gradClip: 5, l2Reg: 0,
    validationSplit: 0, earlyStoppingPatience: null, restoreBestWeights: false, shuffle: true, seed: 42,
    ...(job.kind === 'iht' ? { sparsityW: 0.5, sparsityU: 0.5 } : {}),
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await trainer.train(model, ds, {
    sliceMs: 200,
    onEpoch: (m) => progress(`${job.label}: epoch ${m.epoch + 1}/${job.epochs} train loss ${m.trainLoss.toFixed(4)} ` +
      `acc ${(m.trainAccuracy * 100).toFixed(2)} % (${((performance.now() - t0) / 1000).toFixed(1)} s)`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const row = (name, m) => {
    const { accuracy } = trainer.evaluate(m, tds);
    return {
      model: name, H, params: m.numParams(), sizeBytes: m.sizeBytes(), fileBytes: m.save().length,
      sparsity: m.sparsity(), trainSamples: n, testSamples: tds.len(), epochs: job.epochs,
      seconds, cpuSeconds, samplesPerSecond: (n * job.epochs) / seconds, accuracy, subset: !!job.subset,
    };
  };
  const rows = [row(job.label, model)];
  if (job.kind === 'dense' && !job.pixel && !job.subset) {
    const q = model.clone();
    q.quantize();
    rows.push({ ...row(`FastGRNN int8 (dense, quantized after training)`, q), derived: true });
    q.dispose();
  }
  const memAfter = lib.moduleInfo().memoryBytes;
  for (const r of rows) {
    r.wasmMemoryMiB = memAfter / 2 ** 20;
    r.wasmGrowthInTrainMiB = (memAfter - memBefore) / 2 ** 20;
    r.peakRssMiB = rssMiB();
    r.dataMiB = ((n + tds.len()) * T * D * 4) / 2 ** 20;
  }
  return rows;
}

/** Units of a GRU/LSTM (28 inputs, 10-way softmax head) with about `target` parameters. */
function matchUnits(kind, target) {
  const gates = kind === 'gru' ? 3 : 4;
  let best = 1, bestDiff = Infinity;
  for (let u = 1; u <= 512; u++) {
    const p = gates * (u * 28 + u * u + u) + u * 10 + 10;
    if (Math.abs(p - target) < bestDiff) { best = u; bestDiff = Math.abs(p - target); }
  }
  return best;
}

/** A TF.js GRU or LSTM job. */
async function tfJob(job, o) {
  const { loadTf } = await import('./tf_fastgrnn.js');
  const tf = await loadTf('wasm');
  tf.setSeed?.(42);
  const train = toFloat(loadSplit(o.data, 'train', job.trainSamples));
  const test = toFloat(loadSplit(o.data, 'test', job.testSamples));
  // The same per-column z-score as the FastGRNN runs (statistics of this subset).
  const means = new Float64Array(28), sq = new Float64Array(28);
  for (let i = 0; i < train.x.length; i++) { means[i % 28] += train.x[i]; sq[i % 28] += train.x[i] ** 2; }
  const rows = train.x.length / 28;
  const mu = Float32Array.from(means, (s) => s / rows);
  const sd = Float32Array.from(sq, (s, j) => Math.sqrt(Math.max(s / rows - mu[j] ** 2, 0)) || 1);
  for (const a of [train.x, test.x]) for (let i = 0; i < a.length; i++) a[i] = (a[i] - mu[i % 28]) / sd[i % 28];
  const units = matchUnits(job.kind, job.targetParams);
  const init = { kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 43 }) };
  const model = tf.sequential();
  const layer = job.kind === 'gru' ? tf.layers.gru : tf.layers.lstm;
  model.add(layer({ units, inputShape: [28, 28], ...init }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 44 }) }));
  model.compile({ optimizer: tf.train.adam(0.005), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor3d(train.x, [train.y.length, 28, 28]);
  const ys = tf.tensor1d(train.y, 'float32');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await model.fit(xs, ys, {
    epochs: job.epochs, batchSize: 64, shuffle: true, verbose: 0,
    callbacks: {
      onEpochEnd: (e, logs) => {
        progress(`${job.label}: epoch ${e + 1}/${job.epochs} train loss ${logs.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        // Halve the learning rate after half of the epochs, like the FastGRNN runs.
        if (e + 1 === Math.max(1, Math.ceil(job.epochs / 2))) model.optimizer.learningRate = 0.0025;
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const tx = tf.tensor3d(test.x, [test.y.length, 28, 28]);
  const pred = tf.tidy(() => model.predict(tx, { batchSize: 256 }).argMax(-1));
  const p = await pred.data();
  let correct = 0;
  for (let i = 0; i < p.length; i++) correct += p[i] === test.y[i] ? 1 : 0;
  const params = model.countParams();
  return [{
    model: `${job.label} (TF.js wasm, ${units} units)`, H: units, params, sizeBytes: params * 4, fileBytes: null,
    sparsity: 0, trainSamples: train.y.length, testSamples: test.y.length, epochs: job.epochs, seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    samplesPerSecond: (train.y.length * job.epochs) / seconds, accuracy: correct / p.length, peakRssMiB: rssMiB(),
    subset: true,
  }];
}

async function runJobInProcess(job, o) {
  return job.system === 'tf' ? tfJob(job, o) : fastgrnnJob(job, o);
}

/** Runs a job in a child process; resolves to its rows (or an error row). */
function runJobChild(job, o) {
  return new Promise((resolve) => {
    const args = ['--job', JSON.stringify(job), '--data', o.data];
    const child = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
    let rows = null;
    child.on('message', (m) => { rows = m; });
    child.on('exit', (code, signal) => {
      if (rows && !rows.error) resolve(rows);
      else resolve([{ model: job.label, H: job.H, error: rows && rows.error ? rows.error : `exit ${code ?? signal}` }]);
    });
  });
}

// ------------------------------------------------------------------ report

const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const fmtRate = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} k` : v.toFixed(0));

function machine() {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' / ');
  return `${cpus.length} cores (${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'}), Node ${process.version}, load average (1/5/15 min) ${load}`;
}

function markdown(record, o) {
  const { rows, pixel } = record;
  const cmd = o.smoke ? 'npm run bench:real -- --smoke' : 'npm run bench:real';
  const lines = [];
  lines.push(`Measured ${record.date} by \`${cmd}\`${o.smoke ? ' (smoke: tiny subsets, numbers mean nothing)' : ''}` +
    ` (${o.epochs} epochs for every model; ${record.seconds.toFixed(0)} s in all). ${record.machine}.`);
  lines.push('');
  lines.push('| model | H / units | parameters | model bytes | training samples | training time (s) | CPU time (s) | samples/s | test accuracy |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.model} | ${r.H} | - | - | - | - | - | - | failed: ${r.error} |`);
      continue;
    }
    const bytes = r.fileBytes ? `${r.sizeBytes} (file ${r.fileBytes})` : `${r.sizeBytes} (f32)`;
    const time = r.derived ? `(dense) ${fmt(r.seconds, 1)}` : fmt(r.seconds, 1);
    const cpuTime = r.derived ? '-' : fmt(r.cpuSeconds, 1);
    const rate = r.derived ? '-' : fmtRate(r.samplesPerSecond);
    const samples = r.subset ? `${r.trainSamples} (subset)` : `${r.trainSamples}`;
    lines.push(`| ${r.model}${r.sparsity > 0 ? ` (${((1 - r.sparsity) * 100).toFixed(0)} % of W, U kept)` : ''} | ${r.H} | ${r.params} | ${bytes} | ` +
      `${samples} | ${time} | ${cpuTime} | ${rate} | **${fmt(r.accuracy * 100)} %** |`);
  }
  lines.push('');
  if (pixel) {
    if (pixel.error) {
      lines.push(`Pixel sequences (784 x 1): failed: ${pixel.error}`);
    } else {
      lines.push(`Pixel sequences (784 steps of 1 pixel, FastGRNN H ${pixel.H}, dense): ${pixel.trainSamples} training images, ` +
        `${pixel.epochs} epoch${pixel.epochs > 1 ? 's' : ''}, ${fmt(pixel.seconds, 1)} s (${fmtRate(pixel.samplesPerSecond)} samples/s); ` +
        `test accuracy ${fmt(pixel.accuracy * 100)} % on the first ${pixel.testSamples} test images; ` +
        `wasm memory ${fmt(pixel.wasmMemoryMiB, 1)} MiB after training (data ${fmt(pixel.dataMiB, 1)} MiB, ` +
        `train() grew it by ${fmt(pixel.wasmGrowthInTrainMiB, 1)} MiB), process peak RSS ${fmt(pixel.peakRssMiB, 0)} MiB.`);
    }
  }
  return lines.join('\n');
}

function replaceBlock(file, begin, end, body) {
  const p = path.join(ROOT, file);
  const text = readFileSync(p, 'utf8');
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file}: markers ${begin} / ${end} not found`);
  writeFileSync(p, text.slice(0, i + begin.length) + '\n' + body + '\n' + text.slice(j));
}

// ------------------------------------------------------------------ main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.job) {
    try {
      process.send(await runJobInProcess(o.job, o));
    } catch (e) {
      process.send({ error: e && e.message ? e.message : String(e) });
    }
    return;
  }
  const missing = ensureData(o.data);
  if (missing) {
    console.error(`bench/real: SKIPPED: ${missing}`);
    process.exit(EXIT_NO_DATA);
  }
  const start = performance.now();
  const common = { epochs: o.epochs, trainSamples: o.trainSamples, testSamples: o.testSamples };
  const jobs = [];
  for (const H of [32, 64]) {
    jobs.push({ ...common, system: 'fastgrnn', kind: 'dense', H, label: 'FastGRNN dense' });
    jobs.push({ ...common, system: 'fastgrnn', kind: 'lowrank', H, label: `FastGRNN low-rank (rank ${H / 4})` });
    jobs.push({ ...common, system: 'fastgrnn', kind: 'iht', H, label: 'FastGRNN IHT-sparse' });
  }
  const rows = [];
  for (const job of jobs) {
    console.error(`bench/real: ${job.label}, H ${job.H}`);
    rows.push(...await runJobChild(job, o));
  }
  const h64 = rows.find((r) => r.model === 'FastGRNN dense' && r.H === 64 && !r.error);
  const target = h64 ? h64.params : 6700;
  for (const kind of ['gru', 'lstm']) {
    const job = { ...common, trainSamples: Math.min(o.tfSamples, o.trainSamples), system: 'tf', kind,
      targetParams: target, label: kind.toUpperCase() };
    console.error(`bench/real: TF.js ${job.label} on ${job.trainSamples} training images`);
    rows.push(...await runJobChild(job, o));
  }
  // FastGRNN on the very images TF.js trained on, for a like-for-like accuracy.
  if (o.tfSamples < o.trainSamples) {
    const job = { ...common, trainSamples: o.tfSamples, system: 'fastgrnn', kind: 'dense', H: 64, subset: true,
      label: 'FastGRNN dense, TF.js subset' };
    console.error(`bench/real: ${job.label}, H 64, ${job.trainSamples} training images`);
    rows.push(...await runJobChild(job, o));
  }
  console.error(`bench/real: pixel sequences (784 x 1), ${o.pixelSamples} images, ${o.pixelEpochs} epochs`);
  const [pixel] = await runJobChild({
    system: 'fastgrnn', kind: 'dense', H: 32, pixel: true, label: 'FastGRNN dense, pixel sequences',
    epochs: o.pixelEpochs, trainSamples: o.pixelSamples, testSamples: Math.min(1000, o.testSamples),
  }, o);
  const record = {
    smoke: o.smoke, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: machine(), options: { epochs: o.epochs, tfSamples: o.tfSamples, pixelSamples: o.pixelSamples, pixelEpochs: o.pixelEpochs },
    seconds: (performance.now() - start) / 1000, rows, pixel,
  };
  const md = markdown(record, o);
  console.log(md);
  const out = path.join(ROOT, 'build', 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(o.json || path.join(out, o.smoke ? 'real-smoke.json' : 'real.json'), JSON.stringify(record, null, 2));
  writeFileSync(o.markdown || path.join(out, o.smoke ? 'real-smoke.md' : 'real.md'), md + '\n');
  if (o.updateDoc) {
    if (o.smoke) throw new Error('--update-doc takes a full run, not --smoke');
    replaceBlock('BENCHMARKS.md', '<!-- real:begin -->', '<!-- real:end -->', md);
    replaceBlock('README.md', '<!-- real:begin -->', '<!-- real:end -->', md);
  }
  if (rows.some((r) => r.error) || (pixel && pixel.error)) process.exit(1);
}

main().catch((e) => {
  console.error(`bench/real: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
