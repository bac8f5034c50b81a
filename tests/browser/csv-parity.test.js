// csv-parity.test.js - one CSV reader everywhere: each file of
// tests/fixtures/csv/cases.json (comma, semicolon, tab, quoted cells with
// line breaks, BOM + CRLF, name labels, an id column, each missing-value
// policy, step-major rows) gives the same data set - or the same error -
// through the JS API in Node and through the demo page in Chromium (file
// chosen in the page, options set in its CSV fields).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, watchErrors, ROOT } from './helpers.js';
import { readCSV } from '../../js/index.js';

const DIR = path.join(ROOT, 'tests', 'fixtures', 'csv');
const CASES = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8'));

let server;
let browser;
let page;
let errors;

before(async () => {
  server = await startServer();
  browser = await launch({ width: 1280, height: 800 });
  page = browser.context.pages()[0] || await browser.context.newPage();
  errors = watchErrors(page);
  page.setDefaultTimeout(30000);
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="idle"]');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** The plain-data view of a reader result (what both sides are compared on). */
function view(d) {
  return {
    n: d.n, inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim,
    featureNames: d.featureNames, labelName: d.labelName, classNames: d.classNames,
    rowsSkipped: d.rowsSkipped, features: Array.from(d.features), labels: Array.from(d.labels),
  };
}

async function inNode(file, options) {
  try {
    return { data: view(await readCSV(fs.readFileSync(path.join(DIR, file)), { ...options, name: file })) };
  } catch (e) {
    return { error: `${e.name} ${e.code}: ${e.message}` };
  }
}

async function inPage(file, options) {
  await page.evaluate((o) => {
    // set the fields without 'change' (that would re-read the previous file)
    document.getElementById('csv-steps').value = String(o.timesteps ?? 1);
    document.getElementById('csv-missing').value = o.missing ?? 'error';
    document.getElementById('csv-ignore').value = (o.ignore ?? []).join(', ');
    window.__prevData = window.fastgrnnDemo.state.data;
  }, options);
  await page.setInputFiles('#csv-file', path.join(DIR, file));
  await page.waitForFunction(() => window.fastgrnnDemo.state.data !== window.__prevData ||
    document.querySelector('#messages .message.error') !== null);
  return page.evaluate(() => {
    const err = document.querySelector('#messages .message.error');
    if (err) return { message: err.textContent };
    const d = window.fastgrnnDemo.state.data;
    return {
      data: {
        n: d.n, inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim,
        featureNames: d.featureNames, labelName: d.labelName, classNames: d.classNames,
        rowsSkipped: d.rowsSkipped, features: Array.from(d.features), labels: Array.from(d.labels),
      },
      fileName: d.fileName,
    };
  });
}

for (const { file, options } of CASES) {
  test(`${file} ${JSON.stringify(options)}: the same data set in Node and in the demo page`, async () => {
    const node = await inNode(file, options);
    const web = await inPage(file, options);
    if (node.error) {
      // the page shows the reader's message, its leading file name said once
      assert.ok(web.message, `the page read ${file}, but Node failed: ${node.error}`);
      const msg = node.error.replace(/^FastGRNNError InvalidInput: /, '');
      assert.ok(msg.startsWith(`${file} line `), msg);
      assert.match(web.message, /^Cannot use /);
      assert.ok(web.message.includes(`Cannot use ${file}: ${msg.slice(file.length + 1)}`),
        `page: ${web.message}\nnode: ${msg}`);
      return;
    }
    assert.equal(web.message, undefined, `the page failed: ${web.message}`);
    assert.equal(web.fileName, file);
    assert.deepEqual(web.data, node.data);
  });
}

test('the page names the classes of name labels and counts skipped rows', async () => {
  const summary = async () => (await page.textContent('#data-summary')).replace(/\u00a0/g, ' ');
  await inPage('string-labels.csv', {});
  assert.equal(await summary(), 'string-labels.csv: 5 samples · 2 features · T = 1 · 3 classes (setosa, versicolor, virginica)');
  await inPage('yes-no.csv', {});
  assert.equal(await summary(), 'yes-no.csv: 3 samples · 2 features · T = 1 · 67 % “yes”');
  await inPage('missing.csv', { missing: 'skip' });
  assert.equal(await summary(), 'missing.csv: 2 samples · 3 features · T = 1 · 50 % class 1 · 3 rows skipped');
  assert.match(await page.textContent('#status'), /Loaded missing\.csv \(3 rows with missing values skipped\)/);
});

test('every case above ran, and one of them is an error (missing: error)', () => {
  assert.ok(CASES.length >= 12);
  assert.ok(CASES.some((c) => c.options.missing === 'error'));
});

test('no console errors, page errors or failed requests', () => {
  assert.deepEqual(errors, []);
});
