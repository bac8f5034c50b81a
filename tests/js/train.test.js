// Training: the specification's examples, callbacks, abort, responsiveness
// and determinism (run to run, and scalar wasm vs the native build).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fg, FLAVORS, useFlavor, routingData, rows, expectError, bytesEqual } from './helpers.js';

const { FastGRNN, TrainingDataset, BatchIterator, Trainer } = fg;

const NATIVE_TRAIN = fileURLToPath(new URL('../../build/native/fg_native_train', import.meta.url));

function routingDataset(n = 5000, seed = 1) {
  const { features, labels } = routingData(n, seed);
  return new TrainingDataset(features, labels, { inputDim: 5 });
}

for (const flavor of FLAVORS) {
  describe(`training (${flavor})`, () => {
    before(() => useFlavor(flavor));

    it('basic training (spec example): val accuracy >= 0.88', async (t) => {
      const dataset = routingDataset(5000, 1);
      const { means, stds } = dataset.normalize();
      const modelConfig = fg.defaultModelConfig();
      const model = new FastGRNN(modelConfig);
      model.normalization = { means, stds };
      const trainer = new Trainer(modelConfig, { ...fg.defaultTrainingConfig(), learningRate: 0.01, epochs: 50 });
      const metrics = await trainer.train(model, dataset);
      assert.ok(metrics.length >= 1 && metrics.length <= 50);
      const last = metrics.at(-1);
      t.diagnostic(`${metrics.length} epochs, val accuracy ${last.valAccuracy}, val loss ${last.valLoss}`);
      assert.ok(last.valAccuracy >= 0.88, `val accuracy ${last.valAccuracy}`);
      assert.ok(metrics.at(-1).trainLoss < metrics[0].trainLoss);
      // the saved model predicts like the trained one
      const again = FastGRNN.load(model.save());
      const probe = dataset.features.subarray(0, 50);
      assert.deepEqual(again.forwardBatch(probe), model.forwardBatch(probe));
      assert.deepEqual(again.normalization, { means, stds });
      // accuracy of the final (best) model on the validation split
      const [, val] = dataset.split(0.2, 42);
      const { accuracy } = trainer.evaluate(model, val);
      assert.ok(accuracy >= 0.88, `evaluate accuracy ${accuracy}`);
      for (const o of [dataset, model, again, trainer, val]) o.dispose();
    });

    it('knowledge distillation (spec example)', async () => {
      const dataset = routingDataset(2000, 2);
      dataset.normalize();
      const teacherModel = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: null, seed: 1 });
      const tt = new Trainer(teacherModel.config, { learningRate: 0.01, epochs: 15 });
      await tt.train(teacherModel, dataset);
      const teacher = FastGRNN.load(teacherModel.save());
      const temperature = 3.0;
      const features = dataset.features;
      const soft = fg.generateTeacherPredictions(teacher, features, temperature);
      assert.equal(soft.length, dataset.len());
      for (const s of soft) assert.ok(s > 0 && s < 1);
      assert.equal(dataset.withSoftTargets(soft), dataset);

      const modelConfig = { inputDim: 5, hiddenDim: 6, rank: null, seed: 3 };
      const student = new FastGRNN(modelConfig);
      const trainer = new Trainer(modelConfig, {
        learningRate: 0.01, epochs: 15, enableDistillation: true,
        distillationTemperature: temperature, distillationAlpha: 0.7,
      });
      const metrics = await trainer.train(student, dataset);
      assert.ok(metrics.at(-1).valAccuracy >= 0.85, `student val accuracy ${metrics.at(-1).valAccuracy}`);
      // distillation changes the training
      const plain = new FastGRNN(modelConfig);
      const pt = new Trainer(modelConfig, { learningRate: 0.01, epochs: 15 });
      await pt.train(plain, dataset);
      assert.ok(!bytesEqual(plain.save(), student.save()));
      for (const o of [dataset, teacherModel, tt, teacher, student, trainer, plain, pt]) o.dispose();
    });

    it('custom training loop with BatchIterator + trainBatch (spec example)', () => {
      const dataset = routingDataset(2000, 3);
      dataset.normalize();
      const [trainDataset, valDataset] = dataset.split(0.2);
      const model = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
      const trainer = new Trainer(model.config, { learningRate: 0.01 });
      const losses = [];
      for (let epoch = 0; epoch < 8; epoch++) {
        let epochLoss = 0;
        let nBatches = 0;
        for (const [features, labels, softTargets] of new BatchIterator(trainDataset, 32, true, epoch)) {
          assert.equal(softTargets, null);
          epochLoss += trainer.trainBatch(model, features, labels);
          nBatches += 1;
        }
        assert.equal(nBatches, Math.ceil(1600 / 32));
        losses.push(epochLoss / nBatches);
      }
      assert.ok(losses.at(-1) < losses[0], `losses ${losses}`);
      const { accuracy } = trainer.evaluate(model, valDataset);
      assert.ok(accuracy >= 0.85, `val accuracy ${accuracy}`);
      for (const o of [dataset, trainDataset, valDataset, model, trainer]) o.dispose();
    });

    it('progressive training continues from the trained weights (spec example)', async () => {
      const dataset = routingDataset(2000, 4);
      dataset.normalize();
      const modelConfig = fg.defaultModelConfig();
      const model = new FastGRNN(modelConfig);
      const config = { ...fg.defaultTrainingConfig(), learningRate: 0.1, epochs: 20 };
      const trainer = new Trainer(modelConfig, config);
      const m1 = await trainer.train(model, dataset);
      config.learningRate = 0.01;
      config.epochs = 30;
      const trainer2 = new Trainer(modelConfig, config);
      const m2 = await trainer2.train(model, dataset);
      assert.equal(m2[0].learningRate, Math.fround(0.01));
      // from scratch with the same settings, for comparison
      const fresh = new FastGRNN(modelConfig);
      const t3 = new Trainer(modelConfig, { ...config, epochs: 1 });
      const m3 = await t3.train(fresh, dataset);
      const best1 = Math.min(...m1.map((m) => m.trainLoss));
      assert.ok(Math.abs(m2[0].trainLoss - m1.at(-1).trainLoss) < 0.05 ||
        Math.abs(m2[0].trainLoss - best1) < 0.05,
      `second run starts at ${m2[0].trainLoss}, first ended at ${m1.at(-1).trainLoss}`);
      assert.ok(m2[0].trainLoss < m3[0].trainLoss,
        `continued ${m2[0].trainLoss} vs from scratch ${m3[0].trainLoss}`);
      for (const o of [dataset, model, trainer, trainer2, fresh, t3]) o.dispose();
    });

    it('multi-class and multi-timestep data train', async () => {
      // 3 classes by the argmax of three features
      const n = 1500;
      const r = routingData(n, 5).features;
      const feats = new Float32Array(n * 3);
      const ys = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const a = r[i * 5], b = r[i * 5 + 1], c = r[i * 5 + 2];
        feats.set([a, b, c], i * 3);
        ys[i] = a > b && a > c ? 0 : (b > c ? 1 : 2);
      }
      const ds = new TrainingDataset(feats, ys, { inputDim: 3, outputDim: 3 });
      const model = new FastGRNN({ inputDim: 3, hiddenDim: 16, outputDim: 3, rank: null });
      const tr = new Trainer(model.config, { learningRate: 0.02, epochs: 30 });
      const metrics = await tr.train(model, ds);
      assert.ok(metrics.at(-1).valAccuracy >= 0.8, `3-class val accuracy ${metrics.at(-1).valAccuracy}`);

      // sequences: label = mean of the first input over 4 steps > 0.5
      const T = 4;
      const m = 1200;
      const seq = new Float32Array(m * T * 2);
      const sl = new Float32Array(m);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let t = 0; t < T; t++) {
          const v = r[(i * T + t) % r.length];
          seq[(i * T + t) * 2] = v;
          seq[(i * T + t) * 2 + 1] = r[(i * T + t + 7) % r.length];
          s += v;
        }
        sl[i] = s / T > 0.5 ? 1 : 0;
      }
      const sds = new TrainingDataset(seq, sl, { inputDim: 2, timesteps: T });
      const sm = new FastGRNN({ inputDim: 2, hiddenDim: 12, rank: null });
      const st = new Trainer(sm.config, { learningRate: 0.02, epochs: 30 });
      const sMetrics = await st.train(sm, sds);
      assert.ok(sMetrics.at(-1).valAccuracy >= 0.8, `sequence val accuracy ${sMetrics.at(-1).valAccuracy}`);
      assert.equal(sm.forwardBatch(seq.subarray(0, 3 * T * 2), { timesteps: T }).length, 3);
      for (const o of [ds, model, tr, sds, sm, st]) o.dispose();
    });

    it('onEpoch is called once per epoch, in order, before train resolves', async () => {
      const ds = routingDataset(300, 6);
      const model = new FastGRNN({ inputDim: 5 });
      const tr = new Trainer(model.config, { epochs: 6, earlyStoppingPatience: null });
      const seen = [];
      let resolved = false;
      const p = tr.train(model, ds, {
        onEpoch: (m) => {
          assert.equal(resolved, false);
          seen.push(m);
        },
      });
      const metrics = await p;
      resolved = true;
      assert.deepEqual(seen.map((m) => m.epoch), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(seen, metrics);
      for (const m of seen) {
        assert.deepEqual(Object.keys(m), ['epoch', 'trainLoss', 'valLoss', 'trainAccuracy', 'valAccuracy', 'learningRate']);
      }
      for (const o of [ds, model, tr]) o.dispose();
    });

    it('onEpoch returning false stops normally; async onEpoch is awaited', async () => {
      const ds = routingDataset(300, 6);
      const model = new FastGRNN({ inputDim: 5 });
      const tr = new Trainer(model.config, { epochs: 20 });
      const metrics = await tr.train(model, ds, { onEpoch: (m) => (m.epoch === 2 ? false : undefined) });
      assert.equal(metrics.length, 3);
      const order = [];
      await tr.train(model, ds, {
        onEpoch: async (m) => {
          order.push(`start ${m.epoch}`);
          await new Promise((r) => setTimeout(r, 2));
          order.push(`end ${m.epoch}`);
          return m.epoch < 1;
        },
      });
      assert.deepEqual(order, ['start 0', 'end 0', 'start 1', 'end 1']);
      for (const o of [ds, model, tr]) o.dispose();
    });

    it('an onEpoch exception rejects train and leaves the trainer usable', async () => {
      const ds = routingDataset(200, 6);
      const model = new FastGRNN({ inputDim: 5 });
      const tr = new Trainer(model.config, { epochs: 5 });
      await assert.rejects(tr.train(model, ds, { onEpoch: () => { throw new Error('boom'); } }), /boom/);
      const metrics = await tr.train(model, ds, { onEpoch: () => {} });
      assert.equal(metrics.length, 5);
      for (const o of [ds, model, tr]) o.dispose();
    });

    it('abort: before start, from onEpoch (no batch after it), and from a timer', async () => {
      const ds = routingDataset(1000, 7);
      const cfg = { inputDim: 5, hiddenDim: 8, seed: 9 };
      const tcfg = { epochs: 10, learningRate: 0.01 };

      const pre = new AbortController();
      pre.abort();
      const m0 = new FastGRNN(cfg);
      const t0 = new Trainer(cfg, tcfg);
      await assert.rejects(t0.train(m0, ds, { signal: pre.signal }), expectError('Aborted'));

      // aborted right after epoch 0: the weights are those at the end of epoch 0
      const ac = new AbortController();
      const m1 = new FastGRNN(cfg);
      const t1 = new Trainer(cfg, tcfg);
      await assert.rejects(t1.train(m1, ds, {
        signal: ac.signal,
        onEpoch: (m) => { if (m.epoch === 0) ac.abort(new Error('user')); },
      }), expectError('Aborted', /user/));
      assert.equal(t1.metricsHistory().length, 1);
      const m2 = new FastGRNN(cfg);
      const t2 = new Trainer(cfg, { ...tcfg, epochs: 1 });
      await t2.train(m2, ds);
      assert.ok(bytesEqual(new Uint8Array(m1.getParameters().buffer), new Uint8Array(m2.getParameters().buffer)),
        'no batch ran after the abort');
      // the cards differ by design: an aborted run leaves no training summary
      assert.equal(m1.card.training, undefined);
      assert.equal(m2.card.training.stopReason, 'completed');

      // from a timer during a long run: rejects promptly
      const big = routingDataset(20000, 8);
      const m3 = new FastGRNN({ inputDim: 5, hiddenDim: 32, rank: null });
      const t3 = new Trainer(m3.config, { epochs: 1000, earlyStoppingPatience: null });
      const ac3 = new AbortController();
      let abortedAt = 0;
      setTimeout(() => { abortedAt = performance.now(); ac3.abort(); }, 100);
      await assert.rejects(t3.train(m3, big, { signal: ac3.signal }), expectError('Aborted'));
      const lag = performance.now() - abortedAt;
      assert.ok(lag < 100, `rejected ${lag} ms after abort`);
      // everything is usable afterwards
      assert.ok(Number.isFinite(m3.forward([0, 0, 0, 0, 0])));
      const again = await t3.train(m1, ds, { onEpoch: () => false }).catch((e) => e);
      assert.ok(again instanceof fg.FastGRNNError && again.code === 'InvalidInput', 'model/config mismatch still checked');
      for (const o of [ds, m0, t0, m1, t1, m2, t2, big, m3, t3]) o.dispose();
    });

    it('the event loop keeps running during train (gaps well under 100 ms)', async (t) => {
      const ds = routingDataset(20000, 10);
      const model = new FastGRNN({ inputDim: 5, hiddenDim: 32, rank: null });
      const tr = new Trainer(model.config, { epochs: 12, earlyStoppingPatience: null });
      let last = performance.now();
      let maxGap = 0;
      let ticks = 0;
      const timer = setInterval(() => {
        const t = performance.now();
        maxGap = Math.max(maxGap, t - last);
        last = t;
        ticks++;
      }, 1);
      const t0 = performance.now();
      await tr.train(model, ds);
      clearInterval(timer);
      const total = performance.now() - t0;
      assert.ok(total > 100, `training took ${total} ms (too short to measure)`);
      t.diagnostic(`max event-loop gap ${maxGap.toFixed(1)} ms over ${total.toFixed(0)} ms, ${ticks} ticks`);
      assert.ok(maxGap < 100, `max event-loop gap ${maxGap} ms over ${total} ms, ${ticks} ticks`);
      for (const o of [ds, model, tr]) o.dispose();
    });

    it('objects in use by a running train are protected', async () => {
      const ds = routingDataset(5000, 11);
      const model = new FastGRNN({ inputDim: 5 });
      const tr = new Trainer(model.config, { epochs: 30, earlyStoppingPatience: null });
      const p = tr.train(model, ds);
      assert.throws(() => model.dispose(), expectError('InvalidInput', /training/));
      assert.throws(() => ds.dispose(), expectError('InvalidInput', /training/));
      assert.throws(() => ds.normalize(), expectError('InvalidInput', /training/));
      assert.throws(() => tr.dispose(), expectError('InvalidInput', /training/));
      assert.throws(() => tr.trainBatch(model, [[1, 2, 3, 4, 5]], [1]), expectError('InvalidInput', /already training/));
      await assert.rejects(tr.train(model, ds), expectError('InvalidInput', /already training/));
      const other = new Trainer(model.config, { epochs: 1 });
      await assert.rejects(other.train(model, ds), expectError('InvalidInput', /already being trained/));
      // reading is fine
      assert.equal(typeof model.forward([0, 0, 0, 0, 0]), 'number');
      await p;
      for (const o of [ds, model, tr, other]) o.dispose();
    });

    it('same seed and data give identical model bytes; another seed does not', async () => {
      const run = async (seed, trainSeed = 42) => {
        const ds = routingDataset(800, 12);
        ds.normalize();
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 8, seed });
        const tr = new Trainer(m.config, { epochs: 5, learningRate: 0.01, seed: trainSeed });
        await tr.train(m, ds);
        const bytes = m.save();
        for (const o of [ds, m, tr]) o.dispose();
        return bytes;
      };
      const a = await run(1);
      const b = await run(1);
      assert.ok(bytesEqual(a, b));
      assert.ok(!bytesEqual(a, await run(2)));
      assert.ok(!bytesEqual(a, await run(1, 43)));
    });

    it('matches the native build byte for byte', { skip: !existsSync(NATIVE_TRAIN) && 'native build missing' }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'fg-native-'));
      try {
        const cases = [
          { name: 'binary', n: 1000, mc: { inputDim: 5, hiddenDim: 8, rank: 4, seed: 5 }, tc: { epochs: 4, learningRate: 0.01, seed: 3 }, normalize: true },
          { name: 'full rank, no shuffle', n: 500, mc: { inputDim: 5, hiddenDim: 12, rank: null, seed: 6 }, tc: { epochs: 3, shuffle: false, validationSplit: 0 }, normalize: false },
          { name: 'sequence', n: 400, T: 3, mc: { inputDim: 5, hiddenDim: 6, seed: 7 }, tc: { epochs: 3, batchSize: 16 }, normalize: false },
          { name: 'multi-class', n: 600, mc: { inputDim: 5, hiddenDim: 8, outputDim: 3, seed: 8 }, tc: { epochs: 3 }, normalize: true, classes: 3 },
          { name: 'distillation', n: 600, mc: { inputDim: 5, hiddenDim: 8, seed: 9 }, tc: { epochs: 3, enableDistillation: true, distillationAlpha: 0.7 }, normalize: false, soft: true },
        ];
        const toSnake = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()), v])));
        for (const c of cases) {
          const T = c.T || 1;
          const { features } = routingData(c.n * T, 20);
          const labels = routingData(c.n, 21).labels;
          if (c.classes) for (let i = 0; i < c.n; i++) labels[i] = Math.floor(features[i * 5] * c.classes);
          const soft = c.soft ? labels.map((y, i) => 0.5 * y + 0.5 * features[i * 5 * T]) : null;
          const fPath = join(dir, `${c.name}.f32`);
          const lPath = join(dir, `${c.name}.labels.f32`);
          const sPath = join(dir, `${c.name}.soft.f32`);
          const out = join(dir, `${c.name}.safetensors`);
          writeFileSync(fPath, Buffer.from(features.buffer, features.byteOffset, c.n * T * 5 * 4));
          writeFileSync(lPath, Buffer.from(labels.buffer));
          const args = ['--model-config', toSnake(c.mc), '--training-config', toSnake(c.tc),
            '--features', fPath, '--labels', lPath, '--timesteps', String(T), '--out', out];
          if (soft) {
            writeFileSync(sPath, Buffer.from(soft.buffer));
            args.push('--soft', sPath);
          }
          if (c.normalize) args.push('--normalize');
          execFileSync(NATIVE_TRAIN, args);
          const native = new Uint8Array(readFileSync(out));

          const ds = new TrainingDataset(features.subarray(0, c.n * T * 5), labels,
            { inputDim: 5, timesteps: T, outputDim: c.mc.outputDim || 1 });
          if (soft) ds.withSoftTargets(soft);
          const model = new FastGRNN(c.mc);
          if (c.normalize) model.normalization = ds.normalize();
          const tr = new Trainer(model.config, c.tc);
          await tr.train(model, ds);
          const wasm = model.save();
          for (const o of [ds, model, tr]) o.dispose();
          if (flavor === 'scalar') {
            assert.ok(bytesEqual(wasm, native), `${c.name}: scalar wasm and native model files differ`);
          } else {
            t.diagnostic(`${c.name}: SIMD wasm ${bytesEqual(wasm, native) ? 'equals' : 'differs from'} native`);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('rows and flat features train identically', () => {
  it('uses the same bytes', async () => {
    await useFlavor(FLAVORS[0]);
    const { features, labels } = routingData(300, 13);
    const a = new TrainingDataset(features, labels, { inputDim: 5 });
    const b = new TrainingDataset(rows(features, 5), Array.from(labels));
    assert.deepEqual(a.features, b.features);
    const ma = new FastGRNN({ inputDim: 5 });
    const mb = new FastGRNN({ inputDim: 5 });
    const ta = new Trainer(ma.config, { epochs: 2 });
    const tb = new Trainer(mb.config, { epochs: 2 });
    await ta.train(ma, a);
    await tb.train(mb, b);
    assert.ok(bytesEqual(ma.save(), mb.save()));
    for (const o of [a, b, ma, mb, ta, tb]) o.dispose();
  });
});
