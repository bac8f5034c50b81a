// The worker helper (Node worker_threads; the same protocol as a Web Worker).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fg, FLAVORS, useFlavor, routingData, expectError, bytesEqual } from './helpers.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

  it('dimensions come from the data: rows with timesteps, a TrainingDataset, a dataset-like object', async () => {
    const { features, labels } = routingData(200, 6);
    // rows of T*D = 2*5 values with timesteps 2: inputDim 5
    const rows2 = [];
    for (let i = 0; i < 100; i++) rows2.push(Array.from(features.subarray(i * 10, i * 10 + 10)));
    const r1 = await trainInWorker({ features: rows2, labels: labels.subarray(0, 100), timesteps: 2, trainingConfig: { epochs: 1 } });
    const m1 = FastGRNN.load(r1.model);
    assert.equal(m1.inputDim, 5);
    m1.dispose();
    // a TrainingDataset (copied out of wasm memory) with inputDim 10
    const ds = new TrainingDataset(features.subarray(0, 1000), labels.subarray(0, 100), { inputDim: 10 });
    const r2 = await trainInWorker({ dataset: ds, trainingConfig: { epochs: 1 } });
    const m2 = FastGRNN.load(r2.model);
    assert.equal(m2.inputDim, 10);
    assert.equal(m2.outputDim, 1);
    m2.dispose();
    ds.dispose();
    // a plain dataset-like object (what readCSV returns): flat features, dims beside them
    const multi = Float32Array.from(labels, (v, i) => (v + i) % 3);
    const r3 = await trainInWorker({
      dataset: { features, labels: multi, inputDim: 5, timesteps: 1, outputDim: 3 },
      trainingConfig: { epochs: 1 },
    });
    const m3 = FastGRNN.load(r3.model);
    assert.equal(m3.inputDim, 5);
    assert.equal(m3.outputDim, 3);
    m3.dispose();
    // flat features take inputDim from modelConfig when the data has none
    const r4 = await trainInWorker({ modelConfig: { inputDim: 5, hiddenDim: 4 }, features, labels, trainingConfig: { epochs: 1 } });
    assert.equal(r4.metrics.length, 1);
  });

  it('a missing dimension is named (nothing defaults to inputDim 5)', async () => {
    const { features, labels } = routingData(50, 7);
    await assert.rejects(trainInWorker({ features, labels }),
      expectError('InvalidInput', /train: inputDim is missing: features is a flat array of 250 values; give inputDim/));
    await assert.rejects(trainInWorker({ dataset: { features, labels } }),
      expectError('InvalidInput', /inputDim is missing/));
    await assert.rejects(trainInWorker({ labels }), expectError('InvalidInput', /train: features are missing/));
    await assert.rejects(trainInWorker({ features: [[1, 2]] }), expectError('InvalidInput', /train: labels are missing/));
    await assert.rejects(trainInWorker({ features: [[1, 2, 3]], labels: [1], timesteps: 2 }),
      expectError('InvalidInput', /row length 3 is not a multiple of timesteps 2/));
    await assert.rejects(trainInWorker({ features, labels, inputDim: 0 }),
      expectError('InvalidInput', /train: inputDim must be a positive integer, got 0/));
    await assert.rejects(trainInWorker({ dataset: 'data.csv' }),
      expectError('InvalidInput', /train: dataset must be a TrainingDataset or \{ features, labels, \.\.\. \}, got "data.csv"/));
    await assert.rejects(trainInWorker({ features, labels, inputDim: 5, dataset: { features, labels } }),
      expectError('InvalidInput', /either dataset or features\/labels/));
    // the model's own dims win over nothing: data of width 2 against a width-5 model is C's error
    const start = new FastGRNN({ inputDim: 5, hiddenDim: 4 });
    await assert.rejects(trainInWorker({ model: start, features: [[1, 2], [3, 4]], labels: [0, 1] }),
      expectError('InvalidInput', /input_dim 2 differs from the model's input_dim 5/));
    start.dispose();
  });

  it("errors cross with code and message intact, thrown with the caller's stack", async () => {
    const { features, labels } = routingData(50, 8);
    let err;
    try {
      await trainInWorker({ modelConfig: { hiddenDim: 0 }, features, labels, inputDim: 5 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof fg.FastGRNNError);
    assert.equal(err.code, 'InvalidInput');
    // the same message the main thread gives for the same config
    let direct;
    try {
      new FastGRNN({ inputDim: 5, hiddenDim: 0 });
    } catch (e) {
      direct = e;
    }
    assert.equal(err.message, direct.message);
    assert.match(err.stack, /worker\.test\.js/, 'the stack names the calling test line');
    assert.match(err.stack.split('\n')[0], /^FastGRNNError: /);
    assert.match(err.workerStack, /training-worker\.js|index\.js/, 'the worker-side stack is kept apart');
    // a training-time error (C) too
    await assert.rejects(trainInWorker({ features, labels, inputDim: 5, trainingConfig: { learningRate: -1 } }),
      expectError('InvalidInput', /learning_rate|learningRate/));
  });

  it('init: { wasm } reaches the worker (bytes, a compiled Module, a path); bad ones are named', async () => {
    const { features, labels } = routingData(100, 9);
    const scalarPath = fileURLToPath(new URL('../../dist/fastgrnn.wasm', import.meta.url));
    const bytes = readFileSync(scalarPath);
    const job = { features, labels, inputDim: 5, modelConfig: { seed: 2 }, trainingConfig: { epochs: 2 } };
    const a = await trainInWorker(job, { init: { wasm: bytes } });
    assert.equal(a.simd, false);
    const b = await trainInWorker(job, { init: { wasm: await WebAssembly.compile(bytes) } });
    const c = await trainInWorker(job, { init: { wasm: scalarPath } });
    assert.ok(bytesEqual(a.model, b.model) && bytesEqual(a.model, c.model), 'the same module trains the same model');
    const simdBytes = readFileSync(scalarPath.replace('fastgrnn.wasm', 'fastgrnn-simd.wasm'));
    const simd = await trainInWorker(job, { init: { wasm: simdBytes, simd: true } });
    assert.equal(simd.simd, true);
    await assert.rejects(trainInWorker(job, { init: { wasm: new TextEncoder().encode('<!doctype html>') } }),
      expectError('SerializationError', /not a WebAssembly module: got HTML/));
    await assert.rejects(trainInWorker(job, { init: { wasm: '/nonexistent/x.wasm' } }),
      expectError('IoError', /cannot read \/nonexistent\/x\.wasm/));
    assert.throws(() => new TrainingWorker({ init: { wasmm: 1 } }), expectError('InvalidInput', /unknown init option 'wasmm'/));
    assert.throws(() => new TrainingWorker({ simdd: true }), expectError('InvalidInput', /unknown option 'simdd'/));
  });

  it('a worker that dies rejects (exit, killed from outside, out of memory); never hangs', async () => {
    const { features, labels } = routingData(2000, 10);
    const job = { features, labels, inputDim: 5 };
    await assert.rejects(trainInWorker(job, { url: new URL('./fixtures/exiting-worker.js', import.meta.url) }),
      expectError('Aborted', /the training worker exited \(exit code 3\) before the training finished/));
    // killed from outside (not through terminate())
    const tw = new TrainingWorker();
    const p = tw.train({ ...job, trainingConfig: { epochs: 1000, earlyStoppingPatience: null } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await tw._worker.terminate();
    await assert.rejects(p, expectError('Aborted', /exited/));
    // out of memory: a worker that fills its 16 MB heap
    await assert.rejects(trainInWorker(job, {
      url: new URL('./fixtures/oom-worker.js', import.meta.url), resourceLimits: { maxOldGenerationSizeMb: 16 },
    }), expectError('OutOfMemory', /the training worker ran out of memory: .*memory limit/));
    // a script that does not exist
    await assert.rejects(trainInWorker(job, { url: new URL('./fixtures/no-such-worker.js', import.meta.url) }),
      expectError('Aborted', /the training worker died: .*no-such-worker/));
  });

  it('the protocol is version-tagged: a mismatched worker is refused', async () => {
    const { features, labels } = routingData(20, 11);
    await assert.rejects(trainInWorker({ features, labels, inputDim: 5 },
      { url: new URL('./fixtures/old-protocol-worker.js', import.meta.url) }),
    expectError('InvalidInput', /protocol version 1, not 2/));
  });

  it('CSV input (text, bytes, a Blob) is read in the worker by readCSV; names reach the card', async () => {
    const { features, labels } = routingData(300, 12);
    const names = ['similarity', 'recency', 'popularity', 'success', 'complexity'];
    const lines = [[...names, 'label'].join(',')];
    for (let i = 0; i < 300; i++) {
      lines.push([...Array.from(features.subarray(i * 5, i * 5 + 5), (v) => v.toFixed(4)), labels[i] ? 'yes' : 'no'].join(','));
    }
    const text = lines.join('\n') + '\n';
    const job = { normalize: true, modelConfig: { hiddenDim: 6, seed: 1 }, trainingConfig: { epochs: 2 } };
    const fromText = await trainInWorker({ ...job, csv: text, csvOptions: { name: 'routing.csv' } });
    const fromBytes = await trainInWorker({ ...job, csv: new TextEncoder().encode(text) });
    const fromBlob = await trainInWorker({ ...job, csv: new Blob([text]) });
    assert.ok(bytesEqual(fromText.model, fromBytes.model) && bytesEqual(fromText.model, fromBlob.model),
      'text, bytes and a Blob train the same model');
    const m = FastGRNN.load(fromText.model);
    assert.equal(m.inputDim, 5, 'inputDim from the CSV header');
    assert.deepEqual(m.card.featureNames, names);
    assert.deepEqual(m.card.classNames, ['no', 'yes']);
    assert.equal(m.card.labelName, 'label');
    m.dispose();
    // the reader's message crosses with its line and column
    await assert.rejects(trainInWorker({ ...job, csv: 'a,b,label\n1,2,0\n3,x,1\n', csvOptions: { name: 'bad.csv' } }),
      expectError('InvalidInput', /bad\.csv line 3, column 2 \(b\)/));
    await assert.rejects(trainInWorker({ ...job, csv: 42 }),
      expectError('InvalidInput', /train: csv must be a string, bytes or a Blob, got 42/));
    await assert.rejects(trainInWorker({ ...job, csv: text, features: [[1]] }),
      expectError('InvalidInput', /either csv or features\/labels/));
  });
});
