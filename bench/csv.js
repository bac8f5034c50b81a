#!/usr/bin/env node
// bench/csv.js - the CSV reader's speed and bundle size, against npm parsers.
//
//   node bench/csv.js [--rows N] [--reps R] [--only ours,papaparse,csv-parse]
//
// Writes build/bench/csv-<N>.csv (N rows of 5 features + a 0/1 label, 6
// numeric columns, written with 6 significant digits like a typical export)
// once, then reads it R times (median) with:
//   ours         readCSV (js/csv.js) on the text, on the bytes, and on a
//                fs.createReadStream (64 KiB chunks)
//   papaparse    Papa.parse(text, { dynamicTyping, skipEmptyLines }) + filling
//                the same Float32Arrays (the reader's work is not done without)
//   csv-parse    parse(text, { cast }) (sync API) + the same filling
// and bundles each with esbuild (--bundle --minify, ESM, browser) to report
// minified and gzip bytes of what an app that imports it ships.
// Also prints a profile split of ours: decoding, scanning, numbers.

import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { readCSV } from '../js/csv.js';
import { seededRandom } from '../js/data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const args = process.argv.slice(2);
const arg = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const ROWS = Number(arg('--rows', 1000000));
const REPS = Number(arg('--reps', 3));
const ONLY = arg('--only', 'ours,papaparse,csv-parse').split(',');

function makeFile() {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `csv-${ROWS}.csv`);
  if (existsSync(file)) return file;
  const r = seededRandom(11);
  const parts = ['f1,f2,f3,f4,f5,label\n'];
  for (let i = 0; i < ROWS; i++) {
    const x = [r(), r() * 10 - 5, r() * 100, r() - 0.5, r() * 1e-3];
    parts.push(x.map((v) => v.toPrecision(6)).join(',') + (x[0] + x[3] > 0.5 ? ',1\n' : ',0\n'));
  }
  writeFileSync(file, parts.join(''));
  return file;
}

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

async function time(fn) {
  const ts = [];
  let out;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    out = await fn();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), out };
}

// The same result for the npm parsers: features [n*5], labels [n].
function fill(rows, width) {
  const n = rows.length;
  const features = new Float32Array(n * (width - 1));
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== width) throw new Error(`row ${i + 2} is ragged`);
    for (let j = 0; j < width - 1; j++) {
      if (typeof r[j] !== 'number' || !Number.isFinite(r[j])) throw new Error(`row ${i + 2} col ${j + 1}: not a number`);
      features[i * (width - 1) + j] = r[j];
    }
    labels[i] = r[width - 1];
  }
  return { features, labels, n };
}

function bundleSize(name, source) {
  const dir = path.join(OUT, 'csv-bundle');
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, `${name}.mjs`);
  writeFileSync(entry, source);
  const out = path.join(dir, `${name}.min.js`);
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [entry, '--bundle', '--minify', '--format=esm', '--platform=browser', `--outfile=${out}`, '--log-level=error'],
    { cwd: ROOT });
  const bytes = readFileSync(out);
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const file = makeFile();
const size = statSync(file).size;
const text = readFileSync(file, 'utf8');
const bytes = new Uint8Array(readFileSync(file));
console.log(`file: ${path.relative(ROOT, file)}, ${ROWS} rows, 6 numeric columns, ${(size / 1048576).toFixed(1)} MiB; median of ${REPS}`);
const results = [];
const report = (what, ms, n) => {
  const rate = n / (ms / 1000);
  results.push({ what, ms, rate });
  console.log(`${what.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${(rate / 1e6).toFixed(2)} M rows/s`);
};

if (ONLY.includes('ours')) {
  let r = await time(() => readCSV(text));
  if (r.out.n !== ROWS) throw new Error('ours: wrong row count');
  report('ours: readCSV(string)', r.ms, ROWS);
  r = await time(() => readCSV(bytes));
  report('ours: readCSV(Uint8Array)', r.ms, ROWS);
  r = await time(() => readCSV(createReadStream(file, { highWaterMark: 65536 })));
  report('ours: readCSV(fs.createReadStream, 64 KiB)', r.ms, ROWS);
  // profile split: decoding alone, and the reader on pre-decoded text
  r = await time(() => new TextDecoder().decode(bytes));
  console.log(`  of which UTF-8 decoding (TextDecoder)          ${r.ms.toFixed(0).padStart(6)} ms`);
  r = await time(() => { let x = 0; for (const line of text.split('\n')) x += line.length; return x; });
  console.log(`  for scale: text.split('\\n') alone              ${r.ms.toFixed(0).padStart(6)} ms`);
  r = await time(() => { let s = 0; for (const tok of text.split(/[,\n]/)) s += Number(tok); return s; });
  console.log(`  for scale: split + Number() on every cell      ${r.ms.toFixed(0).padStart(6)} ms`);
}
if (ONLY.includes('papaparse')) {
  const Papa = (await import('papaparse')).default;
  const r = await time(() => {
    const res = Papa.parse(text, { dynamicTyping: true, skipEmptyLines: true });
    return fill(res.data.slice(1), 6);
  });
  if (r.out.n !== ROWS) throw new Error('papaparse: wrong row count');
  report('papaparse: parse(string) + fill', r.ms, ROWS);
}
if (ONLY.includes('csv-parse')) {
  const { parse } = await import('csv-parse/sync');
  const r = await time(() => fill(parse(text, { cast: true, from_line: 2 }), 6));
  if (r.out.n !== ROWS) throw new Error('csv-parse: wrong row count');
  report('csv-parse: sync parse(string) + fill', r.ms, ROWS);
}

console.log('\nbundle size (esbuild --bundle --minify, ESM, browser; gzip -9):');
const sizes = {
  'ours (js/csv.js + js/errors.js)': bundleSize('ours', `import { readCSV } from ${JSON.stringify(path.join(ROOT, 'js', 'csv.js'))};\nglobalThis.r = readCSV;\n`),
  'papaparse (library alone)': bundleSize('papaparse', "import Papa from 'papaparse';\nglobalThis.r = Papa.parse;\n"),
  'csv-parse/browser/esm (library alone)': bundleSize('csvparse', "import { parse } from 'csv-parse/browser/esm';\nglobalThis.r = parse;\n"),
};
for (const [k, v] of Object.entries(sizes)) {
  console.log(`${k.padEnd(44)} ${String(v.min).padStart(7)} B min  ${String(v.gzip).padStart(6)} B gzip`);
}
