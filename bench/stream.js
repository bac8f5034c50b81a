#!/usr/bin/env node
// bench/stream.js - streaming training speed and memory (BENCHMARKS.md,
// "Streaming").
//
//   node bench/stream.js [--smoke] [--reps N] [--big GB] [--keep]
//   (default: 5 repetitions after one untimed warm-up run of each path;
//   medians)
//
//   S1  B1's work (N 100,000, T 1, D 5, H 16, batch 32, one pass) trained
//       in memory (Trainer.train on a TrainingDataset) and streamed from a
//       binary rows file (binarySource, shuffle buffer 10,000): samples/s.
//       Also the same with 1,000,000 samples, where the run's fixed costs
//       (opening the file, allocating the shuffle buffer) weigh less.
//   S2  a CSV of 1,000,000 rows of 6 numeric columns: rows/s of the reader
//       (readCSVRows) alone, and samples/s of streaming training from it.
//   S3  (--big GB, default 6.2 unless --smoke) one epoch over a binary file
//       of routing data larger than wasm32 memory, in a child process under
//       /usr/bin/time -v (peak resident memory), validated on 100,000 rows
//       of another seed; against in-memory training on a 1 % sample.
// Files go to build/bench/stream/ (removed afterwards unless --keep).

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../js/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'build', 'bench', 'stream');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const smoke = flag('--smoke');
const reps = Number(value('--reps', smoke ? 1 : 5));
const now = () => performance.now();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));

/** B1's data: normal features, label = [x . w > 0] for a fixed w. */
function b1Data(n) {
  const r = fg.seededRandom(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const w = Array.from({ length: 5 }, normal);
  const features = new Float32Array(n * 5), labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < 5; j++) { const v = normal(); features[i * 5 + j] = v; s += v * w[j]; }
    labels[i] = s > 0 ? 1 : 0;
  }
  return { features, labels };
}

function writeRows(file, features, labels, D, featureNames) {
  fs.writeFileSync(file, Buffer.concat([
    fg.encodeRowsHeader({ rows: labels.length, inputDim: D, featureNames }),
    fg.encodeRows(features, labels, D),
  ]));
}

const MODEL = { inputDim: 5, hiddenDim: 16, rank: null };
const PASS = { epochs: 1, batchSize: 32, validationSplit: 0, learningRate: 0.001, earlyStoppingPatience: null };

async function s1(n = smoke ? 10000 : 100000) {
  const { features, labels } = b1Data(n);
  const file = path.join(DIR, 'b1.fgrows');
  writeRows(file, features, labels, 5);
  const mem = [], str = [];
  // one untimed run of each first: both paths' JS is compiled before timing
  for (let r = -1; r < reps; r++) {
    for (const kind of r % 2 ? ['stream', 'memory'] : ['memory', 'stream']) {
      const model = new fg.FastGRNN(MODEL);
      const trainer = new fg.Trainer(model.config, PASS);
      let t;
      if (kind === 'memory') {
        const ds = new fg.TrainingDataset(features, labels, { inputDim: 5 });
        t = now();
        await trainer.train(model, ds, { sliceMs: 1000 });
        if (r >= 0) mem.push(n / ((now() - t) / 1000));
        ds.dispose();
      } else {
        const src = fg.binarySource(file);
        await src.info();
        t = now();
        await trainer.train(model, src, { sliceMs: 1000, holdout: 0 });
        if (r >= 0) str.push(n / ((now() - t) / 1000));
      }
      model.dispose();
      trainer.dispose();
    }
  }
  const m = median(mem), s = median(str);
  console.log(`S1 B1${n === 100000 ? '' : `'s work with ${n} samples`} one pass, ${n} samples: in memory ${fmt(m)} samples/s; streamed from a binary file ${fmt(s)} samples/s (${(100 * s / m).toFixed(0)} %)`);
  return { memory: m, stream: s, ratio: s / m, n };
}

async function s2() {
  const n = smoke ? 100000 : 1000000;
  const file = path.join(DIR, 'six.csv');
  const { features, labels } = fg.routingData(n, 3);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'similarity,recency,popularity,success_rate,complexity,label\n');
  let chunk = [];
  for (let i = 0; i < n; i++) {
    chunk.push(`${features[i * 5].toFixed(6)},${features[i * 5 + 1].toFixed(6)},${features[i * 5 + 2].toFixed(6)},${features[i * 5 + 3].toFixed(6)},${features[i * 5 + 4].toFixed(6)},${labels[i]}`);
    if (chunk.length === 10000) { fs.writeSync(fd, chunk.join('\n') + '\n'); chunk = []; }
  }
  if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
  fs.closeSync(fd);
  const bytes = fs.statSync(file).size;
  const parse = [], train = [];
  for (let r = 0; r < reps; r++) {
    let t = now(), rows = 0;
    for await (const b of fg.readCSVRows(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { batchSize: 4096 })) rows += b.n;
    parse.push(rows / ((now() - t) / 1000));
    const model = new fg.FastGRNN(MODEL);
    const trainer = new fg.Trainer(model.config, PASS);
    const src = fg.csvSource(file);
    await src.info(); // the label pass, not timed
    t = now();
    await trainer.train(model, src, { sliceMs: 1000, holdout: 0 });
    train.push(n / ((now() - t) / 1000));
    model.dispose();
    trainer.dispose();
  }
  const p = median(parse), t = median(train);
  console.log(`S2 CSV ${n} rows x 6 numeric columns (${(bytes / 1e6).toFixed(1)} MB): reader ${fmt(p)} rows/s (${(p * bytes / n / 1e6).toFixed(0)} MB/s); streaming training ${fmt(t)} samples/s`);
  return { rows: n, bytes, parseRowsPerSecond: p, trainSamplesPerSecond: t };
}

/** Child: one epoch streamed over FILE, validated on VAL; prints JSON. */
async function bigChild(file, val) {
  await fg.init();
  const model = new fg.FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8, seed: 1 });
  const src = fg.binarySource(file, { batchSize: 8192 });
  model.normalization = { means: [0.5, 0.5, 0.5, 0.5, 0.5], stds: [0.2887, 0.2887, 0.2887, 0.2887, 0.2887] };
  const trainer = new fg.Trainer(model.config, { epochs: 1, batchSize: 256, learningRate: 0.005, validationSplit: 0, earlyStoppingPatience: null });
  const t = now();
  const m = await trainer.train(model, src, { sliceMs: 1000, validation: fg.binarySource(val), shuffleBuffer: 10000 });
  const info = await src.info();
  process.stdout.write(JSON.stringify({ seconds: (now() - t) / 1000, rows: info.rows, valAccuracy: m[0].valAccuracy, wasmBytes: fg.moduleInfo().memoryBytes }) + '\n');
}

async function s3() {
  const gb = Number(value('--big', smoke ? 0.05 : 6.2));
  const rows = Math.floor(gb * 1e9 / 24);
  const file = path.join(DIR, 'big.fgrows');
  const val = path.join(DIR, 'val.fgrows');
  const per = 1000000;
  let t = now();
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, fg.encodeRowsHeader({ rows, inputDim: 5 }));
  for (let done = 0, k = 0; done < rows; done += per, k++) {
    const n = Math.min(per, rows - done);
    const { features, labels } = fg.routingData(n, 1000 + k);
    fs.writeSync(fd, fg.encodeRows(features, labels, 5));
  }
  fs.closeSync(fd);
  const v = fg.routingData(100000, 999);
  writeRows(val, v.features, v.labels, 5);
  const size = fs.statSync(file).size;
  console.log(`S3 wrote ${(size / 1e9).toFixed(2)} GB (${rows} rows) in ${((now() - t) / 1000).toFixed(0)} s`);
  const res = spawnSync('/usr/bin/time', ['-v', process.execPath, fileURLToPath(import.meta.url), '--big-child', file, val], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`big run failed: ${res.stderr.slice(-2000)}`);
  const out = JSON.parse(res.stdout.trim().split('\n').pop());
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)[1]) * 1024;
  // in memory on a 1 % sample of the same generator (the first chunks), one epoch
  const sampleRows = Math.max(10000, Math.floor(rows / 100));
  const parts = [];
  for (let done = 0, k = 0; done < sampleRows; done += per, k++) parts.push(fg.routingData(Math.min(per, sampleRows - done), 1000 + k));
  const feats = new Float32Array(sampleRows * 5), labs = new Float32Array(sampleRows);
  let at = 0;
  for (const p of parts) { feats.set(p.features, at * 5); labs.set(p.labels, at); at += p.labels.length; }
  const ds = new fg.TrainingDataset(feats, labs, { inputDim: 5 });
  const vds = new fg.TrainingDataset(v.features, v.labels, { inputDim: 5 });
  const model = new fg.FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8, seed: 1 });
  model.normalization = { means: [0.5, 0.5, 0.5, 0.5, 0.5], stds: [0.2887, 0.2887, 0.2887, 0.2887, 0.2887] };
  const trainer = new fg.Trainer(model.config, { epochs: 1, batchSize: 256, learningRate: 0.005, validationSplit: 0, earlyStoppingPatience: null });
  await trainer.train(model, ds, { sliceMs: 1000 });
  const memAcc = fg.evaluate(model, vds).accuracy;
  console.log(`S3 one epoch over ${(size / 1e9).toFixed(2)} GB: ${out.seconds.toFixed(0)} s (${fmt(out.rows / out.seconds)} samples/s), peak RSS ${(rss / 1e6).toFixed(0)} MB, wasm memory ${(out.wasmBytes / 1e6).toFixed(1)} MB, validation accuracy ${(100 * out.valAccuracy).toFixed(2)} %; in memory on a 1 % sample (${sampleRows} rows): ${(100 * memAcc).toFixed(2)} %`);
  if (!flag('--keep')) fs.rmSync(file);
  return { bytes: size, rows, seconds: out.seconds, peakRss: rss, wasmBytes: out.wasmBytes, streamValAccuracy: out.valAccuracy, sampleRows, memoryValAccuracy: memAcc };
}

if (args[0] === '--big-child') {
  await bigChild(args[1], args[2]);
} else {
  fs.mkdirSync(DIR, { recursive: true });
  await fg.init();
  const info = fg.moduleInfo();
  console.log(`node ${process.version}, ${info.simd ? 'SIMD128' : 'scalar'} module, ${smoke ? 'smoke' : `${reps} repetitions`}`);
  const out = { s1: await s1(), s1Large: smoke ? null : await s1(1000000), s2: await s2() };
  if (smoke || flag('--big')) out.s3 = await s3();
  fs.writeFileSync(path.join(DIR, 'results.json'), JSON.stringify(out, null, 2));
  if (!flag('--keep')) for (const f of ['b1.fgrows', 'six.csv']) fs.rmSync(path.join(DIR, f), { force: true });
  void execFileSync;
}
