// page-modules.test.js - the page's pure modules in Node: the seeded data
// sets and their CSV export, read back by the package's reader (whose own
// tests are tests/js/csv*.test.js; no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCSV } from '../../js/csv.js';
import { routing, moons, spirals, adding, toCSV } from '../../web/datasets.js';

test('data sets: seeded, the specified shapes, the routing rule', () => {
  const a = routing(500, 3);
  const b = routing(500, 3);
  assert.deepEqual(a.features, b.features);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(routing(500, 4).features, a.features);
  assert.equal(a.features.length, 500 * 5);
  let agree = 0;
  for (let i = 0; i < a.n; i++) {
    const x = a.features.subarray(i * 5, i * 5 + 5);
    for (const v of x) assert.ok(v >= 0 && v < 1);
    const score = 0.4 * x[0] + 0.3 * x[3] + 0.3 * (1 - x[4]);
    // the noise is U(-0.1, 0.1): outside that band the label is certain
    if (score > 0.7) assert.equal(a.labels[i], 1);
    if (score < 0.5) assert.equal(a.labels[i], 0);
    if ((score > 0.6) === (a.labels[i] === 1)) agree++;
  }
  assert.ok(agree / a.n > 0.85);
  for (const ds of [moons(300, 1), spirals(300, 1)]) {
    assert.equal(ds.features.length, 600);
    assert.equal(ds.twoD, true);
    assert.equal(ds.labels.filter((y) => y === 1).length, 150);
  }
  const s = adding(100, 1, 12);
  assert.equal(s.timesteps, 12);
  assert.equal(s.features.length, 100 * 12 * 2);
  for (let i = 0; i < s.n; i++) {
    let marked = 0, sum = 0;
    for (let t = 0; t < 12; t++) {
      if (s.features[(i * 12 + t) * 2 + 1] === 1) { marked++; sum += s.features[(i * 12 + t) * 2]; }
    }
    assert.equal(marked, 2);
    assert.equal(s.labels[i], sum > 1 ? 1 : 0);
  }
});

test('data sets round-trip through CSV', async () => {
  const m = moons(50, 2);
  const r = await readCSV(toCSV(m));
  assert.equal(r.n, 50);
  assert.deepEqual(Array.from(r.labels), Array.from(m.labels));
  for (let i = 0; i < m.features.length; i++) assert.ok(Math.abs(r.features[i] - m.features[i]) < 1e-5);
});
