// The command line's leg of the CSV parity test: each case of
// tests/fixtures/csv/cases.json gives, through `fastgrnn train --data FILE
// <flags>`, the very data set (or the very error) that readCSV gives in
// Node with the same options. The CLI writes the data set it read with the
// hidden flag --dump-dataset FILE (and trains nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCSV } from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const DIR = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
const CASES = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8'));

let tmp;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-cli-parity-')); });
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

function run(args) {
  return new Promise((resolve, reject) => {
    // cwd: the fixtures folder, so the CLI names the file as Node does below.
    const child = spawn(process.execPath, [CLI, ...args], { cwd: DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** readCSV options -> `fastgrnn train` flags. */
function flags(options) {
  const out = [];
  for (const [k, v] of Object.entries(options)) {
    if (k === 'ignore') out.push('--ignore', v.join(','));
    else if (k === 'missing') out.push('--missing', v);
    else if (k === 'timesteps') out.push('--timesteps', String(v));
    else if (k === 'label') out.push('--label', v);
    else if (k === 'delimiter') out.push('--delimiter', v === '\t' ? 'tab' : v);
    else throw new Error(`no flag for the reader option ${k}`);
  }
  return out;
}

const view = (d) => ({
  n: d.n, inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim,
  featureNames: d.featureNames, labelName: d.labelName, classNames: d.classNames,
  rowsSkipped: d.rowsSkipped, features: Array.from(d.features), labels: Array.from(d.labels),
});

CASES.forEach(({ file, options }, i) => {
  test(`${file} ${JSON.stringify(options)}: the same data set through the CLI and readCSV`, async () => {
    let node;
    try {
      node = { data: view(await readCSV(fs.readFileSync(path.join(DIR, file)), { ...options, name: file })) };
    } catch (e) {
      node = { error: `${e.message} (${e.code})` };
    }
    const dump = path.join(tmp, `case-${i}.json`);
    const res = await run(['train', '--data', file, ...flags(options), '--dump-dataset', dump]);
    if (node.error) {
      assert.equal(res.code, 2, res.stderr);
      assert.equal(res.stderr, `fastgrnn train: ${node.error}\n`);
      assert.ok(!fs.existsSync(dump));
      return;
    }
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '', 'nothing trained');
    assert.deepEqual(JSON.parse(fs.readFileSync(dump, 'utf8')), node.data);
  });
});

test('every case ran, one of them an error', () => {
  assert.ok(CASES.length >= 12);
  assert.ok(CASES.some((c) => c.options.missing === 'error'));
});
