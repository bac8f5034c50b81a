// The opt-in relaxed-SIMD module (dist/fastgrnn-relaxed.wasm,
// init({ simd: 'relaxed' })): loaded only on request and only where the
// engine validates relaxed SIMD; it trains to the SIMD128 module's result
// within a stated tolerance (it fuses multiply-adds, so the bits differ), is
// deterministic run to run on one engine, and the default stays SIMD128.
//
// Node 20 has relaxed SIMD behind a flag only: there the tests that need it
// skip with the reason printed, and the rejection is tested instead. Node 22
// and 24 (npm run test:node-matrix, build/node-matrix/) run them all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fg, expectError, bytesEqual } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RELAXED_PATH = `${ROOT}dist/fastgrnn-relaxed.wasm`;
const SIMD_PATH = `${ROOT}dist/fastgrnn-simd.wasm`;
const supported = fg.relaxedSimdSupported();
const skip = supported ? false
  : `this engine (Node ${process.versions.node}) does not validate relaxed SIMD; Node 22 and 24 run this test (npm run test:node-matrix)`;
if (skip) console.log(`relaxed.test.js: skipping the relaxed-module tests: ${skip}`);

// Stated tolerance between the relaxed and the SIMD128 module after the
// training run below (3 epochs of 24 batches of a T = 8 sequence task):
// fused multiply-adds round once instead of twice, and training carries
// such differences forward. Measured on Node 22, x86-64 with FMA: parameters
// within 5e-7, probabilities within 2e-6, losses within 1e-7; the bounds
// leave a margin of 50x and more for other CPUs and engines.
const LOSS_TOL = 1e-4;
const PARAM_TOL = 1e-4;
const PROB_TOL = 1e-4;

function sequenceTask() {
  const N = 384, T = 8, D = 4;
  const rand = fg.seededRandom(11);
  const features = new Float32Array(N * T * D);
  for (let i = 0; i < features.length; i++) features[i] = rand() * 2 - 1;
  const labels = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += features[(n * T + t) * D] - 0.5 * features[(n * T + t) * D + 1];
    labels[n] = s > 0 ? 1 : 0;
  }
  return { features, labels, T, D, N };
}

/** Trains the task in the module init(options) loads (with trainOptions, e.g. { workers }); returns the model's bytes, parameters, probabilities, loss. */
async function trainWith(options, trainOptions = undefined) {
  const info = await fg.init(options);
  const { features, labels, T, D } = sequenceTask();
  const ds = new fg.TrainingDataset(features, labels, { inputDim: D, timesteps: T });
  const model = new fg.FastGRNN({ inputDim: D, hiddenDim: 16, rank: null, seed: 3 });
  const tr = new fg.Trainer(model.config, { epochs: 3, batchSize: 16, learningRate: 0.01, validationSplit: 0, seed: 5 });
  const metrics = await tr.train(model, ds, trainOptions);
  const out = {
    info,
    bytes: model.save(),
    params: model.getParameters(),
    probs: model.predictBatch(features.subarray(0, 64 * T * D), { timesteps: T }),
    loss: metrics.at(-1).trainLoss,
  };
  for (const o of [ds, model, tr]) o.dispose();
  return out;
}

const maxAbsDiff = (a, b) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('relaxed SIMD module', () => {
  it('is built next to the SIMD128 and scalar modules', () => {
    assert.ok(existsSync(RELAXED_PATH), 'dist/fastgrnn-relaxed.wasm missing: npm run build');
  });

  it('an unknown simd value is refused with InvalidInput naming the accepted ones (docs/bad-inputs.md L13)', async () => {
    const before = await fg.init({ simd: true });
    await assert.rejects(fg.init({ simd: 'yes' }),
      expectError('InvalidInput', /^init: simd must be 'auto', true, false or 'relaxed', got "yes"$/));
    assert.deepEqual(fg.moduleInfo(), before);
  });

  it('is refused with InvalidInput where the engine lacks relaxed SIMD, and nothing changes (L12)',
    { skip: supported && 'this engine has relaxed SIMD' }, async () => {
      const before = await fg.init({ simd: true });
      await assert.rejects(fg.init({ simd: 'relaxed' }), expectError('InvalidInput', /simd 'relaxed'.*lacks WebAssembly relaxed SIMD/));
      assert.deepEqual(fg.moduleInfo(), before);
      assert.equal(fg.moduleInfo().relaxed, false);
      // a training worker asked for it fails the same way, without hanging
      const { trainInWorker } = await import('../../js/worker.js');
      const { features, labels, T, D } = sequenceTask();
      await assert.rejects(trainInWorker({ features, labels, inputDim: D, timesteps: T, trainingConfig: { epochs: 1 } },
        { simd: 'relaxed' }), expectError('InvalidInput', /simd 'relaxed'.*lacks WebAssembly relaxed SIMD/));
    });

  it('is not the default: a fresh init() and simd auto/true load SIMD128', { skip }, async () => {
    const code = "import * as fg from './js/index.js'; console.log(JSON.stringify(await fg.init()));";
    const fresh = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' }));
    assert.equal(fresh.simd, true);
    assert.equal(fresh.relaxed, false);
    for (const simd of ['auto', true]) {
      const info = await fg.init({ simd });
      assert.equal(info.relaxed, false, `simd ${simd}`);
    }
    const info = await fg.init({ simd: 'relaxed' });
    assert.equal(info.relaxed, true);
    assert.equal(info.simd, true);
    assert.equal((await fg.init({ simd: 'auto' })).relaxed, false, 'switching back to SIMD128');
  });

  it('has the SIMD128 module\'s imports and exports', { skip }, () => {
    const relaxed = new WebAssembly.Module(readFileSync(RELAXED_PATH));
    const simd = new WebAssembly.Module(readFileSync(SIMD_PATH));
    assert.deepEqual(WebAssembly.Module.imports(relaxed), WebAssembly.Module.imports(simd));
    const names = (m) => WebAssembly.Module.exports(m).map((e) => `${e.name}:${e.kind}`).sort();
    assert.deepEqual(names(relaxed), names(simd));
  });

  it(`trains to the SIMD128 result within ${PARAM_TOL} (parameters, probabilities) and ${LOSS_TOL} (loss), deterministically`,
    { skip }, async (t) => {
      const simd = await trainWith({ simd: true });
      assert.equal(simd.info.relaxed, false);
      const a = await trainWith({ simd: 'relaxed' });
      const b = await trainWith({ simd: 'relaxed' });
      assert.equal(a.info.relaxed, true);
      assert.ok(bytesEqual(a.bytes, b.bytes), 'the relaxed module gives the same bytes run to run');
      const dParam = maxAbsDiff(a.params, simd.params);
      const dProb = maxAbsDiff(a.probs, simd.probs);
      const dLoss = Math.abs(a.loss - simd.loss);
      t.diagnostic(`relaxed vs SIMD128: max |param diff| ${dParam.toExponential(2)}, max |prob diff| ${dProb.toExponential(2)}, ` +
        `|loss diff| ${dLoss.toExponential(2)} (loss ${a.loss} vs ${simd.loss}); bytes ${bytesEqual(a.bytes, simd.bytes) ? 'equal (the engine does not fuse)' : 'differ (fused)'}`);
      assert.ok(dParam <= PARAM_TOL, `parameters differ by ${dParam}`);
      assert.ok(dProb <= PROB_TOL, `probabilities differ by ${dProb}`);
      assert.ok(dLoss <= LOSS_TOL, `losses differ by ${dLoss}`);
      assert.ok(a.loss < 0.6, `the relaxed module learns the task (loss ${a.loss})`);
    });

  it('data-parallel training runs the relaxed module in its workers: the same bytes for 1 and 2 workers as without', { skip }, async () => {
    const ref = await trainWith({ simd: 'relaxed' });
    for (const workers of [1, 2]) {
      const r = await trainWith({ simd: 'relaxed' }, { workers });
      assert.ok(bytesEqual(r.bytes, ref.bytes), `${workers} worker(s): the relaxed module's bytes`);
    }
  });

  it('is loaded in a training worker with simd: \'relaxed\'', { skip }, async () => {
    const { trainInWorker } = await import('../../js/worker.js');
    const { features, labels, T, D } = sequenceTask();
    const res = await trainInWorker({
      features, labels, inputDim: D, timesteps: T,
      modelConfig: { inputDim: D, hiddenDim: 16, rank: null, seed: 3 },
      trainingConfig: { epochs: 3, batchSize: 16, learningRate: 0.01, validationSplit: 0, seed: 5 },
    }, { simd: 'relaxed' });
    assert.equal(res.simd, true);
    const inProcess = await trainWith({ simd: 'relaxed' });
    assert.ok(bytesEqual(res.model, inProcess.bytes), 'the worker ran the relaxed module');
  });
});
