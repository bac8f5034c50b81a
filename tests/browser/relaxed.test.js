// relaxed.test.js - the opt-in relaxed-SIMD module in Chromium (which runs
// relaxed SIMD by default): init({ simd: 'relaxed' }) fetches
// dist/fastgrnn-relaxed.wasm and trains to the SIMD128 module's result
// within the tolerance of tests/js/relaxed.test.js, the same bytes run to run;
// init() and simd 'auto' stay on SIMD128.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, watchErrors } from './helpers.js';

const PAGE = '/__relaxed-test.html';
const HTML = `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": { "fastgrnn-wasm": "/js/index.js" } }</script>
<script type="module">
  import * as fg from 'fastgrnn-wasm';
  window.fg = fg; window.ready = true;
</script></head><body></body></html>`;
const TOL = 1e-4;

let server;
let browser;
let page;
let errors;

before(async () => {
  server = await startServer();
  browser = await launch();
  await browser.context.route('**' + PAGE, (route) => route.fulfill({ contentType: 'text/html', body: HTML }));
  page = await browser.context.newPage();
  errors = watchErrors(page);
  await page.goto(new URL(PAGE, server.url).href);
  await page.waitForFunction(() => window.ready === true);
});
after(async () => {
  await browser.close();
  await server.stop();
});

test('Chromium: simd \'relaxed\' loads the relaxed module and trains to the SIMD128 result; the default stays SIMD128', { timeout: 120000 }, async () => {
  const r = await page.evaluate(async () => {
    const fg = window.fg;
    const first = await fg.init();
    const rand = fg.seededRandom(11);
    const N = 384, T = 8, D = 4;
    const features = new Float32Array(N * T * D);
    for (let i = 0; i < features.length; i++) features[i] = rand() * 2 - 1;
    const labels = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += features[(n * T + t) * D] - 0.5 * features[(n * T + t) * D + 1];
      labels[n] = s > 0 ? 1 : 0;
    }
    const run = async (simd) => {
      const info = await fg.init({ simd });
      const ds = new fg.TrainingDataset(features, labels, { inputDim: D, timesteps: T });
      const model = new fg.FastGRNN({ inputDim: D, hiddenDim: 16, rank: null, seed: 3 });
      const tr = new fg.Trainer(model.config, { epochs: 3, batchSize: 16, learningRate: 0.01, validationSplit: 0, seed: 5 });
      const metrics = await tr.train(model, ds);
      const out = { info, bytes: Array.from(model.save()), params: Array.from(model.getParameters()), loss: metrics.at(-1).trainLoss };
      for (const o of [ds, model, tr]) o.dispose();
      return out;
    };
    const simd = await run(true);
    const a = await run('relaxed');
    const b = await run('relaxed');
    const auto = await fg.init({ simd: 'auto' });
    let dParam = 0;
    for (let i = 0; i < a.params.length; i++) dParam = Math.max(dParam, Math.abs(a.params[i] - simd.params[i]));
    const same = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);
    return {
      supported: fg.relaxedSimdSupported(), first: first.relaxed, auto: auto.relaxed,
      simdInfo: [simd.info.simd, simd.info.relaxed], relaxedInfo: [a.info.simd, a.info.relaxed],
      repeat: same(a.bytes, b.bytes), dParam, dLoss: Math.abs(a.loss - simd.loss), loss: a.loss,
    };
  });
  assert.equal(r.supported, true, 'Chromium validates relaxed SIMD');
  assert.equal(r.first, false, 'init() loads SIMD128');
  assert.equal(r.auto, false, "simd 'auto' loads SIMD128");
  assert.deepEqual(r.simdInfo, [true, false]);
  assert.deepEqual(r.relaxedInfo, [true, true]);
  assert.ok(r.repeat, 'the relaxed module gives the same bytes run to run');
  assert.ok(r.dParam <= TOL, `parameters differ from SIMD128 by ${r.dParam}`);
  assert.ok(r.dLoss <= TOL, `losses differ from SIMD128 by ${r.dLoss}`);
  assert.ok(r.loss < 0.6, `the relaxed module learns the task (loss ${r.loss})`);
  assert.deepEqual(errors, []);
});
