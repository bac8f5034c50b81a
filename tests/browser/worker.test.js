// worker.test.js - fastgrnn-wasm/worker in Chromium (a module Web Worker):
// dims from the data, init({ wasm }) handed to the worker, errors with their
// code and message, and a worker that cannot start or is terminated rejects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch } from './helpers.js';

const PAGE = '/__worker-test.html';
const HTML = `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": {
  "fastgrnn-wasm": "/js/index.js", "fastgrnn-wasm/worker": "/js/worker.js" } }</script>
<script type="module">
  import * as fg from 'fastgrnn-wasm';
  import * as w from 'fastgrnn-wasm/worker';
  window.fg = fg; window.w = w; window.ready = true;
</script></head><body></body></html>`;

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launch();
  await browser.context.route('**' + PAGE, (route) => route.fulfill({ contentType: 'text/html', body: HTML }));
  page = await browser.context.newPage();
  await page.goto(new URL(PAGE, server.url).href);
  await page.waitForFunction(() => window.ready === true);
});
after(async () => {
  await browser.close();
  await server.stop();
});

test('rows give the dims; init.wasm (a URL, a compiled Module) reaches the worker', { timeout: 120000 }, async () => {
  const r = await page.evaluate(async () => {
    const { routingData, FastGRNN, init } = window.fg;
    await init();
    const { features, labels } = routingData(300, 1);
    const rows = [];
    for (let i = 0; i < 300; i++) rows.push(Array.from(features.subarray(i * 5, i * 5 + 5)));
    const a = await window.w.trainInWorker({ features: rows, labels, trainingConfig: { epochs: 2 } });
    const b = await window.w.trainInWorker({ features: rows, labels, trainingConfig: { epochs: 2 } },
      { init: { wasm: '/dist/fastgrnn.wasm' } });
    const module = await WebAssembly.compileStreaming(fetch('/dist/fastgrnn-simd.wasm'));
    const c = await window.w.trainInWorker({ features: rows, labels, trainingConfig: { epochs: 2 } },
      { init: { wasm: module, simd: true } });
    return {
      inputDim: FastGRNN.load(a.model).inputDim, simd: [a.simd, b.simd, c.simd],
      epochs: [a.metrics.length, b.metrics.length, c.metrics.length],
    };
  });
  assert.deepEqual(r, { inputDim: 5, simd: [true, false, true], epochs: [2, 2, 2] });
});

test('errors keep code and message; HTML for wasm is named; a missing script or terminate() rejects', { timeout: 120000 }, async () => {
  const r = await page.evaluate(async () => {
    const { routingData } = window.fg;
    const { features, labels } = routingData(100, 2);
    const grab = async (p) => { try { await p; return 'no error'; } catch (e) { return [e.code, e.message, /at /.test(e.stack)]; } };
    const out = {};
    out.config = await grab(window.w.trainInWorker({ features, labels, inputDim: 5, modelConfig: { hiddenDim: 0 } }));
    out.missingDim = await grab(window.w.trainInWorker({ features, labels }));
    // the demo server answers an unknown path with a 404 page: the worker is told so
    out.html = await grab(window.w.trainInWorker({ features, labels, inputDim: 5 }, { init: { wasm: '/' } }));
    out.noScript = await grab(window.w.trainInWorker({ features, labels, inputDim: 5 }, { url: '/js/no-such-worker.js' }));
    const tw = new window.w.TrainingWorker();
    const big = routingData(20000, 3);
    const p = tw.train({ features: big.features, labels: big.labels, inputDim: 5, trainingConfig: { epochs: 1000 } });
    setTimeout(() => tw.terminate(), 200);
    out.terminated = await grab(p);
    return out;
  });
  assert.equal(r.config[0], 'InvalidInput');
  assert.match(r.config[1], /hidden_dim must be in \[1, \d+\], got 0/);
  assert.equal(r.config[2], true);
  assert.equal(r.missingDim[0], 'InvalidInput');
  assert.match(r.missingDim[1], /inputDim is missing/);
  assert.equal(r.html[0], 'SerializationError');
  assert.match(r.html[1], /is not a WebAssembly module: got HTML \(content-type text\/html/);
  assert.deepEqual(r.noScript.slice(0, 2),
    ['Aborted', 'the training worker died (the worker script or one of its imports could not be loaded)']);
  assert.deepEqual(r.terminated.slice(0, 2), ['Aborted', 'the worker was terminated']);
});
