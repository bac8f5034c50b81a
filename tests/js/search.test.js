// search(): grid / random / halving over a worker pool; identical results
// for 1 and 2 workers; one trial reproduced alone; faults (a trial that
// throws, a worker that exits, a worker that hangs); abort; bad options.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  fg, routingData, expectError, bytesEqual,
} from './helpers.js';

const { search, trialSeed, FastGRNN, TrainingDataset, Trainer, evaluate } = fg;

const FAULTY = new URL('./fixtures/search-faulty-worker.js', import.meta.url);
const { features, labels } = routingData(300, 11);
const DATA = { features, labels, inputDim: 5 };
const SPACE = {
  hiddenDim: [4, 8],
  learningRate: { min: 0.003, max: 0.03, log: true },
  prune: [0, 0.5],
};
const BASE = { data: DATA, space: SPACE, training: { epochs: 3, batchSize: 32 }, seed: 5 };

/** A search's outcome minus nothing: the ranked table and every model's bytes. */
function outcome(r) {
  return { table: r.toJSON(), csv: r.toCSV(), bytes: r.trials.map((t) => r.modelBytes(t.index)) };
}

describe('search', () => {
  before(async () => { await fg.init(); });

  it('random: identical results (table, CSV, every model) for 1 and 2 workers', async () => {
    const a = await search({ ...BASE, strategy: 'random', trials: 6, workers: 1 });
    const b = await search({ ...BASE, strategy: 'random', trials: 6, workers: 2 });
    assert.equal(a.trials.length, 6);
    assert.ok(a.trials.every((t) => t.status === 'ok'), JSON.stringify(a.trials.map((t) => t.error)));
    const oa = outcome(a), ob = outcome(b);
    assert.deepEqual(oa.table, ob.table);
    assert.equal(oa.csv, ob.csv);
    for (let i = 0; i < 6; i++) assert.ok(bytesEqual(oa.bytes[i], ob.bytes[i]), `trial ${i} model bytes differ`);
    // distinct seeds, parameters inside the space
    assert.equal(new Set(a.trials.map((t) => t.seed)).size, 6);
    for (const t of a.trials) {
      assert.equal(t.seed, trialSeed(5, t.index));
      assert.ok([4, 8].includes(t.params.hiddenDim));
      assert.ok(t.params.learningRate >= 0.003 && t.params.learningRate <= 0.03);
      assert.ok([0, 0.5].includes(t.params.prune));
    }
    // ranking: by valLoss, ties by index
    for (let i = 1; i < a.ranked.length; i++) {
      const p = a.ranked[i - 1], q = a.ranked[i];
      assert.ok(p.valLoss < q.valLoss || (p.valLoss === q.valLoss && p.index < q.index));
    }
    assert.equal(a.best.index, a.ranked[0].index);
    // the best model's bytes load, with the trial's config and a card
    const best = FastGRNN.load(a.bestModel);
    assert.equal(best.hiddenDim, a.best.params.hiddenDim);
    assert.equal(best.card.training.epochsRun, 3);
    best.dispose();
  });

  it('a trial is reproduced alone: same parameters in a smaller search, same model by hand', async () => {
    const big = await search({ ...BASE, strategy: 'random', trials: 5, workers: 2 });
    const small = await search({ ...BASE, strategy: 'random', trials: 4, workers: 1 });
    const t = big.trials[3];
    assert.deepEqual(small.trials[3].params, t.params);
    assert.equal(small.trials[3].valLoss, t.valLoss);
    assert.ok(bytesEqual(small.modelBytes(3), big.modelBytes(3)));
    // by hand, in this thread: the search's split and normalization, the trial's seed
    const all = new TrainingDataset(features, labels, { inputDim: 5 });
    const [train, val] = all.split(0.2, 5);
    const norm = train.normalize();
    val.applyNormalization(norm.means, norm.stds);
    const model = new FastGRNN({ inputDim: 5, outputDim: 1, hiddenDim: t.params.hiddenDim, seed: t.seed });
    model.normalization = norm;
    const trainer = new Trainer(model.config, { epochs: 3, batchSize: 32, learningRate: t.params.learningRate, seed: t.seed });
    await trainer.train(model, train);
    if (t.params.prune > 0) model.prune(t.params.prune);
    const report = evaluate(model, val, { raw: false });
    assert.equal(report.loss, t.valLoss);
    assert.equal(report.accuracy, t.valAccuracy);
    assert.equal(model.sizeBytes(), t.sizeBytes);
    assert.ok(bytesEqual(model.save(), big.modelBytes(3)), 'the model trained by hand differs from the trial\'s');
    for (const h of [model, trainer, all, train, val]) h.dispose();
  });

  it('data as a TrainingDataset gives the same results as the same arrays', async () => {
    const ds = new TrainingDataset(features, labels, { inputDim: 5 });
    const a = await search({ ...BASE, data: ds, strategy: 'random', trials: 2, workers: 1 });
    const b = await search({ ...BASE, strategy: 'random', trials: 2, workers: 1 });
    assert.deepEqual(a.toJSON(), b.toJSON());
    ds.dispose();
  });

  it('grid: every combination once, first key slowest; steps of a range; trials caps the grid', async () => {
    const space = { hiddenDim: [4, 6], rank: { min: 2, max: 4, steps: 3 }, quantize: [false, true] };
    const r = await search({ ...BASE, space, strategy: 'grid', workers: 2 });
    assert.equal(r.trials.length, 12);
    const seen = r.trials.map((t) => [t.params.hiddenDim, t.params.rank, t.params.quantize]);
    const want = [];
    for (const h of [4, 6]) for (const k of [2, 3, 4]) for (const q of [false, true]) want.push([h, k, q]);
    assert.deepEqual(seen, want);
    // quantized trials are smaller than their float twins
    for (let i = 0; i < 12; i += 2) assert.ok(r.trials[i + 1].sizeBytes < r.trials[i].sizeBytes);
    const capped = await search({ ...BASE, space, strategy: 'grid', trials: 5, workers: 1 });
    assert.deepEqual(capped.trials.map((t) => t.params), r.trials.slice(0, 5).map((t) => t.params));
    assert.deepEqual(capped.trials.map((t) => t.valLoss), r.trials.slice(0, 5).map((t) => t.valLoss));
  });

  it('halving: rungs of eta-times more epochs keep the best 1/eta; identical for 1 and 2 workers', async () => {
    const opts = {
      ...BASE, strategy: 'halving', trials: 8, objective: 'valAccuracy',
      halving: { eta: 2, minEpochs: 1, maxEpochs: 8 }, training: { epochs: 50, batchSize: 32 },
    };
    const seen = [];
    const a = await search({ ...opts, workers: 2, onTrial: (t) => seen.push(`${t.rung}:${t.index}`) });
    const b = await search({ ...opts, workers: 1 });
    assert.deepEqual(a.toJSON(), b.toJSON());
    const byRung = [0, 1, 2, 3].map((k) => a.evaluations.filter((e) => e.rung === k));
    assert.deepEqual(byRung.map((x) => x.length), [8, 4, 2, 1]);
    assert.deepEqual(byRung.map((x) => x[0].epochs), [1, 2, 4, 8]);
    assert.equal(seen.length, 15);
    // each rung keeps the best half of the previous one (valAccuracy, ties by index)
    for (let k = 1; k < 4; k++) {
      const prev = byRung[k - 1].slice().sort((p, q) => q.valAccuracy - p.valAccuracy || p.index - q.index);
      const kept = prev.slice(0, byRung[k].length).map((e) => e.index).sort((x, y) => x - y);
      assert.deepEqual(byRung[k].map((e) => e.index), kept);
    }
    // the winner is the one that reached the last rung
    assert.equal(a.best.index, byRung[3][0].index);
    assert.equal(a.best.rung, 3);
  });

  it('size budget and the Pareto front of accuracy against size', async () => {
    const space = { hiddenDim: [4, 8, 12], prune: [0, 0.6], quantize: [false, true] };
    const r = await search({ ...BASE, space, strategy: 'grid', workers: 2, objective: 'valAccuracy', sizeBudget: 300 });
    const ok = r.trials.filter((t) => t.status === 'ok');
    assert.equal(ok.length, 12);
    for (const t of ok) assert.equal(t.withinBudget, t.sizeBytes <= 300);
    assert.ok(ok.some((t) => !t.withinBudget) && ok.some((t) => t.withinBudget));
    assert.ok(r.best.withinBudget, 'the best trial is within the budget');
    const firstOver = r.ranked.findIndex((t) => !t.withinBudget);
    assert.ok(r.ranked.slice(firstOver).every((t) => !t.withinBudget), 'over-budget trials rank last');
    const dominates = (o, t) => o.valAccuracy >= t.valAccuracy && o.sizeBytes <= t.sizeBytes &&
      (o.valAccuracy > t.valAccuracy || o.sizeBytes < t.sizeBytes);
    for (const t of ok) {
      const dominated = ok.some((o) => dominates(o, t));
      assert.equal(t.pareto, !dominated, `trial ${t.index} pareto flag`);
    }
    assert.deepEqual(r.pareto.map((t) => t.index), ok.filter((t) => t.pareto)
      .sort((p, q) => p.sizeBytes - q.sizeBytes || p.index - q.index).map((t) => t.index));
    const csv = r.toCSV().trim().split('\n');
    assert.equal(csv.length, 13);
    assert.equal(csv[0], 'rank,index,status,seed,rung,epochs,epochsRun,valLoss,valAccuracy,sizeBytes,withinBudget,pareto,error,hiddenDim,prune,quantize');
  });

  it('a trial that throws is recorded as failed with its error; the others go on', async () => {
    const r = await search({ ...BASE, space: { learningRate: [0.01, -1, 0.02] }, strategy: 'grid', workers: 2 });
    assert.deepEqual(r.trials.map((t) => t.status), ['ok', 'failed', 'ok']);
    assert.equal(r.trials[1].error.code, 'InvalidInput');
    assert.match(r.trials[1].error.message, /trial 1: .*learning_?rate/i);
    assert.equal(r.ranked[2].index, 1, 'failed trials rank last');
    assert.equal(r.modelBytes(1), null);
    assert.match(r.toCSV(), /failed/);
  });

  it('a worker that exits is replaced; its trial fails with a clear error', async () => {
    process.env.FASTGRNN_TEST_EXIT = '1';
    try {
      const ref = await search({ ...BASE, strategy: 'random', trials: 4, workers: 2 });
      const r = await search({ ...BASE, strategy: 'random', trials: 4, workers: 2, workerUrl: FAULTY });
      assert.equal(r.trials[1].status, 'failed');
      assert.equal(r.trials[1].error.code, 'Aborted');
      assert.match(r.trials[1].error.message, /trial 1: the search worker exited \(exit code 7\)/);
      for (const i of [0, 2, 3]) {
        assert.equal(r.trials[i].status, 'ok');
        assert.equal(r.trials[i].valLoss, ref.trials[i].valLoss);
      }
    } finally {
      delete process.env.FASTGRNN_TEST_EXIT;
    }
  });

  it('a worker that hangs is terminated after trialTimeoutMs and replaced', async () => {
    process.env.FASTGRNN_TEST_HANG = '2';
    try {
      const t0 = Date.now();
      const r = await search({ ...BASE, strategy: 'random', trials: 4, workers: 1, workerUrl: FAULTY, trialTimeoutMs: 8000 });
      assert.ok(Date.now() - t0 < 60000);
      assert.equal(r.trials[2].status, 'failed');
      assert.match(r.trials[2].error.message, /trial 2: the search worker did not answer within 8000 ms while running trial 2; it was terminated/);
      assert.deepEqual(r.trials.map((t) => t.status), ['ok', 'ok', 'failed', 'ok']);
    } finally {
      delete process.env.FASTGRNN_TEST_HANG;
    }
  });

  it('abort stops every worker and rejects with Aborted', async () => {
    const ac = new AbortController();
    let after = 0;
    let aborted = false;
    const p = search({
      ...BASE, strategy: 'random', trials: 40, workers: 2, signal: ac.signal,
      training: { epochs: 20, batchSize: 32 },
      onTrial: () => { if (aborted) after++; else { aborted = true; ac.abort(); } },
    });
    await assert.rejects(p, expectError('Aborted', /search aborted/));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(after, 0, 'no trial reported after abort');
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(search({ ...BASE, strategy: 'random', trials: 2, signal: pre.signal }),
      expectError('Aborted', /before it started/));
  });

  it('bad options: typed errors naming the option and value', async () => {
    const cases = [
      [{ space: { nope: [1] } }, /space key 'nope' is not a model or training config key/],
      [{ space: { inputDim: [1] } }, /space key 'inputDim' is decided by the data/],
      [{ space: { hiddenDim: { min: 0, max: 4 } } }, /space.hiddenDim.min = 0 is outside the key's bounds \[1, /],
      [{ space: { hiddenDim: { min: 8, max: 4 } } }, /min 8 is greater than max 4/],
      [{ space: { l2Reg: { min: 0, max: 0.1, log: true } } }, /space.l2Reg: a log range needs min > 0, got 0/],
      [{ space: { hiddenDim: [] } }, /space.hiddenDim is an empty list/],
      [{ space: { quantize: { min: 0, max: 1 } } }, /space.quantize must be a list/],
      [{ strategy: 'bayes' }, /strategy must be one of grid, random, halving, got "bayes"/],
      [{ objective: 'f1' }, /objective must be one of valLoss, valAccuracy, got "f1"/],
      [{ strategy: 'random', trials: undefined }, /trials is required with strategy 'random'/],
      [{ workers: 0 }, /workers must be an integer >= 1, got 0/],
      [{ sizeBudget: -3 }, /sizeBudget must be a positive integer \(bytes\), got -3/],
      [{ data: { features, labels: labels.subarray(1), inputDim: 5 } }, /^search: data: features and labels have different lengths: 300 samples vs 299 labels/],
      [{ halving: { eta: 2 } }, /halving options apply to strategy 'halving' only/],
      [{ strategy: 'halving', halving: { eta: 1 } }, /halving.eta must be an integer >= 2, got 1/],
      [{ colour: 'red' }, /unknown option 'colour'/],
    ];
    for (const [patch, re] of cases) {
      await assert.rejects(search({ ...BASE, strategy: 'grid', trials: 2, ...patch }), expectError('InvalidInput', re));
    }
  });
});
