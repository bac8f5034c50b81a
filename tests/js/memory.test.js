// Ownership of wasm memory: dispose, use after dispose, leaks, the
// FinalizationRegistry safety net.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fg, FLAVORS, useFlavor, routingData, expectError } from './helpers.js';

const { FastGRNN, TrainingDataset, BatchIterator, Trainer } = fg;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const disposed = () => expectError('InvalidInput', /has been disposed/);

for (const flavor of FLAVORS) {
  describe(`memory (${flavor})`, () => {
    before(() => useFlavor(flavor));

    it('every method of a disposed object throws InvalidInput "has been disposed"', async () => {
      const { features, labels } = routingData(50);
      const m = new FastGRNN({ inputDim: 5 });
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      const tr = new Trainer(m.config, { epochs: 1 });
      const alive = new FastGRNN({ inputDim: 5 });
      const aliveDs = new TrainingDataset(features, labels, { inputDim: 5 });
      m.dispose();
      ds.dispose();
      tr.dispose();
      assert.equal(m.disposed, true);
      m.dispose(); // idempotent
      for (const f of [
        () => m.forward(features.subarray(0, 5)), () => m.forwardBatch(features), () => m.logits(features),
        () => m.save(), () => m.numParams(), () => m.sizeBytes(), () => m.config, () => m.clone(),
        () => m.normalization, () => { m.normalization = { means: [0], stds: [1] }; },
        () => m.getParameters(), () => m.setParameters([1]), () => m.tensors(), () => m.ranks,
        () => ds.len(), () => ds.length, () => ds.isEmpty(), () => ds.features, () => ds.labels,
        () => ds.softTargets, () => ds.split(0.2), () => ds.normalize(), () => ds.applyNormalization([0], [1]),
        () => ds.withSoftTargets([0.5]), () => ds.clone(), () => new BatchIterator(ds, 2),
        () => tr.trainBatch(alive, features, labels), () => tr.evaluate(alive, aliveDs),
        () => tr.metricsHistory(), () => tr.metricsJSON(), () => tr.learningRate, () => tr.config,
        () => fg.generateTeacherPredictions(m, features, 2),
        () => new Trainer(alive.config).evaluate(m, aliveDs),
      ]) {
        assert.throws(f, disposed(), f.toString());
      }
      await assert.rejects(tr.train(alive, aliveDs), disposed());
      await assert.rejects(new Trainer(alive.config).train(m, aliveDs), disposed());
      await assert.rejects(new Trainer(alive.config).train(alive, ds), disposed());
      const it2 = new BatchIterator(aliveDs, 10);
      it2.dispose();
      assert.deepEqual(it2.next(), { done: true, value: undefined });
      alive.dispose();
      aliveDs.dispose();
    });

    // Where a fresh 1 MiB block lands: above everything in use, so it moves
    // up when anything leaks, even while memory.buffer has room to spare.
    const highWater = (obj) => {
      const ex = obj._m.exports;
      const p = ex.fg_malloc(1 << 20);
      ex.fg_free(p);
      return p;
    };

    it('1,000 create/train(1 epoch)/dispose cycles keep memory flat', async (t) => {
      const { features, labels } = routingData(200, 3);
      const cycle = async (leakBytes = 0) => {
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        ds.normalize();
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8 });
        const tr = new Trainer(m.config, { epochs: 1 });
        await tr.train(m, ds);
        const [a, b] = ds.split(0.5);
        for (const batch of new BatchIterator(a, 32)) void batch;
        m.save();
        m.clone().dispose();
        FastGRNN.load(m.save()).dispose();
        tr.metricsJSON();
        tr.evaluate(m, b);
        if (leakBytes) m._m.exports.fg_malloc(leakBytes);
        for (const o of [a, b, ds, m, tr]) o.dispose();
      };
      const ref = new FastGRNN();
      for (let i = 0; i < 50; i++) await cycle();
      const before = fg.moduleInfo().memoryBytes;
      const hw = highWater(ref);
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) await cycle();
      const after = fg.moduleInfo().memoryBytes;
      const hw2 = highWater(ref);
      t.diagnostic(`memory.buffer ${before} -> ${after} bytes, high-water ${hw} -> ${hw2}; ` +
        `1000 cycles in ${(performance.now() - t0).toFixed(0)} ms`);
      assert.equal(after, before);
      assert.ok(hw2 <= hw, `high-water mark rose from ${hw} to ${hw2}`);
      // the measure is sensitive: 16 bytes leaked per cycle show
      for (let i = 0; i < 200; i++) await cycle(16);
      assert.ok(highWater(ref) > hw2, 'a 16-byte leak per cycle moves the high-water mark');
      ref.dispose();
    });

    it('forgotten objects are freed by the FinalizationRegistry', async () => {
      const make = () => {
        for (let i = 0; i < 200; i++) {
          const m = new FastGRNN({ inputDim: 5, hiddenDim: 64, rank: null });
          void m;
        }
      };
      const settle = async () => {
        for (let i = 0; i < 5; i++) {
          gc();
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      const ref = new FastGRNN();
      make();
      await settle();
      const before = fg.moduleInfo().memoryBytes;
      const hw = highWater(ref);
      for (let round = 0; round < 5; round++) {
        make();
        await settle();
      }
      assert.equal(fg.moduleInfo().memoryBytes, before);
      assert.ok(highWater(ref) <= hw, 'forgotten models were freed');
      ref.dispose();
    });

    it('memory growth does not break later calls (views are never cached)', () => {
      const m = new FastGRNN({ inputDim: 5 });
      const x = routingData(1, 1).features;
      const p0 = m.forward(x);
      const big = new FastGRNN({ inputDim: 5, hiddenDim: 1500, rank: null }); // ~9 MB: grows memory
      assert.equal(m.forward(x), p0);
      assert.equal(m.save().length > 0, true);
      big.dispose();
      m.dispose();
    });
  });
}
