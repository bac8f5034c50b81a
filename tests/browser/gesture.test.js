// gesture.test.js - the gesture page (web/gesture.html) in headless Chromium,
// driven with pointer events as a person would: name three classes, draw
// several strokes of each, train in the worker, then draw NEW strokes and
// check what the page recognises. Screenshots at desktop and phone sizes go
// to build/screenshots/ (printed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';
import { init, FastGRNN } from '../../js/index.js';
import { GESTURE_T, synthStroke, strokeFeatures } from '../../web/gestures.js';
import { rng } from '../../web/datasets.js';

const SHAPES = ['circle', 'zigzag', 'check'];
const TRAIN_PER_CLASS = 12;
const TEST_PER_CLASS = 10;

let server;
let browser;
let page;
let errors;
const shots = [];

before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer();
  browser = await launch({ width: 1280, height: 800 });
  page = browser.context.pages()[0] || await browser.context.newPage();
  errors = watchErrors(page);
  page.setDefaultTimeout(30000);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  for (const s of shots) console.log(`# screenshot: ${s}`);
});

async function shot(name) {
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
  return file;
}

/** Draws one synthetic stroke of `shape` on the pad with the mouse (real pointer events). */
async function drawStroke(shape, r) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  const pts = synthStroke(shape, r, { width: box.width, height: box.height });
  await page.mouse.move(box.x + pts[0].x, box.y + pts[0].y);
  await page.mouse.down();
  for (const p of pts.slice(1)) await page.mouse.move(box.x + p.x, box.y + p.y);
  await page.mouse.up();
}

test('gesture page: record three classes, train in the worker, recognise new strokes', { timeout: 300_000 }, async () => {
  await page.goto(server.url + 'web/gesture.html');
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  // three named classes, drawn several times each
  const r = rng(2024);
  for (const [k, shape] of SHAPES.entries()) {
    await page.fill('#class-name', shape);
    await page.click('#add-class');
    await page.waitForSelector(`#class-list li[data-name="${shape}"]`);
    for (let i = 0; i < TRAIN_PER_CLASS; i++) await drawStroke(shape, r);
    const count = await page.textContent(`#class-list li:nth-child(${k + 1}) .count`);
    assert.equal(Number(count), TRAIN_PER_CLASS, `${shape}: recorded ${count} strokes`);
  }
  assert.equal(await page.textContent('#stroke-count'), String(3 * TRAIN_PER_CLASS));
  assert.equal(await page.isDisabled('#train'), false);

  const t0 = Date.now();
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === '1', null, { timeout: 120000 });
  const trainSeconds = (Date.now() - t0) / 1000;
  console.log(`# gesture training (worker, incl. evaluation): ${trainSeconds.toFixed(1)} s`);
  assert.match(await page.textContent('#train-status'), /Trained \d+ epochs on \d+ strokes/);
  // held-out report drawn: confusion matrix canvas and per-class table
  const heldOut = Number(await page.getAttribute('#accuracy', 'data-value'));
  assert.ok(heldOut >= 0 && heldOut <= 1, `held-out accuracy ${heldOut}`);
  const cm = await page.$eval('#confusion', (c) => ({ w: c.width, h: c.height }));
  assert.ok(cm.w > 100 && cm.h > 100, `confusion canvas ${cm.w}x${cm.h}`);
  const rows = await page.$$eval('#class-table tbody tr', (trs) => trs.map((tr) => tr.firstChild.textContent));
  assert.deepEqual(rows, SHAPES);
  assert.match(await page.textContent('#model-size'), /^\d+ B$/);

  // NEW strokes (another seed): recognition after each pointerup
  const r2 = rng(777);
  let correct = 0, total = 0;
  const confusion = {};
  for (let i = 0; i < TEST_PER_CLASS; i++) {
    for (const shape of SHAPES) {
      const before = Number(await page.getAttribute('#live-label', 'data-count') || 0);
      await drawStroke(shape, r2);
      await page.waitForFunction((n) => Number(document.getElementById('live-label').dataset.count || 0) > n, before);
      const got = await page.getAttribute('#live-label', 'data-class');
      total++;
      if (got === shape) correct++;
      confusion[`${shape}->${got}`] = (confusion[`${shape}->${got}`] || 0) + 1;
    }
  }
  const acc = correct / total;
  console.log(`# gesture recognition of ${total} new strokes: ${(acc * 100).toFixed(1)} % (${JSON.stringify(confusion)})`);
  assert.ok(acc >= 0.9, `recognition ${(acc * 100).toFixed(1)} % < 90 %: ${JSON.stringify(confusion)}`);
  await shot('gesture-desktop-1280x800.png');

  // downloads: safetensors loads with the package; C source; CSV of the strokes
  const grab = async (sel) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
    return fs.readFileSync(await dl.path());
  };
  const bytes = await grab('#dl-model');
  await init();
  const model = FastGRNN.load(new Uint8Array(bytes));
  assert.equal(model.config.outputDim, 3);
  assert.equal(model.config.inputDim, 3);
  // the class names travel in the model's card: Node recognises a new stroke by name
  assert.deepEqual(model.card.classNames, SHAPES);
  assert.equal(model.card.timesteps, GESTURE_T);
  const zig = strokeFeatures(synthStroke('zigzag', rng(4242), { width: 400, height: 300 }));
  assert.equal(model.predictLabel(zig, { timesteps: GESTURE_T }), 'zigzag');
  model.dispose();
  const c = (await grab('#dl-c')).toString('utf8');
  assert.match(c, /gesture_predict/);
  const csv = (await grab('#dl-csv')).toString('utf8').trim().split('\n');
  assert.equal(csv[0], 'stroke,label,class,x,y,t_ms');
  const strokesInCsv = new Set(csv.slice(1).map((l) => l.split(',')[0]));
  assert.equal(strokesInCsv.size, 3 * TRAIN_PER_CLASS);
  assert.deepEqual(errors, []);
});

test('gesture page: built-in gestures train without drawing; phone layout', { timeout: 300_000 }, async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(server.url + 'web/gesture.html');
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await page.click('#builtin');
  assert.equal(await page.textContent('#stroke-count'), '60');
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === '1', null, { timeout: 120000 });
  const heldOut = Number(await page.getAttribute('#accuracy', 'data-value'));
  console.log(`# built-in gestures, held-out accuracy: ${(heldOut * 100).toFixed(1)} %`);
  assert.ok(heldOut >= 0.9, `built-in held-out accuracy ${heldOut}`);
  // the pad fits the phone's width (no horizontal scrolling)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  const r = rng(99);
  await drawStroke('circle', r);
  await page.waitForFunction(() => document.getElementById('live-label').dataset.final === '1');
  await shot('gesture-phone-390x844.png');
  assert.deepEqual(errors, []);
});
