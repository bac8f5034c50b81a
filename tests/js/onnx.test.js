// ONNX export (model.toONNX): every model variant loads in the real ONNX
// Runtime (onnxruntime-web's wasm backend, and onnxruntime-node when it is
// installed) and gives the package's own probabilities and logits within
// 1e-5 for T = 1, 7, 50 and batch sizes 1 and 33; the onnx checker (Debian's
// python3-onnx, when importable) accepts every file; bad options and bad
// models are typed errors and write nothing.
//
// FG_BAD_INPUTS_MD_ONNX=FILE writes the bad-input rows as Markdown (used to
// build docs/bad-inputs.md).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fg, FLAVORS, useFlavor, rng, expectError } from './helpers.js';

const { FastGRNN, TrainingDataset, Trainer } = fg;

const TOL = 1e-5;
const LENGTHS = [1, 7, 50];
const BATCHES = [1, 33];
const largest = { probs: { diff: 0 }, logits: { diff: 0 }, logitsRel: { diff: 0 } };

// ---- runtimes ----------------------------------------------------------------

async function loadRuntimes() {
  const out = [];
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  out.push({ name: 'onnxruntime-web', ort: web });
  try {
    const node = (await import('onnxruntime-node')).default;
    out.push({ name: 'onnxruntime-node', ort: node });
  } catch (e) {
    out.push({ name: 'onnxruntime-node', ort: null, why: e.message });
  }
  return out;
}

// ---- models --------------------------------------------------------------------

/**
 * Sets every parameter to a seeded random value: matrices uniform in
 * +-1/sqrt(fan-in) (a stable recurrence, as after training), biases in
 * +-1, raw zeta and nu in +-2.
 */
function randomize(model, seed) {
  const r = rng(seed);
  const p = model.getParameters();
  for (const t of model.tensors()) {
    const n = t.shape.length === 2 ? t.shape[0] * t.shape[1] : t.shape[0];
    const scale = t.name === 'cell.zeta' || t.name === 'cell.nu' ? 2 : t.shape.length === 2 ? 1 / Math.sqrt(t.shape[1]) : 1;
    for (let i = 0; i < n; i++) p[t.offset + i] = (r() * 2 - 1) * scale;
  }
  model.setParameters(p);
  return model;
}

function withNormalization(model, seed) {
  const r = rng(seed);
  const D = model.inputDim;
  model.normalization = {
    means: Float32Array.from({ length: D }, () => r() * 10 - 5),
    stds: Float32Array.from({ length: D }, () => 0.5 + r() * 3),
  };
  return model;
}

async function ihtTrained() {
  const D = 3, T = 7, n = 64;
  const r = rng(11);
  const x = new Float32Array(n * T * D).map(() => r() * 2 - 1);
  const y = new Float32Array(n).map((_, i) => (x[i * T * D] + x[i * T * D + 1] > 0 ? 1 : 0));
  const ds = new TrainingDataset(x, y, { inputDim: D, timesteps: T });
  const model = new FastGRNN({ inputDim: D, hiddenDim: 12, rank: null, seed: 3 });
  const tr = new Trainer(model.config, { epochs: 3, batchSize: 16, learningRate: 0.05, sparsityW: 0.5, sparsityU: 0.6 });
  await tr.train(model, ds);
  tr.dispose();
  ds.dispose();
  assert.ok(model.isSparse(), 'IHT training leaves a sparse model');
  return model;
}

/** name -> async () => { model, options } (exported with toONNX(options)). */
const VARIANTS = {
  'dense binary': async () => ({ model: randomize(new FastGRNN({ inputDim: 4, hiddenDim: 12, rank: null }), 1) }),
  'dense binary, normalization': async () => ({
    model: withNormalization(randomize(new FastGRNN({ inputDim: 4, hiddenDim: 12, rank: null }), 2), 3),
  }),
  'dense multi-class': async () => ({ model: randomize(new FastGRNN({ inputDim: 5, hiddenDim: 10, outputDim: 4, rank: null }), 4) }),
  'dense multi-class, normalization': async () => ({
    model: withNormalization(randomize(new FastGRNN({ inputDim: 5, hiddenDim: 10, outputDim: 4, rank: null }), 5), 6),
  }),
  'low-rank W and U (W1 W2, U1 U2)': async () => ({
    model: randomize(new FastGRNN({ inputDim: 6, hiddenDim: 12, outputDim: 3, rank: 3 }), 7),
  }),
  'low-rank W only': async () => ({ model: randomize(new FastGRNN({ inputDim: 6, hiddenDim: 8, rank: null, wRank: 2 }), 8) }),
  'sparse (IHT training)': async () => ({ model: await ihtTrained() }),
  'sparse (prune)': async () => {
    const model = randomize(new FastGRNN({ inputDim: 4, hiddenDim: 16, outputDim: 3, rank: null }), 9);
    model.prune(0.7);
    return { model };
  },
  'int8 binary': async () => {
    const model = randomize(new FastGRNN({ inputDim: 4, hiddenDim: 12, rank: null }), 10);
    model.quantize();
    return { model };
  },
  'int8 low-rank multi-class, normalization': async () => {
    const model = withNormalization(randomize(new FastGRNN({ inputDim: 5, hiddenDim: 12, outputDim: 3, rank: 2 }), 12), 13);
    model.quantize();
    return { model };
  },
  'int8 low-rank, qdq (DequantizeLinear nodes)': async () => {
    const model = randomize(new FastGRNN({ inputDim: 5, hiddenDim: 12, outputDim: 3, rank: 2 }), 16);
    model.quantize();
    return { model, options: { qdq: true } };
  },
  'normalization stored but not exported': async () => ({
    model: withNormalization(randomize(new FastGRNN({ inputDim: 4, hiddenDim: 8, outputDim: 2, rank: null }), 14), 15),
    options: { normalization: false },
  }),
};

/** Random raw inputs [n, T, D] (on the scale of the model's normalization, if any). */
function inputs(model, n, T, seed, raw = true) {
  const r = rng(seed);
  const D = model.inputDim;
  const norm = raw ? model.normalization : null;
  const x = new Float32Array(n * T * D);
  for (let i = 0; i < x.length; i++) {
    const u = r() * 4 - 2;
    x[i] = norm ? norm.means[i % D] + norm.stds[i % D] * u : u;
  }
  return x;
}

/**
 * The package's own outputs on inputs x [n, T, D]: raw inputs (the model's
 * stored normalization applied by C) through predictBatch / predictLogits,
 * or, for a graph without the normalization, forwardBatch / logits.
 */
function reference(model, x, T, normalize) {
  if (normalize) {
    return { probs: model.predictBatch(x, { timesteps: T }), logits: model.predictLogits(x, { timesteps: T }) };
  }
  return { probs: model.forwardBatch(x, { timesteps: T }), logits: model.logits(x, { timesteps: T }) };
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Runs `bytes` in `ort` on x [n, T, D] and compares with the package. */
async function compare(ort, session, model, x, n, T, normalize, where) {
  const D = model.inputDim, O = model.outputDim;
  const out = await session.run({ input: new ort.Tensor('float32', x, [n, T, D]) });
  assert.deepEqual(out.probabilities.dims, [n, O], `${where}: probabilities dims`);
  assert.deepEqual(out.logits.dims, [n, O], `${where}: logits dims`);
  const ref = reference(model, x, T, normalize);
  const dp = maxDiff(out.probabilities.data, ref.probs);
  if (dp > largest.probs.diff) largest.probs = { diff: dp, where };
  assert.ok(dp <= TOL, `${where}: probabilities differ by ${dp} (> ${TOL})`);
  // Logits are unbounded: 1e-5 absolute up to |logit| 1, 1e-5 of |logit|
  // above (float32 resolves a logit of 32 only to 3.8e-6).
  const l = out.logits.data;
  for (let i = 0; i < l.length; i++) {
    const d = Math.abs(l[i] - ref.logits[i]);
    const bound = TOL * Math.max(1, Math.abs(ref.logits[i]));
    if (d > largest.logits.diff) largest.logits = { diff: d, where, value: ref.logits[i] };
    const rel = d / Math.max(1, Math.abs(ref.logits[i]));
    if (rel > largest.logitsRel.diff) largest.logitsRel = { diff: rel, where, value: ref.logits[i] };
    assert.ok(d <= bound, `${where}: logit ${i} = ${l[i]}, the package's ${ref.logits[i]} (differ by ${d} > ${bound})`);
  }
}

// ---- the onnx checker (python3-onnx) ---------------------------------------------

function findPythonOnnx() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import onnx, onnx.checker; print(onnx.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { py, version: r.stdout.trim() };
  }
  return null;
}

const CHECK_SCRIPT = `
import sys, json, onnx, onnx.checker
for path in sys.argv[1:]:
    m = onnx.load(path)
    assert m.producer_name == 'fastgrnn-wasm', m.producer_name
    meta = {p.key: json.loads(p.value) for p in m.metadata_props}
    assert meta['config']['input_dim'] == m.graph.input[0].type.tensor_type.shape.dim[2].dim_value, meta
    assert 'library_version' in meta, meta
    if m.opset_import[0].version > onnx.defs.onnx_opset_version():
        print('SKIP', path, 'opset', m.opset_import[0].version)
        continue
    onnx.checker.check_model(m, full_check=True)
    print('OK', path)
`;

// ---- the tests --------------------------------------------------------------------

for (const flavor of FLAVORS) {
  describe(`toONNX (${flavor})`, () => {
    let runtimes;
    before(async () => {
      await useFlavor(flavor);
      runtimes = await loadRuntimes();
    });

    for (const [name, make] of Object.entries(VARIANTS)) {
      it(`${name}: Scan graph equals the package for T = ${LENGTHS}, batch ${BATCHES}`, async (t) => {
        const { model, options } = await make();
        const bytes = model.toONNX(options);
        const normalize = !(options && options.normalization === false);
        for (const { name: rt, ort, why } of runtimes) {
          if (!ort) { t.diagnostic(`${rt} not loadable here: ${why}`); continue; }
          // onnxruntime-node fuses DequantizeLinear -> MatMul into an int8
          // kernel (activations quantized too) above the basic level
          const qdqNode = options && options.qdq && rt === 'onnxruntime-node';
          const session = await ort.InferenceSession.create(bytes, qdqNode ? { graphOptimizationLevel: 'basic' } : {});
          assert.deepEqual(session.inputNames, ['input']);
          assert.deepEqual(session.outputNames, ['probabilities', 'logits']);
          for (const T of LENGTHS) {
            for (const n of BATCHES) {
              const x = inputs(model, n, T, 100 * T + n, normalize);
              await compare(ort, session, model, x, n, T, normalize, `${name} ${rt} T=${T} n=${n}`);
            }
          }
          if (session.release) await session.release();
        }
        model.dispose();
      });
    }

    for (const T of LENGTHS) {
      it(`unrolled for fixed T = ${T} (dense binary with normalization, int8 low-rank multi-class)`, async (t) => {
        for (const make of [VARIANTS['dense binary, normalization'], VARIANTS['int8 low-rank multi-class, normalization']]) {
          const { model } = await make();
          const bytes = model.toONNX({ unroll: true, timesteps: T });
          for (const { name: rt, ort, why } of runtimes) {
            if (!ort) { t.diagnostic(`${rt} not loadable here: ${why}`); continue; }
            const session = await ort.InferenceSession.create(bytes);
            for (const n of BATCHES) {
              await compare(ort, session, model, inputs(model, n, T, 7 * T + n), n, T, true, `unrolled T=${T} ${rt} n=${n}`);
            }
            // the time dimension is fixed: another length is rejected by the runtime
            await assert.rejects(session.run({ input: new ort.Tensor('float32', inputs(model, 1, T + 1, 1), [1, T + 1, model.inputDim]) }));
          }
          model.dispose();
        }
      });
    }

    it('every opset from ONNX_MIN_OPSET to ONNX_MAX_OPSET loads and equals the package', async () => {
      assert.equal(fg.ONNX_DEFAULT_OPSET, fg.ONNX_MIN_OPSET);
      const { model } = await VARIANTS['int8 low-rank multi-class, normalization']();
      const { ort } = runtimes[0];
      for (let opset = fg.ONNX_MIN_OPSET; opset <= fg.ONNX_MAX_OPSET; opset++) {
        for (const unroll of [false, true]) {
          const session = await ort.InferenceSession.create(model.toONNX(unroll ? { opset, unroll, timesteps: 7 } : { opset }));
          await compare(ort, session, model, inputs(model, 33, 7, opset), 33, 7, true, `opset ${opset}${unroll ? ' unrolled' : ''}`);
        }
      }
      model.dispose();
    });

    it('int8 weights stay int8 in the file (Cast + Mul, or DequantizeLinear with qdq): 3 bytes less per weight', async () => {
      const a = randomize(new FastGRNN({ inputDim: 16, hiddenDim: 64, outputDim: 4, rank: null }), 21);
      const b = a.clone();
      b.quantize();
      const fa = a.toONNX(), fb = b.toONNX(), fq = b.toONNX({ qdq: true });
      const weights = 64 * 16 + 64 * 64 + 4 * 64;
      assert.ok(fa.length > weights * 4, `float file ${fa.length} holds the float weights`);
      // 3 bytes less per weight, less under 200 bytes per matrix for the scale and dequantize nodes
      assert.ok(fa.length - fb.length >= weights * 3 - 600, `int8 file ${fb.length} holds int8 weights (float file ${fa.length})`);
      assert.ok(fa.length - fq.length >= weights * 3 - 600, `qdq file ${fq.length} holds int8 weights (float file ${fa.length})`);
      const text = new TextDecoder('latin1').decode(fb);
      assert.ok(text.includes('Cast') && text.includes('cell.U.quantized') && !text.includes('DequantizeLinear'));
      assert.ok(new TextDecoder('latin1').decode(fq).includes('DequantizeLinear'));
      a.dispose();
      b.dispose();
    });

    it('metadata: producer, opset, every card field and the config as JSON strings; symbolic batch and time', async () => {
      const { ort } = runtimes.find((r) => r.name === 'onnxruntime-node' && r.ort) || runtimes[0];
      const model = withNormalization(new FastGRNN({ inputDim: 3, hiddenDim: 4, outputDim: 3 }), 1);
      model.updateCard({ featureNames: ['a', 'b', 'c'], classNames: ['x', 'y', 'z'], labelName: 'kind', timesteps: 3, data: { source: 'unit test', rowCount: '12' } });
      const bytes = model.toONNX();
      const text = new TextDecoder('utf-8').decode(bytes);
      for (const s of ['fastgrnn-wasm', fg.VERSION, 'batch', 'time', 'Scan', 'normalization.means', '"input_dim":3', 'normalized_in_graph']) {
        assert.ok(text.includes(s), `the file contains ${s}`);
      }
      // key, then its JSON value (protobuf strings are stored as they are)
      const expect = {
        library_version: JSON.stringify(model.card.libraryVersion),
        feature_names: '["a","b","c"]',
        class_names: '["x","y","z"]',
        label_name: '"kind"',
        timesteps: '3',
        data: '{"source":"unit test","rowCount":"12"}',
        normalization: JSON.stringify({ means: Array.from(model.normalization.means), stds: Array.from(model.normalization.stds) }),
      };
      for (const [k, v] of Object.entries(expect)) {
        assert.ok(text.includes(k + '\u0012'), `metadata key ${k}`);
        assert.ok(text.includes(v), `metadata ${k} = ${v}`);
      }
      const session = await ort.InferenceSession.create(bytes);
      await compare(ort, session, model, inputs(model, 2, 3, 1), 2, 3, true, 'metadata model');
      model.dispose();
      // a trained model's card carries the training summary
      const trained = await ihtTrained();
      const t2 = new TextDecoder('utf-8').decode(trained.toONNX());
      assert.ok(t2.includes('training\u0012') && t2.includes('"stop_reason":"completed"'), 'training summary in the metadata');
      trained.dispose();
    });

    it('the onnx checker (python3-onnx) accepts every exported file', async (t) => {
      const py = findPythonOnnx();
      if (!py) {
        t.skip('python3 with the onnx module is not installed (scripts/setup.sh installs python3-onnx)');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'fg-onnx-'));
      try {
        const files = [];
        for (const [name, make] of Object.entries(VARIANTS)) {
          const { model, options } = await make();
          const variants = [options || {}, { ...options, unroll: true, timesteps: 5 }, { ...options, opset: 13 }, { ...options, opset: 17 }];
          variants.forEach((o, i) => {
            const f = join(dir, `${files.length}-${i}.onnx`);
            model.toONNX(f, o);
            files.push(f);
          });
          model.dispose();
        }
        const r = spawnSync(py.py, ['-c', CHECK_SCRIPT, ...files], { encoding: 'utf8' });
        assert.equal(r.status, 0, `onnx ${py.version} checker failed:\n${r.stderr}`);
        const ok = r.stdout.split('\n').filter((l) => l.startsWith('OK ')).length;
        assert.equal(ok, files.length, r.stdout);
        t.diagnostic(`onnx ${py.version} checker (full_check) accepted ${ok} files`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('with a path writes the file atomically (no temporary left) and returns undefined', () => {
      const dir = mkdtempSync(join(tmpdir(), 'fg-onnx-'));
      try {
        const model = new FastGRNN({ inputDim: 3, hiddenDim: 4 });
        const f = join(dir, 'm.onnx');
        writeFileSync(f, 'old');
        assert.equal(model.toONNX(f), undefined);
        assert.deepEqual(new Uint8Array(readFileSync(f)), model.toONNX());
        assert.equal(model.toONNX(f, { unroll: true, timesteps: 2 }), undefined);
        assert.deepEqual(new Uint8Array(readFileSync(f)), model.toONNX({ unroll: true, timesteps: 2 }));
        assert.deepEqual(readdirSync(dir), ['m.onnx']);
        model.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

// ---- bad inputs ---------------------------------------------------------------------

const mdRows = [];

describe('toONNX bad inputs', () => {
  before(() => useFlavor(FLAVORS[0]));

  // [call, bad input, code, message, fn(model, path)]
  const CASES = [
    ['model.toONNX(options)', '7 (a number)', 'InvalidInput', /options must be an object, got 7/, (m) => m.toONNX(7)],
    ['model.toONNX(options)', '{ opsets: 13 } (unknown option)', 'InvalidInput', /unknown option 'opsets'/, (m) => m.toONNX({ opsets: 13 })],
    ['model.toONNX(options)', '{ opset: 9 } (below the lowest)', 'InvalidInput', /opset must be an integer in \[10, 21\], got 9/, (m) => m.toONNX({ opset: 9 })],
    ['model.toONNX(options)', '{ opset: 22 }', 'InvalidInput', /opset must be an integer in \[10, 21\], got 22/, (m) => m.toONNX({ opset: 22 })],
    ['model.toONNX(options)', "{ opset: '13' } (a string)", 'InvalidInput', /opset must be an integer in \[10, 21\], got "13"/, (m) => m.toONNX({ opset: '13' })],
    ['model.toONNX(options)', '{ opset: 13.5 }', 'InvalidInput', /opset must be an integer .* got 13.5/, (m) => m.toONNX({ opset: 13.5 })],
    ['model.toONNX(options)', '{ unroll: 1 } (not a boolean)', 'InvalidInput', /unroll must be a boolean, got 1/, (m) => m.toONNX({ unroll: 1 })],
    ['model.toONNX(options)', '{ unroll: true } without timesteps', 'InvalidInput', /unroll needs timesteps/, (m) => m.toONNX({ unroll: true })],
    ['model.toONNX(options)', '{ unroll: true, timesteps: 0 }', 'InvalidInput', /timesteps must be an integer in \[1, 4096\], got 0/, (m) => m.toONNX({ unroll: true, timesteps: 0 })],
    ['model.toONNX(options)', '{ unroll: true, timesteps: 4097 }', 'InvalidInput', /timesteps must be an integer in \[1, 4096\], got 4097/, (m) => m.toONNX({ unroll: true, timesteps: 4097 })],
    ['model.toONNX(options)', '{ timesteps: 7 } without unroll', 'InvalidInput', /timesteps \(7\) is only used with unroll: true/, (m) => m.toONNX({ timesteps: 7 })],
    ['model.toONNX(options)', '{ normalization: true } for a model without one', 'InvalidInput', /normalization is true but the model has no stored normalization/, (m) => m.toONNX({ normalization: true })],
    ['model.toONNX(options)', "{ normalization: 'yes' }", 'InvalidInput', /normalization must be a boolean, got "yes"/, (m) => m.toONNX({ normalization: 'yes' })],
    ['model.toONNX(options)', "{ qdq: 'yes' }", 'InvalidInput', /qdq must be a boolean, got "yes"/, (m) => m.toONNX({ qdq: 'yes' })],
    ['model.toONNX(path, options)', '{} as the path, options given', 'InvalidInput', /first argument must be a path string when options follow, got an object/, (m) => m.toONNX({}, {})],
    ['model.toONNX(path)', "'' (empty path)", 'InvalidInput', /toONNX: path must be a non-empty string, got ""/, (m) => m.toONNX('')],
    ['model.toONNX(path, options)', 'a good path with { opset: 9 }', 'InvalidInput', /opset must be an integer/, (m, p) => m.toONNX(p, { opset: 9 })],
    ['model.toONNX(path)', 'a path in a missing directory', 'IoError', /cannot write .*missing\/m\.onnx: ENOENT: no such file or directory, open '.*missing\/m\.onnx'$/, (m, p, dir) => m.toONNX(join(dir, 'missing', 'm.onnx'))],
    ['model.toONNX(path)', 'a path that is a directory (the rename fails)', 'IoError', /cannot write .*m\.onnx: cannot replace it with the new file \(EISDIR\)/, (m, p) => m.toONNX(p),
      (p) => { mkdirSync(p); writeFileSync(join(p, 'keep'), 'x'); }],
    ['model.toONNX(options)', 'card with 2 feature names for inputDim 3', 'InvalidInput',
      /card is inconsistent with its config: feature_names has 2 names, expected 3/,
      (m) => { Object.defineProperty(m, 'card', { value: { featureNames: ['a', 'b'] } }); m.toONNX(); }],
    ['model.toONNX(options)', 'card with 3 class names for a binary model', 'InvalidInput',
      /card is inconsistent with its config: class_names has 3 names, expected 2/,
      (m) => { Object.defineProperty(m, 'card', { value: { classNames: ['a', 'b', 'c'] } }); m.toONNX(); }],
    ['model.toONNX(options)', 'card normalization of length 2 for inputDim 3', 'InvalidInput',
      /card is inconsistent with its config: normalization has 2 means and 2 stds, expected input_dim 3/,
      (m) => { Object.defineProperty(m, 'card', { value: { normalization: { means: [0, 0], stds: [1, 1] } } }); m.toONNX(); }],
    ['model.toONNX(options)', 'card timesteps 0', 'InvalidInput', /card is inconsistent with its config: timesteps must be an integer >= 1, got 0/,
      (m) => { Object.defineProperty(m, 'card', { value: { timesteps: 0 } }); m.toONNX(); }],
    ['model.toONNX() after model.dispose()', 'a disposed model', 'InvalidInput', /this FastGRNN has been disposed/, (m) => { m.dispose(); m.toONNX(); }],
    ['model.toONNX(path) after model.dispose()', 'a disposed model', 'InvalidInput', /this FastGRNN has been disposed/, (m, p) => { m.dispose(); m.toONNX(p); }],
  ];

  for (const [call, bad, code, re, fn, prepare] of CASES) {
    it(`${call}: ${bad} -> ${code}, nothing written, model unchanged`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'fg-onnx-bad-'));
      try {
        const model = new FastGRNN({ inputDim: 3, hiddenDim: 4, rank: null, seed: 5 });
        const before = model.save();
        const path = join(dir, 'm.onnx');
        if (prepare) prepare(path);
        const entries = readdirSync(dir, { recursive: true }).sort();
        let message;
        assert.throws(() => fn(model, path, dir), (e) => { message = e.message; return expectError(code, re)(e); });
        assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), entries, 'no file written, no temporary left');
        if (!prepare) assert.ok(!existsSync(path));
        if (!model.disposed) {
          assert.deepEqual(model.save(), before, 'model unchanged');
          model.dispose();
        }
        mdRows.push(`| \`${call}\` | ${bad} | ${code} | ${message.replace(/\|/g, '\\|').split(dir).join('<dir>')} |`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  after(() => {
    if (process.env.FG_BAD_INPUTS_MD_ONNX && mdRows.length) {
      writeFileSync(process.env.FG_BAD_INPUTS_MD_ONNX, '| # | JS call | bad input | code | message |\n|---|---|---|---|---|\n' +
        mdRows.map((r, i) => r.replace(/^\|/, `| O${i + 1} |`)).join('\n') + '\n');
    }
  });
});

after(() => {
  const { probs, logits, logitsRel } = largest;
  console.log(`largest ONNX Runtime vs package difference: probabilities ${probs.diff} (${probs.where}); ` +
    `logits ${logits.diff} at a logit of ${logits.value} (${logits.where}); ` +
    `logits / max(1, |logit|) ${logitsRel.diff} (${logitsRel.where})`);
});
