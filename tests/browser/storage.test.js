// storage.test.js - fastgrnn-wasm/storage in Chromium: save a trained model
// to IndexedDB, reload the page (and restart the browser on the same
// profile), load it back, list and delete; model.download() gives the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer, launch, watchErrors, CHROMIUM, CHROMIUM_ARGS } from './helpers.js';
import { init, FastGRNN } from '../../js/index.js';

// A page of the demo's origin that imports the package through an import map.
const PAGE = '/__storage-test.html';
const HTML = `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": {
  "fastgrnn-wasm": "/js/index.js", "fastgrnn-wasm/storage": "/js/storage.js" } }</script>
<script type="module">
  import * as fg from 'fastgrnn-wasm';
  import * as storage from 'fastgrnn-wasm/storage';
  window.fg = fg; window.storage = storage; window.ready = true;
</script></head><body></body></html>`;

let server;
let browser;

async function open(context) {
  await context.route('**' + PAGE, (route) => route.fulfill({ contentType: 'text/html', body: HTML }));
  const page = context.pages()[0] || await context.newPage();
  const errors = watchErrors(page);
  await page.goto(new URL(PAGE, server.url).href);
  await page.waitForFunction(() => window.ready === true);
  return { page, errors };
}

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  // the restart test replaced the context launch() made: close the current one too
  await browser.context.close().catch(() => {});
  await browser.close();
  await server.stop();
});

test('save, reload, load, list, delete in IndexedDB; typed errors', { timeout: 120000 }, async () => {
  const { page, errors } = await open(browser.context);
  const saved = await page.evaluate(async () => {
    const { init, FastGRNN, TrainingDataset, Trainer, routingData } = window.fg;
    await init();
    const { features, labels } = routingData(300, 1);
    const ds = new TrainingDataset(features, labels, { inputDim: 5 });
    const model = new FastGRNN({ inputDim: 5, hiddenDim: 6, seed: 4 });
    model.normalization = ds.normalize();
    await new Trainer(model.config, { epochs: 3 }).train(model, ds);
    const info = await window.storage.saveModel(model, 'routing model');
    await window.storage.saveModel(model.save(), 'second');
    return { bytes: Array.from(model.save()), size: info.size, name: info.name, date: info.savedAt instanceof Date };
  });
  assert.equal(saved.name, 'routing model');
  assert.equal(saved.size, saved.bytes.length);
  assert.equal(saved.date, true);

  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  const after = await page.evaluate(async () => {
    await window.fg.init();
    const m = await window.storage.loadModel('routing model');
    const list = await window.storage.listModels();
    return {
      bytes: Array.from(m.save()), inputDim: m.inputDim, hasNorm: m.normalization !== null,
      list: list.map((x) => [x.name, x.size, x.savedAt instanceof Date]),
    };
  });
  assert.deepEqual(after.bytes, saved.bytes, 'the loaded model is the saved one, byte for byte');
  assert.equal(after.inputDim, 5);
  assert.equal(after.hasNorm, true);
  assert.deepEqual(after.list, [['routing model', saved.size, true], ['second', saved.size, true]]);

  const errs = await page.evaluate(async () => {
    const s = window.storage;
    const out = {};
    const grab = async (k, f) => { try { await f(); out[k] = 'no error'; } catch (e) { out[k] = [e.name, e.code, e.reason ?? null, e.message]; } };
    await grab('missing', () => s.loadModel('nope'));
    await grab('empty', () => s.saveModel(new window.fg.FastGRNN({ inputDim: 2 }), ''));
    await grab('notModel', () => s.saveModel({ weights: [] }, 'x'));
    await grab('deleteMissing', () => s.deleteModel('nope'));
    await grab('control', () => s.loadModel('a\nb'));
    await s.deleteModel('second');
    out.after = (await s.listModels()).map((x) => x.name);
    return out;
  });
  assert.deepEqual(errs.missing, ['FastGRNNError', 'IoError', 'NotFound', "loadModel: no saved model named 'nope'"]);
  assert.deepEqual(errs.empty, ['FastGRNNError', 'InvalidInput', null, 'saveModel: name must be a non-empty string, got ""']);
  assert.deepEqual(errs.notModel, ['FastGRNNError', 'InvalidInput', null, 'saveModel: model must be a FastGRNN or its saved bytes, got an object']);
  assert.deepEqual(errs.deleteMissing, ['FastGRNNError', 'IoError', 'NotFound', "deleteModel: no saved model named 'nope'"]);
  assert.equal(errs.control[1], 'InvalidInput');
  assert.match(errs.control[3], /control character/);
  assert.deepEqual(errs.after, ['routing model']);
  assert.deepEqual(errors, []);
});

test('the saved model survives a browser restart on the same profile', { timeout: 120000 }, async () => {
  // close the browser, keep its profile directory, start it again
  const dir = browser.dir;
  await browser.context.close();
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, acceptDownloads: true, timeout: 60000,
  });
  browser.context = context;
  const { page, errors } = await open(context);
  const names = await page.evaluate(async () => {
    await window.fg.init();
    const m = await window.storage.loadModel('routing model');
    return { names: (await window.storage.listModels()).map((x) => x.name), hidden: m.hiddenDim };
  });
  assert.deepEqual(names, { names: ['routing model'], hidden: 6 });
  assert.deepEqual(errors, []);
});

test('model.download() and downloadModel() save the safetensors file', { timeout: 120000 }, async () => {
  const { page } = await open(browser.context);
  await page.evaluate(() => window.fg.init());
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(async () => { (await window.storage.loadModel('routing model')).download('routing.safetensors'); }),
  ]);
  assert.equal(download.suggestedFilename(), 'routing.safetensors');
  const file = fs.readFileSync(await download.path());
  await init();
  const m = FastGRNN.load(new Uint8Array(file));
  assert.equal(m.inputDim, 5);
  assert.equal(m.hiddenDim, 6);
  const expected = await page.evaluate(async () => Array.from((await window.storage.loadModel('routing model')).save()));
  assert.deepEqual(Array.from(file), expected);
  m.dispose();

  const [d2] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(async () => window.storage.downloadModel(await window.storage.loadModel('routing model'))),
  ]);
  assert.equal(d2.suggestedFilename(), 'model.safetensors');
  const bad = await page.evaluate(async () => {
    try { window.storage.downloadModel(await window.storage.loadModel('routing model'), '../x'); return 'no error'; } catch (e) { return [e.code, e.message]; }
  });
  assert.equal(bad[0], 'InvalidInput');
  assert.match(bad[1], /filename must be a non-empty file name without/);
});
