// bench/parallel.js - data-parallel training: throughput against workers,
// the per-batch synchronization cost, and the batch size from which
// workers pay off (BENCHMARKS.md, "Data-parallel training").
//
//   node bench/parallel.js [--reps N] [--workers 1,2,4] [--smoke] [--markdown PATH]
//
// Runs, each in this process with the SIMD module, time the second of two
// epochs (the steady state; the start-up, mostly starting the workers, is
// reported apart):
//   B2 (N 20,000, T 32, D 16, H 32, batch 64, no validation, as in
//      bench/run.js): no workers, then K workers for each K, shared memory;
//      2 workers also by messages. Samples/s (median of reps) and the
//      speed-up over 1 worker. Every run's model bytes are compared: they
//      must be equal (the run fails otherwise).
//   sync: a model so small that a batch costs almost nothing (T 1, D 1,
//      H 1, batch 16): (time per batch with 1 worker - without workers) is
//      the cost of handing a batch to the workers and collecting it.
//   B1-sized model (T 1, D 5, H 16) at batch 32 .. 16384: samples/s without
//      workers and with 2; the smallest batch where 2 workers are faster.
// Writes the tables to stdout and build/bench/parallel.md (or PATH).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { init, FastGRNN, TrainingDataset, Trainer, seededRandom } from '../js/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const smoke = args.includes('--smoke');
const reps = Number(opt('--reps', smoke ? 1 : 7));
const workerList = String(opt('--workers', smoke ? '1,2' : '1,2,4')).split(',').map(Number);

await init({ simd: true });

/** Random normal features; labels from a fixed random projection. */
function data(n, T, D, seed) {
  const r = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * T * D).map(normal);
  const w = new Float32Array(T * D).map(normal);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < T * D; k++) s += w[k] * x[i * T * D + k];
    y[i] = s > 0 ? 1 : 0;
  }
  return { x, y };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const sha = (b) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/**
 * `reps` runs of 2 epochs: the second epoch's time (the steady state: workers
 * started, memory grown) and the start-up (the first epoch's extra time over
 * the second: starting the workers and instantiating their modules).
 * Median seconds per epoch, median start-up, the model's hash.
 */
async function time(shape, options) {
  const { n, T, D, H, batch } = shape;
  const ds = new TrainingDataset(shape.data.x, shape.data.y, { inputDim: D, timesteps: T, outputDim: 1 });
  const secs = [], startup = [];
  let hash = null;
  for (let r = 0; r < reps; r++) {
    const model = new FastGRNN({ inputDim: D, hiddenDim: H, outputDim: 1, seed: 1 });
    const trainer = new Trainer(model.config, {
      learningRate: 0.001, epochs: 2, validationSplit: 0, earlyStoppingPatience: null, batchSize: batch,
    });
    const ends = [];
    const t0 = performance.now();
    await trainer.train(model, ds, { ...options, onEpoch: () => { ends.push(performance.now()); } });
    const second = (ends[1] - ends[0]) / 1000;
    secs.push(second);
    startup.push((ends[0] - t0) / 1000 - second);
    const h = sha(model.save());
    if (hash !== null && h !== hash) throw new Error('a repetition gave other bytes');
    hash = h;
    trainer.dispose();
    model.dispose();
  }
  ds.dispose();
  return {
    s: median(secs), best: Math.min(...secs), startup: median(startup), hash,
    samplesPerSec: n / median(secs), batches: Math.ceil(n / batch),
  };
}

// --child: one one-thread B2 measurement, as JSON (for the ceiling below)
if (args.includes('--child')) {
  const B = { n: Number(opt('--n', 20000)), T: 32, D: 16, H: 32, batch: 64 };
  B.data = data(B.n, B.T, B.D, 2);
  const r = await time(B, undefined);
  console.log(JSON.stringify({ s: r.s, samplesPerSec: r.samplesPerSec }));
  process.exit(0);
}

/** Samples/s of `count` one-thread B2 runs in separate processes at the same time (summed). */
async function independent(count, n) {
  const self = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--child', '--n', String(n), '--reps', String(reps)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited ${code}`))));
  }));
  const results = await Promise.all(runs);
  return results.reduce((a, r) => a + r.samplesPerSec, 0);
}

const out = [];
const say = (line = '') => { console.log(line); out.push(line); };
say(`data-parallel training, ${os.cpus().length} cores (${os.cpus()[0].model}), Node ${process.versions.node}, SIMD module, median of ${reps}`);
say();

// ---- B2
const B2 = { n: smoke ? 2000 : 20000, T: 32, D: 16, H: 32, batch: 64 };
B2.data = data(B2.n, B2.T, B2.D, 2);
say(`### B2: N ${B2.n}, T 32, D 16, H 32, batch 64 (4 chunks of 16); the second of 2 epochs`);
say();
say('| workers | transport | epoch, median (s) | best (s) | samples/s | vs 1 worker | start-up (ms) | model |');
say('|---|---|---:|---:|---:|---:|---:|---|');
const base = await time(B2, undefined);
say(`| none (one thread) | - | ${base.s.toFixed(3)} | ${base.best.toFixed(3)} | ${(base.samplesPerSec / 1000).toFixed(1)} k | - | - | ${base.hash} |`);
let one = null;
const runs = [];
for (const K of workerList) runs.push([K, 'shared']);
if (workerList.includes(2)) runs.push([2, 'message']);
for (const [K, transport] of runs) {
  const r = await time(B2, { workers: K, transport });
  if (r.hash !== base.hash) throw new Error(`${K} workers (${transport}) gave other model bytes`);
  if (K === 1 && transport === 'shared') one = r;
  const vs = one ? `${(one.s / r.s).toFixed(2)}x` : '-';
  say(`| ${K} | ${transport} | ${r.s.toFixed(3)} | ${r.best.toFixed(3)} | ${(r.samplesPerSec / 1000).toFixed(1)} k | ${vs} | ${(r.startup * 1000).toFixed(0)} | ${r.hash} |`);
}
say();
say('Every run above ended with the same model bytes (SHA-256 prefix in the last column).');
say();
// The machine's own ceiling for two threads: two one-thread runs in separate
// processes at once share nothing, yet compete for the cores' caches and
// memory; their summed throughput over one run alone is the most any
// 2-thread scheme can reach here.
const alone = await independent(1, B2.n), pair = await independent(2, B2.n);
say(`Ceiling: one one-thread run alone ${(alone / 1000).toFixed(1)} k samples/s; two at once in separate processes ${(pair / 1000).toFixed(1)} k samples/s together = ${(pair / alone).toFixed(2)}x.`);
say();

// ---- sync cost
const SYNC = { n: smoke ? 1600 : 16000, T: 1, D: 1, H: 1, batch: 16 };
SYNC.data = data(SYNC.n, 1, 1, 3);
const s0 = await time(SYNC, undefined);
say('### Synchronization cost per batch (T 1, D 1, H 1, batch 16: almost no compute)');
say();
say('| transport | workers | time per batch, no workers (µs) | with workers (µs) | cost per batch (µs) |');
say('|---|---:|---:|---:|---:|');
for (const [K, transport] of [[1, 'shared'], [2, 'shared'], [1, 'message'], [2, 'message']]) {
  const r = await time(SYNC, { workers: K, transport });
  const a = (s0.s / s0.batches) * 1e6, b = (r.s / r.batches) * 1e6;
  say(`| ${transport} | ${K} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a).toFixed(1)} |`);
}
say();

// ---- crossover for B1-sized models
const B1 = { n: smoke ? 8192 : 262144, T: 1, D: 5, H: 16 };
B1.data = data(B1.n, 1, 5, 4);
say('### B1-sized model (T 1, D 5, H 16): when do 2 workers pay off?');
say();
say('| batch | one thread (samples/s) | 2 workers (samples/s) | ratio |');
say('|---:|---:|---:|---:|');
let payoff = null;
for (const batch of smoke ? [32, 512] : [32, 256, 1024, 4096, 16384]) {
  const shape = { ...B1, batch };
  const a = await time(shape, undefined), b = await time(shape, { workers: 2 });
  if (a.hash !== b.hash) throw new Error(`batch ${batch}: 2 workers gave other model bytes`);
  const ratio = b.samplesPerSec / a.samplesPerSec;
  if (payoff === null && ratio > 1) payoff = batch;
  say(`| ${batch} | ${(a.samplesPerSec / 1e6).toFixed(2)} M | ${(b.samplesPerSec / 1e6).toFixed(2)} M | ${ratio.toFixed(2)} |`);
}
say();
say(payoff === null ? 'At none of these batch sizes were 2 workers faster than one thread.'
  : `2 workers are faster than one thread from batch ${payoff} on (of those measured).`);

const mdPath = opt('--markdown', 'build/bench/parallel.md');
mkdirSync(path.dirname(mdPath), { recursive: true });
writeFileSync(mdPath, out.join('\n') + '\n');
