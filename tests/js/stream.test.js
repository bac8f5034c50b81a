// Streaming training: sources, equality with in-memory training, checkpoints
// and resume, faults.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fg, FLAVORS, useFlavor, routingData, expectError, bytesEqual } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-stream-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NAMES = ['similarity', 'recency', 'popularity', 'success_rate', 'complexity'];

/** The routing data as CSV, JSONL and binary rows files. */
function writeFiles(n, seed, dir) {
  const d = routingData(n, seed);
  const csv = [NAMES.join(',') + ',label'];
  const jsonl = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(d.features.subarray(i * 5, i * 5 + 5));
    csv.push(row.join(',') + ',' + d.labels[i]);
    jsonl.push(JSON.stringify({ ...Object.fromEntries(NAMES.map((k, j) => [k, row[j]])), label: d.labels[i] }));
  }
  const files = { csv: path.join(dir, 'd.csv'), jsonl: path.join(dir, 'd.jsonl'), bin: path.join(dir, 'd.fgrows') };
  fs.writeFileSync(files.csv, csv.join('\n') + '\n');
  fs.writeFileSync(files.jsonl, jsonl.join('\n') + '\n');
  // CSV text holds the shortest decimal of each float64 value; the binary
  // file holds float32: write the float32 values the CSV reader gets.
  const f32 = Float32Array.from(d.features);
  fs.writeFileSync(files.bin, Buffer.concat([
    fg.encodeRowsHeader({ rows: n, inputDim: 5, featureNames: NAMES }),
    fg.encodeRows(f32, Float32Array.from(d.labels), 5),
  ]));
  return { ...files, data: d };
}

const MODEL = { inputDim: 5, hiddenDim: 8, rank: 3, seed: 3 };
const TRAIN = { epochs: 4, batchSize: 16, learningRate: 0.02, validationSplit: 0, shuffle: false, earlyStoppingPatience: null };

for (const flavor of FLAVORS) {
  describe(`streaming training (${flavor} module)`, () => {
    let files;
    before(async () => {
      await useFlavor(flavor);
      const dir = fs.mkdtempSync(path.join(tmp, flavor));
      files = writeFiles(600, 4, dir);
    });

    test('a stream in the order train() visits the samples gives the same model bytes and metrics', async () => {
      const { data } = files;
      const ds = new fg.TrainingDataset(data.features, data.labels, { inputDim: 5 });
      const [order] = ds.split(0, 42); // the trainer's split order for seed 42
      const m1 = new fg.FastGRNN(MODEL), m2 = new fg.FastGRNN(MODEL);
      const t1 = new fg.Trainer(m1.config, TRAIN), t2 = new fg.Trainer(m2.config, TRAIN);
      const h1 = await t1.train(m1, ds);
      const feats = order.features, labs = order.labels;
      const src = fg.iterableSource(function* batches() {
        for (let i = 0; i < 600; i += 37) yield { features: feats.subarray(i * 5, Math.min(600, i + 37) * 5), labels: labs.subarray(i, Math.min(600, i + 37)) };
      }, { inputDim: 5, outputDim: 1 });
      const h2 = await t2.train(m2, src);
      assert.deepEqual(h2, h1);
      const a = m1.save(), b = m2.save();
      // the cards differ (the stream's names and source); the weights must not
      assert.ok(bytesEqual(m1.getParameters(), m2.getParameters()), 'same weights');
      assert.ok(a.length > 0 && b.length > 0);
      for (const x of [ds, order, m1, m2, t1, t2]) x.dispose();
    });

    test('CSV, JSON Lines and binary rows of the same data train the same model, with the shuffle buffer', async () => {
      const cfg = { ...TRAIN, shuffle: true, validationSplit: 0.2, epochs: 3 };
      const params = [];
      for (const src of [fg.csvSource(files.csv), fg.jsonlSource(files.jsonl), fg.binarySource(files.bin)]) {
        const info = await src.info();
        assert.equal(info.inputDim, 5);
        assert.equal(info.outputDim, 1);
        assert.deepEqual(info.featureNames, NAMES);
        const m = new fg.FastGRNN(MODEL);
        const t = new fg.Trainer(m.config, cfg);
        const hist = await t.train(m, src, { shuffleBuffer: 64 });
        assert.equal(hist.length, 3);
        assert.ok(hist[2].valLoss !== null, 'hash hold-out gives a validation loss');
        const s = t.summary();
        assert.equal(s.trainSamples + s.validationSamples, 600);
        assert.ok(Math.abs(s.validationSamples - 120) < 40, `hold-out ${s.validationSamples} of 600`);
        assert.deepEqual(m.card.featureNames, NAMES);
        params.push(m.getParameters());
        m.dispose();
        t.dispose();
      }
      assert.ok(bytesEqual(params[0], params[1]) && bytesEqual(params[1], params[2]), 'three formats, one model');
    });

    test('sourceNormalization equals TrainingDataset#normalize', async () => {
      const { data } = files;
      const ds = new fg.TrainingDataset(data.features, data.labels, { inputDim: 5 });
      const want = ds.normalize();
      const got = await fg.sourceNormalization(fg.binarySource(files.bin));
      for (let k = 0; k < 5; k++) {
        assert.ok(Math.abs(got.means[k] - want.means[k]) < 1e-6 && Math.abs(got.stds[k] - want.stds[k]) < 1e-6, `feature ${k}`);
      }
      ds.dispose();
    });

    test('a run stopped at any point and resumed from its last checkpoint ends with the same bytes', async () => {
      const cfg = { ...TRAIN, shuffle: true, validationSplit: 0.2, epochs: 3, sparsityW: 0.5 };
      const ref = new fg.FastGRNN(MODEL);
      const tr = new fg.Trainer(ref.config, cfg);
      const refHist = await tr.train(ref, fg.binarySource(files.bin, { batchSize: 50 }), { shuffleBuffer: 100 });
      const refBytes = ref.save();
      for (const stopAfter of [1, 5, 12, 13, 20, 31]) {
        const dir = fs.mkdtempSync(path.join(tmp, 'ck-'));
        const m = new fg.FastGRNN(MODEL);
        const t = new fg.Trainer(m.config, cfg);
        const ac = new AbortController();
        let calls = 0;
        await assert.rejects(t.train(m, fg.binarySource(files.bin, { batchSize: 50 }), {
          shuffleBuffer: 100, signal: ac.signal, checkpoint: { dir, everyBatches: 2 },
          onProgress: () => { if (++calls === stopAfter) ac.abort(new Error('killed')); },
        }), expectError('Aborted'));
        assert.ok(fs.existsSync(path.join(dir, 'checkpoint.fgck')), 'a checkpoint was written');
        const t2 = new fg.Trainer(m.config, cfg);
        const { model, metrics } = await t2.resume(dir, fg.binarySource(files.bin, { batchSize: 50 }), { shuffleBuffer: 100 });
        assert.deepEqual(metrics, refHist, `metrics after a stop at progress ${stopAfter}`);
        assert.ok(bytesEqual(model.save(), refBytes), `model bytes after a stop at progress ${stopAfter}`);
        for (const x of [m, t, t2, model]) x.dispose();
      }
      ref.dispose();
      tr.dispose();
    });

    test('faults: truncated file, changed file, unreadable path, stream error, bad row; the checkpoint stays intact', async () => {
      const m = new fg.FastGRNN(MODEL);
      const t = new fg.Trainer(m.config, { ...TRAIN, epochs: 2 });
      const bytes = fs.readFileSync(files.bin);
      const cut = path.join(tmp, `${flavor}-cut.fgrows`);
      fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
      await assert.rejects(t.train(m, fg.binarySource(cut)), expectError('SerializationError', /truncated or changed|truncated/));
      await assert.rejects(t.train(m, fg.binarySource(path.join(tmp, 'nope.fgrows'))), expectError('IoError', /nope\.fgrows/));
      // a file that changes size between epochs
      const grow = path.join(tmp, `${flavor}-grow.fgrows`);
      fs.writeFileSync(grow, bytes);
      let epochs = 0;
      await assert.rejects(t.train(m, fg.binarySource(grow), {
        onEpoch: () => { if (++epochs === 1) fs.appendFileSync(grow, Buffer.alloc(24)); },
      }), expectError('SerializationError', /truncated or changed/));
      // a stream that errors in the middle
      const failing = fg.iterableSource(async function* broken() {
        yield { features: new Float32Array(50), labels: new Float32Array(10) };
        throw new Error('network reset');
      }, { inputDim: 5, outputDim: 1 });
      await assert.rejects(t.train(m, failing), /network reset/);
      // a bad row deep in a CSV file: file, line and column; the last checkpoint survives
      const lines = fs.readFileSync(files.csv, 'utf8').split('\n');
      lines[450] = lines[450].replace(/^[^,]*/, 'oops');
      const bad = path.join(tmp, `${flavor}-bad.csv`);
      fs.writeFileSync(bad, lines.join('\n'));
      const dir = fs.mkdtempSync(path.join(tmp, 'ck-bad-'));
      await assert.rejects(t.train(m, fg.csvSource(bad, { batchSize: 50 }), { checkpoint: { dir, everyBatches: 1 } }),
        expectError('InvalidInput', /bad\.csv line 451, column 1/));
      // the info pass meets the bad row first: no checkpoint yet, nothing written
      assert.equal(fs.existsSync(path.join(dir, 'checkpoint.fgck')), false);
      assert.equal(t.summary().stopReason, 'cancelled');
      m.dispose();
      t.dispose();
    });

    test('resume refuses a corrupted, truncated or foreign checkpoint and changes nothing', async () => {
      const m = new fg.FastGRNN(MODEL);
      const cfg = { ...TRAIN, epochs: 2 };
      const t = new fg.Trainer(m.config, cfg);
      const saved = [];
      await t.train(m, fg.binarySource(files.bin, { batchSize: 100 }), { checkpoint: { save: (b) => { saved.push(b); }, everyBatches: 5 } });
      assert.ok(saved.length >= 2, `${saved.length} checkpoints through save()`);
      const good = saved[0];
      const t2 = new fg.Trainer(m.config, cfg);
      const src = fg.binarySource(files.bin, { batchSize: 100 });
      await assert.rejects(t2.resume(good.subarray(0, good.length - 7), src), expectError('SerializationError'));
      const flipped = good.slice();
      flipped[20] ^= 0x55;
      await assert.rejects(t2.resume(flipped, src), expectError('SerializationError'));
      await assert.rejects(t2.resume(m.save(), src), expectError('SerializationError', /not a checkpoint/));
      const other = new fg.Trainer(m.config, { ...cfg, learningRate: 0.5 });
      await assert.rejects(other.resume(good, src), expectError('InvalidInput', /training config/));
      await assert.rejects(t2.resume(good, fg.csvSource(files.csv)), expectError('SerializationError', /not written for/));
      const { model } = await t2.resume(good, src);
      assert.ok(bytesEqual(model.getParameters(), m.getParameters()), 'the intact checkpoint still resumes to the same model');
      for (const x of [m, t, t2, other, model]) x.dispose();
    });

    test('bad options are typed errors', async () => {
      const m = new fg.FastGRNN(MODEL);
      const t = new fg.Trainer(m.config, TRAIN);
      const src = fg.binarySource(files.bin);
      await assert.rejects(t.train(m, src, { shuffleBuffer: -1 }), expectError('InvalidInput', /shuffleBuffer/));
      await assert.rejects(t.train(m, src, { holdout: 1 }), expectError('InvalidInput', /holdout/));
      await assert.rejects(t.train(m, src, { checkpoint: { everyBatches: 0, dir: tmp } }), expectError('InvalidInput', /everyBatches/));
      await assert.rejects(t.train(m, src, { validation: {} }), expectError('InvalidInput', /validation/));
      assert.throws(() => fg.jsonlSource(files.jsonl, { colour: 1 }), expectError('InvalidInput', /colour/));
      const once = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('a,label\n1,0\n2,1\n')); c.close(); } });
      const m1 = new fg.FastGRNN({ inputDim: 1 });
      const t1 = new fg.Trainer(m1.config, TRAIN);
      await assert.rejects(t1.train(m1, fg.csvSource(once)), expectError('InvalidInput', /read only once/));
      m1.dispose();
      t1.dispose();
      m.dispose();
      t.dispose();
    });
  });
}
