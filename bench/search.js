#!/usr/bin/env node
// bench/search.js - hyperparameter-search throughput against the number of
// workers (see BENCHMARKS.md, "Hyperparameter search").
//
//   node bench/search.js [--trials 8] [--samples 5000] [--epochs 5] [--reps 3] [--workers 1,2,4]
//
// The same search (random, the same seed, so the same trials and the same
// results) runs with each worker count, alternately, `reps` times; the
// median wall time gives trials/s. The workers start inside the timed part
// (a search starts its pool), as a user sees it.
import { search, routingData, init } from '../js/index.js';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : args[i + 1];
};
const trials = Number(opt('trials', 8));
const samples = Number(opt('samples', 5000));
const epochs = Number(opt('epochs', 5));
const reps = Number(opt('reps', 3));
const counts = String(opt('workers', '1,2,4')).split(',').map(Number);

await init();
const { features, labels } = routingData(samples, 1);
const space = { hiddenDim: [16, 32], learningRate: { min: 0.003, max: 0.03, log: true }, prune: [0, 0.5] };
const times = new Map(counts.map((k) => [k, []]));
let reference = null;
for (let r = 0; r < reps; r++) {
  for (const k of counts) {
    const t0 = performance.now();
    const res = await search({
      data: { features, labels, inputDim: 5 }, space, strategy: 'random', trials, workers: k,
      training: { epochs, batchSize: 32, earlyStoppingPatience: null }, seed: 3,
    });
    times.get(k).push(performance.now() - t0);
    const csv = res.toCSV();
    if (reference === null) reference = csv;
    else if (csv !== reference) throw new Error(`workers ${k}: results differ from the first run`);
  }
}
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times.get(counts[0]));
console.log(`search throughput: ${trials} trials, ${samples} samples (${Math.round(samples * 0.8)} trained), ` +
  `${epochs} epochs, H 16/32, median of ${reps}`);
console.log('| workers | wall time (s) | trials/s | speed-up vs 1 |');
console.log('|---|---|---|---|');
for (const k of counts) {
  const t = median(times.get(k));
  console.log(`| ${k} | ${(t / 1000).toFixed(2)} | ${(trials / (t / 1000)).toFixed(2)} | ${(base / t).toFixed(2)}x |`);
}
console.log('identical ranked tables for every worker count: yes');
