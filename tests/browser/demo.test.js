// demo.test.js - the demo page (web/) in a real headless Chromium.
//
// One server (web/serve.js on a free port) and one browser profile for the
// file; the tests run in order on one page, as a person would use it.
// Screenshots go to build/screenshots/ (printed at the start).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';
import { init, FastGRNN } from '../../js/index.js';
import { routing, moons, toCSV } from '../../web/datasets.js';

let server;
let browser;
let page;
let errors;
let tmp;
let modelPath;

before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-browser-test-'));
  console.log(`# screenshots: ${SCREENSHOTS}`);
  server = await startServer();
  browser = await launch({ width: 1280, height: 800 });
  page = browser.context.pages()[0] || await browser.context.newPage();
  errors = watchErrors(page);
  page.setDefaultTimeout(30000);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const shot = async (name) => {
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
};

const text = (sel) => page.textContent(sel);

async function setFields(fields) {
  for (const [id, value] of Object.entries(fields)) {
    await page.fill(`#${id}`, String(value));
    await page.dispatchEvent(`#${id}`, 'change');
  }
}

async function chooseDataset(kind) {
  await page.selectOption('#dataset', kind);
}

/**
 * Clicks Start and watches the run: on every animation frame the page logs
 * the epoch counter, the UI frame counter, the loss chart's point count, the
 * boundary's epoch and the state. Resolves when the run ends in one of the
 * `end` states.
 */
async function train({ end = ['done'], during } = {}) {
  const before = Number(await page.getAttribute('body', 'data-run') || 0);
  await page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    window.__log = [];
    window.__sampling = true;
    const sample = () => {
      window.__log.push({
        epoch: Number($('epoch-counter').textContent.split('/')[0]),
        frames: Number($('ui-frames').textContent),
        points: Number($('chart-loss').dataset.points),
        boundary: Number($('boundary').dataset.epoch),
        state: document.body.dataset.state,
        t: performance.now(),
      });
      if (window.__sampling) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  await page.click('#start');
  await page.waitForSelector(`body[data-run="${before + 1}"]`);
  if (during) await during();
  const sel = end.map((s) => `body[data-run="${before + 1}"][data-state="${s}"]`).join(', ');
  await page.waitForSelector(sel, { timeout: 90000 });
  const log = await page.evaluate(() => { window.__sampling = false; return window.__log; });
  const state = await page.getAttribute('body', 'data-state');
  const [n, of] = (await text('#epoch-counter')).split('/').map((v) => Number(v.trim()));
  return { log, state, epochs: n, of };
}

/** The counter, the charts and the UI frame counter all moved while the worker trained. */
function assertLiveUpdates(r, { minEpochValues = 3 } = {}) {
  const live = r.log.filter((e) => e.state === 'training');
  assert.ok(live.length >= 3, `${live.length} animation frames during training`);
  const values = [...new Set(live.map((e) => e.epoch))];
  assert.ok(values.length >= minEpochValues, `epoch counter showed ${values.join(', ')} during training`);
  for (let i = 1; i < live.length; i++) assert.ok(live[i].epoch >= live[i - 1].epoch, 'epoch counter never goes back');
  assert.ok(live.some((e) => e.points > 0 && e.points < r.epochs),
    `the loss chart was drawn with part of the run (points seen: ${[...new Set(live.map((e) => e.points))].join(', ')})`);
  const frames = live[live.length - 1].frames - live[0].frames;
  assert.ok(frames >= 3, `the UI frame counter advanced during training (${frames} frames)`);
}

// ---------------------------------------------------------------- tests

test('serve.js: page, package, wasm and charting library with the right types; nothing else', async () => {
  const get = (p) => fetch(new URL(p, server.url));
  const cases = [
    ['/', 'text/html'],
    ['/web/app.js', 'text/javascript'],
    ['/js/index.js', 'text/javascript'],
    ['/js/worker.js', 'text/javascript'],
    ['/dist/fastgrnn-simd.wasm', 'application/wasm'],
    ['/dist/fastgrnn.wasm', 'application/wasm'],
    ['/node_modules/uplot/dist/uPlot.esm.js', 'text/javascript'],
    ['/node_modules/uplot/dist/uPlot.min.css', 'text/css'],
  ];
  for (const [p, type] of cases) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.ok(r.headers.get('content-type').startsWith(type), `${p}: ${r.headers.get('content-type')}`);
    await r.arrayBuffer();
  }
  for (const p of ['/package.json', '/.git/config', '/web/../.git/HEAD', '/%2e%2e/etc/passwd', '/c/src/model.c', '/nope.js']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    await r.arrayBuffer();
  }
});

test('the page loads, shows the module readout and is ready', async () => {
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="idle"]');
  const badge = await text('#module-badge');
  assert.match(badge, /WebAssembly (SIMD128|scalar)/);
  assert.match(await text('#data-summary'), /2,000\u00a0samples/);
  assert.equal(await page.getAttribute('#start', 'disabled'), null);
  await shot('desktop-1280x800-start.png');
});

test('routing data: trains with live charts and counter, validation accuracy >= 0.85', async () => {
  await chooseDataset('routing');
  // Enough work (about a second on a fast machine) that the page sees the
  // counter at several epochs whatever the machine's speed.
  await setFields({ n: 20000, hiddenDim: 64, epochs: 20, earlyStoppingPatience: '' });
  const r = await train();
  assertLiveUpdates(r);
  assert.equal(r.epochs, 20);
  assert.equal(r.of, 20);
  const acc = Number(await page.getAttribute('#val-acc', 'data-value'));
  assert.ok(acc >= 0.85, `routing validation accuracy ${acc}`);
  assert.equal(await page.getAttribute('#chart-loss', 'data-points'), '20');
  assert.equal(await page.getAttribute('#chart-acc', 'data-points'), '20');
  assert.equal(await page.getAttribute('#chart-lr', 'data-points'), '20');
  assert.match(await text('#speed'), /\d/);
  assert.match(await text('#status'), /Finished 20 epochs/);
  // the kept epoch is the one the C trainer recorded (the best validation loss here)
  const kept = Number(/Kept the weights of epoch (\d+) \(validation accuracy/.exec(await text('#status'))?.[1]);
  const losses = await page.evaluate(() => window.fastgrnnDemo.state.trained.metrics.map((m) => m.valLoss));
  assert.equal(kept, losses.indexOf(Math.min(...losses)) + 1);
  assert.match(await text('#pred-source'), /Trained model .* accuracy on all 20,000 samples/);
  assert.equal(await page.locator('#history tbody tr').count(), 1);
  await shot('desktop-1280x800-routing.png');
});

test('download the model and metrics, load the model back: the same predictions (page and Node)', async () => {
  const table = await text('#pred-table');
  const checksum = await page.getAttribute('#pred-table', 'data-checksum');
  assert.ok(checksum && Number.isFinite(Number(checksum)));

  const [dlModel] = await Promise.all([page.waitForEvent('download'), page.click('#download-model')]);
  assert.match(dlModel.suggestedFilename(), /\.safetensors$/);
  modelPath = path.join(tmp, dlModel.suggestedFilename());
  await dlModel.saveAs(modelPath);
  const [dlMetrics] = await Promise.all([page.waitForEvent('download'), page.click('#download-metrics')]);
  assert.match(dlMetrics.suggestedFilename(), /\.json$/);
  const metricsPath = path.join(tmp, dlMetrics.suggestedFilename());
  await dlMetrics.saveAs(metricsPath);
  const metrics = JSON.parse(fs.readFileSync(metricsPath, 'utf8'));
  assert.equal(metrics.length, 20);
  assert.deepEqual(Object.keys(metrics[0]).sort(),
    ['epoch', 'learning_rate', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss']);

  // The ONNX export button gives the package's toONNX() of that model.
  const [dlOnnx] = await Promise.all([page.waitForEvent('download'), page.click('#download-onnx')]);
  assert.match(dlOnnx.suggestedFilename(), /\.onnx$/);
  const onnxPath = path.join(tmp, dlOnnx.suggestedFilename());
  await dlOnnx.saveAs(onnxPath);
  await init();
  const exported = FastGRNN.load(new Uint8Array(fs.readFileSync(modelPath)));
  assert.deepEqual(new Uint8Array(fs.readFileSync(onnxPath)), exported.toONNX());
  exported.dispose();

  // Load it back into the page: the same predictions.
  await page.setInputFiles('#load-model', modelPath);
  await page.waitForFunction(() => /^Loaded /.test(document.getElementById('pred-source').textContent));
  assert.equal(await page.getAttribute('#pred-table', 'data-checksum'), checksum);
  assert.equal(await text('#pred-table'), table);

  // And in Node with the package: the same probabilities as the page shows.
  await init();
  const model = FastGRNN.load(new Uint8Array(fs.readFileSync(modelPath)));
  try {
    const ds = routing(8000, 7);
    const p = model.predictBatch(ds.features);
    const shown = await page.$$eval('#pred-table tbody tr', (rows) => rows.map((r) => r.children[2].textContent));
    assert.deepEqual(shown, Array.from(p.subarray(0, shown.length), (v) => v.toFixed(4)));
  } finally {
    model.dispose();
  }
});

test('SIMD vs scalar readout', async () => {
  const before = Number(await page.getAttribute('body', 'data-run'));
  if (!(await page.isEnabled('#compare'))) return; // no SIMD128 in this browser
  await page.click('#compare');
  await page.waitForSelector(`body[data-run="${before + 1}"][data-state="compared"]`, { timeout: 60000 });
  assert.match(await text('#status'), /SIMD128: .* samples\/s · scalar: .* samples\/s/);
  assert.ok(Number(await page.getAttribute('#compare-result', 'data-ratio')) > 0);
  const builds = await page.$$eval('#history tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
  assert.ok(builds.includes('scalar') && builds.includes('SIMD128'));
});

test('two moons: decision boundary redrawn during training, validation accuracy >= 0.85', async () => {
  await chooseDataset('moons');
  assert.ok(await page.isVisible('#boundary-card'));
  // long enough (a few seconds) to see several redraws whatever the machine's speed
  await setFields({ n: 8000, epochs: 80, 'boundary-every': 3, earlyStoppingPatience: '' });
  const r = await train();
  assertLiveUpdates(r);
  const redraws = new Set(r.log.filter((e) => e.state === 'training' && e.boundary > 0).map((e) => e.boundary));
  assert.ok(redraws.size >= 2, `boundary redrawn during training at epochs ${[...redraws]}`);
  const acc = Number(await page.getAttribute('#val-acc', 'data-value'));
  assert.ok(acc >= 0.85, `moons validation accuracy ${acc}`);
  assert.match(await text('#boundary-caption'), /Trained model/);
  // the heat map has both class colours
  const colours = await page.evaluate(() => {
    const c = document.getElementById('boundary');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let blue = 0, orange = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 2] > d[i] + 30) blue++;
      else if (d[i] > d[i + 2] + 30) orange++;
    }
    return { blue, orange, total: d.length / 4 };
  });
  assert.ok(colours.blue > colours.total * 0.15 && colours.orange > colours.total * 0.15, JSON.stringify(colours));
  await shot('desktop-1280x800-moons.png');
});

test('two spirals: trains a few epochs (with the scalar build)', async () => {
  await chooseDataset('spirals');
  await setFields({ epochs: 6 });
  await page.selectOption('#module', 'scalar');
  const r = await train();
  assert.equal(r.epochs, 6);
  assert.equal(await page.getAttribute('#chart-acc', 'data-points'), '6');
  assert.equal(await page.getAttribute('#module-badge', 'data-simd'), 'false');
  assert.equal(await page.textContent('#history tbody tr:first-child td:nth-child(4)'), 'scalar');
  await page.selectOption('#module', 'auto');
});

test('sequence task (adding problem, T = 12): trains while the UI stays responsive', async () => {
  await chooseDataset('adding');
  await setFields({ steps: 12, epochs: 12 });
  assert.match(await text('#data-summary'), /T\u00a0=\u00a012/);
  let latency = 0;
  const r = await train({
    during: async () => {
      // the main thread answers at once while the worker trains
      await page.waitForFunction(() => Number(document.getElementById('epoch-counter').textContent.split('/')[0]) >= 2);
      const t0 = Date.now();
      await page.evaluate(() => document.getElementById('ui-frames').textContent);
      latency = Date.now() - t0;
    },
  });
  assertLiveUpdates(r);
  assert.ok(latency < 1000, `page answered in ${latency} ms during training`);
  assert.equal(r.epochs, 12);
  const live = r.log.filter((e) => e.state === 'training');
  const seconds = (live[live.length - 1].t - live[0].t) / 1000;
  const fps = (live[live.length - 1].frames - live[0].frames) / Math.max(seconds, 1e-3);
  assert.ok(fps > 10, `UI ran at ${fps.toFixed(0)} frames/s during training`);
  const acc = Number(await page.getAttribute('#val-acc', 'data-value'));
  assert.ok(acc > 0.6, `adding-problem validation accuracy ${acc}`);
});

test('Stop ends training after the current epoch; Abort now discards the run', async () => {
  await chooseDataset('adding');
  await setFields({ n: 4000, epochs: 500, earlyStoppingPatience: '' });
  const r = await train({
    end: ['stopped'],
    during: async () => {
      await page.waitForFunction(() => Number(document.getElementById('epoch-counter').textContent.split('/')[0]) >= 3);
      await page.click('#stop');
    },
  });
  assert.equal(r.of, 500);
  assert.ok(r.epochs >= 3 && r.epochs < 500, `stopped after ${r.epochs} epochs`);
  assert.match(await text('#status'), /Stopped after epoch \d+ of 500/);
  assert.ok(await page.isEnabled('#download-model'));

  await setFields({ n: 20000 });
  const a = await train({
    end: ['aborted'],
    during: async () => {
      await page.waitForFunction(() => Number(document.getElementById('epoch-counter').textContent.split('/')[0]) >= 1);
      // Stop, then "Abort now" before the epoch ends (one task: no race with the worker)
      const seen = await page.evaluate(() => {
        const stop = document.getElementById('stop');
        stop.click();
        const r = { state: document.body.dataset.state, label: stop.textContent };
        stop.click();
        return r;
      });
      assert.deepEqual(seen, { state: 'stopping', label: 'Abort now' });
    },
  });
  assert.equal(a.state, 'aborted');
  assert.match(await text('#status'), /Aborted/);
  await setFields({ n: 2000 });
});

test('CSV: a malformed file shows a clear message; a good file trains', async () => {
  const dir = tmp;
  const badCell = path.join(dir, 'bad-cell.csv');
  fs.writeFileSync(badCell, 'a,b,label\n0.1,0.2,1\n0.3,abc,0\n');
  const noLabel = path.join(dir, 'no-label.csv');
  fs.writeFileSync(noLabel, 'a,b,c\n0.1,0.2,1\n0.3,0.4,0\n');
  const good = path.join(dir, 'moons.csv');
  fs.writeFileSync(good, toCSV(moons(400, 3)));

  const summaryBefore = await text('#data-summary');
  await page.setInputFiles('#csv-file', badCell);
  await page.waitForSelector('#messages .message.error');
  assert.match(await text('#messages'), /Cannot use bad-cell\.csv: line 3, column 2 \(b\): "abc" is not a number/);
  assert.equal(await text('#data-summary'), summaryBefore, 'the data set is unchanged');
  await shot('desktop-1280x800-csv-error.png');

  // missing label column, dropped on the page
  const content = fs.readFileSync(noLabel, 'utf8');
  await page.evaluate((csv) => {
    const dt = new DataTransfer();
    dt.items.add(new File([csv], 'no-label.csv', { type: 'text/csv' }));
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, content);
  await page.waitForFunction(() => /no label column/.test(document.getElementById('messages').textContent));
  assert.match(await text('#messages'), /Cannot use no-label\.csv: line 1, column 1 \(a\): there is no label column: name one column "label", "target" or "class", or choose the label column by name \(columns: "a", "b", "c"\)/);
  assert.doesNotMatch(await text('#messages'), /not a number/, 'old messages are cleared');

  await page.setInputFiles('#csv-file', good);
  await page.waitForFunction(() => /^moons\.csv: 400/.test(document.getElementById('data-summary').textContent));
  assert.equal(await page.$eval('#messages', (m) => m.children.length), 0);
  assert.equal(await page.inputValue('#dataset'), 'csv');
  await setFields({ epochs: 5 });
  const r = await train();
  assert.equal(r.epochs, 5);
  assert.ok(await page.isVisible('#boundary-card'), 'a 2-feature binary CSV gets the boundary view');
});

test('a model that does not fit the data gets a message, not a crash', async () => {
  // modelPath holds the routing model (5 features); the CSV has 2
  await page.setInputFiles('#load-model', modelPath);
  await page.waitForSelector('#messages .message.error');
  assert.match(await text('#messages'), /expects 5 input features per step, but the current data set has 2/);
  const junk = path.join(tmp, 'junk.safetensors');
  fs.writeFileSync(junk, Buffer.from('definitely not a model'));
  await page.setInputFiles('#load-model', junk);
  await page.waitForFunction(() => /junk\.safetensors is not a FastGRNN model/.test(document.getElementById('messages').textContent));
  // bad settings are named
  await setFields({ learningRate: '', batchSize: 0 });
  await page.click('#start');
  await page.waitForFunction(() => /Learning rate is empty/.test(document.getElementById('messages').textContent));
  assert.match(await text('#messages'), /Batch size must be at least 1 \(got 0\)/);
  await page.click('#reset-config');
});

test('phone-sized viewport (390x844): one column, no horizontal scrolling, trains', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await chooseDataset('moons');
  await setFields({ epochs: 10 });
  const r = await train();
  assert.equal(r.epochs, 10);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
  const [controls, results] = await Promise.all(['.controls', '.results'].map((s) => page.locator(s).boundingBox()));
  assert.ok(results.y > controls.y + controls.height - 1, 'controls stack above results');
  await shot('phone-390x844-moons.png');
  await chooseDataset('routing');
  await setFields({ epochs: 8 });
  await train();
  await shot('phone-390x844-routing.png');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('no console errors, page errors or failed requests', async () => {
  assert.deepEqual(errors, []);
  const files = fs.readdirSync(SCREENSHOTS).filter((f) => f.endsWith('.png')).sort();
  console.log(`# screenshots written to ${SCREENSHOTS}: ${files.join(', ')}`);
});
