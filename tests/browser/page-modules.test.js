// csv.test.js - the page's pure modules in Node: CSV reading and its
// messages, and the seeded data sets (no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCSV, CsvError } from '../../web/csv.js';
import { routing, moons, spirals, adding, toCSV, applyNormalization } from '../../web/datasets.js';

const fails = (text, re, opts) => assert.throws(() => parseCSV(text, opts), (e) => e instanceof CsvError && re.test(e.message), re.source);

test('CSV: header, label column anywhere, quoting, delimiters, BOM, blank lines', () => {
  const r = parseCSV('\ufeff"a b",label,c\r\n1,0,"2"\n\n3.5,1,-4e-1\n');
  assert.equal(r.n, 2);
  assert.equal(r.inputDim, 2);
  assert.deepEqual(r.featureNames, ['a b', 'c']);
  assert.deepEqual(Array.from(r.features), [1, 2, 3.5, -0.4].map(Math.fround));
  assert.deepEqual(Array.from(r.labels), [0, 1]);
  assert.equal(r.outputDim, 1);
  assert.equal(r.twoD, true);
  const s = parseCSV('x;y;z;Target\n1;2;3;1\n4;5;6;0\n');
  assert.equal(s.labelName, 'Target');
  assert.equal(s.inputDim, 3);
  const t = parseCSV('x\ty\tlabel\n1\t2\t1\n4\t5\t0\n');
  assert.equal(t.n, 2);
});

test('CSV: class labels make a multi-class set; steps per row make sequences', () => {
  const r = parseCSV('a,b,label\n0,0,0\n1,1,2\n2,2,1\n');
  assert.equal(r.outputDim, 3);
  const q = parseCSV('a0,b0,a1,b1,a2,b2,label\n1,2,3,4,5,6,1\n1,2,3,4,5,6,0\n', { timesteps: 3 });
  assert.equal(q.timesteps, 3);
  assert.equal(q.inputDim, 2);
  assert.equal(q.twoD, false);
});

test('CSV: every problem gets a message naming the line, the column and the value', () => {
  fails('', /is empty/);
  fails('a,b,c\n1,2,3\n', /No label column: the header must have a column named "label" \(found: "a", "b", "c"\)/);
  fails('1,2,3\n4,5,6\n', /No header line/);
  fails('label\n1\n0\n', /No feature columns/);
  fails('a,,label\n1,2,1\n1,2,0\n', /column 2 has no name/);
  fails('a,b,label\n1,2,1\n3,x,0\n', /Line 3, column "b": "x" is not a number/);
  fails('a,b,label\n1,,1\n', /Line 2, column "b": the cell is empty/);
  fails('a,b,label\n1,2\n', /Line 2 has 2 cells, but the header has 3 columns/);
  fails('a,b,label\n1,2,yes\n', /Line 2, column "label": "yes" is not a number/);
  fails('a,b,label\n1,2,1\n1,2,2.5\n', /Line 3: label 2.5 is not a class number/);
  fails('a,b,label\n1,2,-1\n1,2,0\n', /Line 2: label -1 is negative/);
  fails('a,b,label\n1,2,1\n', /has 1 data row; at least 2 are needed/);
  fails('a,b,c,label\n1,2,3,1\n1,2,3,0\n', /3 feature columns cannot be split into 2 steps/, { timesteps: 2 });
  fails('a,b,label\n"1,2,1\n', /quoted cell is not closed/);
  fails('a,b,label\n1,2,1\n1,2,1000\n', /at most 64 are supported/);
});

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

test('data sets round-trip through CSV; normalization is per feature', () => {
  const m = moons(50, 2);
  const r = parseCSV(toCSV(m));
  assert.equal(r.n, 50);
  assert.deepEqual(Array.from(r.labels), Array.from(m.labels));
  for (let i = 0; i < m.features.length; i++) assert.ok(Math.abs(r.features[i] - m.features[i]) < 1e-5);
  const x = applyNormalization(new Float32Array([1, 10, 3, 30]), 2, { means: [2, 20], stds: [1, 10] });
  assert.deepEqual(Array.from(x), [-1, -1, 1, 1]);
});
