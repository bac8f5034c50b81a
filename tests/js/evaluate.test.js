// The evaluation report (computed in C) against hand-computed numbers, and
// the rules JS asks C for: config limits, split sizes, normalization and
// metrics JSON.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fg, FLAVORS, useFlavor, expectError } from './helpers.js';

const { FastGRNN, TrainingDataset, Trainer, evaluate, configLimits, splitSizes, normalizationToJSON, metricsToJSON } = fg;

// D = H = 1, full rank: W = 1, U = 0, bias_gate = -30 (z ~ 1e-13), raw zeta
// = raw nu = 0, so h = tanh(x) for T = 1 and logits = wo * h + bo.
function handModel(wo, bo) {
  const model = new FastGRNN({ inputDim: 1, hiddenDim: 1, outputDim: wo.length, rank: null });
  const p = new Float32Array(model.numParams());
  const at = Object.fromEntries(model.tensors().map((t) => [t.name, t.offset]));
  p[at['cell.W']] = 1;
  p[at['cell.bias_gate']] = -30;
  p.set(wo, at['head.weight']);
  p.set(bo, at['head.bias']);
  model.setParameters(p);
  return model;
}

const close = (a, b) => Math.abs(a - b) <= 1e-6;

for (const flavor of FLAVORS) {
  describe(`evaluate (${flavor})`, () => {
    before(() => useFlavor(flavor));

    it('binary: confusion matrix, precision / recall / F1, ROC-AUC as computed by hand', () => {
      const model = handModel([1], [0]); // predicted 1 iff x > 0 here
      const ds = new TrainingDataset([[-3], [-2], [-1], [0.5], [1], [2], [3], [-0.5]], [0, 0, 1, 0, 1, 1, 1, 0]);
      const r = evaluate(model, ds);
      // TN = {-3, -2, -0.5}, FP = {0.5}, FN = {-1}, TP = {1, 2, 3}
      assert.deepEqual(r.confusionMatrix, [[3, 1], [1, 3]]);
      assert.equal(r.samples, 8);
      assert.equal(r.numClasses, 2);
      assert.ok(close(r.accuracy, 0.75));
      for (const [k, c] of r.classes.entries()) {
        assert.equal(c.index, k);
        assert.equal(c.className, String(k));
        assert.equal(c.support, 4);
        assert.ok(close(c.precision, 0.75) && close(c.recall, 0.75) && close(c.f1, 0.75), JSON.stringify(c));
      }
      // positives {-1, 1, 2, 3} above negatives {-3, -2, 0.5, -0.5}: 2 + 4 + 4 + 4 of 16
      assert.ok(close(r.rocAuc, 14 / 16), `rocAuc ${r.rocAuc}`);
      // loss and accuracy are Trainer#evaluate's, to the bit
      const tr = new Trainer(model.config);
      const { loss, accuracy } = tr.evaluate(model, ds);
      assert.ok(Object.is(Math.fround(r.loss), loss), `${r.loss} vs ${loss}`);
      assert.ok(Object.is(Math.fround(r.accuracy), accuracy));
      tr.dispose();
      ds.dispose();

      // a tie between a positive and a negative counts 1/2: (0.5 + 1 + 2) / 4
      const ties = new TrainingDataset([[1], [1], [-1], [2]], [1, 0, 0, 1]);
      assert.ok(close(evaluate(model, ties).rocAuc, 3.5 / 4));
      ties.dispose();

      // only negatives: no ROC-AUC; class 1 neither occurs nor is predicted
      const neg = new TrainingDataset([[-1], [-2], [-3]], [0, 0, 0]);
      const rn = evaluate(model, neg);
      assert.equal(rn.rocAuc, null);
      assert.deepEqual(rn.classes[1], { index: 1, precision: null, recall: null, f1: null, support: 0, className: '1' });
      assert.ok(close(rn.classes[0].f1, 1));
      neg.dispose();
      model.dispose();
    });

    it('raw: the model normalization is applied first (default), or not (raw: false)', () => {
      const model = handModel([1], [0]);
      model.normalization = { means: [10], stds: [1] };
      const ds = new TrainingDataset([[12], [9]], [1, 0]);
      assert.deepEqual(evaluate(model, ds).confusionMatrix, [[1, 0], [0, 1]]);
      assert.deepEqual(evaluate(model, ds, { raw: true }).confusionMatrix, [[1, 0], [0, 1]]);
      assert.deepEqual(evaluate(model, ds, { raw: false }).confusionMatrix, [[0, 1], [0, 1]]);
      // raw evaluation == evaluation of the normalized copy
      const norm = ds.clone();
      norm.applyNormalization([10], [1]);
      assert.deepEqual(evaluate(model, ds), evaluate(model, norm, { raw: false }));
      norm.dispose();
      ds.dispose();
      model.dispose();
    });

    it('multi-class: 4 classes, one absent and never predicted (null ratios)', () => {
      // logits [-h, 0.5, h, -10]: class 0 for h < -0.5, 1 for |h| < 0.5, 2 for h > 0.5, 3 never
      const model = handModel([-1, 0, 1, 0], [0, 0.5, 0, -10]);
      const ds = new TrainingDataset([[-2], [-0.1], [0.2], [3], [1], [-1]], [0, 1, 2, 2, 1, 0], { outputDim: 4 });
      const r = evaluate(model, ds);
      // predicted [0, 1, 1, 2, 2, 0] vs true [0, 1, 2, 2, 1, 0]
      assert.deepEqual(r.confusionMatrix, [[2, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]);
      assert.equal(r.numClasses, 4);
      assert.ok(close(r.accuracy, 4 / 6));
      assert.ok(close(r.classes[0].precision, 1) && close(r.classes[0].recall, 1) && close(r.classes[0].f1, 1));
      for (const k of [1, 2]) {
        const c = r.classes[k];
        assert.ok(close(c.precision, 0.5) && close(c.recall, 0.5) && close(c.f1, 0.5) && c.support === 2, JSON.stringify(c));
      }
      assert.deepEqual(r.classes[3], { index: 3, precision: null, recall: null, f1: null, support: 0, className: '3' });
      assert.equal(r.rocAuc, null);
      // the predicted classes are predictClassBatch's
      const pred = model.predictClassBatch([[-2], [-0.1], [0.2], [3], [1], [-1]]);
      assert.deepEqual(Array.from(pred), [0, 1, 1, 2, 2, 0]);
      ds.dispose();
      model.dispose();
    });

    // Rows E1..: docs/bad-inputs.md, "Prediction, evaluation and rules".
    it('bad inputs: typed errors naming the argument, nothing changed', () => {
      const model = new FastGRNN({ inputDim: 2, hiddenDim: 3 });
      model.normalization = { means: [0, 0], stds: [1e-30, 1] };
      const ds = new TrainingDataset([[1, 2]], [1]);
      const wide = new TrainingDataset([[1, 2, 3]], [1]);
      const multi = new TrainingDataset([[1, 2]], [2], { outputDim: 3 });
      const huge = new TrainingDataset([[1e38, 0]], [1]);
      const gone = new TrainingDataset([[1, 2]], [1]);
      gone.dispose();
      const BAD = [
        ['E1', 'evaluate(model, dataset)', 'model {}', () => evaluate({}, ds), 'evaluate: model must be a FastGRNN, got an object'],
        ['E2', 'evaluate(model, dataset)', 'dataset [[1, 2]]', () => evaluate(model, [[1, 2]]),
          'evaluate: dataset must be a TrainingDataset, got an array of length 1'],
        ['E3', 'evaluate(model, dataset)', '3 features, model inputDim 2', () => evaluate(model, wide),
          "dataset input_dim 3 differs from the model's input_dim 2"],
        ['E4', 'evaluate(model, dataset)', 'outputDim 3, binary model', () => evaluate(model, multi),
          "dataset output_dim 3 differs from the model's output_dim 1"],
        ['E5', 'evaluate(model, dataset, options)', '{ raw: 1 }', () => evaluate(model, ds, { raw: 1 }),
          'evaluate: raw must be a boolean, got 1'],
        ['E6', 'evaluate(model, dataset, options)', '{ normalize: true }', () => evaluate(model, ds, { normalize: true }),
          "evaluate: unknown option 'normalize'"],
        ['E7', 'evaluate(model, dataset)', 'feature 1e38, stored std 1e-30', () => evaluate(model, huge),
          "features[0] = 1e+38 gives a non-finite value after the model's normalization (mean 0, std 1e-30)"],
        ['E8', 'evaluate(model, dataset)', 'a disposed dataset', () => evaluate(model, gone), 'this TrainingDataset has been disposed'],
      ];
      const bytes = model.save();
      const feats = huge.features;
      for (const [id, , , call, message] of BAD) {
        assert.throws(call, (e) => {
          assert.ok(e instanceof fg.FastGRNNError, `${id}: ${e}`);
          assert.equal(e.code, 'InvalidInput', id);
          assert.equal(e.message, message, id);
          return true;
        });
        assert.deepEqual(model.save(), bytes, `${id}: the model is unchanged`);
        assert.deepEqual(huge.features, feats, `${id}: the dataset is unchanged`);
      }
      model.dispose();
      // E9
      assert.throws(() => evaluate(model, ds), expectError('InvalidInput', /^this FastGRNN has been disposed$/));
      for (const d of [ds, wide, multi, huge]) d.dispose();
    });
  });

  describe(`rules from C (${flavor})`, () => {
    before(() => useFlavor(flavor));

    it('configLimits: every numeric key, and the validators agree at the bounds', () => {
      const L = configLimits();
      assert.deepEqual(Object.keys(L.model), ['inputDim', 'hiddenDim', 'outputDim', 'nu', 'zeta', 'rank', 'wRank', 'uRank', 'seed']);
      assert.equal(Object.keys(L.training).length, 17);
      assert.deepEqual(L.model.hiddenDim, { min: 1, max: 16777216, minOpen: false, maxOpen: false, integer: true, nullable: false });
      assert.deepEqual(L.training.validationSplit, { min: 0, max: 1, minOpen: false, maxOpen: true, integer: false, nullable: false });
      assert.equal(L.maxParameters, 2 ** 28);
      const copy = configLimits();
      copy.model.hiddenDim.max = 1; // a copy: the cached limits do not change
      assert.equal(configLimits().model.hiddenDim.max, 16777216);
      const ok = (fn) => { fn().dispose(); return true; };
      const rejects = (fn, key) => assert.throws(fn, expectError('InvalidInput', new RegExp(key)));
      const snake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
      for (const [key, l] of Object.entries(L.training)) {
        const make = (v) => () => new Trainer({ inputDim: 1 }, { [key]: v });
        // the next value past a bound (2^53 + 1 is not a JS number: + 2 there)
        const step = (b, up) => (l.integer ? b + (up ? (b >= 2 ** 53 ? 2 : 1) : -1)
          : b + (up ? 1 : -1) * Math.max(Math.abs(b) * 1e-6, 1e-6));
        if (l.minOpen) rejects(make(l.min), snake(key)); else assert.ok(ok(make(l.min)), `${key} = min ${l.min}`);
        if (l.integer ? l.min > -(2 ** 31) : l.min > -3e38) rejects(make(step(l.min, false)), snake(key));
        if (l.max < 2 ** 31 - 1 && l.max < 3e38) {
          if (l.maxOpen) rejects(make(l.max), snake(key)); else assert.ok(ok(make(l.max)), `${key} = max ${l.max}`);
          rejects(make(step(l.max, true)), snake(key));
        }
      }
      assert.ok(ok(() => new FastGRNN({ inputDim: 1, hiddenDim: 1, rank: L.model.rank.max })));
      rejects(() => new FastGRNN({ hiddenDim: L.model.hiddenDim.max + 1 }), 'hidden_dim must be in \\[1, 16777216\\]');
      rejects(() => new FastGRNN({ inputDim: L.model.inputDim.min - 1 }), 'input_dim');
      rejects(() => new FastGRNN({ rank: L.model.rank.max + 1 }), 'rank must be null or in');
    });

    it('splitSizes: the sizes split() and the trainer use', () => {
      for (const n of [1, 2, 5, 10, 33, 101]) {
        for (const ratio of [0, 0.1, 0.2, 0.25, 0.5, 0.7, 1]) {
          const ds = new TrainingDataset(new Float32Array(n), new Float32Array(n), { inputDim: 1 });
          const [a, b] = ds.split(ratio, 3);
          assert.deepEqual(splitSizes(n, ratio), { train: a.length, validation: b.length }, `n ${n} ratio ${ratio}`);
          for (const d of [ds, a, b]) d.dispose();
        }
      }
      assert.deepEqual(splitSizes(10, 0.25), { train: 7, validation: 3 });
      assert.deepEqual(splitSizes(0, 0.5), { train: 0, validation: 0 });
    });

    it('normalizationToJSON / metricsToJSON write what C writes', async () => {
      assert.equal(normalizationToJSON({ means: [1, 0.1], stds: [0.5, 3] }), '{"means":[1,0.1],"stds":[0.5,3]}');
      const model = new FastGRNN({ inputDim: 2, hiddenDim: 3 });
      const x = [], y = [];
      for (let i = 0; i < 40; i++) { x.push([i % 7, (i * 3) % 5]); y.push(i % 2); }
      const ds = new TrainingDataset(x, y);
      const norm = ds.normalize();
      assert.equal(normalizationToJSON(norm), normalizationToJSON({ means: Array.from(norm.means), stds: Array.from(norm.stds) }));
      const parsed = JSON.parse(normalizationToJSON(norm));
      assert.deepEqual(parsed.means.map(Math.fround), Array.from(norm.means));
      const tr = new Trainer(model, { epochs: 3 });
      await tr.train(model, ds);
      assert.equal(metricsToJSON(tr.metricsHistory()), tr.metricsJSON());
      const noVal = new Trainer(model, { epochs: 2, validationSplit: 0 });
      await noVal.train(model, ds);
      assert.equal(metricsToJSON(noVal.metricsHistory()), noVal.metricsJSON());
      assert.match(metricsToJSON(noVal.metricsHistory()), /"val_loss":null/);
      for (const o of [tr, noVal, ds, model]) o.dispose();

    });

    // Rows R1..: docs/bad-inputs.md, "Prediction, evaluation and rules".
    const BAD = [
      ['R1', 'splitSizes(n, validationSplit)', 'n = -1', () => splitSizes(-1, 0.2), 'splitSizes: n must be an integer in [0, 2^31), got -1'],
      ['R2', 'splitSizes(n, validationSplit)', 'n = 2.5', () => splitSizes(2.5, 0.2), 'splitSizes: n must be an integer in [0, 2^31), got 2.5'],
      ['R3', 'splitSizes(n, validationSplit)', 'validationSplit 1.5', () => splitSizes(10, 1.5), 'val_ratio must be in [0, 1], got 1.5'],
      ['R4', 'splitSizes(n, validationSplit)', "validationSplit '0.2'", () => splitSizes(10, '0.2'),
        'splitSizes: validationSplit must be a number, got "0.2"'],
      ['R5', 'normalizationToJSON(norm)', '2 means, 1 std', () => normalizationToJSON({ means: [1, 2], stds: [1] }),
        'normalizationToJSON: means has length 2 but stds has length 1'],
      ['R6', 'normalizationToJSON(norm)', 'a std of 0', () => normalizationToJSON({ means: [1], stds: [0] }),
        'normalization: stds[0] = 0 must be finite and > 0'],
      ['R7', 'normalizationToJSON(norm)', 'null', () => normalizationToJSON(null),
        'normalizationToJSON: normalization must be an object { means, stds }, got null'],
      ['R8', 'metricsToJSON(metrics)', '{}', () => metricsToJSON({}), 'metricsToJSON: metrics must be an array, got an object'],
      ['R9', 'metricsToJSON(metrics)', 'epoch -1', () => metricsToJSON([{ epoch: -1 }]),
        'metricsToJSON: metrics[0].epoch must be an integer >= 0, got -1'],
      ['R10', 'metricsToJSON(metrics)', "trainLoss '1'", () => metricsToJSON([{ epoch: 0, trainLoss: '1' }]),
        'metricsToJSON: metrics[0].trainLoss must be a number or null, got "1"'],
    ];
    it('bad inputs of the rule functions: typed errors naming the argument', () => {
      for (const [id, , , call, message] of BAD) {
        assert.throws(call, (e) => {
          assert.ok(e instanceof fg.FastGRNNError, `${id}: ${e}`);
          assert.equal(e.code, 'InvalidInput', id);
          assert.equal(e.message, message, id);
          return true;
        });
      }
    });
  });
}
