// demo-sequences.test.js - the demo page's sequence data (gesture strokes,
// T = 24, six classes): what the model sees is drawn, a run trains in the
// worker, and the per-class results (confusion matrix, precision/recall)
// are drawn from the library's evaluation. Screenshot into build/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';

let server;
let browser;
let page;
let errors;

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
});

test('demo: gesture strokes are drawn, train, and give a drawn confusion matrix and per-class table', { timeout: 180_000 }, async () => {
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="idle"]');
  // a T = 1 data set shows no sequence view and no per-class card yet
  assert.equal(await page.isHidden('#sequence-card'), true);
  await page.selectOption('#dataset', 'gestures');
  await page.waitForFunction(() => /600\u00a0samples/.test(document.getElementById('data-summary').textContent));
  assert.match(await page.textContent('#data-summary'), /T\u00a0=\u00a024 · 6\u00a0classes/);
  assert.equal(await page.isVisible('#sequence-card'), true);
  assert.ok(Number(await page.getAttribute('#sequence-view', 'data-samples')) >= 8);
  assert.match(await page.textContent('#sequence-caption'), /24 steps of \(dx, dy, dt\)/);
  // the canvas has ink (not blank)
  const ink = await page.$eval('#sequence-view', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(ink > 1000, `sequence view has ${ink} painted pixels`);

  const before = Number(await page.getAttribute('body', 'data-run') || 0);
  await page.click('#start');
  await page.waitForSelector(`body[data-run="${before + 1}"][data-state="done"]`, { timeout: 150000 });
  await page.waitForSelector('#eval-card:not([hidden])');
  const acc = Number(await page.getAttribute('#eval-card', 'data-accuracy'));
  console.log(`# demo gesture strokes, accuracy on all samples: ${(acc * 100).toFixed(1)} %`);
  assert.ok(acc >= 0.8, `accuracy ${acc}`);
  const rows = await page.$$eval('#eval-table tbody tr', (trs) => trs.map((tr) => tr.firstChild.textContent));
  assert.deepEqual(rows, ['circle', 'zigzag', 'check', 'triangle', 'wave', 'vee']);
  const support = await page.$$eval('#eval-table tbody tr', (trs) => trs.map((tr) => Number(tr.lastChild.textContent)));
  assert.equal(support.reduce((a, b) => a + b, 0), 600);
  const cm = await page.$eval('#eval-confusion', (c) => ({ w: c.width, h: c.height }));
  assert.ok(cm.w > 150 && cm.h > 150, `confusion canvas ${cm.w}x${cm.h}`);
  assert.equal(await page.getAttribute('#sequence-view', 'data-predicted'), '1');
  assert.match(await page.textContent('#sequence-caption'), /green = recognised/);
  await page.locator('#sequence-card').scrollIntoViewIfNeeded();
  const file = path.join(SCREENSHOTS, 'demo-gestures-1280x800.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot: ${file}`);
  assert.deepEqual(errors, []);
});
