// The worker helper (Node worker_threads; the same protocol as a Web Worker).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fg, FLAVORS, useFlavor, routingData, expectError, bytesEqual } from './helpers.js';
import { TrainingWorker, trainInWorker } from '../../js/worker.js';

const { FastGRNN, TrainingDataset, Trainer } = fg;

describe('worker', () => {
  before(() => useFlavor(FLAVORS[0]));

  for (const flavor of FLAVORS) {
    it(`trains in a worker (${flavor}) exactly like the main thread`, async () => {
      const { features, labels } = routingData(1000, 1);
      const modelConfig = { inputDim: 5, hiddenDim: 8, seed: 3 };
      const trainingConfig = { epochs: 5, learningRate: 0.01 };
      const seen = [];
      const result = await trainInWorker({
        modelConfig, trainingConfig, features, labels, inputDim: 5, normalize: true,
        onEpoch: (m) => { seen.push(m.epoch); },
      }, { simd: flavor === 'simd' });
      assert.equal(result.simd, flavor === 'simd');
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
      assert.equal(result.metrics.length, 5);
      assert.ok(result.model instanceof Uint8Array);
      assert.equal(result.normalization.means.length, 5);
      // the input arrays were not transferred away
      assert.equal(features.length, 5000);

      await useFlavor(flavor);
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      const model = new FastGRNN(modelConfig);
      model.normalization = ds.normalize();
      const tr = new Trainer(model.config, trainingConfig);
      const metrics = await tr.train(model, ds);
      assert.deepEqual(result.metrics, metrics);
      assert.ok(bytesEqual(result.model, model.save()));
      const loaded = FastGRNN.load(result.model);
      assert.deepEqual(loaded.normalization, model.normalization);
      for (const o of [ds, model, tr, loaded]) o.dispose();
    });
  }

  it('continues from a given model; rows input', async () => {
    const { features, labels } = routingData(300, 2);
    const rowsIn = [];
    for (let i = 0; i < 300; i++) rowsIn.push(Array.from(features.subarray(i * 5, i * 5 + 5)));
    const start = new FastGRNN({ inputDim: 5, hiddenDim: 6 });
    const result = await trainInWorker({ model: start, trainingConfig: { epochs: 2 }, features: rowsIn, labels });
    const trained = FastGRNN.load(result.model);
    assert.deepEqual(trained.config, start.config);
    assert.notDeepEqual(trained.getParameters(), start.getParameters());
    start.dispose();
    trained.dispose();
  });

  it('snapshotEvery: every k-th epoch carries the weights at that point', async () => {
    const { features, labels } = routingData(400, 4);
    const seen = [];
    const result = await trainInWorker({
      modelConfig: { inputDim: 5, hiddenDim: 6, seed: 3 },
      trainingConfig: { epochs: 5, earlyStoppingPatience: null, restoreBestWeights: false },
      features, labels, inputDim: 5, snapshotEvery: 2,
      onEpoch: (m) => { seen.push(m); },
    });
    assert.deepEqual(seen.map((m) => m.snapshot instanceof Uint8Array), [false, true, false, true, false]);
    const at4 = FastGRNN.load(seen[3].snapshot);
    const at2 = FastGRNN.load(seen[1].snapshot);
    const last = FastGRNN.load(result.model);
    assert.notDeepEqual(at2.getParameters(), at4.getParameters(), 'the snapshots differ');
    assert.notDeepEqual(at4.getParameters(), last.getParameters(), 'epoch 5 moved on from epoch 4');
    for (const m of [at2, at4, last]) m.dispose();
    await assert.rejects(trainInWorker({ modelConfig: { inputDim: 5 }, features, labels, snapshotEvery: 1.5 }),
      expectError('InvalidInput', /snapshotEvery must be a non-negative integer, got 1.5/));
  });

  it('stop() ends after the current epoch; onEpoch returning false too', async () => {
    const { features, labels } = routingData(3000, 3);
    const tw = new TrainingWorker();
    try {
      let calls = 0;
      const r = await tw.train({
        modelConfig: { inputDim: 5 }, trainingConfig: { epochs: 200, earlyStoppingPatience: null },
        features, labels, inputDim: 5,
        onEpoch: () => { calls++; if (calls === 2) tw.stop(); },
      });
      assert.ok(r.metrics.length >= 2 && r.metrics.length < 200, `${r.metrics.length} epochs`);
      const r2 = await tw.train({
        modelConfig: { inputDim: 5 }, trainingConfig: { epochs: 200, earlyStoppingPatience: null },
        features, labels, inputDim: 5,
        onEpoch: (m) => (m.epoch === 0 ? false : undefined),
      });
      assert.ok(r2.metrics.length < 200);
    } finally {
      tw.terminate();
    }
  });

  it('abort via signal rejects with Aborted; errors keep their code', async () => {
    const { features, labels } = routingData(20000, 4);
    const tw = new TrainingWorker();
    try {
      const ac = new AbortController();
      const p = tw.train({
        modelConfig: { inputDim: 5, hiddenDim: 32, rank: null },
        trainingConfig: { epochs: 1000, earlyStoppingPatience: null },
        features, labels, inputDim: 5, signal: ac.signal,
        onEpoch: (m) => { if (m.epoch === 0) ac.abort(); },
      });
      await assert.rejects(p, expectError('Aborted'));
      await assert.rejects(tw.train({ modelConfig: { inputDim: 5, hiddenDimm: 3 }, features, labels, inputDim: 5 }),
        expectError('InvalidInput', /hiddenDimm/));
      await assert.rejects(tw.train({ modelConfig: { inputDim: 5 }, features: features.subarray(0, 10), labels, inputDim: 5 }),
        expectError('InvalidInput', /different lengths/));
      const pre = new AbortController();
      pre.abort();
      await assert.rejects(tw.train({ modelConfig: {}, features, labels, signal: pre.signal }), expectError('Aborted'));
    } finally {
      tw.terminate();
    }
  });

  it('terminate() rejects a pending train with Aborted', async () => {
    const { features, labels } = routingData(20000, 5);
    const tw = new TrainingWorker();
    const p = tw.train({
      modelConfig: { inputDim: 5, hiddenDim: 32, rank: null }, trainingConfig: { epochs: 1000 },
      features, labels, inputDim: 5,
    });
    setTimeout(() => tw.terminate(), 50);
    await assert.rejects(p, expectError('Aborted', /terminated/));
  });
});
