#!/usr/bin/env node
// Accuracy and size of compressed FastGRNN models on the routing data: the
// table in README.md, "Compression and deployment".
//
//   npm run build && node scripts/compression-table.mjs
//
// Data: the specification's routing task (similarity, recency, popularity,
// success_rate, complexity ~ U(0, 1); label = 0.4 similarity + 0.3
// success_rate + 0.3 (1 - complexity) + U(-0.1, 0.1) > 0.6), 3000 training
// samples (seed 1) z-scored, and 2000 held-out samples (seed 2) normalized
// with the training statistics. Hidden 16; 30 epochs, learning rate 0.01
// halved after 15, no early stopping. Every number is deterministic (the
// same bits from the SIMD and the scalar module and the native build).
import { init, FastGRNN, Trainer, TrainingDataset, routingData } from '../js/index.js';


await init();
const train = routingData(3000, 1);
const held = routingData(2000, 2);
const ds = new TrainingDataset(train.features, train.labels, { inputDim: 5 });
const { means, stds } = ds.normalize();
const val = new TrainingDataset(held.features, held.labels, { inputDim: 5 });
val.applyNormalization(means, stds);

const base = { inputDim: 5, hiddenDim: 16, rank: null, seed: 42 };
const schedule = { epochs: 30, learningRate: 0.01, lrDecayStep: 15, earlyStoppingPatience: null };

async function trained(modelConfig, extra = {}) {
  const m = new FastGRNN(modelConfig);
  const tr = new Trainer(m.config, { ...schedule, ...extra });
  await tr.train(m, ds);
  tr.dispose();
  return m;
}

async function fineTune(m) {
  const tr = new Trainer(m.config, { ...schedule, epochs: 10, learningRate: 0.005 });
  await tr.train(m, ds);
  tr.dispose();
  return m;
}

function accuracy(m) {
  const tr = new Trainer(m.config);
  const { accuracy: a } = tr.evaluate(m, val);
  tr.dispose();
  return a;
}

function cBytes(m) {
  const src = m.exportC('m');
  return Number(src.match(/(\d+) bytes of constant data/)[1]);
}

const dense = await trained(base);
const lowRank = await trained({ ...base, uRank: 4 });
const pruned = await fineTune((() => { const m = dense.clone(); m.prune(0.5); return m; })());
const iht = await trained(base, { sparsityW: 0.7, sparsityU: 0.7 });
const int8 = dense.clone();
int8.quantize();
const ihtInt8 = iht.clone();
ihtInt8.quantize();
const lrIht = await trained({ ...base, uRank: 4 }, { sparsityW: 0.7, sparsityU: 0.7 });
lrIht.quantize();

const rows = [
  ['dense (H 16, full rank)', dense],
  ['low-rank U (rank 4)', lowRank],
  ['pruned 50 % + 10 epochs fine-tuning', pruned],
  ['IHT sparse training 70 %', iht],
  ['int8 (dense)', int8],
  ['IHT 70 % + int8', ihtInt8],
  ['low-rank U 4 + IHT 70 % + int8', lrIht],
];

const aDense = accuracy(dense);
const lines = [
  '| model | kept weights | stored bytes | file bytes | exported C data | held-out accuracy | vs dense |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
for (const [name, m] of rows) {
  const mask = m.getMask();
  const tensors = m.tensors().filter((t) => t.shape.length === 2);
  let weights = 0, nonzero = 0;
  for (const t of tensors) {
    const size = t.shape[0] * t.shape[1];
    weights += size;
    for (let k = 0; k < size; k++) nonzero += mask[t.offset + k];
  }
  const a = accuracy(m);
  const d = (a - aDense) * 100;
  lines.push(`| ${name} | ${nonzero} / ${weights} | ${m.sizeBytes()} | ${m.save().length} | ${cBytes(m)} | ` +
    `${(a * 100).toFixed(2)} % | ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} |`);
}
console.log(lines.join('\n'));
for (const [, m] of rows) m.dispose();
ds.dispose();
val.dispose();
