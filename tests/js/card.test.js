// The model card (model.card, updateCard, saved and validated with the
// model), the dataset's names, the training summary (trainer.summary()) and
// trainer.interrupt(), on both wasm modules.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fg, FLAVORS, useFlavor, routingData, expectError, bytesEqual } from './helpers.js';

const { FastGRNN, TrainingDataset, Trainer } = fg;
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function routing(n, seed, options = {}) {
  const { features, labels, featureNames } = routingData(n, seed);
  return new TrainingDataset(features, labels, { inputDim: 5, featureNames, classNames: ['local', 'remote'], labelName: 'route', ...options });
}

// The safetensors header of `bytes` as an object, and a copy of the file
// with the header changed by edit(header).
function header(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}
function withHeader(bytes, edit) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const h = header(bytes);
  edit(h);
  let text = new TextEncoder().encode(JSON.stringify(h));
  const padded = Math.ceil(text.length / 8) * 8;
  const out = new Uint8Array(8 + padded + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(text, 8);
  out.set(bytes.subarray(8 + n), 8 + padded);
  return out;
}
// A copy whose card text has `from` replaced by `to`.
function editCard(bytes, from, to) {
  return withHeader(bytes, (h) => {
    assert.ok(h.__metadata__.card.includes(from), `card has ${from}`);
    h.__metadata__.card = h.__metadata__.card.replace(from, to);
  });
}

const same = (a, b) => bytesEqual(new Uint8Array(a.buffer), new Uint8Array(b.buffer));

// FG_BAD_INPUTS_MD_CARD=F: write the rows of docs/bad-inputs.md ("Model card,
// JavaScript") with the messages observed (first module only).
const MD = process.env.FG_BAD_INPUTS_MD_CARD ? [] : null;
let recording = true;
const cell = (v) => String(v).replace(/\|/g, '\\|').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
function row(call, input, e) {
  if (MD && recording) MD.push(`| JK${MD.length + 1} | \`${cell(call)}\` | ${cell(input)} | ${e.code} | ${cell(e.message)} |`);
}
// Asserts that fn throws code + re, and records the row.
function throwsRow(call, input, fn, code, re) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${call} with ${input} did not throw`);
  expectError(code, re)(err);
  row(call, input, err);
}
after(() => {
  if (MD) writeFileSync(process.env.FG_BAD_INPUTS_MD_CARD, MD.join('\n') + '\n');
});

for (const flavor of FLAVORS) {
  describe(`model card (${flavor})`, () => {
    before(() => useFlavor(flavor));
    after(() => { recording = false; });

    it('VERSION, package.json, the module and the card agree (0.2.0)', () => {
      assert.equal(fg.VERSION, PKG.version);
      assert.equal(fg.VERSION, '0.2.0');
      assert.equal(fg.moduleInfo().version, fg.VERSION);
      const m = new FastGRNN();
      assert.deepEqual(m.card, { libraryVersion: fg.VERSION });
      m.dispose();
    });

    it('training writes names, timesteps and the summary; the card survives save -> load', async () => {
      const ds = routing(600, 3);
      assert.deepEqual(ds.featureNames, ['similarity', 'recency', 'popularity', 'success_rate', 'complexity']);
      assert.deepEqual(ds.classNames, ['local', 'remote']);
      assert.equal(ds.labelName, 'route');
      const { means, stds } = ds.normalize();
      const m = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
      m.normalization = { means, stds };
      const tr = new Trainer(m.config, { epochs: 4, learningRate: 0.01 });
      throwsRow('trainer.summary()', 'before any run ended', () => tr.summary(), 'InvalidInput', /no training run has ended yet/);
      const metrics = await tr.train(m, ds);
      const summary = tr.summary();
      assert.equal(summary.stopReason, 'completed');
      assert.equal(summary.epochsRun, 4);
      assert.equal(summary.trainSamples, 480);
      assert.equal(summary.validationSamples, 120);
      assert.equal(summary.keptReason, 'best_validation_loss');
      const best = metrics.reduce((b, r) => (r.valLoss < b.valLoss ? r : b));
      assert.equal(summary.keptEpoch, best.epoch);
      assert.equal(summary.final.valLoss, best.valLoss);
      assert.equal(summary.final.trainAccuracy, best.trainAccuracy);

      const card = m.card;
      assert.equal(card.libraryVersion, '0.2.0');
      assert.deepEqual(card.featureNames, ds.featureNames);
      assert.deepEqual(card.classNames, ['local', 'remote']);
      assert.equal(card.labelName, 'route');
      assert.equal(card.timesteps, 1);
      assert.deepEqual(card.training, summary);
      assert.ok(same(card.normalization.means, means) && same(card.normalization.stds, stds), 'normalization from the model');

      const bytes = m.save();
      const back = FastGRNN.load(bytes);
      assert.deepEqual(back.card, card);
      assert.ok(bytesEqual(back.save(), bytes), 'save -> load -> save is exact');
      assert.deepEqual(m.clone().card, card);
      // the card is stored once, without the normalization (its own entry)
      assert.ok(!JSON.parse(header(bytes).__metadata__.card).normalization);
      for (const o of [ds, m, tr, back]) o.dispose();
    });

    it('updateCard merges, null removes; bad fields are InvalidInput naming them, nothing changed', () => {
      const m = new FastGRNN({ inputDim: 3, outputDim: 3 });
      m.updateCard({ featureNames: ['a', 'b', 'c'], classNames: ['x', 'y', 'z'], data: { source: 'test.csv', note: 'café' } });
      m.updateCard({ labelName: 'kind', data: null, timesteps: 8 });
      assert.deepEqual(m.card, {
        libraryVersion: '0.2.0', featureNames: ['a', 'b', 'c'], labelName: 'kind', classNames: ['x', 'y', 'z'], timesteps: 8,
      });
      const bytes = m.save();
      const bad = [
        [{ featureNames: ['a', 'b'] }, 'card.feature_names has 2 names; input_dim is 3'],
        [{ featureNames: ['a', 'a', 'b'] }, 'card.feature_names has "a" twice'],
        [{ featureNames: ['a', '', 'b'] }, 'card.feature_names[1] is empty'],
        [{ featureNames: ['a', 'b', 'c'.repeat(300)] }, 'card.feature_names[2] is 300 bytes long; the limit is 256'],
        [{ classNames: ['x', 'y'] }, 'card.class_names has 2 names; output_dim is 3'],
        [{ labelName: 'a\u0007' }, 'card.label_name holds the control character U+0007'],
        [{ timesteps: 0 }, 'card.timesteps must be an integer in [1, 2147483647], got 0'],
        [{ timesteps: NaN }, 'updateCard.timesteps must be a finite number, got NaN'],
        [{ timesteps: 2.5 }, 'card.timesteps must be an integer'],
        [{ data: { rows: 5 } }, 'card.data["rows"] must be a string, got 5'],
        [{ data: { f: () => 1 } }, 'updateCard.data.f must be JSON data'],
        [{ colour: 'red' }, 'card: unknown key "colour"'],
        [{ libraryVersion: '9.9' }, 'card.library_version is read-only'],
        [{ normalization: { means: [0, 0, 0], stds: [1, 1, 1] } }, 'card.normalization is read-only'],
        [{ labelName: 'a', label_name: 'b' }, "updateCard key 'label_name' is given twice"],
        [{ training: { epochsRun: 2, keptEpoch: 5, keptReason: 'last_epoch', stopReason: 'completed', trainSamples: 5, validationSamples: 0, final: null } },
          'card.training.kept_epoch must be an integer in [0, 1], got 5'],
      ];
      for (const [partial, msg] of bad) {
        const shown = JSON.stringify(partial, (k, v) => (typeof v === 'function' ? '<a function>' : Number.isNaN(v) ? '<NaN>' : v))
          .replace(/"<NaN>"/g, 'NaN').replace(/"<a function>"/g, '() => 1').replace(/c{300}/, "'c'.repeat(300)");
        throwsRow('model.updateCard(partial)', shown, () => m.updateCard(partial), 'InvalidInput',
          new RegExp(msg.replace(/[[\]().*+?^$|\\]/g, '\\$&')));
        assert.ok(bytesEqual(m.save(), bytes), `${msg}: model unchanged`);
      }
      throwsRow('model.updateCard(partial)', "'x'", () => m.updateCard('x'), 'InvalidInput', /updateCard must be an object, got "x"/);
      assert.throws(() => m.updateCard([1]), expectError('InvalidInput', /updateCard must be an object/));
      // a whole training summary can be carried over (e.g. to a rebuilt model)
      const t = { epochsRun: 2, keptEpoch: 1, keptReason: 'last_epoch', stopReason: 'completed', trainSamples: 5,
        validationSamples: 0, final: { trainLoss: 0.5, trainAccuracy: 1, valLoss: null, valAccuracy: null } };
      m.updateCard({ training: t });
      assert.deepEqual(FastGRNN.load(m.save()).card.training, t);
      m.dispose();
    });

    it('hostile card bytes are SerializationError naming the field', () => {
      const m = new FastGRNN({ inputDim: 3 });
      m.updateCard({ featureNames: ['a', 'b', 'c'], classNames: ['no', 'yes'], timesteps: 2,
        training: { epochsRun: 3, keptEpoch: 2, keptReason: 'last_epoch', stopReason: 'completed', trainSamples: 10,
          validationSamples: 0, final: { trainLoss: 0.5, trainAccuracy: 0.75, valLoss: null, valAccuracy: null } } });
      const bytes = m.save();
      const cases = [
        ['"a","b","c"', '"a","b"', 'card.feature_names has 2 names; input_dim is 3'],
        ['"a","b","c"', '"a","b","a"', 'card.feature_names has "a" twice'],
        ['"c"', '"\\u001b[2J"', 'card.feature_names[2] holds the control character U+001B'],
        ['"yes"', '""', 'card.class_names[1] is empty'],
        ['"timesteps":2', '"timesteps":0', 'card.timesteps must be an integer in [1, 2147483647], got 0'],
        ['"timesteps":2', '"timesteps":2,"owner":"x"', 'card: unknown key "owner"'],
        ['"stop_reason":"completed"', '"stop_reason":"bored"', 'card.training.stop_reason must be one of'],
        ['"kept_epoch":2', '"kept_epoch":3', 'card.training.kept_epoch must be an integer in [0, 2], got 3'],
        ['"train_samples":10', '"train_samples":-10', 'card.training.train_samples must be an integer in [1, 2147483647]'],
        ['"train_loss":0.5', '"train_loss":1e999', 'card.training.final.train_loss must be null or a finite number, got a non-finite number'],
        ['"library_version":"0.2.0",', '', 'card.library_version is missing'],
        ['{', '[', 'card: invalid JSON'],
      ];
      for (const [from, to, msg] of cases) {
        const hostile = editCard(bytes, from, to);
        throwsRow('FastGRNN.load(bytes)', `a saved card with ${from} changed to ${to}`, () => FastGRNN.load(hostile), 'SerializationError',
          new RegExp(`metadata card: .*${msg.replace(/[[\]().*+?^$|\\]/g, '\\$&')}`));
      }
      assert.throws(() => FastGRNN.load(withHeader(bytes, (h) => { h.__metadata__.card = '{"library_version":"0.2.0","normalization":{"means":[0,0,0],"stds":[1,1,1]}}'; })),
        expectError('SerializationError', /card\.normalization is read-only/));
      m.dispose();
    });

    it('a file without a card still loads (library version and normalization only)', () => {
      const m = new FastGRNN({ inputDim: 2 });
      m.normalization = { means: [1, 2], stds: [3, 4] };
      m.updateCard({ labelName: 'y' });
      const old = withHeader(m.save(), (h) => { delete h.__metadata__.card; });
      const back = FastGRNN.load(old);
      assert.deepEqual(back.card, { libraryVersion: '0.2.0', normalization: { means: Float32Array.from([1, 2]), stds: Float32Array.from([3, 4]) } });
      assert.equal(header(back.save()).__metadata__.card, undefined, 'saves without a card, as it came');
      for (const o of [m, back]) o.dispose();
    });

    it('dataset names: validated by the card rules, kept by clone and split', () => {
      const x = new Float32Array(12);
      const y = [0, 1, 1, 0];
      const DS = 'new TrainingDataset(features, labels, options)';
      throwsRow(DS, "inputDim 3, featureNames ['a', 'b']", () => new TrainingDataset(x, y, { inputDim: 3, featureNames: ['a', 'b'] }),
        'InvalidInput', /^TrainingDataset: card\.feature_names has 2 names; input_dim is 3$/);
      throwsRow(DS, "featureNames ['a', 1, 'c']", () => new TrainingDataset(x, y, { inputDim: 3, featureNames: ['a', 1, 'c'] }),
        'InvalidInput', /^TrainingDataset: featureNames\[1\] must be a string, got 1$/);
      throwsRow(DS, "featureNames 'abc'", () => new TrainingDataset(x, y, { inputDim: 3, featureNames: 'abc' }),
        'InvalidInput', /featureNames must be an array of strings, got "abc"/);
      throwsRow(DS, "featureNames ['a', 'b', 'a']", () => new TrainingDataset(x, y, { inputDim: 3, featureNames: ['a', 'b', 'a'] }),
        'InvalidInput', /card\.feature_names has "a" twice/);
      throwsRow(DS, "binary, classNames ['no', 'yes', 'maybe']", () => new TrainingDataset(x, y, { inputDim: 3, classNames: ['no', 'yes', 'maybe'] }),
        'InvalidInput', /card\.class_names has 3 names; output_dim 1 \(binary\) has 2 classes/);
      throwsRow(DS, "outputDim 3, classNames ['a', 'b']", () => new TrainingDataset(x, [0, 1, 2, 0], { inputDim: 3, outputDim: 3, classNames: ['a', 'b'] }),
        'InvalidInput', /card\.class_names has 2 names; output_dim is 3/);
      throwsRow(DS, 'labelName 5', () => new TrainingDataset(x, y, { inputDim: 3, labelName: 5 }),
        'InvalidInput', /labelName must be a string, got 5/);
      throwsRow(DS, "labelName ''", () => new TrainingDataset(x, y, { inputDim: 3, labelName: '' }),
        'InvalidInput', /card\.label_name is empty/);
      const ds = new TrainingDataset(x, y, { inputDim: 3, featureNames: ['a', 'b', 'c'], classNames: ['no', 'yes'] });
      const names = ds.featureNames;
      names[0] = 'changed';
      assert.deepEqual(ds.featureNames, ['a', 'b', 'c'], 'featureNames is a copy');
      assert.equal(ds.labelName, null);
      const [a, b] = ds.split(0.5, 1);
      const c = ds.clone();
      for (const d of [a, b, c]) {
        assert.deepEqual(d.featureNames, ['a', 'b', 'c']);
        assert.deepEqual(d.classNames, ['no', 'yes']);
      }
      const plain = new TrainingDataset(x, y, { inputDim: 3 });
      assert.equal(plain.featureNames, null);
      assert.equal(plain.classNames, null);
      for (const o of [ds, a, b, c, plain]) o.dispose();
    });

    it('a train() that fails its checks leaves the card (and the model) as they were', async () => {
      const m = new FastGRNN({ inputDim: 3 });
      const tr = new Trainer(m.config, { epochs: 2 });
      const d4 = new TrainingDataset(new Float32Array(8), [0, 1], { inputDim: 4, featureNames: ['a', 'b', 'c', 'd'] });
      const bytes = m.save();
      await assert.rejects(tr.train(m, d4), expectError('InvalidInput', /input_dim 4 differs/));
      assert.ok(bytesEqual(m.save(), bytes));
      assert.deepEqual(m.card, { libraryVersion: '0.2.0' });
      for (const o of [m, tr, d4]) o.dispose();
    });

    it('interrupt() from onEpoch: train resolves, best weights restored, the card says interrupted', async () => {
      const ds = routing(800, 5);
      ds.normalize();
      const m = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
      const tr = new Trainer(m.config, { epochs: 500, learningRate: 0.05, batchSize: 16, earlyStoppingPatience: null });
      assert.equal(tr.interrupt(), false, 'nothing to interrupt before train()');
      const params = [];
      let returned;
      const metrics = await tr.train(m, ds, {
        onEpoch: (r) => {
          params[r.epoch] = m.getParameters();
          if (r.epoch === 5) returned = tr.interrupt();
        },
      });
      assert.equal(returned, true);
      assert.equal(metrics.length, 6, 'no epoch after the interrupt');
      const s = tr.summary();
      assert.equal(s.stopReason, 'interrupted');
      assert.equal(s.epochsRun, 6);
      const best = metrics.reduce((b, r) => (r.valLoss < b.valLoss ? r : b));
      assert.equal(s.keptEpoch, best.epoch);
      assert.equal(s.keptReason, 'best_validation_loss');
      assert.ok(same(m.getParameters(), params[best.epoch]), `weights of the best epoch ${best.epoch}`);
      assert.deepEqual(m.card.training, s);
      assert.equal(FastGRNN.load(m.save()).card.training.stopReason, 'interrupted');
      assert.equal(tr.interrupt(), false, 'nothing to interrupt after train()');
      for (const o of [ds, m, tr]) o.dispose();
    });

    it('interrupt() from a timer ends a long run at a batch boundary', async () => {
      const ds = routing(20000, 6);
      const m = new FastGRNN({ inputDim: 5, hiddenDim: 32, rank: null });
      const tr = new Trainer(m.config, { epochs: 1000, earlyStoppingPatience: null, restoreBestWeights: false });
      let at = 0;
      setTimeout(() => { at = performance.now(); tr.interrupt(); }, 150);
      const metrics = await tr.train(m, ds);
      const lag = performance.now() - at;
      assert.ok(lag < 200, `resolved ${lag} ms after interrupt()`);
      const s = tr.summary();
      assert.equal(s.stopReason, 'interrupted');
      assert.equal(s.epochsRun, metrics.length);
      assert.equal(s.keptReason, 'last_epoch');
      assert.ok(s.keptEpoch === null || s.keptEpoch === metrics.length - 1);
      assert.equal(s.final === null, s.keptEpoch === null);
      for (const o of [ds, m, tr]) o.dispose();
    });

    it('summary: early stopping, onEpoch false, abort (card unchanged), divergence (card unchanged)', async () => {
      const ds = routing(400, 9);
      let m = new FastGRNN({ inputDim: 5 });
      let tr = new Trainer(m.config, { epochs: 300, learningRate: 0.5, earlyStoppingPatience: 2 });
      let metrics = await tr.train(m, ds);
      let s = tr.summary();
      assert.equal(s.stopReason, 'early_stopping');
      assert.equal(s.epochsRun, metrics.length);
      assert.ok(metrics.length < 300);
      assert.equal(s.keptEpoch, metrics.length - 3, 'patience 2: the best epoch is 2 before the last');

      metrics = await tr.train(m, ds, { onEpoch: (r) => r.epoch < 1 });
      s = tr.summary();
      assert.equal(s.stopReason, 'stopped_by_callback');
      assert.equal(s.epochsRun, 2);
      assert.deepEqual(m.card.training, s);

      const before = m.save();
      const ac = new AbortController();
      await assert.rejects(tr.train(m, ds, { signal: ac.signal, onEpoch: () => ac.abort() }), expectError('Aborted'));
      s = tr.summary();
      assert.equal(s.stopReason, 'cancelled');
      assert.equal(s.epochsRun, 1);
      assert.equal(m.card.training.stopReason, 'stopped_by_callback', 'an aborted run leaves the card as it was');
      assert.ok(!bytesEqual(m.save(), before), 'but the weights did train');
      for (const o of [m, tr]) o.dispose();

      const x = new Float32Array(64 * 5).map((_, i) => ((i % 3) - 1) * 1e30);
      const y = new Float32Array(64).map((_, i) => i % 2);
      const bad = new TrainingDataset(x, y, { inputDim: 5 });
      m = new FastGRNN({ inputDim: 5 });
      tr = new Trainer(m.config, { learningRate: 1e30, gradClip: 0, epochs: 5 });
      await assert.rejects(tr.train(m, bad), expectError('Diverged'));
      s = tr.summary();
      assert.equal(s.stopReason, 'diverged');
      assert.equal(s.keptReason, 'last_epoch');
      assert.equal(m.card.training, undefined, 'a diverged run writes no summary into the card');
      assert.equal(m.card.timesteps, 1, 'the timesteps were written before training');
      for (const o of [ds, bad, m, tr]) o.dispose();
    });
  });
}
