// parallel.test.js - data-parallel training in headless Chromium, with and
// without cross-origin isolation: the demo server's headers, the demo's
// "Data-parallel workers" control (the transport it shows, the model bytes
// against the same run without workers, Stop aborting a run), and the
// package in the page: the same bytes for K = 1, 2, 3 workers on a T > 1
// multi-class task with sparse training and distillation, and abort.
// Nothing here waits for a time: every step waits for a state of the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';

let isolated, plain, browser, page, errors;

// The data-parallel Web Workers the page starts, and those still open.
const workers = { started: 0, open: new Set() };
function trackWorkers(p) {
  p.on('worker', (w) => {
    if (!new URL(w.url()).pathname.endsWith('/js/parallel-worker.js')) return;
    workers.started++;
    const closed = new Promise((resolve) => w.once('close', resolve));
    workers.open.add(closed);
    closed.then(() => workers.open.delete(closed));
  });
}

/** Resolves once every data-parallel worker has ended (fails after 20 s). */
async function allWorkersEnded() {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${workers.open.size} data-parallel workers still open after 20 s`)), 20000);
  });
  try {
    await Promise.race([Promise.all([...workers.open]), late]);
  } finally {
    clearTimeout(timer);
  }
}

before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  [isolated, plain] = await Promise.all([startServer(), startServer({ isolate: false })]);
  browser = await launch({ width: 1280, height: 900 });
  page = browser.context.pages()[0] || await browser.context.newPage();
  errors = watchErrors(page);
  trackWorkers(page);
  page.setDefaultTimeout(45000);
});

after(async () => {
  if (browser) await browser.close();
  if (isolated) await isolated.stop();
  if (plain) await plain.stop();
});

async function openDemo(url) {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state === 'idle');
}

/** SHA-256 (hex) of the demo's last trained model bytes. */
function trainedHash() {
  return page.evaluate(async () => {
    const bytes = window.fastgrnnDemo.state.trained.bytes;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
  });
}

/** Starts a demo run with the given fields; resolves to the run's number once it runs. */
async function startRun(fields) {
  for (const [id, v] of Object.entries(fields)) await page.fill(`#${id}`, String(v));
  const before = Number(await page.evaluate(() => document.body.dataset.run || 0));
  await page.click('#start');
  await page.waitForFunction((n) => Number(document.body.dataset.run) === n, before + 1);
  return before + 1;
}

/** Waits for run `n` to end; resolves to the phase it ended in. */
async function ended(n) {
  await page.waitForFunction((k) => Number(document.body.dataset.run) === k &&
    !['training', 'stopping'].includes(document.body.dataset.state), n);
  return page.evaluate(() => document.body.dataset.state);
}

// The demo's routing data set, small: 480 training samples, 15 batches of
// 32 (two chunks each) per epoch.
const RUN = { n: 600, epochs: 4, earlyStoppingPatience: '' };

let baseline = null; // hash of the demo's run without workers (isolated page)

test('serve.js sends the cross-origin isolation headers; ISOLATE=0 leaves them out', async () => {
  for (const p of ['/', '/web/app.js', '/js/parallel-worker.js', '/dist/fastgrnn-simd.wasm', '/nope.js']) {
    const r = await fetch(new URL(p, isolated.url));
    await r.arrayBuffer();
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', p);
    assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp', p);
    assert.equal(r.headers.get('cross-origin-resource-policy'), 'same-origin', p);
    const q = await fetch(new URL(p, plain.url));
    await q.arrayBuffer();
    assert.equal(q.status, r.status, p);
    for (const h of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy']) {
      assert.equal(q.headers.get(h), null, `${p}: ${h}`);
    }
  }
});

test('isolated demo: shared memory; 2 data-parallel workers train the same model bytes as the run without workers', async () => {
  await openDemo(isolated.url);
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  assert.equal(await page.getAttribute('#parallel-info', 'data-transport'), 'shared');
  assert.match(await page.textContent('#parallel-info'), /move through shared memory \(SharedArrayBuffer \+ Atomics\): this page is cross-origin isolated/);
  // the page shows what the package says
  assert.equal(await page.evaluate(async () => (await import('/js/index.js')).parallelTransport()), 'shared');

  let n = await startRun({ ...RUN, 'parallel-workers': 1 });
  assert.equal(await ended(n), 'done');
  baseline = await trainedHash();
  assert.match(await page.textContent('#history tbody tr:first-child td:nth-child(4)'), /^(SIMD128|scalar)$/);

  assert.equal(workers.started, 0, 'the run without workers started data-parallel workers');
  n = await startRun({ ...RUN, 'parallel-workers': 2 });
  assert.match(await page.textContent('#status'), /data-parallel: this page and 1 Web Worker compute each batch, the data moving through shared memory/);
  assert.equal(await ended(n), 'done');
  assert.equal(workers.started, 1, 'workers: 2 is the page and one worker');
  await allWorkersEnded();
  assert.match(await page.textContent('#status'), /^Finished 4 epochs .* Data-parallel: 2 threads \(this page and 1 Web Worker\), the data moving through shared memory/);
  assert.match(await page.textContent('#speed'), /^[\d.]+( k| M)?$/, 'samples/s shown');
  assert.match(await page.textContent('#history tbody tr:first-child td:nth-child(4)'), /· 2 workers \(shared memory\)$/);
  assert.equal(await trainedHash(), baseline, 'the data-parallel model differs from the one trained without workers');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'parallel-isolated.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('isolated demo: Stop aborts a data-parallel run mid-training; the page trains again afterwards', async () => {
  // 100000 epochs: the run cannot end by itself before Stop
  const n = await startRun({ ...RUN, epochs: 100000, 'parallel-workers': 2 });
  await page.waitForFunction(() => /^[1-9]\d* \//.test(document.getElementById('epoch-counter').textContent));
  await page.click('#stop');
  assert.equal(await ended(n), 'aborted'); // (the page's phase for FastGRNNError 'Aborted')
  await allWorkersEnded(); // Stop ended every worker
  assert.match(await page.textContent('#status'), /^Aborted during epoch \d+: the partial model was discarded\.$/);
  assert.match(await page.textContent('#history tbody tr:first-child td:nth-child(5)'), /\(aborted\)$/);
  assert.equal(await page.isDisabled('#start'), false);
  const again = await startRun({ ...RUN, 'parallel-workers': 2 });
  assert.equal(await ended(again), 'done');
  assert.equal(await trainedHash(), baseline);
  assert.deepEqual(errors, []);
});

test('demo without isolation: messages; 2 data-parallel workers train the same model bytes', async () => {
  assert.ok(baseline, 'the isolated run gave the baseline');
  await openDemo(plain.url);
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
  assert.equal(await page.getAttribute('#parallel-info', 'data-transport'), 'message');
  assert.match(await page.textContent('#parallel-info'), /move by messages \(postMessage copies\): this page is not cross-origin isolated/);
  assert.equal(await page.evaluate(async () => (await import('/js/index.js')).parallelTransport()), 'message');
  const n = await startRun({ ...RUN, 'parallel-workers': 2 });
  assert.equal(await ended(n), 'done');
  assert.match(await page.textContent('#status'), /Data-parallel: 2 threads \(this page and 1 Web Worker\), the data moving by messages \(postMessage copies\)\.$/);
  assert.equal(await trainedHash(), baseline);
  // and the same without workers on this page
  const off = await startRun({ ...RUN, 'parallel-workers': 1 });
  assert.equal(await ended(off), 'done');
  assert.equal(await trainedHash(), baseline);
  assert.deepEqual(errors, []);
});

// The package in the page: K = 1, 2, 3 and no workers; T = 4 steps, 3
// classes, sparse W and U (all three phases in 6 epochs), distillation from
// soft targets; batches of 40 = chunks of 16, 16, 8 (and a last batch of 10).
function inPageParallel() {
  return page.evaluate(async () => {
    const api = await import('/js/index.js');
    await api.init();
    const n = 120, T = 4, D = 3, O = 3;
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const features = new Float32Array(n * T * D), labels = new Float32Array(n), soft = new Float32Array(n * O);
    for (let i = 0; i < n; i++) {
      const sums = [0, 0, 0];
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) {
          const v = rand() * 2 - 1;
          features[(i * T + t) * D + d] = v;
          sums[d] += v;
        }
      }
      let c = 0;
      for (let d = 1; d < D; d++) if (sums[d] > sums[c]) c = d;
      labels[i] = c;
      let z = 0;
      for (let k = 0; k < O; k++) z += (soft[i * O + k] = k === c ? 0.7 : 0.1 + 0.05 * rand());
      for (let k = 0; k < O; k++) soft[i * O + k] /= z;
    }
    const hex = async (bytes) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)),
      (b) => b.toString(16).padStart(2, '0')).join('');
    const TRAIN = {
      epochs: 6, batchSize: 40, validationSplit: 0.25, learningRate: 0.02, earlyStoppingPatience: null, seed: 9,
      sparsityW: 0.5, sparsityU: 0.5, enableDistillation: true, distillationTemperature: 2, distillationAlpha: 0.5,
    };
    const setUp = (train = TRAIN) => {
      const dataset = new api.TrainingDataset(features, labels, { inputDim: D, timesteps: T, outputDim: O }).withSoftTargets(soft);
      const model = new api.FastGRNN({ inputDim: D, hiddenDim: 10, outputDim: O, seed: 3 });
      model.normalization = dataset.normalize();
      return { dataset, model, trainer: new api.Trainer(model.config, train) };
    };
    const run = async (workers, train = TRAIN) => {
      const { dataset, model, trainer } = setUp(train);
      const metrics = await trainer.train(model, dataset, workers === 0 ? {} : { workers });
      const out = { hash: await hex(model.save()), epochs: metrics.length, sparsity: model.sparsity() };
      trainer.dispose(); model.dispose(); dataset.dispose();
      return out;
    };
    const results = {};
    for (const k of [0, 1, 2, 3]) results[k] = await run(k);
    // (the soft targets count: without distillation the bytes differ)
    const plainRun = await run(2, { ...TRAIN, enableDistillation: false });

    // abort from outside a callback once training runs (epoch 1 onwards)
    const { dataset, model, trainer } = setUp({ ...TRAIN, epochs: 100000 });
    const controller = new AbortController();
    let epochsSeen = 0;
    let abort;
    try {
      await trainer.train(model, dataset, {
        workers: 2, signal: controller.signal,
        onEpoch: () => { if (++epochsSeen === 1) setTimeout(() => controller.abort(new Error('test abort')), 0); },
      });
      abort = { rejected: false };
    } catch (e) {
      abort = { rejected: true, fastgrnnError: e instanceof api.FastGRNNError, code: e.code, message: e.message };
    }
    abort.epochsSeen = epochsSeen;
    trainer.dispose(); model.dispose(); dataset.dispose();
    const after = await run(2);
    return { transport: api.parallelTransport(), results, plainRun, abort, after };
  });
}

function checkInPage(r, transport, started) {
  // K = 1, 2, 3, 2 without distillation, then 2 for the aborted run and 2
  // after it; each run starts K - 1 workers (the page computes its share)
  assert.equal(workers.started - started, 0 + 1 + 2 + 1 + 1 + 1);
  assert.equal(r.transport, transport);
  const base = r.results[0];
  assert.equal(base.epochs, 6);
  assert.ok(base.sparsity > 0.3, `sparse training left sparsity ${base.sparsity}`);
  for (const k of [1, 2, 3]) {
    assert.equal(r.results[k].epochs, 6, `K = ${k}`);
    assert.equal(r.results[k].hash, base.hash, `K = ${k} gives other model bytes than the run without workers`);
  }
  assert.notEqual(r.plainRun.hash, base.hash, 'distillation did not change the model');
  assert.equal(r.abort.rejected, true, 'the aborted run resolved');
  assert.equal(r.abort.fastgrnnError, true);
  assert.equal(r.abort.code, 'Aborted');
  assert.match(r.abort.message, /test abort/);
  assert.ok(r.abort.epochsSeen >= 1);
  assert.equal(r.after.hash, base.hash, 'a run after the abort gives other bytes');
}

test('in the page without isolation: K = 1, 2, 3 give the same bytes (T > 1, 3 classes, sparsity, distillation); abort', async () => {
  await openDemo(plain.url);
  const started = workers.started;
  checkInPage(await inPageParallel(), 'message', started);
  await allWorkersEnded();
  assert.deepEqual(errors, []);
});

test('in the isolated page: K = 1, 2, 3 give the same bytes through shared memory; abort', async () => {
  await openDemo(isolated.url);
  const started = workers.started;
  checkInPage(await inPageParallel(), 'shared', started);
  await allWorkersEnded();
  assert.deepEqual(errors, []);
});
