// stream-file.test.js - streaming training from a browser File (Chromium).
//
// (a) The package's File path: a File built in the page from generated CSV
//     (and from binary rows made with encodeRowsHeader/encodeRows) trains
//     through csvSource(file) / binarySource(file) and gives the same model
//     bytes as the same data streamed from a file in Node (computed here).
// (b) The demo: a file above the page's streaming threshold (lowered with
//     the ?streamAbove=BYTES test hook so the file stays a few MB) set on
//     the file input trains from its stream with a progress display; the
//     page stays responsive, the run ends with metrics and a model to
//     download, Stop and Abort work, and the file is never read whole
//     (Blob#text/arrayBuffer/bytes and FileReader are instrumented).
// Screenshot: build/screenshots/demo-stream-1280x800.png (after the run).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';
import {
  init, FastGRNN, Trainer, csvSource, binarySource, sourceNormalization, encodeRows, encodeRowsHeader,
} from '../../js/index.js';
import { routing, toCSV } from '../../web/datasets.js';

let server;
let browser;
let page;
let errors;
let tmp;

// The run both sides make (shuffling on: the seeded buffer is the same in both).
const MODEL = { hiddenDim: 8, rank: null, seed: 3 };
const TRAIN = { epochs: 2, batchSize: 32, learningRate: 0.02, validationSplit: 0.2, seed: 5, earlyStoppingPatience: null };
const SHUFFLE = 500;

before(async () => {
  await init();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-stream-file-'));
  server = await startServer();
  browser = await launch({ width: 1280, height: 800 });
  page = browser.context.pages()[0] || await browser.context.newPage();
  errors = watchErrors(page);
  page.setDefaultTimeout(60000);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Streams `source` in Node with the run above; the saved model as hex. */
async function trainInNode(source) {
  const info = await source.info();
  const model = new FastGRNN({ ...MODEL, inputDim: info.inputDim, outputDim: info.outputDim });
  model.normalization = await sourceNormalization(source);
  const trainer = new Trainer(model.config, TRAIN);
  const metrics = await trainer.train(model, source, { shuffleBuffer: SHUFFLE });
  const hex = Buffer.from(model.save()).toString('hex');
  trainer.dispose();
  model.dispose();
  return { hex, epochs: metrics.length, valLoss: metrics.at(-1).valLoss };
}

/** The same run in the page on a File made there from `parts`. */
function trainInPage(kind, name, parts, run) {
  return page.evaluate(async ({ kind, name, parts, run }) => {
    const api = await import('/js/index.js');
    await api.init();
    const blobParts = parts.map((p) => (typeof p === 'string' ? p : new Uint8Array(p)));
    const file = new File(blobParts, name);
    const source = kind === 'csv' ? api.csvSource(file, { name }) : api.binarySource(file, { name });
    const info = await source.info();
    const model = new api.FastGRNN({ ...run.MODEL, inputDim: info.inputDim, outputDim: info.outputDim });
    model.normalization = await api.sourceNormalization(source);
    const trainer = new api.Trainer(model.config, run.TRAIN);
    const metrics = await trainer.train(model, source, { shuffleBuffer: run.SHUFFLE });
    const bytes = model.save();
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    trainer.dispose();
    model.dispose();
    return { hex, epochs: metrics.length, valLoss: metrics.at(-1).valLoss, wholeReads: window.__wholeReads.slice() };
  }, { kind, name, parts, run });
}

// Records every whole-Blob read the page makes (size of the Blob read).
function instrumentWholeReads() {
  return page.context().addInitScript(() => {
    window.__wholeReads = [];
    for (const k of ['text', 'arrayBuffer', 'bytes']) {
      const orig = Blob.prototype[k];
      if (typeof orig !== 'function') continue;
      Blob.prototype[k] = function (...a) { window.__wholeReads.push({ how: k, size: this.size }); return orig.apply(this, a); };
    }
    for (const k of ['readAsText', 'readAsArrayBuffer', 'readAsDataURL', 'readAsBinaryString']) {
      const orig = FileReader.prototype[k];
      FileReader.prototype[k] = function (blob, ...a) { window.__wholeReads.push({ how: k, size: blob.size }); return orig.call(this, blob, ...a); };
    }
  });
}

test('the File path: csvSource(file) in Chromium gives the same model bytes as csvSource(path) in Node', async () => {
  await instrumentWholeReads();
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="idle"]');
  const csv = toCSV(routing(4000, 11));
  const file = path.join(tmp, 'routes.csv');
  fs.writeFileSync(file, csv);
  const node = await trainInNode(csvSource(file, { name: 'routes.csv' }));
  const web = await trainInPage('csv', 'routes.csv', [csv], { MODEL, TRAIN, SHUFFLE });
  assert.equal(node.epochs, 2);
  assert.equal(web.epochs, 2);
  assert.ok(Number.isFinite(node.valLoss));
  assert.equal(web.hex.length, node.hex.length);
  assert.ok(web.hex === node.hex, 'the page\'s model differs from the one trained in Node');
  assert.deepEqual(web.wholeReads.filter((r) => r.size >= csv.length), [], 'the File was read whole');
});

test('the File path: binarySource(file) in Chromium gives the same model bytes as binarySource(path) in Node', async () => {
  const ds = routing(3000, 12);
  const header = encodeRowsHeader({ rows: ds.n, inputDim: ds.inputDim, featureNames: ds.featureNames });
  const rows = encodeRows(ds.features, ds.labels, ds.inputDim);
  const file = path.join(tmp, 'routes.fgrows');
  fs.writeFileSync(file, Buffer.concat([header, rows]));
  const node = await trainInNode(binarySource(file, { name: 'routes.fgrows' }));
  // the page encodes the rows itself, with the package's encoder
  const web = await page.evaluate(async ({ ds, run }) => {
    const api = await import('/js/index.js');
    await api.init();
    const features = new Float32Array(ds.features), labels = new Float32Array(ds.labels);
    const file = new File([
      api.encodeRowsHeader({ rows: labels.length, inputDim: ds.inputDim, featureNames: ds.featureNames }),
      api.encodeRows(features, labels, ds.inputDim),
    ], 'routes.fgrows');
    const source = api.binarySource(file, { name: 'routes.fgrows' });
    const info = await source.info();
    const model = new api.FastGRNN({ ...run.MODEL, inputDim: info.inputDim, outputDim: info.outputDim });
    model.normalization = await api.sourceNormalization(source);
    const trainer = new api.Trainer(model.config, run.TRAIN);
    const metrics = await trainer.train(model, source, { shuffleBuffer: run.SHUFFLE });
    const hex = Array.from(model.save(), (b) => b.toString(16).padStart(2, '0')).join('');
    trainer.dispose();
    model.dispose();
    return { hex, epochs: metrics.length, size: file.size, wholeReads: window.__wholeReads.slice() };
  }, { ds: { features: Array.from(ds.features), labels: Array.from(ds.labels), inputDim: ds.inputDim, featureNames: ds.featureNames }, run: { MODEL, TRAIN, SHUFFLE } });
  assert.equal(web.size, header.length + rows.length);
  assert.equal(web.epochs, node.epochs);
  assert.equal(web.hex.length, node.hex.length);
  assert.ok(web.hex === node.hex, 'the page\'s model differs from the one trained in Node');
  assert.deepEqual(web.wholeReads.filter((r) => r.size >= rows.length), [], 'the File was read whole');
});

// ---------------------------------------------------------------- the demo

const THRESHOLD = 1 << 20; // the test hook: files above 1 MB stream
let bigCSV;

async function openDemo() {
  await page.goto(`${server.url}?streamAbove=${THRESHOLD}`);
  await page.waitForSelector('body[data-state="idle"]');
}

async function chooseFile(name, buffer) {
  await page.setInputFiles('#csv-file', { name, mimeType: 'text/plain', buffer });
  await page.waitForFunction(() => document.getElementById('data-summary').dataset.stream !== undefined);
}

async function setFields(fields) {
  for (const [id, value] of Object.entries(fields)) {
    await page.fill(`#${id}`, String(value));
    await page.dispatchEvent(`#${id}`, 'change');
  }
}

test('demo: a CSV file above the threshold trains from its stream with progress, and is never read whole', async () => {
  bigCSV = Buffer.from(toCSV(routing(60000, 21)));
  assert.ok(bigCSV.length > 2 * THRESHOLD, `the file has ${bigCSV.length} bytes`);
  await openDemo();
  await chooseFile('big-routes.csv', bigCSV);
  const summary = await page.textContent('#data-summary');
  assert.match(summary, /big-routes\.csv: .*MB of CSV, streamed from the file during training \(not loaded\)/);
  assert.match(await page.textContent('#stream-hint'), /CSV files above 1\.0 MB/);
  await setFields({ epochs: 3, hiddenDim: 8, earlyStoppingPatience: 10 });
  const frames0 = Number(await page.textContent('#ui-frames'));
  // the time between animation frames, from Start to the end of the run
  await page.evaluate(() => {
    window.__gaps = [];
    let last = performance.now();
    const tick = (t) => {
      window.__gaps.push(t - last);
      last = t;
      if (document.body.dataset.state !== 'done') requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.click('#start');
  // progress while training: epoch, phase, rows of total, rows/s, ETA
  const during = await (await page.waitForFunction(() => {
    const el = document.getElementById('stream-progress');
    return !el.hidden && el.dataset.phase === 'train' && Number(el.dataset.rows) > 0 && el.textContent;
  })).jsonValue();
  assert.match(during, /^Epoch \d \/ 3 · training · [\d,]+ of 60,000 rows · [\d.]+ ?[kM]? ?rows\/s · [\d.]+ [KMG]?B read \(.*B\/s\) · ETA (\d+ s|\d+ min \d+ s)$/, during);
  const framesDuring = Number(await page.textContent('#ui-frames'));
  await page.waitForSelector('body[data-state="done"]', { timeout: 120000 });
  const frames1 = Number(await page.textContent('#ui-frames'));
  const r = await page.evaluate(() => ({
    points: Number(document.getElementById('chart-loss').dataset.points),
    acc: Number(document.getElementById('val-acc').dataset.value),
    epoch: document.getElementById('epoch-counter').textContent,
    status: document.getElementById('status').textContent,
    bytes: Number(document.getElementById('stream-progress').dataset.bytes),
    download: !document.getElementById('download-model').disabled,
    history: document.querySelector('#history tbody tr').textContent,
    wholeReads: window.__wholeReads.slice(),
    gaps: window.__gaps.slice(),
  }));
  assert.equal(r.points, 3);
  assert.equal(r.epoch, '3 / 3');
  assert.ok(r.acc > 0.8, `validation accuracy ${r.acc}`);
  assert.match(r.status, /^Finished 3 epochs on big-routes\.csv/);
  assert.ok(r.download);
  assert.match(r.history, /big-routes\.csv \(streamed\)/);
  // labels scan + statistics + 3 × (training + validation) passes, all through the stream
  assert.ok(r.bytes >= 8 * bigCSV.length, `${r.bytes} bytes read`);
  assert.deepEqual(r.wholeReads.filter((w) => w.size >= THRESHOLD), [], 'the file was read whole');
  // the page kept drawing frames while it trained on its own thread
  assert.ok(framesDuring > frames0 && frames1 - frames0 > 10, `frames ${frames0} → ${framesDuring} → ${frames1}`);
  const longest = Math.max(...r.gaps);
  console.log(`${r.gaps.length} frames during the run, longest gap ${longest.toFixed(0)} ms`);
  assert.ok(longest < 500, `the page froze for ${longest.toFixed(0)} ms`);
  // the instrumentation sees a whole read when there is one
  const probe = await page.evaluate(async () => {
    const at = window.__wholeReads.length;
    await new Blob([new Uint8Array(3 << 20)]).arrayBuffer();
    return window.__wholeReads.splice(at);
  });
  assert.deepEqual(probe, [{ how: 'arrayBuffer', size: 3 << 20 }]);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'demo-stream-1280x800.png'), fullPage: true });
  // the model downloads and is a model of the file's shape
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-model')]);
  const saved = path.join(tmp, 'streamed.safetensors');
  await dl.saveAs(saved);
  const model = FastGRNN.load(new Uint8Array(fs.readFileSync(saved)));
  assert.equal(model.inputDim, 5);
  assert.equal(model.card.training.stopReason, 'completed');
  model.dispose();
});

test('demo: Stop ends a streaming run at the next batch with a model; Abort discards one', async () => {
  await setFields({ epochs: 50, earlyStoppingPatience: '' });
  await page.click('#start');
  await page.waitForFunction(() => {
    const el = document.getElementById('stream-progress');
    return el.dataset.phase === 'train' && Number(el.dataset.epoch) >= 2;
  });
  await page.click('#stop');
  await page.waitForSelector('body[data-state="stopped"]');
  const status = await page.textContent('#status');
  assert.match(status, /^Stopped during epoch \d+ of 50 \(\d+ complete/);
  assert.ok(Number(await page.getAttribute('#chart-loss', 'data-points')) >= 1);
  assert.equal(await page.isDisabled('#download-model'), false);

  // Stop pressed at once (the first passes, before training): the run is discarded.
  await page.evaluate(() => { document.getElementById('start').click(); document.getElementById('stop').click(); });
  await page.waitForSelector('body[data-state="aborted"]');
  assert.match(await page.textContent('#status'), /^Aborted before training: the partial model was discarded\./);

  // Stop, then "Abort now", during training: discarded too.
  await page.click('#start');
  await page.waitForFunction(() => document.getElementById('stream-progress').dataset.phase === 'train');
  const labels = await page.evaluate(() => {
    const stop = document.getElementById('stop');
    stop.click();
    const second = stop.textContent;
    stop.click();
    return second;
  });
  assert.equal(labels, 'Abort now');
  await page.waitForSelector('body[data-state="aborted"]');
  assert.match(await page.textContent('#status'), /^Aborted during epoch \d+: the partial model was discarded\./);
  const rows = await page.$$eval('#history tbody tr', (trs) => trs.slice(0, 3).map((tr) => tr.textContent));
  assert.match(rows[0], /\(aborted\)/);
  assert.match(rows[1], /\(aborted\)/);
});

test('demo: a .jsonl file streams at any size', async () => {
  const ds = routing(3000, 5);
  const lines = [];
  for (let i = 0; i < ds.n; i++) {
    const o = {};
    ds.featureNames.forEach((f, j) => { o[f] = ds.features[i * 5 + j]; });
    o.label = ds.labels[i];
    lines.push(JSON.stringify(o));
  }
  const buf = Buffer.from(lines.join('\n') + '\n');
  assert.ok(buf.length < THRESHOLD);
  await chooseFile('small.jsonl', buf);
  assert.match(await page.textContent('#data-summary'), /small\.jsonl: .* of JSON Lines, streamed/);
  await setFields({ epochs: 2 });
  await page.click('#start');
  await page.waitForSelector('body[data-state="done"]');
  assert.equal(await page.getAttribute('#chart-loss', 'data-points'), '2');
  const whole = await page.evaluate(() => window.__wholeReads.slice());
  assert.deepEqual(whole.filter((w) => w.size >= buf.length), [], 'the .jsonl file was read whole');
});

test('demo: a bad row at the end of a streamed CSV stops with its line and column, and the page can train again', async () => {
  const text = bigCSV.toString('utf8').trimEnd();
  const lines = text.split('\n');
  const bad = `${text}\n0.1,0.2,oops,0.4,0.5,1\n`;
  await chooseFile('bad-end.csv', Buffer.from(bad));
  await page.click('#start');
  await page.waitForSelector('body[data-state="error"]');
  const msg = await page.textContent('#messages .message.error');
  assert.match(msg, new RegExp(`^Training on bad-end\\.csv failed: bad-end\\.csv line ${lines.length + 1}, column 3`), msg);
  assert.equal(await page.isDisabled('#start'), false);
});

test('no console errors, page errors or failed requests', () => {
  assert.deepEqual(errors, []);
});
