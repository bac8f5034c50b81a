// The JS API surface and its error paths, against both wasm builds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fg, FLAVORS, useFlavor, routingData, rows, expectError, bytesEqual, capMemory } from './helpers.js';

const {
  FastGRNN, TrainingDataset, BatchIterator, Trainer, FastGRNNError,
} = fg;

describe('before init', () => {
  it('everything but init throws InvalidInput until init() has run', () => {
    assert.equal(fg.moduleInfo().initialized, false);
    assert.equal(fg.moduleInfo().memoryBytes, 0);
    assert.throws(() => new FastGRNN(), expectError('InvalidInput', /await init\(\)/));
    assert.throws(() => new TrainingDataset([[1]], [1]), expectError('InvalidInput', /init/));
    assert.throws(() => fg.defaultTrainingConfig(), expectError('InvalidInput', /init/));
    assert.throws(() => fg.binaryCrossEntropy(0.5, 1), expectError('InvalidInput', /init/));
  });
  it('FastGRNNError is an Error with a code', () => {
    const e = new FastGRNNError('IoError', 'x');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'FastGRNNError');
    assert.equal(e.code, 'IoError');
  });
  it('each .wasm imports only env.emscripten_notify_memory_growth and exports the whole C API', () => {
    const header = readFileSync(new URL('../../c/include/fastgrnn.h', import.meta.url), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '');
    const nativeOnly = new Set(['fg_model_save_file', 'fg_model_load_file', 'fg_trainer_save_metrics',
      'fg_save_normalization', 'fg_model_export_c_file']);
    const api = [...header.matchAll(/[ *](fg_[a-z0-9_]+)\(/g)].map((m) => m[1]).filter((n) => !nativeOnly.has(n));
    assert.ok(api.length > 60);
    for (const file of ['fastgrnn.wasm', 'fastgrnn-simd.wasm']) {
      const mod = new WebAssembly.Module(readFileSync(new URL(`../../dist/${file}`, import.meta.url)));
      assert.deepEqual(WebAssembly.Module.imports(mod),
        [{ module: 'env', name: 'emscripten_notify_memory_growth', kind: 'function' }], file);
      const exports = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
      for (const name of [...api, 'memory', '_initialize']) assert.ok(exports.has(name), `${file} exports ${name}`);
    }
  });
  it('init rejects bad options', async () => {
    await assert.rejects(fg.init({ simd: 'yes' }), expectError('InvalidInput', /simd/));
    await assert.rejects(fg.init({ simdd: true }), expectError('InvalidInput', /simdd/));
    await assert.rejects(fg.init(42), expectError('InvalidInput', /options/));
  });
  it('init with explicit wasm bytes, and bad bytes', async () => {
    const bytes = readFileSync(new URL('../../dist/fastgrnn.wasm', import.meta.url));
    const info = await fg.init({ wasm: bytes, simd: false });
    assert.equal(info.simd, false);
    const m = new FastGRNN();
    assert.ok(m.numParams() > 0);
    m.dispose();
    await assert.rejects(fg.init({ wasm: new Uint8Array([1, 2, 3]) }), expectError('SerializationError'));
    await assert.rejects(fg.init({ wasm: '/nonexistent/x.wasm' }), expectError('IoError', /nonexistent/));
    await assert.rejects(fg.init({ wasm: 42 }), expectError('InvalidInput', /wasm/));
  });
  it('init auto picks SIMD on Node 20', async () => {
    const info = await fg.init({ simd: 'auto' });
    assert.equal(info.simd, true);
    assert.equal(info.initialized, true);
    assert.ok(info.memoryBytes > 0);
    // init() without options keeps the current module
    assert.equal((await fg.init()).simd, true);
  });
});

for (const flavor of FLAVORS) {
  describe(`API (${flavor})`, () => {
    before(() => useFlavor(flavor));

    describe('configs', () => {
      it('defaultTrainingConfig matches the specification', () => {
        assert.deepEqual(fg.defaultTrainingConfig(), {
          learningRate: 0.001, batchSize: 32, epochs: 100, validationSplit: 0.2,
          earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 20, gradClip: 5,
          adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8, l2Reg: 1e-5,
          enableDistillation: false, distillationTemperature: 3, distillationAlpha: 0.5,
          seed: 42, shuffle: true, restoreBestWeights: true, sparsityW: 0, sparsityU: 0,
        });
      });
      it('defaultModelConfig matches the specification', () => {
        assert.deepEqual(fg.defaultModelConfig(), {
          inputDim: 5, hiddenDim: 8, outputDim: 1, nu: 1, zeta: 1, rank: 4,
          wRank: null, uRank: null, seed: 42,
        });
      });
      it('unknown keys are InvalidInput naming the key', () => {
        assert.throws(() => new FastGRNN({ hiddenDimm: 4 }), expectError('InvalidInput', /hiddenDimm/));
        assert.throws(() => new Trainer({}, { learningRat: 0.1 }), expectError('InvalidInput', /learningRat/));
        assert.throws(() => new Trainer({ foo: 1 }, {}), expectError('InvalidInput', /foo/));
      });
      it('wrong types and ranges are InvalidInput naming the key and value', () => {
        assert.throws(() => new FastGRNN({ hiddenDim: 'x' }), expectError('InvalidInput', /hidden_dim.*"x"/));
        assert.throws(() => new FastGRNN({ hiddenDim: 0 }), expectError('InvalidInput', /hidden_dim/));
        assert.throws(() => new FastGRNN({ nu: NaN }), expectError('InvalidInput', /nu/));
        assert.throws(() => new Trainer({}, { learningRate: -1 }), expectError('InvalidInput', /learning_rate.*-1/));
        assert.throws(() => new Trainer({}, { validationSplit: 1 }), expectError('InvalidInput', /validation_split/));
        assert.throws(() => new Trainer({}, { enableDistillation: 1 }), expectError('InvalidInput', /enable_distillation/));
        assert.throws(() => new FastGRNN('big'), expectError('InvalidInput', /model config must be an object/));
        assert.throws(() => new Trainer({}, [1]), expectError('InvalidInput', /training config must be an object/));
      });
      it('snake_case keys are accepted too, but not twice', () => {
        const m = new FastGRNN({ hidden_dim: 6 });
        assert.equal(m.config.hiddenDim, 6);
        m.dispose();
        assert.throws(() => new FastGRNN({ hidden_dim: 6, hiddenDim: 6 }), expectError('InvalidInput', /twice/));
      });
      it('partial training config is completed with defaults', () => {
        const tr = new Trainer({}, { learningRate: 0.01, earlyStoppingPatience: null });
        const c = tr.config;
        assert.equal(c.learningRate, 0.01);
        assert.equal(c.earlyStoppingPatience, null);
        assert.equal(c.batchSize, 32);
        assert.equal(Math.fround(tr.learningRate), Math.fround(0.01));
        tr.dispose();
      });
      it('a FastGRNN may stand for its config in new Trainer', () => {
        const m = new FastGRNN({ hiddenDim: 4 });
        const tr = new Trainer(m, { epochs: 1 });
        tr.dispose();
        m.dispose();
      });
    });

    describe('FastGRNN', () => {
      it('creates with defaults and reports sizes', () => {
        const m = new FastGRNN();
        assert.deepEqual(m.config, fg.defaultModelConfig());
        // D 5, H 8, rank 4: W full (4 < 5 → low rank W1 8x4 + W2 4x5), U1 8x4 + U2 4x8
        const n = m.numParams();
        const t = m.tensors();
        assert.equal(t.reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0), n);
        assert.equal(m.sizeBytes(), 4 * n);
        assert.equal(m.getParameters().length, n);
        m.dispose();
      });
      it('the specification example: D 5, H 16, rank 8 has full W and low-rank U', () => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, outputDim: 1, nu: 0.8, zeta: 1.2, rank: 8, seed: 42 });
        const names = m.tensors().map((t) => t.name);
        assert.deepEqual(names, ['cell.W', 'cell.U1', 'cell.U2', 'cell.bias_gate', 'cell.bias_update',
          'cell.zeta', 'cell.nu', 'head.weight', 'head.bias']);
        assert.deepEqual(m.ranks, { w: 0, u: 8 });
        assert.equal(m.numParams(), 16 * 5 + 16 * 8 * 2 + 16 + 16 + 1 + 1 + 16 + 1);
        m.dispose();
      });
      it('forward: one sample → number (binary) or Float32Array (classes)', () => {
        const m = new FastGRNN({ inputDim: 3, hiddenDim: 4, rank: null });
        const p = m.forward(new Float32Array([0.1, 0.2, 0.3]));
        assert.equal(typeof p, 'number');
        assert.ok(p > 0 && p < 1);
        assert.equal(m.forward([0.1, 0.2, 0.3]), p);
        // two timesteps inferred from the length
        const p2 = m.forward([0.1, 0.2, 0.3, 0.3, 0.2, 0.1]);
        assert.equal(p2, m.forward([0.1, 0.2, 0.3, 0.3, 0.2, 0.1], { timesteps: 2 }));
        assert.throws(() => m.forward([0.1, 0.2]), expectError('InvalidInput', /length 2/));
        assert.throws(() => m.forward([0.1, 0.2, 0.3], { timesteps: 2 }), expectError('InvalidInput', /timesteps/));
        assert.throws(() => m.forward('abc'), expectError('InvalidInput', /forward: x/));
        assert.throws(() => m.forward([1, 'a', 2]), expectError('InvalidInput', /x\[1\]/));
        assert.throws(() => m.forward([1, 2, 3], { steps: 1 }), expectError('InvalidInput', /steps/));
        m.dispose();
        const mc = new FastGRNN({ inputDim: 3, hiddenDim: 4, outputDim: 3 });
        const q = mc.forward([0.1, 0.2, 0.3]);
        assert.ok(q instanceof Float32Array);
        assert.equal(q.length, 3);
        assert.ok(Math.abs(q[0] + q[1] + q[2] - 1) < 1e-5);
        mc.dispose();
      });
      it('forwardBatch and logits agree with forward; rows and flat input', () => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
        const { features } = routingData(10, 3);
        const probs = m.forwardBatch(features);
        assert.equal(probs.length, 10);
        assert.deepEqual(m.forwardBatch(rows(features, 5)), probs);
        for (let i = 0; i < 10; i++) {
          assert.ok(Math.abs(m.forward(features.subarray(i * 5, i * 5 + 5)) - probs[i]) < 1e-6);
        }
        const lg = m.logits(features);
        assert.equal(lg.length, 10);
        for (let i = 0; i < 10; i++) assert.ok(Math.abs(1 / (1 + Math.exp(-lg[i])) - probs[i]) < 1e-5);
        // sequences: 2 timesteps of 5
        const seq = m.forwardBatch(features, { timesteps: 2 });
        assert.equal(seq.length, 5);
        assert.deepEqual(m.forwardBatch(rows(features, 10)), seq);
        assert.equal(m.forwardBatch(new Float32Array(0)).length, 0);
        assert.throws(() => m.forwardBatch(features.subarray(0, 7)), expectError('InvalidInput', /multiple/));
        assert.throws(() => m.forwardBatch([[1, 2, 3, 4, 5], [1, 2]]), expectError('InvalidInput', /\[1\]/));
        assert.throws(() => m.forwardBatch({}), expectError('InvalidInput', /Float32Array or an array of rows/));
        m.dispose();
      });
      it('multi-class forwardBatch is [N, O] row-major', () => {
        const m = new FastGRNN({ inputDim: 2, hiddenDim: 4, outputDim: 4 });
        const out = m.forwardBatch([[0, 1], [1, 0], [0.5, 0.5]]);
        assert.equal(out.length, 12);
        for (let i = 0; i < 3; i++) {
          const s = out[i * 4] + out[i * 4 + 1] + out[i * 4 + 2] + out[i * 4 + 3];
          assert.ok(Math.abs(s - 1) < 1e-5);
        }
        assert.equal(m.logits([[0, 1]]).length, 4);
        m.dispose();
      });
      it('save/load bytes round-trips exactly; config getter is a copy', () => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: 8, seed: 7 });
        const cfg = m.config;
        cfg.hiddenDim = 99;
        assert.equal(m.config.hiddenDim, 16);
        const bytes = m.save();
        assert.ok(bytes instanceof Uint8Array);
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
        assert.equal(header.__metadata__.format, 'fastgrnn-wasm/1');
        const m2 = FastGRNN.load(bytes);
        assert.deepEqual(m2.config, m.config);
        assert.deepEqual(m2.getParameters(), m.getParameters());
        assert.ok(bytesEqual(m2.save(), bytes));
        const m3 = FastGRNN.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        assert.ok(bytesEqual(m3.save(), bytes));
        for (const x of [m, m2, m3]) x.dispose();
      });
      it('save(path)/load(path) in Node; IoError for bad paths', () => {
        const dir = mkdtempSync(join(tmpdir(), 'fg-'));
        try {
          const m = new FastGRNN();
          const p = join(dir, 'model.safetensors');
          assert.equal(m.save(p), undefined);
          assert.ok(bytesEqual(readFileSync(p), m.save()));
          const m2 = FastGRNN.load(p);
          assert.deepEqual(m2.getParameters(), m.getParameters());
          assert.throws(() => m.save(join(dir, 'no/such/dir/m.safetensors')), expectError('IoError', /no\/such\/dir/));
          assert.throws(() => FastGRNN.load(join(dir, 'missing.safetensors')), expectError('IoError', /missing/));
          assert.throws(() => m.save(''), expectError('InvalidInput', /path/));
          m.dispose();
          m2.dispose();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
      it('load rejects malformed bytes with SerializationError', () => {
        assert.throws(() => FastGRNN.load(new Uint8Array(3)), expectError('SerializationError'));
        assert.throws(() => FastGRNN.load(new Uint8Array(16)), expectError('SerializationError'));
        const good = new FastGRNN().save();
        const bad = good.slice(0, good.length - 4);
        assert.throws(() => FastGRNN.load(bad), expectError('SerializationError'));
        const flipped = good.slice();
        flipped[8] = 'x'.charCodeAt(0);
        assert.throws(() => FastGRNN.load(flipped), expectError('SerializationError'));
        assert.throws(() => FastGRNN.load(12), expectError('InvalidInput', /Uint8Array/));
      });
      it('normalization: null by default, set/get, saved with the model', () => {
        const m = new FastGRNN({ inputDim: 3, hiddenDim: 4 });
        assert.equal(m.normalization, null);
        m.normalization = { means: [1, 2, 3], stds: new Float32Array([0.5, 1, 2]) };
        assert.deepEqual(m.normalization, {
          means: new Float32Array([1, 2, 3]), stds: new Float32Array([0.5, 1, 2]),
        });
        const m2 = FastGRNN.load(m.save());
        assert.deepEqual(m2.normalization, m.normalization);
        assert.throws(() => { m.normalization = { means: [1], stds: [1] }; }, expectError('InvalidInput', /input_dim/));
        assert.throws(() => { m.normalization = { means: [1, 2], stds: [1] }; }, expectError('InvalidInput', /length/));
        assert.throws(() => { m.normalization = null; }, expectError('InvalidInput', /normalization/));
        assert.throws(() => { m.normalization = { means: [1, 2, 3], stds: [1, 0, 1] }; }, expectError('InvalidInput'));
        m.dispose();
        m2.dispose();
      });
      it('clone is deep', () => {
        const m = new FastGRNN({ inputDim: 3, hiddenDim: 4 });
        m.normalization = { means: [0, 0, 0], stds: [1, 1, 1] };
        const c = m.clone();
        assert.deepEqual(c.getParameters(), m.getParameters());
        assert.deepEqual(c.normalization, m.normalization);
        const p = m.getParameters();
        p[0] += 1;
        m.setParameters(p);
        assert.notDeepEqual(c.getParameters(), m.getParameters());
        m.dispose();
        assert.ok(c.numParams() > 0);
        c.dispose();
      });
      it('setParameters checks the count', () => {
        const m = new FastGRNN();
        assert.throws(() => m.setParameters(new Float32Array(3)), expectError('InvalidInput'));
        m.dispose();
      });
      it('an over-large model is InvalidInput before any allocation', () => {
        assert.throws(() => new FastGRNN({ hiddenDim: 30000, rank: null }), expectError('InvalidInput', /too large/));
      });
    });

    describe('compression', () => {
      it('prune: sparsity, mask, smaller file, same predictions after a round trip', () => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: null });
        assert.equal(m.isSparse(), false);
        assert.equal(m.sparsity(), 0);
        const dense = m.sizeBytes();
        m.prune(0.5);
        assert.equal(m.isSparse(), true);
        assert.ok(Math.abs(m.sparsity() - 0.5) < 0.01);
        assert.ok(m.sizeBytes() < dense);
        const mask = m.getMask();
        assert.equal(mask.length, m.numParams());
        const params = m.getParameters();
        for (let i = 0; i < mask.length; i++) if (!mask[i]) assert.equal(params[i], 0);
        const x = routingData(20, 1).features;
        const again = FastGRNN.load(m.save());
        assert.equal(again.isSparse(), true);
        assert.deepEqual(again.forwardBatch(x), m.forwardBatch(x));
        assert.throws(() => m.prune(1.5), expectError('InvalidInput', /sparsity.*1\.5/));
        assert.throws(() => m.prune('a'), expectError('InvalidInput', /sparsity/));
        m.dispose();
        again.dispose();
      });
      it('pruned weights stay zero in training', async () => {
        const { features, labels } = routingData(300, 2);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 8, rank: null });
        m.prune(0.6);
        const mask = m.getMask();
        const tr = new Trainer(m.config, { epochs: 3 });
        await tr.train(m, ds);
        const p = m.getParameters();
        for (let i = 0; i < mask.length; i++) if (!mask[i]) assert.equal(p[i], 0);
        for (const o of [ds, m, tr]) o.dispose();
      });
      it('quantize: int8 scales, 4x smaller matrices, close predictions, no more training', async () => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: null });
        const x = routingData(20, 3).features;
        const before = m.forwardBatch(x);
        const size = m.sizeBytes();
        const q = m.clone();
        q.quantize();
        assert.equal(q.isQuantized(), true);
        assert.ok(q.sizeBytes() < size / 2);
        assert.ok(q.tensors().some((t) => t.scale > 0));
        const after = q.forwardBatch(x);
        for (let i = 0; i < 20; i++) assert.ok(Math.abs(after[i] - before[i]) < 0.02);
        const again = FastGRNN.load(q.save());
        assert.equal(again.isQuantized(), true);
        assert.deepEqual(again.forwardBatch(x), after);
        const ds = new TrainingDataset(x, new Float32Array(20), { inputDim: 5 });
        await assert.rejects(new Trainer(q.config).train(q, ds), expectError('InvalidInput', /quantized/));
        for (const o of [m, q, again, ds]) o.dispose();
      });
      it('exportC', (t) => {
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 4 });
        if (typeof m._m.exports.fg_model_export_c !== 'function') {
          assert.throws(() => m.exportC('router'), expectError('InvalidInput', /not available/));
          t.skip('fg_model_export_c is not in this build');
        } else {
          const src = m.exportC('router');
          assert.match(src, /router_predict/);
          assert.throws(() => m.exportC(3), expectError('InvalidInput', /prefix/));
        }
        m.dispose();
      });
    });

    describe('allocation failures are OutOfMemory', () => {
      let saved;
      before(async () => {
        // the same build with its memory capped at 16 MiB
        const file = flavor === 'simd' ? 'fastgrnn-simd.wasm' : 'fastgrnn.wasm';
        const bytes = readFileSync(new URL(`../../dist/${file}`, import.meta.url));
        saved = flavor;
        await fg.init({ wasm: capMemory(bytes, 256), simd: flavor === 'simd' });
      });
      after(() => useFlavor(saved));

      it('in C (model parameters) and in JS (copying input in)', () => {
        assert.throws(() => new FastGRNN({ inputDim: 5, hiddenDim: 2500, rank: null }), expectError('OutOfMemory'));
        const x = new Float32Array(5 * 1000000);
        assert.throws(() => new TrainingDataset(x, new Float32Array(1000000), { inputDim: 5 }),
          expectError('OutOfMemory', /bytes for the features/));
        // and the module still works afterwards
        const m = new FastGRNN();
        assert.equal(typeof m.forward([0, 0, 0, 0, 0]), 'number');
        m.dispose();
        const ds = new TrainingDataset([[1, 2, 3, 4, 5]], [1]);
        ds.dispose();
      });
    });

    describe('TrainingDataset', () => {
      it('from the specification example rows', () => {
        const ds = new TrainingDataset([
          [0.8, 0.9, 0.7, 0.85, 0.2],
          [0.3, 0.2, 0.4, 0.35, 0.9],
        ], [1.0, 0.0]);
        assert.equal(ds.len(), 2);
        assert.equal(ds.length, 2);
        assert.equal(ds.isEmpty(), false);
        assert.equal(ds.inputDim, 5);
        assert.equal(ds.timesteps, 1);
        assert.equal(ds.outputDim, 1);
        assert.deepEqual(ds.labels, new Float32Array([1, 0]));
        assert.deepEqual(ds.features, new Float32Array([0.8, 0.9, 0.7, 0.85, 0.2, 0.3, 0.2, 0.4, 0.35, 0.9]));
        assert.equal(ds.softTargets, null);
        ds.dispose();
      });
      it('flat features need inputDim; timesteps split rows', () => {
        const x = new Float32Array(12).map((_, i) => i / 12);
        assert.throws(() => new TrainingDataset(x, [0, 1]), expectError('InvalidInput', /inputDim is required/));
        const ds = new TrainingDataset(x, [0, 1], { inputDim: 3, timesteps: 2 });
        assert.equal(ds.len(), 2);
        assert.equal(ds.timesteps, 2);
        assert.deepEqual(ds.features, x);
        const r = new TrainingDataset(rows(x, 6), [0, 1], { timesteps: 2 });
        assert.equal(r.inputDim, 3);
        for (const d of [ds, r]) d.dispose();
      });
      it('the getters return copies', () => {
        const ds = new TrainingDataset([[1, 2]], [1]);
        const f = ds.features;
        f[0] = 99;
        assert.equal(ds.features[0], 1);
        ds.dispose();
      });
      it('rejects mismatched lengths, empty data, bad labels and bad values', () => {
        assert.throws(() => new TrainingDataset([[1, 2], [3, 4]], [1]), expectError('InvalidInput', /different lengths/));
        assert.throws(() => new TrainingDataset([], []), expectError('InvalidInput', /empty/));
        assert.throws(() => new TrainingDataset([[1, 2]], [2]), expectError('InvalidInput', /labels\[0\].*2/));
        assert.throws(() => new TrainingDataset([[1, 2]], [1], { outputDim: 0 }), expectError('InvalidInput', /outputDim/));
        assert.throws(() => new TrainingDataset([[1, NaN]], [1]), expectError('InvalidInput', /features\[1\]/));
        assert.throws(() => new TrainingDataset([[1, 2], [1]], [1, 0]), expectError('InvalidInput', /features\[1\]/));
        assert.throws(() => new TrainingDataset([[1, 'a']], [1]), expectError('InvalidInput', /features\[0\]\[1\]/));
        assert.throws(() => new TrainingDataset('abc', [1]), expectError('InvalidInput', /features must be/));
        assert.throws(() => new TrainingDataset([[1, 2]], 'a'), expectError('InvalidInput', /labels must be/));
        assert.throws(() => new TrainingDataset([[1, 2]], [1], { inputDim: 1.5 }), expectError('InvalidInput', /inputDim/));
        assert.throws(() => new TrainingDataset([[1, 2]], [1], { dims: 2 }), expectError('InvalidInput', /dims/));
        assert.throws(() => new TrainingDataset([[1, 2, 3]], [1], { timesteps: 2 }), expectError('InvalidInput', /timesteps/));
      });
      it('multi-class labels are class indices below outputDim', () => {
        const ds = new TrainingDataset([[1, 2], [3, 4]], [0, 2], { outputDim: 3 });
        assert.equal(ds.outputDim, 3);
        ds.dispose();
        assert.throws(() => new TrainingDataset([[1, 2]], [3], { outputDim: 3 }), expectError('InvalidInput', /class index/));
        assert.throws(() => new TrainingDataset([[1, 2]], [0.5], { outputDim: 3 }), expectError('InvalidInput'));
      });
      it('withSoftTargets returns this and validates length and range', () => {
        const ds = new TrainingDataset([[1, 2], [3, 4]], [1, 0]);
        assert.equal(ds.withSoftTargets([0.9, 0.2]), ds);
        assert.deepEqual(ds.softTargets, new Float32Array([0.9, 0.2]));
        assert.throws(() => ds.withSoftTargets([0.9]), expectError('InvalidInput', /soft/));
        assert.throws(() => ds.withSoftTargets([0.9, 1.5]), expectError('InvalidInput'));
        assert.throws(() => ds.withSoftTargets('x'), expectError('InvalidInput', /softTargets/));
        ds.dispose();
        const mc = new TrainingDataset([[1, 2]], [1], { outputDim: 3 });
        mc.withSoftTargets([0.2, 0.5, 0.3]);
        assert.equal(mc.softTargets.length, 3);
        mc.dispose();
      });
      it('split is seeded, disjoint and covering', () => {
        const { features, labels } = routingData(100, 5);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const [tr, va] = ds.split(0.2, 7);
        assert.equal(tr.len(), 80);
        assert.equal(va.len(), 20);
        const [tr2, va2] = ds.split(0.2, 7);
        assert.deepEqual(tr2.features, tr.features);
        assert.deepEqual(va2.labels, va.labels);
        const [tr3] = ds.split(0.2, 8);
        assert.notDeepEqual(tr3.features, tr.features);
        // the union is the original multiset of rows
        const key = (f) => rows(f, 5).map((r) => r.join(',')).sort();
        assert.deepEqual(key(new Float32Array([...tr.features, ...va.features])), key(features));
        const [all, none] = ds.split(0);
        assert.equal(all.len(), 100);
        assert.equal(none.len(), 0);
        assert.equal(none.isEmpty(), true);
        assert.deepEqual(none.features, new Float32Array(0));
        assert.throws(() => ds.split(1.5), expectError('InvalidInput', /1\.5/));
        assert.throws(() => ds.split('a'), expectError('InvalidInput', /valRatio/));
        assert.throws(() => ds.split(0.2, -1), expectError('InvalidInput', /seed/));
        // the default seed is deterministic
        assert.deepEqual(ds.split(0.3)[0].labels, ds.split(0.3, 42)[0].labels);
        for (const d of [ds, tr, va, tr2, va2, tr3, all, none]) d.dispose();
      });
      it('normalize and applyNormalization', () => {
        const { features, labels } = routingData(200, 9);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const { means, stds } = ds.normalize();
        assert.ok(means instanceof Float32Array && stds instanceof Float32Array);
        assert.equal(means.length, 5);
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let i = 0; i < 200; i++) s += features[i * 5 + j];
          assert.ok(Math.abs(s / 200 - means[j]) < 1e-5);
        }
        const f = ds.features;
        let mean0 = 0;
        for (let i = 0; i < 200; i++) mean0 += f[i * 5];
        assert.ok(Math.abs(mean0 / 200) < 1e-5);
        const other = new TrainingDataset(features, labels, { inputDim: 5 });
        other.applyNormalization(means, stds);
        assert.deepEqual(other.features, ds.features);
        assert.throws(() => other.applyNormalization([0], [1]), expectError('InvalidInput'));
        assert.throws(() => other.applyNormalization([0, 0, 0, 0, 0], [1, 1, 0, 1, 1]), expectError('InvalidInput'));
        assert.throws(() => other.applyNormalization([0, 0], [1]), expectError('InvalidInput', /length/));
        // constant feature: std becomes 1
        const c = new TrainingDataset([[1, 2], [1, 4]], [0, 1]);
        assert.equal(c.normalize().stds[0], 1);
        for (const d of [ds, other, c]) d.dispose();
      });
      it('clone is independent', () => {
        const ds = new TrainingDataset([[1, 2], [3, 4]], [1, 0]);
        const c = ds.clone();
        ds.normalize();
        assert.deepEqual(c.features, new Float32Array([1, 2, 3, 4]));
        ds.dispose();
        c.dispose();
      });
    });

    describe('BatchIterator', () => {
      it('yields every sample once per pass, last batch partial', () => {
        const n = 70;
        const x = new Float32Array(n * 2).map((_, i) => Math.floor(i / 2));
        const y = new Float32Array(n).map((_, i) => i % 2);
        const ds = new TrainingDataset(x, y, { inputDim: 2 });
        const sizes = [];
        const seen = [];
        for (const [f, l, s] of new BatchIterator(ds, 32, true, 1)) {
          assert.ok(f instanceof Float32Array && l instanceof Float32Array);
          assert.equal(s, null);
          assert.equal(f.length, l.length * 2);
          sizes.push(l.length);
          for (let i = 0; i < l.length; i++) {
            seen.push(f[i * 2]);
            assert.equal(l[i], f[i * 2] % 2);
          }
        }
        assert.deepEqual(sizes, [32, 32, 6]);
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
        assert.notDeepEqual(seen, Array.from({ length: n }, (_, i) => i));
        // unshuffled: in order
        const ordered = [];
        for (const [f] of new BatchIterator(ds, 50, false)) for (let i = 0; i < f.length; i += 2) ordered.push(f[i]);
        assert.deepEqual(ordered, Array.from({ length: n }, (_, i) => i));
        // same seed, same order
        const a = [...new BatchIterator(ds, 16, true, 3)].map((b) => Array.from(b[1]));
        const b = [...new BatchIterator(ds, 16, true, 3)].map((b2) => Array.from(b2[1]));
        assert.deepEqual(a, b);
        ds.dispose();
      });
      it('carries soft targets and frees itself at the end, on break and on dispose', () => {
        const ds = new TrainingDataset([[1], [2], [3]], [1, 0, 1]).withSoftTargets([0.9, 0.1, 0.8]);
        const it1 = new BatchIterator(ds, 2, false);
        const batches = [...it1];
        assert.deepEqual(batches[0][2], new Float32Array([0.9, 0.1]));
        assert.equal(it1.disposed, true);
        assert.deepEqual(it1.next(), { done: true, value: undefined });
        const it2 = new BatchIterator(ds, 1, false);
        for (const batch of it2) { assert.ok(batch); break; }
        assert.equal(it2.disposed, true);
        const it3 = new BatchIterator(ds, 1, false);
        ds.dispose(); // disposes its iterators too
        assert.equal(it3.disposed, true);
      });
      it('argument errors', () => {
        const ds = new TrainingDataset([[1], [2]], [1, 0]);
        assert.throws(() => new BatchIterator({}, 2), expectError('InvalidInput', /dataset/));
        assert.throws(() => new BatchIterator(ds, 0), expectError('InvalidInput', /batchSize/));
        assert.throws(() => new BatchIterator(ds, 2, 'yes'), expectError('InvalidInput', /shuffle/));
        ds.dispose();
        assert.throws(() => new BatchIterator(ds, 2), expectError('InvalidInput', /disposed/));
      });
    });

    describe('Trainer', () => {
      it('trainBatch lowers the loss on a batch; evaluate', () => {
        const { features, labels } = routingData(64, 2);
        const m = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
        const tr = new Trainer(m.config, { learningRate: 0.05 });
        const l0 = tr.trainBatch(m, features, labels);
        assert.equal(typeof l0, 'number');
        let l = l0;
        for (let i = 0; i < 50; i++) l = tr.trainBatch(m, rows(features, 5), labels);
        assert.ok(l < l0, `${l} < ${l0}`);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const { loss, accuracy } = tr.evaluate(m, ds);
        assert.ok(loss > 0 && accuracy >= 0 && accuracy <= 1);
        assert.throws(() => tr.trainBatch(m, features, labels.subarray(1)), expectError('InvalidInput', /labels/));
        assert.throws(() => tr.trainBatch(m, features.subarray(0, 7), labels), expectError('InvalidInput', /multiple/));
        assert.throws(() => tr.trainBatch(m, features, labels, [0.5]), expectError('InvalidInput', /softTargets/));
        assert.throws(() => tr.trainBatch(m, [], []), expectError('InvalidInput', /empty/));
        assert.throws(() => tr.trainBatch({}, features, labels), expectError('InvalidInput', /model/));
        assert.throws(() => tr.evaluate(m, {}), expectError('InvalidInput', /dataset/));
        const bad = new TrainingDataset([[1, 2]], [1]);
        assert.throws(() => tr.evaluate(m, bad), expectError('InvalidInput', /input_dim/));
        for (const o of [m, tr, ds, bad]) o.dispose();
      });
      it('train rejects mismatched datasets and bad options', async () => {
        const m = new FastGRNN({ inputDim: 5 });
        const tr = new Trainer(m.config, { epochs: 1 });
        const ds = new TrainingDataset([[1, 2]], [1]);
        await assert.rejects(tr.train(m, ds), expectError('InvalidInput', /input_dim/));
        const ok = new TrainingDataset(routingData(10).features, routingData(10).labels, { inputDim: 5 });
        await assert.rejects(tr.train(m, ok, { onEpoch: 3 }), expectError('InvalidInput', /onEpoch/));
        await assert.rejects(tr.train(m, ok, { signal: {} }), expectError('InvalidInput', /signal/));
        await assert.rejects(tr.train(m, ok, { onepoch: () => {} }), expectError('InvalidInput', /onepoch/));
        await assert.rejects(tr.train('m', ok), expectError('InvalidInput', /model/));
        for (const o of [m, tr, ds, ok]) o.dispose();
      });
      it('metricsHistory, metricsJSON (snake_case) and saveMetrics', async () => {
        const { features, labels } = routingData(200, 4);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const m = new FastGRNN({ inputDim: 5 });
        const tr = new Trainer(m.config, { epochs: 3, learningRate: 0.01 });
        assert.deepEqual(tr.metricsHistory(), []);
        assert.equal(tr.metricsJSON(), '[]');
        const metrics = await tr.train(m, ds);
        assert.equal(metrics.length, 3);
        assert.deepEqual(tr.metricsHistory(), metrics);
        const json = JSON.parse(tr.metricsJSON());
        assert.equal(json.length, 3);
        assert.deepEqual(Object.keys(json[0]).sort(),
          ['epoch', 'learning_rate', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss']);
        for (let i = 0; i < 3; i++) {
          assert.equal(json[i].epoch, i);
          assert.equal(Math.fround(json[i].train_loss), Math.fround(metrics[i].trainLoss));
        }
        const dir = mkdtempSync(join(tmpdir(), 'fg-'));
        try {
          tr.saveMetrics(join(dir, 'metrics.json'));
          assert.deepEqual(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')), json);
          assert.throws(() => tr.saveMetrics(join(dir, 'x/y/metrics.json')), expectError('IoError'));
          assert.throws(() => tr.saveMetrics(3), expectError('InvalidInput', /path/));
          writeFileSync(join(dir, 'x'), '');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        for (const o of [m, tr, ds]) o.dispose();
      });
      it('validationSplit 0: validation metrics are null', async () => {
        const { features, labels } = routingData(100, 4);
        const ds = new TrainingDataset(features, labels, { inputDim: 5 });
        const m = new FastGRNN({ inputDim: 5 });
        const tr = new Trainer(m.config, { epochs: 2, validationSplit: 0 });
        const metrics = await tr.train(m, ds);
        assert.equal(metrics[0].valLoss, null);
        assert.equal(metrics[0].valAccuracy, null);
        assert.equal(JSON.parse(tr.metricsJSON())[0].val_loss, null);
        for (const o of [m, tr, ds]) o.dispose();
      });
      it('a non-finite loss is Diverged', async () => {
        const x = new Float32Array(64 * 5).map((_, i) => ((i % 3) - 1) * 1e30);
        const y = new Float32Array(64).map((_, i) => i % 2);
        const ds = new TrainingDataset(x, y, { inputDim: 5 });
        const m = new FastGRNN({ inputDim: 5 });
        const tr = new Trainer(m.config, { learningRate: 1e30, gradClip: 0, epochs: 5 });
        await assert.rejects(tr.train(m, ds), expectError('Diverged', /non-finite/));
        // the trainer is usable again
        const ok = routingData(50);
        const ds2 = new TrainingDataset(ok.features, ok.labels, { inputDim: 5 });
        const m2 = new FastGRNN({ inputDim: 5 });
        const tr2 = new Trainer(m2.config, { epochs: 1 });
        await tr2.train(m2, ds2);
        for (const o of [m, tr, ds, m2, tr2, ds2]) o.dispose();
      });
    });

    describe('free functions', () => {
      it('binaryCrossEntropy', () => {
        assert.ok(Math.abs(fg.binaryCrossEntropy(0.9, 1) - -Math.log(0.9)) < 1e-6);
        assert.ok(Math.abs(fg.binaryCrossEntropy(0.9, 0) - -Math.log(0.1)) < 1e-5);
        assert.ok(Number.isFinite(fg.binaryCrossEntropy(0, 1)));
        assert.ok(Math.abs(fg.binaryCrossEntropy(0, 1) - -Math.log(1e-7)) < 1e-3);
        assert.throws(() => fg.binaryCrossEntropy('a', 1), expectError('InvalidInput', /prediction/));
      });
      it('temperatureSoftmax', () => {
        assert.ok(Math.abs(fg.temperatureSoftmax(2, 3) - 1 / (1 + Math.exp(-2 / 3))) < 1e-6);
        assert.equal(fg.temperatureSoftmax(0, 1), 0.5);
        assert.throws(() => fg.temperatureSoftmax(1, 0), expectError('InvalidInput', /temperature/));
        assert.throws(() => fg.temperatureSoftmax(null, 1), expectError('InvalidInput', /logit/));
      });
      it('generateTeacherPredictions', () => {
        const t = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
        const { features } = routingData(20, 6);
        const soft = fg.generateTeacherPredictions(t, features, 3);
        assert.equal(soft.length, 20);
        const lg = t.logits(features);
        for (let i = 0; i < 20; i++) assert.ok(Math.abs(soft[i] - 1 / (1 + Math.exp(-lg[i] / 3))) < 1e-5);
        assert.deepEqual(fg.generateTeacherPredictions(t, rows(features, 5), 3), soft);
        assert.throws(() => fg.generateTeacherPredictions(t, features, 0), expectError('InvalidInput', /temperature/));
        assert.throws(() => fg.generateTeacherPredictions({}, features, 3), expectError('InvalidInput', /teacher/));
        const mc = new FastGRNN({ inputDim: 5, outputDim: 3 });
        const s3 = fg.generateTeacherPredictions(mc, features, 2);
        assert.equal(s3.length, 60);
        t.dispose();
        mc.dispose();
        assert.throws(() => fg.generateTeacherPredictions(t, features, 3), expectError('InvalidInput', /disposed/));
      });
    });
  });
}
