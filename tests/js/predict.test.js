// Prediction on raw inputs: predict* apply the model's stored normalization
// in C, then the forward pass; equal to forward* on manually normalized
// input bit for bit, in both wasm modules.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fg, FLAVORS, useFlavor, expectError, rng } from './helpers.js';

const { FastGRNN, TrainingDataset } = fg;

function bitsEqual(a, b) {
  const x = new Uint32Array(Float32Array.from(a).buffer), y = new Uint32Array(Float32Array.from(b).buffer);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// n raw samples of T steps x D features, far from zero-mean unit-variance.
function rawData(n, T, D, seed) {
  const r = rng(seed);
  const x = new Float32Array(n * T * D);
  for (let i = 0; i < x.length; i++) x[i] = 50 * r() - 10 + (i % D) * 7;
  return x;
}

// The same normalization done by the dataset (C's apply_normalization).
function normalizedCopy(x, T, D, norm) {
  const ds = new TrainingDataset(x, new Float32Array(x.length / (T * D)), { inputDim: D, timesteps: T });
  ds.applyNormalization(norm.means, norm.stds);
  const out = ds.features;
  ds.dispose();
  return out;
}

for (const flavor of FLAVORS) {
  describe(`predict on raw inputs (${flavor})`, () => {
    before(() => useFlavor(flavor));

    for (const O of [1, 4]) {
      it(`O=${O}: predict / predictBatch / predictLogits equal forward / forwardBatch / logits on normalized input bit for bit`, () => {
        const D = 3, T = 2, n = 300;
        const model = new FastGRNN({ inputDim: D, hiddenDim: 7, outputDim: O, seed: 5 });
        const x = rawData(n, T, D, 11);
        const norm = { means: Float32Array.from([12.5, -3.25, 30]), stds: Float32Array.from([9, 0.75, 14]) };
        // no stored normalization: predict is forward
        assert.ok(bitsEqual(model.predictBatch(x, { timesteps: T }), model.forwardBatch(x, { timesteps: T })));
        model.normalization = norm;
        const xn = normalizedCopy(x, T, D, norm);
        const pb = model.predictBatch(x, { timesteps: T });
        assert.equal(pb.length, n * O);
        assert.ok(bitsEqual(pb, model.forwardBatch(xn, { timesteps: T })), 'predictBatch == forwardBatch(normalized)');
        assert.ok(!bitsEqual(pb, model.forwardBatch(x, { timesteps: T })), 'normalization changes the outputs');
        assert.ok(bitsEqual(model.predictLogits(x, { timesteps: T }), model.logits(xn, { timesteps: T })));
        for (const i of [0, 17, n - 1]) {
          const one = x.subarray(i * T * D, (i + 1) * T * D);
          const ref = model.forward(xn.subarray(i * T * D, (i + 1) * T * D));
          const got = model.predict(one);
          if (O === 1) {
            assert.equal(typeof got, 'number');
            assert.ok(Object.is(got, ref), `sample ${i}: ${got} vs ${ref}`);
            assert.ok(Object.is(got, pb[i]));
          } else {
            assert.ok(got instanceof Float32Array && got.length === O);
            assert.ok(bitsEqual(got, ref));
            assert.ok(bitsEqual(got, pb.subarray(i * O, (i + 1) * O)));
          }
        }
        // the stored normalization survives save / load, and so does predict
        const back = FastGRNN.load(model.save());
        assert.ok(bitsEqual(back.predictBatch(x, { timesteps: T }), pb));
        back.dispose();
        model.dispose();
      });
    }

    it('binary: predictClass / predictLabel follow p >= 0.5; rows and flat input agree', () => {
      const model = new FastGRNN({ inputDim: 2, hiddenDim: 5, seed: 3 });
      model.normalization = { means: [10, 20], stds: [2, 4] };
      const x = rawData(64, 1, 2, 4);
      // centre the head bias on the median logit, so both classes occur
      const lg = Array.from(model.predictLogits(x)).sort((a, b) => a - b);
      const params = model.getParameters();
      params[model.tensors().find((t) => t.name === 'head.bias').offset] -= (lg[31] + lg[32]) / 2;
      model.setParameters(params);
      const probs = model.predictBatch(x);
      const classes = model.predictClassBatch(x);
      const labels = model.predictLabelBatch(x);
      assert.ok(classes instanceof Int32Array && classes.length === 64);
      let ones = 0;
      for (let i = 0; i < 64; i++) {
        const row = Array.from(x.subarray(2 * i, 2 * i + 2));
        assert.equal(classes[i], probs[i] >= 0.5 ? 1 : 0, `sample ${i}: p ${probs[i]}`);
        assert.equal(model.predictClass(row), classes[i]);
        assert.equal(model.predictLabel(row), String(classes[i]));
        assert.equal(labels[i], String(classes[i]));
        ones += classes[i];
      }
      assert.ok(ones > 0 && ones < 64, `both classes occur (${ones} of 64)`);
      const rowsIn = Array.from({ length: 64 }, (_, i) => Array.from(x.subarray(2 * i, 2 * i + 2)));
      assert.ok(bitsEqual(model.predictBatch(rowsIn), probs));
      assert.equal(model.isBinary(), true);
      assert.equal(model.isMultiClass(), false);
      model.dispose();
    });

    it('multi-class: predictClass is the most probable class; labels from the card when it has class names', () => {
      const O = 3;
      const model = new FastGRNN({ inputDim: 4, hiddenDim: 6, outputDim: O, seed: 9 });
      model.normalization = { means: [1, 2, 3, 4], stds: [5, 6, 7, 8] };
      const x = rawData(40, 2, 4, 8);
      const probs = model.predictBatch(x, { timesteps: 2 });
      const classes = model.predictClassBatch(x, { timesteps: 2 });
      for (let i = 0; i < 40; i++) {
        const p = probs.subarray(i * O, (i + 1) * O);
        let arg = 0;
        for (let k = 1; k < O; k++) if (p[k] > p[arg]) arg = k;
        assert.equal(classes[i], arg, `sample ${i}`);
        assert.equal(model.predictClass(x.subarray(i * 8, (i + 1) * 8)), arg);
      }
      assert.equal(model.isMultiClass(), true);
      const names = ['red', 'green', 'blue'];
      if (typeof model.updateCard === 'function') {
        model.updateCard({ classNames: names });
        assert.deepEqual(model.predictLabelBatch(x, { timesteps: 2 }), Array.from(classes, (k) => names[k]));
      }
      // Without class names (or with a card lacking them): the index as a string.
      const plain = new FastGRNN({ inputDim: 4, hiddenDim: 6, outputDim: O, seed: 9 });
      plain.normalization = model.normalization;
      assert.deepEqual(plain.predictLabelBatch(x, { timesteps: 2 }), Array.from(classes, String));
      plain.dispose();
      model.dispose();
    });

    // Rows P1..: docs/bad-inputs.md, "Prediction, evaluation and rules".
    const BAD = [
      ['P1', 'model.predict(x)', 'x of 2 values, inputDim 3', (m) => m.predict([1, 2]),
        'predict: x: length 2 is not a positive multiple of inputDim 3'],
      ['P2', 'model.predict(x, { timesteps })', '6 values, timesteps 3, inputDim 3', (m) => m.predict([1, 2, 3, 4, 5, 6], { timesteps: 3 }),
        'predict: x: length 6 does not equal timesteps * inputDim = 9'],
      ['P3', 'model.predictBatch(rows)', 'a row of 2 values', (m) => m.predictBatch([[1, 2, 3], [1, 2]]),
        'predictBatch: x[1] has length 2, expected timesteps * inputDim = 3'],
      ['P4', 'model.predictClassBatch(x)', 'flat x of 4 values', (m) => m.predictClassBatch(new Float32Array(4)),
        'predictClassBatch: x: length 4 is not a multiple of timesteps * inputDim = 3'],
      ['P5', 'model.predict(x)', 'a NaN feature', (m) => m.predict([1, NaN, 3]), 'features[1] must be finite, got nan'],
      ['P6', 'model.predict(x)', '1e38 with a stored std of 1e-30', (m) => m.predict([1e38, 0, 0]),
        "features[0] = 1e+38 gives a non-finite value after the model's normalization (mean 0, std 1e-30)"],
      ['P7', 'model.predictLabel(x, options)', '{ steps: 1 }', (m) => m.predictLabel([1, 2, 3], { steps: 1 }),
        "predictLabel: unknown option 'steps'"],
      ['P8', 'model.predict(x, options)', 'options 5', (m) => m.predict([1, 2, 3], 5), 'predict: options must be an object, got 5'],
      ['P9', 'model.predict(x)', "'abc'", (m) => m.predict('abc'),
        'predict: x must be a Float32Array or an array of numbers, got "abc"'],
    ];

    it('bad inputs: typed errors naming the argument, nothing changed', () => {
      const model = new FastGRNN({ inputDim: 3, hiddenDim: 4 });
      model.normalization = { means: [0, 0, 0], stds: [1e-30, 1, 1] };
      const bytes = model.save();
      for (const [id, , , call, message] of BAD) {
        assert.throws(() => call(model), (e) => {
          assert.ok(e instanceof fg.FastGRNNError, `${id}: ${e}`);
          assert.equal(e.code, 'InvalidInput', id);
          assert.equal(e.message, message, id);
          return true;
        });
        assert.deepEqual(model.save(), bytes, `${id}: the model is unchanged`);
      }
      // P11: with timesteps in the model card, a row of another width is an error
      const carded = new FastGRNN({ inputDim: 3, hiddenDim: 4 });
      const card = carded.card;
      Object.defineProperty(carded, 'card', { value: { ...(card ?? {}), timesteps: 2 } });
      assert.equal(typeof carded.predict([1, 2, 3, 4, 5, 6]), 'number');
      assert.throws(() => carded.predict([1, 2, 3, 4, 5, 6, 7, 8, 9]),
        expectError('InvalidInput', /^predict: x: length 9 does not equal timesteps \* inputDim = 6$/));
      assert.throws(() => carded.predictBatch([[1, 2, 3]]),
        expectError('InvalidInput', /^predictBatch: x\[0\] has length 3, expected timesteps \* inputDim = 6$/));
      assert.equal(carded.predictBatch([[1, 2, 3]], { timesteps: 1 }).length, 1); // an explicit timesteps wins
      carded.dispose();
      assert.deepEqual(model.predictBatch([]), new Float32Array(0));
      assert.deepEqual(model.predictClassBatch([]), new Int32Array(0));
      model.dispose();
      // P10: every predict method of a disposed model
      for (const call of [() => model.predict([1, 2, 3]), () => model.predictBatch([[1, 2, 3]]),
        () => model.predictClass([1, 2, 3]), () => model.predictLabel([1, 2, 3]),
        () => model.predictClassBatch([[1, 2, 3]]), () => model.predictLabelBatch([[1, 2, 3]]),
        () => model.predictLogits([[1, 2, 3]]), () => model.isBinary()]) {
        assert.throws(call, expectError('InvalidInput', /^this FastGRNN has been disposed$/));
      }
    });
  });
}
