// Tests of `fastgrnn search` (js/cli/search.js), run as a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
let tmp;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-search-')); });
after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

function run(args, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'search', ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout: ${args.join(' ')}`)); }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const SPACE = '{"hiddenDim":[4,8],"prune":[0,0.5]}';
const COMMON = ['--space', SPACE, '--strategy', 'grid', '--epochs', '3', '--samples', '400'];

test('search: the same CSV for 1 and 2 workers; a line per trial off a terminal; the best model written', async () => {
  const a = await run([...COMMON, '--workers', '1', '--csv', '-']);
  const b = await run([...COMMON, '--workers', '2', '--csv', 'b.csv', '--out', 'best.safetensors', '--json', 'r.json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, fs.readFileSync(path.join(tmp, 'b.csv'), 'utf8'));
  assert.equal(a.stdout.trim().split('\n').length, 5);
  assert.equal((b.stderr.match(/^trial \d: ok val_loss/mg) || []).length, 4);
  assert.match(b.stdout, /^rank +trial/m);
  const json = JSON.parse(fs.readFileSync(path.join(tmp, 'r.json'), 'utf8'));
  await fg.init();
  const model = fg.FastGRNN.load(fs.readFileSync(path.join(tmp, 'best.safetensors')));
  assert.equal(model.hiddenDim, json.trials[0].params.hiddenDim);
  assert.equal(model.card.data.source, 'built-in routing');
  model.dispose();
});

test('search: halving from a CSV file', async () => {
  const r = fg.routingData(300, 4);
  const lines = ['a,b,c,d,e,label'];
  for (let i = 0; i < 300; i++) lines.push([...r.features.subarray(i * 5, i * 5 + 5), r.labels[i]].join(','));
  fs.writeFileSync(path.join(tmp, 'd.csv'), lines.join('\n') + '\n');
  const out = await run(['--data', 'd.csv', '--space', '{"learningRate":{"min":0.003,"max":0.03,"log":true}}',
    '--strategy', 'halving', '--trials', '4', '--eta', '2', '--epochs', '4', '--json', '-', '--quiet']);
  assert.equal(out.code, 0, out.stderr);
  const j = JSON.parse(out.stdout);
  assert.equal(j.strategy, 'halving');
  assert.equal(j.trials.length, 4);
  assert.equal(j.trials[0].rung, 2);
});

test('search: bad input exits 2 with the option named', async () => {
  let r = await run(['--space', '{"nope":[1]}']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^fastgrnn search: space key 'nope' is not a model or training config key/m);
  r = await run(['--space', '{not json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--space is not JSON/);
  r = await run([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--space is required/);
  r = await run(['--space', SPACE, '--strategy', 'bayes']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bayes/);
});
