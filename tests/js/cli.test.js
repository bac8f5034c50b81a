// Tests of `fastgrnn train` (js/cli.js train), run as a child process.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));

let tmp;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-cli-')); });
after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

/** Runs the CLI; resolves { code, stdout, stderr }. onStdout(child, text) sees output as it comes. */
function run(args, { onStdout, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout: ${args.join(' ')}`)); }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; if (onStdout) onStdout(child, stdout); });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

function writeCsv(name, text) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

/** A small learnable CSV: label column "y" in the middle, 4 features. */
function smallCsv(n = 200) {
  let a = 12345;
  const r = () => { a = (Math.imul(a, 1103515245) + 12345) >>> 0; return a / 4294967296; };
  const lines = ['f1,f2,y,f3,f4'];
  for (let i = 0; i < n; i++) {
    const x = [r(), r() * 10, r(), r() - 0.5];
    const y = x[0] + x[2] > 1 ? 1 : 0;
    lines.push(`${x[0].toFixed(4)},${x[1].toFixed(3)},${y},${x[2].toFixed(4)},${x[3].toFixed(4)}`);
  }
  return lines.join('\n') + '\n';
}

const epochLines = (stdout) => stdout.split('\n').filter((l) => /^epoch\s+\d+\/\d+\s/.test(l));

function assertUsageError(res, re) {
  assert.equal(res.code, 2, `exit status 2 expected, got ${res.code}; stderr: ${res.stderr}`);
  const lines = res.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr expected, got: ${res.stderr}`);
  assert.match(lines[0], /^fastgrnn train: /);
  assert.match(lines[0], re);
}

const METRIC_KEYS = ['epoch', 'learning_rate', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss'];

describe('fastgrnn train', { concurrency: true }, () => {
  test('--help exits 0 and lists every flag with defaults', async () => {
    const res = await run(['--help']);
    assert.equal(res.code, 0);
    assert.equal(res.stderr, '');
    for (const flag of [
      'data', 'label', 'timesteps', 'samples', 'data-seed', 'out',
      'learning-rate', 'batch-size', 'epochs', 'validation-split', 'early-stopping-patience',
      'lr-decay', 'lr-decay-step', 'grad-clip', 'adam-beta1', 'adam-beta2', 'adam-epsilon', 'l2-reg',
      'enable-distillation', 'distillation-temperature', 'distillation-alpha', 'seed', 'no-shuffle',
      'no-restore-best-weights', 'hidden-dim', 'rank', 'w-rank', 'u-rank', 'nu', 'zeta', 'output-dim',
      'model-seed', 'help',
    ]) {
      assert.match(res.stdout, new RegExp(`--${flag}\\b`), `--help lacks --${flag}`);
    }
    assert.match(res.stdout, /--learning-rate X\s+Adam learning rate \(default: 0\.01\)/);
    assert.match(res.stdout, /--hidden-dim H\s+hidden units \(default: 16\)/);
    assert.match(res.stdout, /\(default: 5000\)/);
    const h = await run(['-h']);
    assert.equal(h.stdout, res.stdout);
  });

  test('trains from a CSV and writes the three files', async () => {
    const csv = writeCsv('small.csv', smallCsv());
    const out = path.join(tmp, 'out-csv');
    const res = await run(['--data', csv, '--label', 'y', '--epochs', '3', '--batch-size', '16', '--out', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '');
    assert.match(res.stdout, /wasm module (SIMD128|scalar)/);
    assert.match(res.stdout, /4 features x 1 timestep; 160 train \/ 40 validation/);
    assert.match(res.stdout, /^done: 3 epochs/m);

    // Non-TTY: one line per epoch with every metric.
    const lines = epochLines(res.stdout);
    assert.equal(lines.length, 3, res.stdout);
    lines.forEach((l, i) => {
      assert.match(l, new RegExp(`^epoch ${i + 1}/3 +train_loss \\d+\\.\\d{4} +train_acc \\d\\.\\d{4} +` +
        'val_loss \\d+\\.\\d{4} +val_acc \\d\\.\\d{4} +lr [\\d.e-]+ +samples/s \\d+$'));
    });
    assert.doesNotMatch(res.stdout, /\r|\x1b\[/, 'no progress bar when stdout is not a TTY');

    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.equal(metrics.length, 3);
    metrics.forEach((m, i) => {
      assert.deepEqual(Object.keys(m).sort(), METRIC_KEYS);
      assert.equal(m.epoch, i);
      assert.equal(m.learning_rate, 0.01);
      for (const k of ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy']) assert.equal(typeof m[k], 'number');
    });

    const norm = JSON.parse(fs.readFileSync(path.join(out, 'normalization.json'), 'utf8'));
    assert.deepEqual(Object.keys(norm), ['means', 'stds']);
    assert.equal(norm.means.length, 4);
    assert.equal(norm.stds.length, 4);
    assert.ok(Math.abs(norm.means[1] - 5) < 1, 'f2 (x10) has mean near 5');

    await fg.init();
    const model = fg.FastGRNN.load(path.join(out, 'model.safetensors'));
    try {
      assert.equal(model.inputDim, 4);
      assert.equal(model.hiddenDim, 16);
      const mn = model.normalization;
      assert.ok(mn, 'the model carries the normalization');
      assert.deepEqual(Array.from(mn.means), Array.from(Float32Array.from(norm.means)));
      assert.deepEqual(Array.from(mn.stds), Array.from(Float32Array.from(norm.stds)));
    } finally {
      model.dispose();
    }
  });

  test('built-in routing data with --epochs 3', async () => {
    const out = path.join(tmp, 'out-builtin');
    const res = await run(['--epochs', '3', '--out', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /built-in routing data, 5000 samples/);
    assert.match(res.stdout, /model: hidden 16, W full, U rank 8, binary/);
    const lines = epochLines(res.stdout);
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^epoch 1\/3 /);
    for (const f of ['model.safetensors', 'metrics.json', 'normalization.json']) {
      assert.ok(fs.statSync(path.join(out, f)).size > 0, f);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.ok(metrics[2].val_accuracy > 0.8, `val accuracy ${metrics[2].val_accuracy}`);
  });

  test('multi-class CSV with --timesteps and --output-dim, no validation split', async () => {
    const lines = ['a1,b1,a2,b2,class'];
    for (let i = 0; i < 90; i++) lines.push(`${i % 3},${(i * 7) % 5},${(i % 3) * 2},${i % 2},${i % 3}`);
    const csv = writeCsv('mc.csv', lines.join('\r\n') + '\r\n');
    const out = path.join(tmp, 'out-mc');
    const res = await run(['--data', csv, '--label', 'class', '--timesteps', '2', '--output-dim', '3',
      '--epochs', '2', '--validation-split', '0', '--rank', 'none', '--out', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /2 features x 2 timesteps; 90 train \/ 0 validation/);
    assert.match(res.stdout, /3 classes/);
    assert.equal(epochLines(res.stdout).length, 2);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.equal(metrics[0].val_loss, null);
    const norm = JSON.parse(fs.readFileSync(path.join(out, 'normalization.json'), 'utf8'));
    assert.equal(norm.means.length, 2);
  });

  test('bad flags and values: exit 2 with a one-line message', async () => {
    const cases = [
      [['--epochs', '-1'], /--epochs must be an integer >= 0, got "-1"/],
      [['--learning-rate', 'abc'], /--learning-rate must be a number > 0, got "abc"/],
      [['--learning-rate=0'], /--learning-rate must be a number > 0, got "0"/],
      [['--bogus'], /unknown flag --bogus/],
      [['--epocs', '3'], /unknown flag --epocs \(did you mean --epochs\?\)/],
      [['--epochs'], /--epochs needs a value/],
      [['--batch-size', '2.5'], /--batch-size must be an integer >= 1, got "2.5"/],
      [['--validation-split', '1'], /--validation-split must be a number in \[0, 1\), got "1"/],
      [['--early-stopping-patience', 'never'], /--early-stopping-patience must be an integer >= 1 or "none"/],
      [['--no-shuffle=yes'], /--no-shuffle takes no value/],
      [['stray.csv'], /unexpected argument "stray.csv" \(did you mean --data stray.csv\?\)/],
      [['--enable-distillation'], /--enable-distillation needs soft targets/],
      [['--timesteps', '2'], /--timesteps applies to --data CSV files only/],
      [['--data', 'missing.csv'], /missing.csv: no such file/],
    ];
    await Promise.all(cases.map(async ([args, re]) => {
      const res = await run([...args, '--out', path.join(tmp, 'never')]);
      assertUsageError(res, re);
      assert.equal(res.stdout, '', `${args.join(' ')} printed to stdout`);
    }));
    assert.ok(!fs.existsSync(path.join(tmp, 'never')));
  });

  test('malformed CSVs: exit 2 naming the problem', async () => {
    const cases = [
      ['nonnum.csv', 'a,b,label\n1,2,1\n3,oops,0\n', [], /nonnum\.csv line 3, column 2 \(b\): "oops" is not a number/],
      ['nolabel.csv', 'a,b,y\n1,2,1\n', [], /nolabel\.csv line 1, column 1 \(a\): there is no label column/],
      ['ragged.csv', 'a,b,label\n1,2,1\n3,4\n', [], /ragged\.csv line 3, column 3 \(label\): the row ends after 2 cells, but the header has 3 columns/],
      ['noheader.csv', '1,2,1\n3,4,0\n', [], /noheader\.csv line 1, column 1 \(1\): the first row looks like data/],
      ['empty.csv', '', [], /empty\.csv line 1, column 1: the file is empty/],
      ['headeronly.csv', 'a,b,label\n', [], /headeronly\.csv line 2, column 1 \(a\): the file has a header but no data rows/],
      ['emptycell.csv', 'a,b,label\n1,,1\n', [], /emptycell\.csv line 2, column 2 \(b\): the value is missing/],
      ['badlabel.csv', 'a,b,label\n1,2,-1\n', [], /badlabel\.csv line 2, column 3 \(label\): /],
      ['steps.csv', 'a,b,c,label\n1,2,3,1\n', ['--timesteps', '2'], /3 feature columns cannot be split into 2 timesteps/],
      ['dup.csv', 'a,a,label\n1,2,1\n', [], /the column name "a" is also the name of column 1/],
      ['od.csv', 'a,label\n1,0\n2,1\n', ['--output-dim', '3'], /--output-dim 3 does not match the labels of .*od\.csv, which give 1 output \(binary\)/],
    ];
    await Promise.all(cases.map(async ([name, text, extra, re]) => {
      const csv = writeCsv(name, text);
      assertUsageError(await run(['--data', csv, ...extra, '--out', path.join(tmp, 'never')]), re);
    }));
  });

  test('a FastGRNNError from the library: its message and code, exit 1', async () => {
    const bad = writeCsv('teacher.safetensors', 'not a model');
    const res = await run(['--teacher', bad, '--epochs', '1', '--out', path.join(tmp, 'never2')]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^fastgrnn train: --teacher .*teacher\.safetensors: .+ \(SerializationError\)\n$/);
  });

  test('distillation from a teacher trained by the CLI', async () => {
    const tOut = path.join(tmp, 'teacher');
    const t = await run(['--samples', '1000', '--epochs', '2', '--out', tOut]);
    assert.equal(t.code, 0, t.stderr);
    const sOut = path.join(tmp, 'student');
    const s = await run(['--samples', '1000', '--epochs', '2', '--hidden-dim', '4', '--rank', '2',
      '--teacher', path.join(tOut, 'model.safetensors'), '--distillation-alpha', '0.7', '--out', sOut]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /distillation \(T 3, alpha 0\.7\)/);
    assert.ok(fs.existsSync(path.join(sOut, 'model.safetensors')));
  });
  // Ctrl-C: tests/js/cli-commands.test.js.
});
