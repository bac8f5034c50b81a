// Robustness of the JS API: the JS rows of docs/bad-inputs.md (each: the
// error code, the message, and the model, dataset and trainer unchanged),
// long runs with a flat wasm heap, aborts at random points of an epoch,
// divergence, and out-of-memory.
//
// FG_BAD_INPUTS_MD=FILE writes the rows, with the messages users actually
// get, as Markdown (used to build docs/bad-inputs.md).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fg, FLAVORS, useFlavor, rng, routingData, expectError, bytesEqual, capMemory } from './helpers.js';

const { FastGRNN, TrainingDataset, Trainer, BatchIterator } = fg;

// ---- fixtures --------------------------------------------------------------

const MODEL = { inputDim: 3, hiddenDim: 4, rank: null, seed: 5 };
const TRAINING = { epochs: 2, batchSize: 4, learningRate: 0.01, validationSplit: 0.25 };

function data(n = 8, D = 3, seed = 3) {
  const r = rng(seed);
  const x = new Float32Array(n * D).map(() => r() * 2 - 1);
  const y = new Float32Array(n).map((_, i) => i % 2);
  return { x, y };
}

/** A model, dataset and trainer, plus untouched twins of the model and trainer. */
function fixture() {
  const { x, y } = data();
  const f = {
    m: new FastGRNN(MODEL),
    twinM: new FastGRNN(MODEL),
    ds: new TrainingDataset(x, y, { inputDim: 3 }).withSoftTargets(new Float32Array(8).fill(0.5)),
    x,
    y,
  };
  f.tr = new Trainer(f.m.config, TRAINING);
  f.twinTr = new Trainer(f.m.config, TRAINING);
  f.snap = {
    model: f.m.save(),
    features: f.ds.features,
    labels: f.ds.labels,
    soft: f.ds.softTargets,
    config: f.tr.config,
    metrics: JSON.stringify(f.tr.metricsHistory()),
  };
  return f;
}

/** Asserts that the bad call changed nothing, then disposes the fixture. */
function assertUnchanged(f, what) {
  assert.ok(bytesEqual(f.m.save(), f.snap.model), `${what}: model unchanged`);
  assert.deepEqual(f.ds.features, f.snap.features, `${what}: features unchanged`);
  assert.deepEqual(f.ds.labels, f.snap.labels, `${what}: labels unchanged`);
  assert.deepEqual(f.ds.softTargets, f.snap.soft, `${what}: soft targets unchanged`);
  assert.deepEqual(f.tr.config, f.snap.config, `${what}: trainer config unchanged`);
  assert.equal(JSON.stringify(f.tr.metricsHistory()), f.snap.metrics, `${what}: metrics unchanged`);
  // the trainer's optimizer state: its next step equals an untouched twin's
  const l1 = f.tr.trainBatch(f.m, f.x, f.y);
  const l2 = f.twinTr.trainBatch(f.twinM, f.x, f.y);
  assert.equal(l1, l2, `${what}: next trainBatch loss as the twin's`);
  assert.ok(bytesEqual(f.m.save(), f.twinM.save()), `${what}: next trainBatch weights as the twin's`);
  for (const o of [f.m, f.twinM, f.ds, f.tr, f.twinTr]) o.dispose();
}

// ---- the rows ----------------------------------------------------------------

// id, call, bad input (for the table), code, expected message (a substring,
// or a RegExp where the text depends on the platform), run(fixture).
const ROWS = [
  ['J1', 'new FastGRNN(config)', '{ hiddenDim: 0 }', 'InvalidInput', 'hidden_dim must be in [1, 16777216], got 0',
    () => new FastGRNN({ hiddenDim: 0 })],
  ['J2', 'new FastGRNN(config)', '{ hidenDim: 8 } (misspelt key)', 'InvalidInput', "unknown model config key 'hidenDim'",
    () => new FastGRNN({ hidenDim: 8 })],
  ['J3', 'new FastGRNN(config)', "{ hiddenDim: '8' } (a string)", 'InvalidInput', '"hidden_dim" must be an integer, got "8"',
    () => new FastGRNN({ hiddenDim: '8' })],
  ['J4', 'new FastGRNN(config)', '{ nu: NaN }', 'InvalidInput', "model config key 'nu' must be a finite number, got NaN",
    () => new FastGRNN({ nu: NaN })],
  ['J5', 'new FastGRNN(config)', '{ inputDim: 100000, hiddenDim: 100000, rank: null }', 'InvalidInput',
    'give 20000300003 parameters (max 2^28)',
    () => new FastGRNN({ inputDim: 100000, hiddenDim: 100000, rank: null })],
  ['J6', 'model.forward(x)', '[1, 2] for inputDim 3', 'InvalidInput', 'forward: x: length 2 is not a positive multiple of inputDim 3',
    (f) => f.m.forward([1, 2])],
  ['J7', 'model.forward(x)', '[1, NaN, 2]', 'InvalidInput', 'features[1] must be finite, got nan',
    (f) => f.m.forward([1, NaN, 2])],
  ['J8', 'model.forward(x)', "[1, 'a', 2]", 'InvalidInput', 'forward: x[1] must be a number, got "a"',
    (f) => f.m.forward([1, 'a', 2])],
  ['J9', 'model.forwardBatch(x)', 'a Float32Array of 7 for inputDim 3', 'InvalidInput',
    'forwardBatch: x: length 7 is not a multiple of timesteps * inputDim = 3',
    (f) => f.m.forwardBatch(new Float32Array(7))],
  ['J10', 'model.forwardBatch(x, options)', '{ timesteps: 0 }', 'InvalidInput', 'timesteps must be an integer >= 1, got 0',
    (f) => f.m.forwardBatch(new Float32Array(6), { timesteps: 0 })],
  ['J11', 'model.setParameters(values)', '2 values for 43 parameters', 'InvalidInput', "count must equal the model's 43 parameters, got 2",
    (f) => f.m.setParameters([1, 2])],
  ['J12', 'model.normalization = value', '{ means: [0, 0, 0], stds: [1, 0, 1] }', 'InvalidInput', 'stds[1] must be finite and > 0, got 0',
    (f) => { f.m.normalization = { means: [0, 0, 0], stds: [1, 0, 1] }; }],
  ['J13', 'model.prune(sparsity)', '1', 'InvalidInput', 'sparsity must be in [0, 1), got 1',
    (f) => f.m.prune(1)],
  ['J14', 'FastGRNN.load(bytes)', 'a 3-byte Uint8Array', 'SerializationError',
    'safetensors data is 3 bytes; it must start with an 8-byte header length',
    () => FastGRNN.load(new Uint8Array(3))],
  ['J15', 'FastGRNN.load(bytes)', 'a saved model with its last byte cut off', 'SerializationError', 'out of bounds of the 171-byte data section',
    (f) => FastGRNN.load(f.snap.model.subarray(0, f.snap.model.length - 1))],
  ['J16', 'FastGRNN.load(bytes)', 'a saved model with a NaN written into its last weight', 'SerializationError',
    'holds a non-finite value',
    (f) => {
      const b = f.snap.model.slice();
      b.set([0, 0, 0xc0, 0x7f], b.length - 4);
      return FastGRNN.load(b);
    }],
  ['J17', 'FastGRNN.load(path)', 'a path that does not exist', 'IoError', /^cannot read \/nonexistent-dir\/m\.safetensors: ENOENT/,
    () => FastGRNN.load('/nonexistent-dir/m.safetensors')],
  ['J18', 'FastGRNN.load(source)', '42', 'InvalidInput', 'FastGRNN.load: source must be a Uint8Array or ArrayBuffer, got 42',
    () => FastGRNN.load(42)],
  ['J19', 'model.save(path)', 'a path in a missing directory', 'IoError', /^cannot write \/nonexistent-dir\/m\.safetensors: ENOENT/,
    (f) => f.m.save('/nonexistent-dir/m.safetensors')],
  ['J20', 'new TrainingDataset(features, labels)', '[], []', 'InvalidInput', 'dataset is empty: n must be > 0, got 0',
    () => new TrainingDataset([], [])],
  ['J21', 'new TrainingDataset(features, labels, options)', '2 samples, 3 labels', 'InvalidInput',
    'features and labels have different lengths: 2 samples vs 3 labels',
    () => new TrainingDataset(new Float32Array(6), [0, 1, 1], { inputDim: 3 })],
  ['J22', 'new TrainingDataset(features, labels, options)', 'label 2 for a binary dataset', 'InvalidInput',
    'labels[1] must be in [0, 1] for a binary model, got 2',
    () => new TrainingDataset(new Float32Array(6), [0, 2], { inputDim: 3 })],
  ['J23', 'new TrainingDataset(features, labels, options)', 'label 0.5 with outputDim 3', 'InvalidInput',
    'labels[0] must be a class index in [0, 3), got 0.5',
    () => new TrainingDataset(new Float32Array(6), [0.5, 2], { inputDim: 3, outputDim: 3 })],
  ['J24', 'new TrainingDataset(features, labels, options)', 'a NaN feature', 'InvalidInput', 'features[1] must be finite, got nan',
    () => new TrainingDataset(new Float32Array([0, NaN, 0, 0, 0, 0]), [0, 1], { inputDim: 3 })],
  ['J25', 'new TrainingDataset(rows, labels)', 'rows of lengths 3 and 2', 'InvalidInput',
    'features[1] has length 2, expected timesteps * inputDim = 3',
    () => new TrainingDataset([[1, 2, 3], [1, 2]], [0, 1])],
  ['J26', 'new TrainingDataset(features, labels)', 'flat features without inputDim', 'InvalidInput',
    'features: inputDim is required with flat features',
    () => new TrainingDataset(new Float32Array(6), [0, 1])],
  ['J27', 'dataset.withSoftTargets(soft)', '1 value for 8 samples', 'InvalidInput',
    'soft_targets length must equal the number of samples = 8, got 1',
    (f) => f.ds.withSoftTargets([0.5])],
  ['J28', 'dataset.withSoftTargets(soft)', 'a value of 2', 'InvalidInput', 'soft_targets[1] must be finite and in [0, 1], got 2',
    (f) => f.ds.withSoftTargets([0.5, 2, 0, 0, 0, 0, 0, 0])],
  ['J29', 'dataset.split(ratio)', '1.5', 'InvalidInput', 'val_ratio must be in [0, 1], got 1.5',
    (f) => f.ds.split(1.5)],
  ['J30', 'dataset.applyNormalization(means, stds)', '3 means, 2 stds', 'InvalidInput',
    'applyNormalization: means has length 3 but stds has length 2',
    (f) => f.ds.applyNormalization([0, 0, 0], [1, 1])],
  ['J31', 'dataset.applyNormalization(means, stds)', 'means [-3e38, 0, 0], stds [1e-30, 1, 1]', 'InvalidInput',
    'gives a non-finite value',
    (f) => f.ds.applyNormalization([-3e38, 0, 0], [1e-30, 1, 1])],
  ['J32', 'new BatchIterator(dataset, batchSize)', '0', 'InvalidInput', 'batchSize must be an integer >= 1, got 0',
    (f) => new BatchIterator(f.ds, 0)],
  ['J33', 'new Trainer(modelConfig, trainingConfig)', '{ learningRate: -1 }', 'InvalidInput',
    'learning_rate must be finite and > 0, got -1',
    (f) => new Trainer(f.m.config, { learningRate: -1 })],
  ['J34', 'new Trainer(modelConfig, trainingConfig)', '{ learningRat: 0.1 } (misspelt key)', 'InvalidInput',
    "unknown training config key 'learningRat'",
    (f) => new Trainer(f.m.config, { learningRat: 0.1 })],
  ['J35', 'new Trainer(modelConfig, trainingConfig)', '{ learningRate: 0.1, learning_rate: 0.1 }', 'InvalidInput',
    "training config key 'learning_rate' is given twice (camelCase and snake_case)",
    (f) => new Trainer(f.m.config, { learningRate: 0.1, learning_rate: 0.1 })],
  ['J36', 'trainer.train(model, dataset)', 'a model with hiddenDim 5 for a trainer made for 4', 'InvalidInput',
    "differ from the trainer's model config",
    async (f) => {
      const other = new FastGRNN({ ...MODEL, hiddenDim: 5 });
      try { await f.tr.train(other, f.ds); } finally { other.dispose(); }
    }],
  ['J37', 'trainer.train(model, dataset)', 'a dataset with inputDim 4', 'InvalidInput',
    "dataset input_dim 4 differs from the model's input_dim 3",
    async (f) => {
      const d4 = new TrainingDataset(new Float32Array(8), [0, 1], { inputDim: 4 });
      try { await f.tr.train(f.m, d4); } finally { d4.dispose(); }
    }],
  ['J38', 'trainer.train(model, dataset, options)', '{ onEpoch: 3 }', 'InvalidInput', 'train: onEpoch must be a function, got 3',
    (f) => f.tr.train(f.m, f.ds, { onEpoch: 3 })],
  ['J39', 'trainer.train(model, dataset, options)', 'an already aborted signal', 'Aborted', 'training aborted',
    (f) => f.tr.train(f.m, f.ds, { signal: AbortSignal.abort() })],
  ['J40', 'trainer.train(model, dataset)', 'a second train() while the first runs', 'InvalidInput',
    'train: this Trainer is already training',
    async (f) => {
      // another trainer and model run the first call; it must finish as if alone
      const busy = new Trainer(f.m.config, TRAINING);
      const bm = new FastGRNN(MODEL);
      const first = busy.train(bm, f.ds);
      try {
        await busy.train(bm, f.ds);
      } finally {
        await first;
        const alone = new FastGRNN(MODEL);
        const solo = new Trainer(f.m.config, TRAINING);
        await solo.train(alone, f.ds);
        assert.ok(bytesEqual(bm.save(), alone.save()), 'the first run is unaffected');
        for (const o of [busy, bm, alone, solo]) o.dispose();
      }
    }],
  ['J41', 'trainer.trainBatch(model, x, labels)', '2 rows, 1 label', 'InvalidInput', 'trainBatch: 2 feature rows but 1 labels',
    (f) => f.tr.trainBatch(f.m, new Float32Array(6), [0])],
  ['J42', 'trainer.trainBatch(model, x, labels)', 'a NaN label', 'InvalidInput', 'labels[0] must be finite, got nan',
    (f) => f.tr.trainBatch(f.m, new Float32Array(6), [NaN, 1])],
  ['J43', 'trainer.evaluate(model, dataset)', '{} as the dataset', 'InvalidInput', 'evaluate: dataset must be a TrainingDataset',
    (f) => f.tr.evaluate(f.m, {})],
  ['J44', 'generateTeacherPredictions(teacher, x, T)', 'T = 0', 'InvalidInput', 'temperature must be finite and > 0, got 0',
    (f) => fg.generateTeacherPredictions(f.m, new Float32Array(3), 0)],
  ['J45', 'temperatureSoftmax(logit, T)', 'T = 0', 'InvalidInput', 'temperatureSoftmax: temperature must be > 0, got 0',
    () => fg.temperatureSoftmax(1, 0)],
  ['J46', 'model.forward(x) after model.dispose()', 'a disposed model', 'InvalidInput', 'this FastGRNN has been disposed',
    () => { const d = new FastGRNN(MODEL); d.dispose(); return d.forward([0, 0, 0]); }],
];

const mdRows = [];

for (const flavor of FLAVORS) {
  describe(`robustness (${flavor})`, () => {
    before(() => useFlavor(flavor));

    describe('bad inputs: code, message, and nothing changed', () => {
      for (const [id, call, input, code, message, run] of ROWS) {
        it(`${id} ${call}: ${input} -> ${code}`, async () => {
          const f = fixture();
          let err = null;
          try {
            await run(f);
          } catch (e) {
            err = e;
          }
          assert.ok(err, `${id}: no error thrown`);
          assert.ok(err instanceof fg.FastGRNNError, `${id}: ${err && err.stack}`);
          assert.equal(err.code, code, `${id}: ${err.message}`);
          if (message instanceof RegExp) assert.match(err.message, message);
          else assert.ok(err.message.includes(message), `${id}: "${err.message}" lacks "${message}"`);
          assertUnchanged(f, id);
          if (flavor === FLAVORS[0]) mdRows.push(`| ${id} | \`${call}\` | ${input.replace(/\|/g, '\\|')} | ${err.code} | ${err.message.replace(/\|/g, '\\|')} |`);
        });
      }
    });

    it('10,000 create/train(1 epoch)/dispose cycles keep the wasm heap flat', async (t) => {
      const { x, y } = data(8, 2, 11);
      const cycle = async () => {
        const ds = new TrainingDataset(x, y, { inputDim: 2 });
        const m = new FastGRNN({ inputDim: 2, hiddenDim: 3, rank: null });
        const tr = new Trainer(m.config, { epochs: 1, batchSize: 4 });
        await tr.train(m, ds);
        ds.dispose();
        m.dispose();
        tr.dispose();
      };
      const probe = new FastGRNN({ inputDim: 2 });
      // where a fresh 1 MiB block lands: rises when anything leaks
      const highWater = () => {
        const ex = probe._m.exports;
        const p = ex.fg_malloc(1 << 20);
        ex.fg_free(p);
        return p;
      };
      for (let i = 0; i < 100; i++) await cycle(); // warm-up
      const before = fg.moduleInfo().memoryBytes;
      const hw = highWater();
      const t0 = performance.now();
      for (let i = 0; i < 10000; i++) await cycle();
      const after = fg.moduleInfo().memoryBytes;
      const hw2 = highWater();
      t.diagnostic(`memory.buffer.byteLength ${before} -> ${after}; 1 MiB block at ${hw} -> ${hw2}; ` +
        `${(performance.now() - t0).toFixed(0)} ms`);
      assert.equal(after, before, 'memory.buffer grew');
      assert.ok(hw2 <= hw, `high-water mark rose from ${hw} to ${hw2}`);
      probe.dispose();
    });

    it('abort at random points of an epoch: the model predicts finite values, saves and loads', async (t) => {
      const { features, labels } = routingData(4000, 21);
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      const ref = { features: ds.features, labels: ds.labels };
      const cfg = { inputDim: 5, hiddenDim: 16, rank: 8, seed: 4 };
      // how long does one epoch take?
      const m0 = new FastGRNN(cfg);
      const t0 = performance.now();
      await new Trainer(cfg, { epochs: 1, batchSize: 8 }).train(m0, ds, { sliceMs: 1 });
      const epochMs = Math.max(5, performance.now() - t0);
      const x = features.subarray(0, 50 * 5);
      const r = rng(99);
      let midEpoch = 0;
      for (let run = 0; run < 12; run++) {
        const m = new FastGRNN(cfg);
        const initial = m.save();
        const tr = new Trainer(cfg, { epochs: 3, batchSize: 8, learningRate: 0.01 });
        const ac = new AbortController();
        // a random point within the first two epochs, by time or by event-loop turns
        if (run % 2 === 0) {
          setTimeout(() => ac.abort(new Error('user')), r() * 2 * epochMs);
        } else {
          let turns = Math.floor(r() * 200);
          const hop = () => (turns-- > 0 ? setImmediate(hop) : ac.abort(new Error('user')));
          setImmediate(hop);
        }
        let epochs = 0;
        const err = await tr.train(m, ds, { signal: ac.signal, sliceMs: 1, onEpoch: () => { epochs++; } })
          .then(() => null, (e) => e);
        if (err === null) { // finished before the abort fired: not a data point
          m.dispose();
          tr.dispose();
          continue;
        }
        assert.equal(err.code, 'Aborted', err.message);
        if (epochs < 3 && !bytesEqual(m.save(), initial)) midEpoch++;
        const p = m.forwardBatch(x);
        assert.ok(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), 'finite probabilities after abort');
        const bytes = m.save();
        const back = FastGRNN.load(bytes);
        assert.ok(bytesEqual(back.save(), bytes), 'save -> load -> save is exact');
        assert.deepEqual(back.forwardBatch(x), p, 'the loaded model predicts the same');
        // the trainer and dataset are usable again, the data untouched
        assert.equal(tr.metricsHistory().length, epochs);
        await tr.train(m, ds, { onEpoch: () => false });
        back.dispose();
        m.dispose();
        tr.dispose();
      }
      assert.deepEqual(ds.features, ref.features);
      assert.deepEqual(ds.labels, ref.labels);
      t.diagnostic(`epoch ${epochMs.toFixed(0)} ms; ${midEpoch} of 12 aborts landed after some batches ran`);
      assert.ok(midEpoch >= 3, `only ${midEpoch} aborts landed mid-run`);
      m0.dispose();
      ds.dispose();
    });

    it('a divergent learning rate stops with Diverged; the weights are the last finite ones', async () => {
      const { features, labels } = routingData(16, 5);
      const cfg = { inputDim: 5, hiddenDim: 4, rank: null, seed: 8 };
      // custom loop: the weights before the failing step are kept exactly
      const m = new FastGRNN(cfg);
      const tr = new Trainer(cfg, { learningRate: 1e38, gradClip: 0 });
      let last = m.getParameters();
      let err = null;
      for (let step = 0; step < 100 && !err; step++) {
        try {
          tr.trainBatch(m, features, labels);
          last = m.getParameters();
        } catch (e) {
          err = e;
        }
      }
      assert.ok(err, 'no divergence in 100 steps');
      assert.equal(err.code, 'Diverged');
      assert.match(err.message, /non-finite/);
      const now = m.getParameters();
      assert.ok(now.every(Number.isFinite), 'finite weights');
      assert.deepEqual(now, last, 'the last finite weights');
      // train(): one batch per epoch, so the weights at the last onEpoch are the last finite ones
      const m2 = new FastGRNN(cfg);
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      const tr2 = new Trainer(cfg, {
        learningRate: 1e38, gradClip: 0, batchSize: 16, validationSplit: 0, shuffle: false, epochs: 100,
      });
      let atEpoch = m2.getParameters();
      await assert.rejects(tr2.train(m2, ds, { onEpoch: () => { atEpoch = m2.getParameters(); } }),
        expectError('Diverged', /non-finite/));
      assert.ok(m2.getParameters().every(Number.isFinite));
      assert.deepEqual(m2.getParameters(), atEpoch);
      assert.ok(Number.isFinite(m2.forward(features.subarray(0, 5))), 'still predicts');
      assert.ok(bytesEqual(FastGRNN.load(m2.save()).save(), m2.save()), 'still saves and loads');
      // the trainer trains again with a sane model afterwards
      const ok = new Trainer(cfg, { epochs: 2 });
      await ok.train(m2, ds);
      for (const o of [m, tr, m2, ds, tr2, ok]) o.dispose();
    });

    it('out of memory: inputs larger than the 2 GiB heap, then the module keeps working', async () => {
      const f = fixture();
      const huge = new Float32Array(3 * 178956971); // 2 GiB + 4 bytes: cannot be copied into the wasm heap
      assert.throws(() => new TrainingDataset(huge, new Float32Array(178956971), { inputDim: 3 }),
        expectError('OutOfMemory', /cannot allocate 2147483652 bytes for the features/));
      assert.throws(() => f.tr.trainBatch(f.m, huge, new Float32Array(178956971)),
        expectError('OutOfMemory', /cannot allocate 2147483652 bytes/));
      assert.throws(() => f.m.setParameters(huge), expectError('OutOfMemory'));
      assert.equal(fg.moduleInfo().memoryBytes < 64 * 2 ** 20, true, 'the heap did not grow');
      assertUnchanged(f, 'after OutOfMemory');
      await trainsAndPredicts();
    });

    it('inputs of 4 GiB or more are OutOfMemory too (not a RangeError)', () => {
      const m = new FastGRNN({ inputDim: 1, hiddenDim: 2 });
      try {
        assert.throws(() => m.forwardBatch(new Float32Array(2 ** 30 + 1)), expectError('OutOfMemory'));
      } finally {
        m.dispose();
      }
    });

    describe('out of memory in a heap capped at 24 MiB', () => {
      before(async () => {
        const file = flavor === 'simd' ? 'fastgrnn-simd.wasm' : 'fastgrnn.wasm';
        const bytes = readFileSync(new URL(`../../dist/${file}`, import.meta.url));
        await fg.init({ wasm: capMemory(bytes, 384), simd: flavor === 'simd' });
      });
      after(() => useFlavor(flavor));

      it('a model too large for the heap, optimizer state too large, a dataset too large: OutOfMemory, then it works', async () => {
        assert.throws(() => new FastGRNN({ inputDim: 5, hiddenDim: 3000, rank: null }),
          expectError('OutOfMemory', /out of memory allocating \d+ bytes for model parameters/));
        // a 4 MB model fits, its Adam state (5 more copies) does not
        const big = new FastGRNN({ inputDim: 5, hiddenDim: 1000, rank: null });
        const bytes = big.save();
        const { features, labels } = routingData(64, 2);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const tr = new Trainer(big.config, { epochs: 1 });
        await assert.rejects(tr.train(big, ds), expectError('OutOfMemory', /optimizer state/));
        assert.ok(bytesEqual(big.save(), bytes), 'the model is unchanged');
        assert.ok(Number.isFinite(big.forward(features.subarray(0, 5))), 'and still predicts');
        assert.throws(() => new TrainingDataset(new Float32Array(5 * 2000000), new Float32Array(2000000), { inputDim: 5 }),
          expectError('OutOfMemory', /bytes for the features/));
        assert.throws(() => big.forwardBatch(new Float32Array(5 * 2000000)), expectError('OutOfMemory'));
        assert.throws(() => fg.generateTeacherPredictions(big, new Float32Array(5 * 2000000), 2), expectError('OutOfMemory'));
        tr.dispose();
        big.dispose();
        ds.dispose();
        await trainsAndPredicts();
      });
    });
  });
}

/** The module still creates, trains, predicts, saves and loads. */
async function trainsAndPredicts() {
  const { features, labels } = routingData(200, 9);
  const ds = new TrainingDataset(features, labels, { inputDim: 5 });
  const m = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
  const tr = new Trainer(m.config, { epochs: 2 });
  const metrics = await tr.train(m, ds);
  assert.equal(metrics.length, 2);
  const p = m.forwardBatch(features);
  assert.ok(p.every(Number.isFinite));
  const back = FastGRNN.load(m.save());
  assert.deepEqual(back.forwardBatch(features), p);
  for (const o of [ds, m, tr, back]) o.dispose();
}

after(() => {
  if (process.env.FG_BAD_INPUTS_MD && mdRows.length) {
    writeFileSync(process.env.FG_BAD_INPUTS_MD,
      '| # | JS call | bad input | code | message |\n|---|---|---|---|---|\n' + mdRows.join('\n') + '\n');
  }
});
