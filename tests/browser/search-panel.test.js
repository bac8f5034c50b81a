// search-panel.test.js - the demo's hyperparameter search panel in headless
// Chromium: trials run in module Web Workers and land on the accuracy-vs-size
// scatter as they finish; the Pareto front is highlighted; Stop aborts. On
// a cross-origin isolated page (the demo server's default) and on one that
// is not (ISOLATE=0).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, watchErrors, SCREENSHOTS } from './helpers.js';

for (const isolate of [true, false]) {
  const how = isolate ? 'cross-origin isolated' : 'not isolated';
  describe(how, () => {
    let server, browser, page, errors;

    before(async () => {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      server = await startServer({ isolate });
      browser = await launch({ width: 1280, height: 900 });
      page = browser.context.pages()[0] || await browser.context.newPage();
      errors = watchErrors(page);
      page.setDefaultTimeout(120000);
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.state === 'idle');
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolate);
    });

    after(async () => {
      if (browser) await browser.close();
      if (server) await server.stop();
    });

    async function fill(id, value) {
      await page.fill(`#${id}`, String(value));
    }

    test(`${how}: search panel: trials in 2 Web Workers, plotted as they finish, the Pareto front highlighted`, async () => {
      await fill('search-trials', 6);
      await fill('search-workers', 2);
      await fill('search-epochs', 3);
      await page.selectOption('#search-strategy', 'random');
      // count the dots after every trial, in the page
      await page.evaluate(() => {
        window.__dots = [];
        new MutationObserver(() => {
          window.__dots.push(document.querySelectorAll('#search-plot circle.trial').length);
        }).observe(document.getElementById('search-plot'), { childList: true });
      });
      await page.click('#search-start');
      await page.waitForFunction(() => document.getElementById('search-panel').dataset.state === 'done');
      const status = await page.textContent('#search-status');
      assert.match(status, /^Done: 6 trials in [\d.]+ s\. Best: trial \d+/);
      const dots = await page.$$eval('#search-plot circle.trial', (cs) => cs.length);
      assert.equal(dots, 6);
      const front = await page.$$eval('#search-plot circle.pareto', (cs) => cs.map((c) => Number(c.dataset.index)));
      assert.ok(front.length >= 1);
      // the dots appeared one trial at a time (1, 2, ... before the end)
      const seen = await page.evaluate(() => window.__dots);
      assert.ok(seen.includes(1) && seen.includes(3), `dot counts seen: ${seen}`);
      // the table marks the same trials as the plot's front
      const starred = await page.$$eval('#search-table tr', (rows) => rows.slice(1)
        .filter((r) => r.cells[9].textContent === '★').map((r) => Number(r.cells[1].textContent)));
      assert.deepEqual(starred.sort(), front.slice().sort());
      // no dot of the front is beaten in both accuracy and size by another dot
      const pts = await page.$$eval('#search-plot circle.trial', (cs) => cs.map((c) => ({
        i: Number(c.dataset.index), x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')) })));
      for (const f of pts.filter((p) => front.includes(p.i))) {
        assert.ok(!pts.some((o) => o.x <= f.x && o.y <= f.y && (o.x < f.x || o.y < f.y)), `front dot ${f.i} is dominated`);
      }
      if (isolate) await page.screenshot({ path: path.join(SCREENSHOTS, 'search-panel.png'), fullPage: true });
      assert.deepEqual(errors, []);
    });

    test(`${how}: search panel: Stop aborts every worker`, async () => {
      await fill('search-trials', 60);
      await fill('search-epochs', 30);
      await page.click('#search-start');
      await page.waitForFunction(() => document.querySelectorAll('#search-plot circle.trial').length >= 1);
      await page.click('#search-stop');
      await page.waitForFunction(() => document.getElementById('search-panel').dataset.state === 'stopped');
      assert.match(await page.textContent('#search-status'), /^Stopped after \d+ evaluations\./);
      assert.equal(await page.isDisabled('#search-start'), false);
      assert.deepEqual(errors, []);
    });
  });
}
