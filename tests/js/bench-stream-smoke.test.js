// bench/stream.js --smoke runs end to end and reports each measurement
// (the figures themselves are BENCHMARKS.md's, not a test's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('bench/stream.js --smoke: S1, S2 and S3 lines with their figures', () => {
  const out = execFileSync(process.execPath, ['bench/stream.js', '--smoke'], { cwd: ROOT, encoding: 'utf8', timeout: 300000 });
  assert.match(out, /S1 B1's work with 10000 samples one pass, 10000 samples: in memory [\d.]+ [kM]? ?samples\/s; streamed from a binary file [\d.]+ [kM]? ?samples\/s/);
  assert.match(out, /S2 CSV 100000 rows x 6 numeric columns .* reader [\d.]+ [kM]? ?rows\/s/);
  const s3 = /S3 one epoch over .* peak RSS (\d+) MB, wasm memory ([\d.]+) MB, validation accuracy ([\d.]+) %; in memory on a 1 % sample \(\d+ rows\): ([\d.]+) %/.exec(out);
  assert.ok(s3, out);
  // the streamed run's wasm memory stays small: the file is never held
  assert.ok(Number(s3[2]) < 64, `wasm memory ${s3[2]} MB`);
  assert.ok(Number(s3[3]) > 80, `validation accuracy ${s3[3]} %`);
});
