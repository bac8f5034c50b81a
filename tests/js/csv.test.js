// csv.test.js - the CSV reader (js/csv.js): every rule, every bad input
// (the CSV rows of docs/bad-inputs.md, each with its exact message naming
// file, line and column), the missing-value policies, name labels, ignored
// columns, every kind of input, chunk boundaries at every position, row
// batches for streaming, and TrainingDataset.fromCSV.
//
// FG_BAD_INPUTS_MD_CSV=FILE writes the bad-input rows as Markdown (used to
// build docs/bad-inputs.md).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { fg, expectError } from './helpers.js';

const { readCSV, readCSVRows, TrainingDataset, FastGRNNError } = fg;
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'csv');
const fixture = (f) => readFileSync(path.join(DIR, f));
const f32 = (a) => Array.from(Float32Array.from(a));
const plain = (d) => ({ ...d, features: Array.from(d.features), labels: d.labels && Array.from(d.labels) });

async function rejects(promise, message, code = 'InvalidInput') {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof FastGRNNError, `expected FastGRNNError, got ${e && e.stack}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

// ---- the fixture files (also read by the browser parity test) --------------

const EXPECTED = {
  'comma.csv {}': {
    n: 5, inputDim: 2, timesteps: 1, outputDim: 1, featureNames: ['temp', 'humidity'], labelName: 'label',
    classNames: null, rowsSkipped: 0,
    features: f32([21.5, 0.4, 25, 0.65, 19.25, 0.3, 30.125, 0.8, -25, 0.01]), labels: [0, 1, 0, 1, 0],
  },
  'semicolon.csv {}': {
    n: 4, inputDim: 3, timesteps: 1, outputDim: 1, featureNames: ['temp', 'humidity', 'wind'], labelName: 'label',
    classNames: null, rowsSkipped: 0,
    features: f32([21.5, 0.4, 3, 25, 0.65, 7, 19.25, 0.3, 1, 30.125, 0.8, 12]), labels: [0, 1, 0, 1],
  },
  'tab.csv {}': {
    n: 5, inputDim: 2, timesteps: 1, outputDim: 3, featureNames: ['x', 'y'], labelName: 'class',
    classNames: null, rowsSkipped: 0,
    features: f32([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]), labels: [0, 1, 2, 1, 0],
  },
  'quoted.csv {"ignore":["id","note"]}': {
    n: 4, inputDim: 2, timesteps: 1, outputDim: 1, featureNames: ['size, cm', 'weight "kg"'], labelName: 'label',
    classNames: null, rowsSkipped: 0, features: f32([10.5, 2.25, 11, 3, 12.75, 4, 13, 5.5]), labels: [1, 0, 1, 0],
  },
  'bom-crlf.csv {}': {
    n: 3, inputDim: 2, timesteps: 1, outputDim: 1, featureNames: ['a', 'b'], labelName: 'label',
    classNames: null, rowsSkipped: 0, features: [1, 2, 3, 4, 5, 6], labels: [0, 1, 1],
  },
  'string-labels.csv {}': {
    n: 5, inputDim: 2, timesteps: 1, outputDim: 3, featureNames: ['petal_length', 'petal_width'], labelName: 'class',
    classNames: ['setosa', 'versicolor', 'virginica'], rowsSkipped: 0,
    features: f32([1.4, 0.2, 4.7, 1.4, 6, 2.5, 1.3, 0.2, 4.5, 1.5]), labels: [0, 1, 2, 0, 1],
  },
  'yes-no.csv {}': {
    n: 3, inputDim: 2, timesteps: 1, outputDim: 1, featureNames: ['a', 'b'], labelName: 'label',
    classNames: ['no', 'yes'], rowsSkipped: 0, features: [0.5, 1, 0.25, 2, 0.75, 3], labels: [1, 0, 1],
  },
  'id-column.csv {"ignore":["id"]}': {
    n: 3, inputDim: 2, timesteps: 1, outputDim: 1, featureNames: ['f1', 'f2'], labelName: 'target',
    classNames: null, rowsSkipped: 0, features: [0.5, 0.25, 0.125, 0.75, 1.5, 2.5], labels: [1, 0, 1],
  },
  'missing.csv {"missing":"error"}':
    'missing.csv line 3, column 2 (b): the value is missing (an empty cell); to accept missing values, skip such rows or fill in the feature\'s mean (missing: \'skip\' or \'mean\')',
  'missing.csv {"missing":"skip"}': {
    n: 2, inputDim: 3, timesteps: 1, outputDim: 1, featureNames: ['a', 'b', 'c'], labelName: 'label',
    classNames: null, rowsSkipped: 3, features: [1, 2, 3, 10, 11, 12], labels: [0, 1],
  },
  // a: (1+4+7+10)/4 = 5.5 for line 6; b: (2+8+11+14)/4 = 8.75; c: (3+6+12+15)/4 = 9
  'missing.csv {"missing":"mean"}': {
    n: 5, inputDim: 3, timesteps: 1, outputDim: 1, featureNames: ['a', 'b', 'c'], labelName: 'label',
    classNames: null, rowsSkipped: 0,
    features: [1, 2, 3, 4, 8.75, 6, 7, 8, 9, 10, 11, 12, 5.5, 14, 15], labels: [0, 1, 0, 1, 0],
  },
  'timesteps.csv {"timesteps":3}': {
    n: 2, inputDim: 2, timesteps: 3, outputDim: 1, featureNames: ['x1', 'y1'], labelName: 'label',
    classNames: null, rowsSkipped: 0, features: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], labels: [0, 1],
  },
};

const CASES = JSON.parse(readFileSync(path.join(DIR, 'cases.json'), 'utf8'));

test('fixtures: each case of cases.json reads to the expected data set (or error)', async () => {
  assert.equal(CASES.length, Object.keys(EXPECTED).length);
  for (const { file, options } of CASES) {
    const key = `${file} ${JSON.stringify(options)}`;
    const want = EXPECTED[key];
    assert.ok(want !== undefined, key);
    const p = readCSV(fixture(file), { ...options, name: file });
    if (typeof want === 'string') await rejects(p, want);
    else assert.deepEqual(plain(await p), want, key);
  }
});

// ---- rules ---------------------------------------------------------------------

test('RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes; the line of each record', async () => {
  const d = await readCSV('"a,1";"b""2";"c\nd";label\n"1";"2,5";"3";0\n"4";"x ""y""\r\nz";6;1\n', { delimiter: ';', ignore: ['b"2'] });
  assert.deepEqual(Array.from(d.features), [1, 3, 4, 6]);
  assert.deepEqual(Array.from(d.labels), [0, 1]);
  assert.deepEqual(d.featureNames, ['a,1', 'c\nd']);
  await rejects(readCSV('a,"b\nc",note,label\n1,2,"x\ny",0\n3,4,"z",1\n5,x,"",1\n', { name: 'q.csv', ignore: ['note'] }),
    'q.csv line 6, column 2 (b\nc): "x" is not a number');
  await rejects(readCSV('a,b,label\n1,2,0\n3,"4\r\n\r\n5",1\n'), 'CSV line 3, column 2 (b): "4\\r\\n\\r\\n5" is not a number');
  // quoted numbers are numbers; spaces around numbers are allowed
  const q = await readCSV('a,b,label\n" 1.5 ", 2 ,"1"\n');
  assert.deepEqual(Array.from(q.features), [1.5, 2]);
});

test('messages shorten long column names and cells', async () => {
  const long = 'x'.repeat(60);
  await rejects(readCSV(`${long},label\n${'y'.repeat(50)},0\n`),
    `CSV line 2, column 1 (${'x'.repeat(37)}...): "${'y'.repeat(40)}…" is not a number`);
});

test('delimiter: the most frequent of , ; TAB in the header (outside quotes), or given', async () => {
  assert.deepEqual((await readCSV('a;b;label\n1,5;2;0\n', { missing: 'skip', name: 'x' }).catch((e) => e.message)),
    'x line 2, column 1 (a): "1,5" is not a number');
  assert.equal((await readCSV('"a,b";c;label\n1;2;0\n')).inputDim, 2);
  assert.equal((await readCSV('a\tb\tc,d\tlabel\n1\t2\t3\t0\n', { ignore: ['c,d'] })).inputDim, 2);
  assert.equal((await readCSV('a|b|label\n1|2|0\n', { delimiter: '|' })).inputDim, 2);
  // a tie goes to the comma
  assert.deepEqual((await readCSV('a;b,label\n1;2,0\n', { ignore: [] }).catch((e) => e.message)),
    'CSV line 2, column 1 (a;b): "1;2" is not a number');
});

test('BOM, CRLF, lone CR and blank lines', async () => {
  const want = { features: [1, 2, 3, 4], labels: [0, 1] };
  for (const text of ['\ufeffa,b,label\r\n1,2,0\r\n3,4,1\r\n', 'a,b,label\r1,2,0\r3,4,1', '\n\na,b,label\n\n1,2,0\n\n\n3,4,1\n\n']) {
    const d = await readCSV(text);
    assert.deepEqual({ features: Array.from(d.features), labels: Array.from(d.labels) }, want, JSON.stringify(text));
  }
  const b = await readCSV(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('a,b,label\n1,2,0\n')]));
  assert.deepEqual(b.featureNames, ['a', 'b']);
  // line numbers count blank lines and every line-end style
  await rejects(readCSV('a,b,label\r\n\r\n1,2,0\r3,x,1\n'), 'CSV line 4, column 2 (b): "x" is not a number');
});

test('label column: label, then target, then class; exact name before case-insensitive; or by name', async () => {
  assert.equal((await readCSV('class,target,x\n0,1,5\n')).labelName, 'target');
  assert.equal((await readCSV('Class,x,LABEL\n0,1,1\n')).labelName, 'LABEL');
  assert.equal((await readCSV('x,label,Label\n1,0,1\n')).labelName, 'label');
  const d = await readCSV('x,y,outcome\n1,2,1\n', { label: 'Outcome' });
  assert.equal(d.labelName, 'outcome');
  assert.deepEqual(d.featureNames, ['x', 'y']);
  const f = await readCSV('x,y\n1,2\n', { label: false });
  assert.equal(f.labels, null);
  assert.equal(f.outputDim, null);
  assert.deepEqual(Array.from(f.features), [1, 2]);
});

test('ignore: columns that are neither features nor the label (exact, else case-insensitive)', async () => {
  const d = await readCSV('ID,a,note,b,label\n7,1,hello,2,0\n8,3,"a, b",4,1\n', { ignore: ['id', 'note'] });
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.deepEqual(Array.from(d.features), [1, 2, 3, 4]);
  const u = await readCSV(',a,label\n0,1,0\n1,2,1\n', { ignore: [''] });
  assert.deepEqual(Array.from(u.features), [1, 2]);
});

test('name labels: sorted class indices; two names are binary; classNames fixes the order', async () => {
  const d = await readCSV('x,label\n1,"b"\n2,a\n3,c\n4,a\n');
  assert.deepEqual(d.classNames, ['a', 'b', 'c']);
  assert.deepEqual(Array.from(d.labels), [1, 0, 2, 0]);
  assert.equal(d.outputDim, 3);
  const b = await readCSV('x,label\n1,spam\n2,ham\n');
  assert.equal(b.outputDim, 1);
  assert.deepEqual(b.classNames, ['ham', 'spam']);
  assert.deepEqual(Array.from(b.labels), [1, 0]);
  const c = await readCSV('x,label\n1,spam\n2,ham\n3,spam\n', { classNames: ['spam', 'ham'] });
  assert.deepEqual(Array.from(c.labels), [0, 1, 0]);
  assert.deepEqual(c.classNames, ['spam', 'ham']);
  // with fixed classes, a file may hold only some of them, or their indices
  const one = await readCSV('x,label\n1,ham\n2,1\n', { classNames: ['spam', 'ham', 'eggs'] });
  assert.deepEqual(Array.from(one.labels), [1, 1]);
  assert.equal(one.outputDim, 3);
  // non-ASCII names
  const u = await readCSV('x,étiquette\n1,thé\n2,café\n', { label: 'étiquette' });
  assert.deepEqual(u.classNames, ['café', 'thé']);
});

test('numeric labels: [0, 1] binary (soft labels too), integers 0..K-1 multi-class', async () => {
  const s = await readCSV('x,label\n1,0.25\n2,1\n3,0\n');
  assert.equal(s.outputDim, 1);
  assert.deepEqual(Array.from(s.labels), [0.25, 1, 0]);
  const m = await readCSV('x,label\n1,4\n2,0\n3,2\n');
  assert.equal(m.outputDim, 5);
  assert.equal(m.classNames, null);
  const z = await readCSV('x,label\n1,0\n2,0\n');
  assert.equal(z.outputDim, 1);
});

test("missing values: 'error' (default), 'skip', 'mean'; NA, N/A, NaN, null and empty cells are missing", async () => {
  for (const tok of ['', ' ', 'NA', 'n/a', 'NaN', 'nan', 'NULL']) {
    const text = `a,b,label\n1,2,0\n3,${tok},1\n5,8,1\n`;
    await rejects(readCSV(text, { name: 'm.csv' }), `m.csv line 3, column 2 (b): the value is missing (${tok.trim() === '' ? 'an empty cell' : JSON.stringify(tok)}); to accept missing values, skip such rows or fill in the feature's mean (missing: 'skip' or 'mean')`);
    const s = await readCSV(text, { missing: 'skip' });
    assert.deepEqual([s.n, s.rowsSkipped, ...s.features], [2, 1, 1, 2, 5, 8]);
    const m = await readCSV(text, { missing: 'mean' });
    assert.deepEqual(Array.from(m.features), [1, 2, 3, 5, 5, 8]);
  }
  // a missing label: skipped with 'skip', an error otherwise
  const s = await readCSV('a,label\n1,0\n2,\n3,1\n', { missing: 'skip' });
  assert.deepEqual([s.n, s.rowsSkipped], [2, 1]);
  await rejects(readCSV('a,label\n1,0\n2,NA\n', { missing: 'mean' }),
    "CSV line 3, column 2 (label): the label is missing (a mean is filled in for features only; to drop rows without a label, skip rows with missing values: missing: 'skip')");
  // the mean is per feature over every timestep; float32 values, float64 sums
  const t = await readCSV('a1,b1,a2,b2,label\n1,10,,20,0\n3,,5,40,1\n', { missing: 'mean', timesteps: 2 });
  assert.deepEqual(Array.from(t.features), [1, 10, 3, 20, 3, 70 / 3, 5, 40].map(Math.fround));
  // options.means replaces the file's means (e.g. a model card's normalization means)
  const g = await readCSV('a,b,label\n,2,0\n3,,1\n', { missing: 'mean', means: [100, 200] });
  assert.deepEqual(Array.from(g.features), [100, 2, 3, 200]);
  // a non-numeric cell is an error under every policy
  await rejects(readCSV('a,label\n1,0\nx,1\n', { missing: 'skip' }), 'CSV line 3, column 1 (a): "x" is not a number');
});

test('timesteps: step-major rows; featureNames are the first step\'s columns', async () => {
  const d = await readCSV('x_1,y_1,x_2,y_2,label\n1,2,3,4,1\n', { timesteps: 2 });
  assert.deepEqual([d.inputDim, d.timesteps, d.featureNames], [2, 2, ['x_1', 'y_1']]);
});

test('featureNames: expects those columns, in that order (e.g. a model card\'s)', async () => {
  const d = await readCSV('b,label,a\n2,0,1\n', { featureNames: ['a', 'b'] });
  assert.deepEqual(Array.from(d.features), [1, 2]);
  assert.deepEqual(d.featureNames, ['a', 'b']);
  const t = await readCSV('a1,b1,a2,b2\n1,2,3,4\n', { featureNames: ['a1', 'b1'], timesteps: 2, label: false });
  assert.equal(t.inputDim, 2);
});

test('numbers: decimal syntax, correctly rounded to float32', async () => {
  const cells = ['0', '-0.5', '+3', '.25', '5.', '1e3', '-2.5E-3', '123456789012345678', '0.1', '3.4028234e38', '1.17549435e-38', '7e-46'];
  const d = await readCSV(`${cells.map((_, i) => `c${i}`).join(',')},label\n${cells.join(',')},0\n`);
  assert.deepEqual(Array.from(d.features), cells.map((c) => Math.fround(Number(c))));
  // random numbers in every notation: the same float32 as Number()
  let seed = 7;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nums = [];
  for (let i = 0; i < 3000; i++) {
    const digits = String(Math.floor(r() * 10 ** (1 + Math.floor(r() * 19)))).padStart(1 + Math.floor(r() * 4), '0');
    const dot = Math.floor(r() * (digits.length + 1));
    let t = (r() < 0.3 ? '-' : '') + digits.slice(0, dot) + (r() < 0.7 ? '.' : '') + digits.slice(dot);
    if (r() < 0.2) t += `e${r() < 0.5 ? '-' : ''}${Math.floor(r() * 40)}`;
    if (/\d/.test(t) && Math.abs(Number(t)) < 3.4e38) nums.push(t);
  }
  const many = await readCSV(`x,label\n${nums.map((t) => `${t},0`).join('\n')}\n`);
  assert.deepEqual(Array.from(many.features), nums.map((t) => Math.fround(Number(t))));
  for (const bad of ['0x10', 'Infinity', '1e', '--1', '1.2.3', '1,5', '½']) {
    await rejects(readCSV(`a,label\n"${bad}",0\n`), `CSV line 2, column 1 (a): ${JSON.stringify(bad)} is not a number`);
  }
});

// ---- bad inputs: each a row of docs/bad-inputs.md --------------------------

const BAD = [
  ['empty file', '', {}, 'data.csv line 1, column 1: the file is empty; expected a header row naming the columns, then rows of numbers'],
  ['only blank lines', '\n\r\n\n', {}, 'data.csv line 1, column 1: the file is empty; expected a header row naming the columns, then rows of numbers'],
  ['header only', 'a,b,label\n', {}, 'data.csv line 2, column 1 (a): the file has a header but no data rows'],
  ['no header (the first row is numbers)', '1,2,0\n3,4,1\n', {},
    'data.csv line 1, column 1 (1): the first row looks like data (all numbers), not a header; the first row must name the columns, e.g. x1,x2,label'],
  ['no label column', 'a,b,c\n1,2,3\n', {},
    'data.csv line 1, column 1 (a): there is no label column: name one column "label", "target" or "class", or choose the label column by name (columns: "a", "b", "c")'],
  ['label option names no column', 'a,b,label\n1,2,0\n', { label: 'y' }, 'data.csv line 1, column 1 (a): there is no label column "y" (columns: "a", "b", "label")'],
  ['two columns match the label case-insensitively', 'a,LABEL,Label\n1,0,1\n', {},
    'data.csv line 1, column 3 (Label): label: "label" matches columns 2 and 3 (case-insensitive)'],
  ['duplicate column names', 'a,b,a,label\n1,2,3,0\n', {},
    'data.csv line 1, column 3 (a): the column name "a" is also the name of column 1; column names must be unique'],
  ['a column without a name', 'a,,label\n1,2,0\n', {}, 'data.csv line 1, column 2 (): the column has no name (name it, or drop it with ignore: [""])'],
  ['ignore names no column', 'a,b,label\n1,2,0\n', { ignore: ['id'] }, 'data.csv line 1, column 1 (a): ignore: there is no column "id" (columns: "a", "b", "label")'],
  ['the label is ignored', 'a,b,label\n1,2,0\n', { ignore: ['label'] }, 'data.csv line 1, column 3 (label): the label column is also in ignore'],
  ['no feature columns', 'id,label\n1,0\n', { ignore: ['id'] }, 'data.csv line 1, column 2 (label): there are no feature columns (every column is the label or ignored)'],
  ['row width not a multiple of timesteps', 'a,b,c,label\n1,2,3,0\n', { timesteps: 2 },
    'data.csv line 1, column 3 (c): 3 feature columns cannot be split into 2 timesteps (the row width must be a multiple of timesteps)'],
  ['featureNames: a feature is absent', 'a,c,label\n1,2,0\n', { featureNames: ['a', 'b'] },
    'data.csv line 1, column 1 (a): there is no feature column "b" (expected features: "a", "b")'],
  ['featureNames: an extra column', 'a,b,c,label\n1,2,3,0\n', { featureNames: ['a', 'b'] },
    'data.csv line 1, column 3 (c): the column is not one of the expected features ("a", "b"); drop it with ignore'],
  ['ragged row: too few cells', 'a,b,label\n1,2,0\n3,4\n', {}, 'data.csv line 3, column 3 (label): the row ends after 2 cells, but the header has 3 columns'],
  ['ragged row: too many cells', 'a,b,label\n1,2,0,9\n', {}, 'data.csv line 2, column 4: the row has 4 cells, but the header has 3 columns'],
  ['non-numeric cell', 'a,b,label\n1,2,0\n3,abc,1\n', {}, 'data.csv line 3, column 2 (b): "abc" is not a number'],
  ['a number beyond float32', 'a,b,label\n1,1e39,0\n', {}, 'data.csv line 2, column 2 (b): "1e39" is out of the float32 range'],
  ['missing cell (missing: error)', 'a,b,label\n1,,0\n', {},
    "data.csv line 2, column 2 (b): the value is missing (an empty cell); to accept missing values, skip such rows or fill in the feature's mean (missing: 'skip' or 'mean')"],
  ['missing label (missing: error)', 'a,b,label\n1,2,\n', {},
    "data.csv line 2, column 3 (label): the label is missing (an empty cell); to drop rows without a label, skip rows with missing values (missing: 'skip')"],
  ['every row skipped (missing: skip)', 'a,b,label\n1,,0\n,2,1\n', { missing: 'skip' },
    "data.csv line 3, column 1 (a): no rows are left: all 2 data rows have missing values (missing: 'skip')"],
  ['a feature with no values (missing: mean)', 'a,b,label\n1,,0\n2,NA,1\n', { missing: 'mean' },
    "data.csv line 1, column 2 (b): the feature has no values at all, so missing: 'mean' has no mean to fill in"],
  ['a label beyond float32', 'a,label\n1,0\n2,1e39\n', {}, 'data.csv line 3, column 2 (label): "1e39" is out of the float32 range'],
  ['a class index too large for float32', 'a,label\n1,0\n2,16777216\n', {},
    'data.csv line 3, column 2 (label): the label 16777216 is too large for a class index (class indices are stored as float32, exact below 16777216)'],
  ['negative label', 'a,label\n1,0\n2,-1\n', {}, 'data.csv line 3, column 2 (label): the label -1 is negative (labels are 0/1, class indices 0, 1, 2, ..., or class names)'],
  ['fractional label in a multi-class file', 'a,label\n1,3\n2,1.5\n', {},
    'data.csv line 3, column 2 (label): the label 1.5 is not a whole number, but labels above 1 (line 2: 3) make this a multi-class file, where labels are class indices 0, 1, 2, ...'],
  ['a name after numeric labels', 'a,label\n1,0\n2,cat\n', {},
    'data.csv line 3, column 2 (label): the label "cat" is a name, but the labels before it are numbers (line 2: 0); labels must be all numbers or all class names'],
  ['a number after name labels', 'a,label\n1,cat\n2,1\n', {},
    'data.csv line 3, column 2 (label): the label "1" is a number, but the labels before it are class names (line 2: "cat"); labels must be all numbers or all class names'],
  ['a single class name', 'a,label\n1,cat\n2,cat\n', {},
    'data.csv line 1, column 2 (label): every label is the class "cat"; a data set needs at least 2 classes (or give classNames)'],
  ['a class classNames does not know', 'a,label\n1,cat\n2,cow\n', { classNames: ['cat', 'dog'] },
    'data.csv line 3, column 2 (label): the class "cow" is not one of the 2 classes ("cat", "dog")'],
  ['unclosed quote', 'a,b,label\n1,"2,0\n3,4,1\n', {}, 'data.csv line 2, column 2 (b): a quoted cell is not closed (the file ends inside quotes)'],
  ['text after a closing quote', 'a,b,label\n1,"2"x,0\n', {},
    'data.csv line 2, column 2 (b): unexpected "x" after the closing quote (a quoted cell must end at a delimiter or a line break; write a quote inside quotes as "")'],
  ['bytes that are not UTF-8', new Uint8Array([0x61, 0x2c, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0x0a, 0xff, 0xfe, 0x2c, 0x30, 0x0a]), {},
    'data.csv line 2: the file is not UTF-8 text (byte 8 is 0xff)'],
  ['bytes that end inside a UTF-8 sequence', new Uint8Array([...Buffer.from('a,label\n1,0\n'), 0xc3]), {},
    'data.csv line 3: the file is not UTF-8 text (byte 12 begins a sequence that is cut off)'],
  ['a bad header, then bytes that are not UTF-8 (the first problem is reported, whatever the chunking)',
    new Uint8Array([...Buffer.from('x,y\r1,2'), 0x90, 0x0a]), {},
    'data.csv line 1, column 1 (x): there is no label column: name one column "label", "target" or "class", or choose the label column by name (columns: "x", "y")'],
  ['an unknown missing policy', 'a,label\n1,0\n', { missing: 'zero' }, "readCSV: missing must be 'error', 'skip' or 'mean', got \"zero\""],
  ['bad delimiter option', 'a,label\n1,0\n', { delimiter: '"' }, 'readCSV: delimiter must be one character other than a quote, a line break, a digit, \'.\' or \'-\', got "\\""'],
  ['bad timesteps option', 'a,label\n1,0\n', { timesteps: 0 }, 'readCSV: timesteps must be an integer >= 1, got 0'],
  ['means of the wrong length', 'a,b,label\n1,,0\n', { missing: 'mean', means: [1] }, 'readCSV: means has 1 values, but data.csv has 2 features per step'],
];

const mdRows = [];
for (const [what, input, options, message] of BAD) {
  test(`bad input: ${what}`, async () => {
    const opts = { ...options, name: 'data.csv' };
    await rejects(readCSV(input, opts), message);
    // the same error whatever the chunking
    if (typeof input === 'string' && input.length > 1) {
      await rejects(readCSV([input.slice(0, input.length >> 1), input.slice(input.length >> 1)], opts), message);
    }
    const shown = input === '' ? '(no bytes)' : typeof input === 'string' ? `\`${JSON.stringify(input).slice(1, -1).replace(/\|/g, '\\|')}\``
      : `bytes \`${Buffer.from(input).toString('hex').replace(/(..)/g, '$1 ').trim()}\``;
    // bytes: the same error whatever the chunking too
    if (typeof input !== 'string') {
      for (let i = 0; i <= input.length; i++) await rejects(readCSV([input.subarray(0, i), input.subarray(i)], opts), message);
    }
    const o = Object.keys(options).length ? ` with \`${JSON.stringify(options)}\`` : '';
    mdRows.push(`| D${mdRows.length + 1} | ${what} | ${shown}${o} | InvalidInput | ${message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  });
}

test('bad input: input of the wrong type, a chunk of the wrong type, options not an object', async () => {
  await rejects(readCSV(42), 'readCSV: input must be a string, bytes, a Blob, a ReadableStream or an (async) iterable of string/byte chunks, got 42 (CSV)');
  await rejects(readCSV([1, 2]), 'CSV: a chunk of the input must be a string or bytes, got 1');
  await rejects(readCSV('a,label\n1,0\n', 'x'), 'readCSV: options must be an object, got "x"');
  await rejects(readCSV('a,label\n1,0\n', { delimeter: ';' }), "readCSV: unknown option 'delimeter'");
  assert.throws(() => readCSVRows(null), expectError('InvalidInput', /input must be a string/));
});

test('a source that fails mid-read is an IoError naming the file', async () => {
  async function* broken() {
    yield 'a,b,label\n1,2,0\n';
    throw new Error('disk on fire');
  }
  await rejects(readCSV(broken(), { name: 'logs.csv' }), 'cannot read logs.csv: disk on fire', 'IoError');
  const stream = new ReadableStream({
    pull(c) { c.error(new Error('connection reset')); },
  });
  await rejects(readCSV(stream, { name: 'body' }), 'cannot read body: connection reset', 'IoError');
});

// ---- every kind of input, chunk boundaries anywhere --------------------------

const TRICKY = [
  '\ufeffnom,größe,"a ""b""",étiquette\r\n"1, x",2.5,"3\n""q""",café\r\n4,5,"6\r\n",thé\r\n7,8,9,café',
  'a;b;label\r\n"1";"2";0\r\n\r\n3;"4";1\r',
  'x\ty\tclass\n1\t2\t🙂\n3\t4\t🙃\n',
  'a,b,label\n1,,0\n2,3,1\n,4,1\n',
];

async function outcome(input, options) {
  try {
    return plain(await readCSV(input, options));
  } catch (e) {
    return `${e.name} ${e.code}: ${e.message}`;
  }
}

test('chunked input: every split point (bytes and text, 2 and 3 chunks, 1-byte chunks) gives the same result', async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.csv')).map((f) => fixture(f).toString('latin1'));
  const texts = [...TRICKY, ...files.map((t) => Buffer.from(t, 'latin1').toString('utf8'))];
  const optionsFor = (t) => (t.includes('nom,') ? { ignore: ['nom', 'a "b"'], label: 'étiquette' } : t.includes(',,') ? { missing: 'mean' }
    : t.startsWith('id,note') ? { ignore: ['id', 'note'] } : t.startsWith('id,') ? { ignore: ['id'] }
      : t.startsWith('x1,y1') ? { timesteps: 3 } : {});
  let checked = 0;
  for (const text of texts) {
    const opts = optionsFor(text);
    const whole = await outcome(text, opts);
    assert.equal(typeof whole, 'object', `${JSON.stringify(text)}: ${whole}`);
    const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(await outcome([bytes.subarray(0, i), bytes.subarray(i)], opts), whole, `bytes split at ${i}`);
      assert.deepEqual(await outcome([text.slice(0, i), text.slice(i)], opts), whole, `text split at ${i}`);
      checked += 2;
    }
    if (bytes.length <= 64) {
      for (let i = 1; i < bytes.length; i++) {
        for (let j = i + 1; j < bytes.length; j++) {
          assert.deepEqual(await outcome([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)], opts), whole, `split at ${i}, ${j}`);
          checked++;
        }
      }
    }
    const ones = Array.from(bytes, (b) => new Uint8Array([b]));
    assert.deepEqual(await outcome(ones, opts), whole, '1-byte chunks');
  }
  assert.ok(checked > 10000, `${checked} chunkings`);
});

test('inputs: string, Uint8Array, ArrayBuffer, Buffer, Blob, ReadableStream, Node Readable, async and sync iterables', async () => {
  const text = 'a,b,label\n1,2,0\n3,4,1\n';
  const want = plain(await readCSV(text));
  const u8 = new TextEncoder().encode(text);
  const inputs = {
    Uint8Array: u8,
    ArrayBuffer: u8.buffer.slice(0),
    Float64ArrayView: new Uint8Array(u8), // any byte view
    Buffer: Buffer.from(text),
    Blob: new Blob([text.slice(0, 7), u8.subarray(7)]),
    ReadableStream: new Blob([text]).stream(),
    Readable: Readable.from([Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))]),
    ReadableText: Readable.from([text.slice(0, 12), text.slice(12)]),
    asyncIterable: (async function* () { yield text.slice(0, 3); yield u8.subarray(3, 9); yield text.slice(9); })(),
    iterable: [text.slice(0, 11), text.slice(11)],
  };
  for (const [kind, input] of Object.entries(inputs)) assert.deepEqual(plain(await readCSV(input)), want, kind);
});

// ---- readCSVRows: batches for streaming ------------------------------------------

test('readCSVRows: batches of batchSize rows, the same rows as readCSV; progress fields', async () => {
  const rows = ['a,b,label'];
  for (let i = 0; i < 1000; i++) rows.push(`${i},${i * 0.5},${i % 2}`);
  const text = rows.join('\n') + '\n';
  const chunks = [];
  for (let i = 0; i < text.length; i += 97) chunks.push(text.slice(i, i + 97));
  const all = await readCSV(text);
  const got = [];
  const labels = [];
  const sizes = [];
  let last = null;
  for await (const b of readCSVRows(chunks, { batchSize: 128 })) {
    sizes.push(b.n);
    got.push(...b.features);
    labels.push(...b.labels);
    assert.deepEqual([b.inputDim, b.timesteps, b.featureNames, b.labelName, b.classNames], [2, 1, ['a', 'b'], 'label', null]);
    if (last) assert.ok(b.line > last.line && b.charsRead >= last.charsRead);
    last = b;
  }
  assert.deepEqual(sizes, [...Array(7).fill(128), 104]);
  assert.deepEqual(got, Array.from(all.features));
  assert.deepEqual(labels, Array.from(all.labels));
  assert.equal(last.line, 1001);
  assert.equal(last.charsRead, text.length);
});

test('a whole input of many pieces (64 Ki characters / bytes each) reads like its chunks', async () => {
  const rows = ['a,b,label'];
  for (let i = 0; i < 40000; i++) rows.push(`${i},"${(i * 0.25).toFixed(2)}",${i % 3 === 0 ? 'yes' : 'no'}`);
  const text = rows.join('\r\n');
  assert.ok(text.length > 10 * 65536);
  const want = { n: 40000, first: [0, 0, 1, 0.25], last: [39999, 9999.75] };
  for (const input of [text, new TextEncoder().encode(text)]) {
    const d = await readCSV(input);
    assert.deepEqual([d.n, ...d.features.subarray(0, 4)], [want.n, ...want.first]);
    assert.deepEqual(Array.from(d.features.subarray(-2)), want.last);
    assert.deepEqual(d.classNames, ['no', 'yes']);
    let n = 0;
    for await (const b of readCSVRows(input, { batchSize: 5000 })) n += b.n;
    assert.equal(n, 40000);
  }
});

test('an unclosed quote at the top of a large file, fed in small chunks, is found in linear time', { timeout: 60000 }, async () => {
  // 8 MB in 1 KiB chunks: scanning the open record again for every chunk
  // would take about 8000 * 4 MB of character reads (minutes), not a second
  const body = 'a,b,label\n1,"2,0\n' + '1,2,0\n'.repeat(8 << 17);
  const chunks = [];
  for (let i = 0; i < body.length; i += 1024) chunks.push(body.slice(i, i + 1024));
  await rejects(readCSV(chunks, { name: 'big.csv' }), 'big.csv line 2, column 2 (b): a quoted cell is not closed (the file ends inside quotes)');
  // and one huge first line: the header (delimiter detection) the same way
  const wide = Array.from({ length: 200000 }, (_, i) => `c${i}`).join(',') + ',label\n' + '0,'.repeat(200000) + '1\n';
  const parts = [];
  for (let i = 0; i < wide.length; i += 512) parts.push(wide.slice(i, i + 512));
  const d = await readCSV(parts);
  assert.deepEqual([d.n, d.inputDim], [1, 200000]);
});

test('readCSVRows: name labels in order of first appearance, or fixed by classNames; numeric labels as written', async () => {
  const text = 'x,label\n1,dog\n2,cat\n3,dog\n4,bird\n';
  const seen = [];
  const lines = text.split(/(?<=\n)/); // one chunk per line: a batch goes out as soon as it is full
  for await (const b of readCSVRows(lines, { batchSize: 2 })) seen.push([Array.from(b.labels), b.classNames]);
  assert.deepEqual(seen, [[[0, 1], ['dog', 'cat']], [[0, 2], ['dog', 'cat', 'bird']]]);
  const fixed = [];
  for await (const b of readCSVRows(text, { classNames: ['bird', 'cat', 'dog'] })) fixed.push(...b.labels);
  assert.deepEqual(fixed, [2, 1, 2, 0]);
  const nums = [];
  for await (const b of readCSVRows('x,label\n1,7\n2,0.5\n')) nums.push(...b.labels);
  assert.deepEqual(nums, [7, 0.5]);
});

test("readCSVRows, missing: 'mean': the mean of the rows read so far when the batch is handed out", async () => {
  // one chunk per line, so a batch goes out as soon as it is full: batch 1
  // (lines 2-3) fills b with 2 (line 3 only), batch 2 (lines 4-5) with the
  // mean of 2 and 6; fed whole, every row sees 2, 6 and 10 (as readCSV)
  const text = 'a,b,label\n1,,0\n1,2,1\n1,6,0\n1,,1\n1,10,0\n';
  const lines = (t) => t.split(/(?<=\n)/);
  const out = [];
  for await (const b of readCSVRows(lines(text), { batchSize: 2, missing: 'mean' })) out.push(Array.from(b.features));
  assert.deepEqual(out, [[1, 2, 1, 2], [1, 6, 1, 4], [1, 10]]);
  const whole = [];
  for await (const b of readCSVRows(text, { batchSize: 2, missing: 'mean' })) whole.push(...b.features);
  assert.deepEqual(whole, [1, 6, 1, 2, 1, 6, 1, 6, 1, 10]);
  assert.deepEqual(whole, Array.from((await readCSV(text, { missing: 'mean' })).features));
  // a batch is held back until every feature has had a value
  const held = [];
  for await (const b of readCSVRows(lines('a,b,label\n1,,0\n2,,1\n3,,0\n4,8,1\n'), { batchSize: 1, missing: 'mean' })) held.push(b.line);
  assert.deepEqual(held, [2, 3, 4, 5]);
  const m = [];
  for await (const b of readCSVRows(lines('a,b,label\n1,,0\n2,,1\n3,,0\n4,8,1\n'), { batchSize: 1, missing: 'mean' })) m.push(b.features[1]);
  assert.deepEqual(m, [8, 8, 8, 8]);
  // with means given, every row alike
  const g = [];
  for await (const b of readCSVRows(text, { batchSize: 2, missing: 'mean', means: [0, -1] })) g.push(...b.features);
  assert.deepEqual(g, [1, -1, 1, 2, 1, 6, 1, -1, 1, 10]);
});

test('readCSVRows: a bad row stops the iteration with its line and column', async () => {
  const rows = ['a,label'];
  for (let i = 0; i < 50; i++) rows.push(`${i},0`);
  rows.push('oops,1');
  let n = 0;
  await assert.rejects(async () => {
    for await (const b of readCSVRows(rows.join('\n'), { batchSize: 10, name: 'big.csv' })) n += b.n;
  }, (e) => e instanceof FastGRNNError && e.message === 'big.csv line 52, column 1 (a): "oops" is not a number');
  assert.equal(n, 50);
});

// ---- TrainingDataset.fromCSV ----------------------------------------------------------

test('TrainingDataset.fromCSV: a dataset of the file, with its names', async () => {
  await fg.init();
  const ds = await TrainingDataset.fromCSV(fixture('string-labels.csv'), { name: 'iris.csv' });
  assert.equal(ds.length, 5);
  assert.equal(ds.outputDim, 3);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 0, 1]);
  assert.deepEqual(ds.featureNames, ['petal_length', 'petal_width']);
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.equal(ds.labelName, 'class');
  ds.dispose();
  // the names reach the model's card through training
  const iris = await TrainingDataset.fromCSV(new Blob([fixture('string-labels.csv')]));
  const model = new fg.FastGRNN({ inputDim: 2, hiddenDim: 4, outputDim: 3, seed: 1 });
  const trainer = new fg.Trainer(model.config, { epochs: 1, batchSize: 2, validationSplit: 0 });
  await trainer.train(model, iris);
  assert.deepEqual([model.card.featureNames, model.card.classNames, model.card.labelName],
    [['petal_length', 'petal_width'], ['setosa', 'versicolor', 'virginica'], 'class']);
  assert.ok(['setosa', 'versicolor', 'virginica'].includes(model.predictLabel([4.6, 1.4])));
  for (const o of [iris, model, trainer]) o.dispose();
  // binary name labels: two class names, outputDim 1; numeric labels: no class names
  const yn = await TrainingDataset.fromCSV(fixture('yes-no.csv'));
  assert.deepEqual([yn.outputDim, yn.classNames, yn.labelName, Array.from(yn.labels)], [1, ['no', 'yes'], 'label', [1, 0, 1]]);
  yn.dispose();
  const num = await TrainingDataset.fromCSV(fixture('id-column.csv'), { ignore: ['id'] });
  assert.deepEqual([num.featureNames, num.classNames ?? null, num.labelName], [['f1', 'f2'], null, 'target']);
  num.dispose();
  const seq = await TrainingDataset.fromCSV(fixture('timesteps.csv'), { timesteps: 3 });
  assert.deepEqual([seq.length, seq.timesteps, seq.inputDim, seq.featureNames], [2, 3, 2, ['x1', 'y1']]);
  seq.dispose();
  await rejects(TrainingDataset.fromCSV('a,b\n1,2\n', { label: false }), 'TrainingDataset.fromCSV: a dataset needs a label column, got label: false');
  await rejects(TrainingDataset.fromCSV('a,label\n1,x\n', { name: 'f.csv' }),
    'f.csv line 1, column 2 (label): every label is the class "x"; a data set needs at least 2 classes (or give classNames)');
});

after(() => {
  if (process.env.FG_BAD_INPUTS_MD_CSV && mdRows.length) {
    writeFileSync(process.env.FG_BAD_INPUTS_MD_CSV,
      '| # | bad input | CSV (options) | code | message |\n|---|---|---|---|---|\n' + mdRows.join('\n') + '\n');
  }
});
