// Tests of the `fastgrnn` command's subcommands (js/cli.js): help and
// did-you-mean, predict, evaluate, inspect, the CLI -> JS round trip,
// Ctrl-C, --out not writable, bad data files. Run as child processes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const ALIAS = fileURLToPath(new URL('../../js/fastgrnn-train.js', import.meta.url));

let tmp;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-cli-cmd-'));
  await fg.init();
});
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

/** Runs a script; resolves { code, signal, stdout, stderr }. onStdout(child, text) sees output as it comes. */
function runScript(script, args, { onStdout, onStderr, timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout: ${args.join(' ')}`)); }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; if (onStdout) onStdout(child, stdout); });
    child.stderr.on('data', (d) => { stderr += d; if (onStderr) onStderr(child, stderr); });
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}
const run = (args, opts) => runScript(CLI, args, opts);

const file = (name) => path.join(tmp, name);
const write = (name, text) => { fs.writeFileSync(file(name), text); return file(name); };
const epochLines = (stdout) => stdout.split('\n').filter((l) => /^epoch\s+\d+\/\d+\s/.test(l));

function assertOk(res) {
  assert.equal(res.code, 0, `exit ${res.code}; stderr: ${res.stderr}`);
}

/** Exit 2, one line on stderr starting with `prog: ` and matching re. */
function assertFails(res, prog, re, status = 2) {
  assert.equal(res.code, status, `exit ${status} expected, got ${res.code}; stderr: ${res.stderr}`);
  const lines = res.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr expected, got: ${res.stderr}`);
  assert.ok(lines[0].startsWith(`${prog}: `), lines[0]);
  assert.match(lines[0], re);
}

/**
 * A learnable CSV: semicolon-separated, an id column, string labels
 * (yes/no), a few empty cells. Label yes when a + 2b - c > 0.5 (+ noise).
 */
function routingCsv(n, seed, { missing = 0 } = {}) {
  const r = fg.seededRandom(seed);
  const lines = ['id;a;b;c;d;label'];
  for (let i = 0; i < n; i++) {
    const x = [r(), r(), r(), r() * 10];
    const y = x[0] + 2 * x[1] - x[2] + (r() - 0.5) * 0.2 > 0.5 ? 'yes' : 'no';
    const cells = x.map((v) => v.toFixed(4));
    if (i < missing) cells[i % 4] = '';
    lines.push([`row-${i}`, ...cells, y].join(';'));
  }
  return lines.join('\n') + '\n';
}

/** Trains on `csv` with the CLI; returns the model path. */
async function trainCli(csv, out, extra = []) {
  const res = await run(['train', '--data', csv, '--delimiter', ';', '--ignore', 'id', '--missing', 'mean',
    '--epochs', '15', '--out', out, ...extra]);
  assertOk(res);
  return { res, modelPath: path.join(out, 'model.safetensors') };
}

let trained; // { modelPath, csv } shared by the predict/evaluate/inspect tests
async function sharedModel() {
  if (!trained) {
    trained = (async () => {
      const csv = write('shared.csv', routingCsv(600, 3, { missing: 6 }));
      const { modelPath } = await trainCli(csv, file('shared'));
      return { modelPath, csv };
    })();
  }
  return trained;
}

describe('fastgrnn: commands and help', { concurrency: true }, () => {
  test('--help lists every command; help <command> equals <command> --help', async () => {
    const res = await run(['--help']);
    assertOk(res);
    for (const c of ['train', 'predict', 'evaluate', 'inspect', 'export-onnx', 'search']) {
      assert.match(res.stdout, new RegExp(`^  ${c} `, 'm'), `--help lacks ${c}`);
    }
    for (const line of res.stdout.split('\n')) assert.ok(line.length <= 79, line);
    for (const c of ['train', 'predict', 'evaluate', 'inspect', 'export-onnx', 'search']) {
      const a = await run(['help', c]);
      const b = await run([c, '--help']);
      assertOk(a);
      assertOk(b);
      assert.equal(a.stdout, b.stdout);
      assert.match(a.stdout, new RegExp(`^Usage: fastgrnn ${c} `));
      for (const line of a.stdout.split('\n')) assert.ok(line.length <= 79, `${c}: ${line}`);
    }
  });

  test('the README shows what the command prints: `fastgrnn help train`, and the end of `npm start`', async () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const h = await run(['help', 'train']);
    assertOk(h);
    assert.ok(readme.includes('```\n' + h.stdout + '```'), 'the README\'s copy of `fastgrnn help train` is out of date');
    // npm start: `fastgrnn train --out ./out` (times and samples/s vary).
    const res = await run(['train', '--out', './out']);
    assertOk(res);
    const tail = res.stdout.trimEnd().split('\n').slice(-2);
    const shown = (line) => line.replace(/ in [\d.]+ s /, ' in … s ');
    const block = readme.slice(readme.indexOf('The end of its output at this version'));
    for (const line of tail) assert.ok(shown(block).includes(shown(line)), `the README lacks: ${line}`);
  });

  test('no command: the usage on stderr, exit 2', async () => {
    const res = await run([]);
    assert.equal(res.code, 2);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /^Usage: fastgrnn <command>/);
  });

  test('unknown commands: did you mean', async () => {
    assertFails(await run(['trian']), 'fastgrnn', /unknown command "trian" \(did you mean train\?\)/);
    assertFails(await run(['evalute', 'm', 'd.csv']), 'fastgrnn', /unknown command "evalute" \(did you mean evaluate\?\)/);
    assertFails(await run(['inpsect']), 'fastgrnn', /did you mean inspect\?/);
    assertFails(await run(['export-onx']), 'fastgrnn', /did you mean export-onnx\?/);
    assertFails(await run(['frobnicate']), 'fastgrnn', /^fastgrnn: unknown command "frobnicate" \(see fastgrnn --help\)$/);
    assertFails(await run(['help', 'predcit']), 'fastgrnn', /did you mean predict\?/);
    assertFails(await run(['--epochs', '3']), 'fastgrnn', /the command comes first, e.g. fastgrnn train --epochs/);
  });

  test('fastgrnn-train is fastgrnn train', async () => {
    const a = await runScript(ALIAS, ['--help']);
    const b = await run(['train', '--help']);
    assertOk(a);
    assert.equal(a.stdout, b.stdout.replace(/^Usage: fastgrnn train /, 'Usage: fastgrnn-train '));
    assertFails(await runScript(ALIAS, ['--epocs', '3']), 'fastgrnn-train', /unknown flag --epocs \(did you mean --epochs\?\)/);
  });

  test('subcommand arguments: missing, extra, unknown flags', async () => {
    assertFails(await run(['predict']), 'fastgrnn predict', /missing MODEL and DATA\.csv/);
    assertFails(await run(['evaluate', 'm.safetensors']), 'fastgrnn evaluate', /missing DATA\.csv/);
    assertFails(await run(['inspect']), 'fastgrnn inspect', /missing MODEL/);
    assertFails(await run(['inspect', 'a', 'b']), 'fastgrnn inspect', /unexpected argument "b"/);
    assertFails(await run(['evaluate', 'm', 'd.csv', '--jsn']), 'fastgrnn evaluate', /unknown flag --jsn \(did you mean --json\?\)/);
    assertFails(await run(['inspect', 'nope.safetensors']), 'fastgrnn inspect', /nope\.safetensors: no such file/);
    assertFails(await run(['predict', 'nope.safetensors', 'x.csv']), 'fastgrnn predict', /nope\.safetensors: no such file/);
    const junk = write('junk.safetensors', 'not a model at all');
    assertFails(await run(['inspect', junk]), 'fastgrnn inspect', /junk\.safetensors: .*\(SerializationError\)$/, 1);
  });
});

describe('fastgrnn: predict, evaluate, inspect', () => {
  test('the CLI -> JS round trip: predictBatch on the raw rows scores what `evaluate` says', async (t) => {
    const csv = write('roundtrip.csv', routingCsv(1000, 11, { missing: 8 }));
    const { res, modelPath } = await trainCli(csv, file('roundtrip'), ['--epochs', '30']);
    assert.match(res.stdout, /roundtrip\.csv, 1000 rows, label "label" \(no, yes\)/);

    const ev = await run(['evaluate', modelPath, csv, '--delimiter', ';', '--ignore', 'id', '--missing', 'mean', '--json']);
    assertOk(ev);
    const report = JSON.parse(ev.stdout);
    assert.equal(report.samples, 1000);

    // The JS side: the package's reader with the card's class order, then
    // predict on the raw rows (the model normalizes them).
    const model = fg.FastGRNN.load(modelPath);
    try {
      const card = model.card;
      assert.deepEqual(card.classNames, ['no', 'yes']);
      assert.deepEqual(card.featureNames, ['a', 'b', 'c', 'd']);
      // Missing cells take the training means, as `evaluate --missing mean` does.
      const data = await fg.readCSV(fs.readFileSync(csv, 'utf8'), {
        delimiter: ';', ignore: ['id'], missing: 'mean', means: Array.from(card.normalization.means),
        classNames: card.classNames,
      });
      const p = model.predictBatch(data.features, { timesteps: data.timesteps });
      let right = 0;
      for (let i = 0; i < data.n; i++) if ((p[i] >= 0.5 ? 1 : 0) === data.labels[i]) right++;
      const jsAccuracy = right / data.n;
      const msg = `round trip: CLI evaluate accuracy ${report.accuracy.toFixed(4)}, JS predictBatch accuracy ${jsAccuracy.toFixed(4)} on ${data.n} rows`;
      t.diagnostic(msg);
      if (process.env.FG_ROUNDTRIP_LOG) fs.appendFileSync(process.env.FG_ROUNDTRIP_LOG, msg + '\n');
      assert.ok(Math.abs(jsAccuracy - report.accuracy) <= 0.005, msg);
      assert.ok(jsAccuracy > 0.85, msg);
    } finally {
      model.dispose();
    }
  });

  test('predict: probabilities and labels per row equal predictBatch / predictLabel; --out writes the file', async () => {
    const { modelPath } = await sharedModel();
    // No label column and no id: predict needs only the features.
    const rows = ['b;a;d;c', '0.9;0.8;1;0.1', '0.1;0.05;9;0.9', '0.5;0.5;5;0.5'];
    const csv = write('topredict.csv', rows.join('\n') + '\n');
    const res = await run(['predict', modelPath, csv]);
    assertOk(res);
    const lines = res.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'p_yes,predicted');
    assert.equal(lines.length, 4);
    const model = fg.FastGRNN.load(modelPath);
    try {
      // The card's column order (a, b, c, d), whatever the file's order.
      const x = new Float32Array([0.8, 0.9, 0.1, 1, 0.05, 0.1, 0.9, 9, 0.5, 0.5, 0.5, 5]);
      const p = model.predictBatch(x);
      for (let i = 0; i < 3; i++) {
        const [prob, label] = lines[i + 1].split(',');
        assert.equal(Math.fround(Number(prob)), p[i], `row ${i}`);
        assert.equal(label, model.predictLabel(x.subarray(i * 4, i * 4 + 4)));
      }
      assert.equal(lines[1].split(',')[1], 'yes');
      assert.equal(lines[2].split(',')[1], 'no');
    } finally {
      model.dispose();
    }
    const outFile = file('predictions.csv');
    const res2 = await run(['predict', modelPath, csv, '--out', outFile]);
    assertOk(res2);
    assert.equal(res2.stdout, '');
    assert.equal(fs.readFileSync(outFile, 'utf8'), res.stdout);
  });

  test('predict on a multi-class model: one probability column per class', async () => {
    const lines = ['x1,x2,kind'];
    const r = fg.seededRandom(5);
    const kinds = ['cat', 'dog', 'eel'];
    for (let i = 0; i < 300; i++) {
      const k = i % 3;
      lines.push(`${(k + r() * 0.5).toFixed(3)},${(r()).toFixed(3)},${kinds[k]}`);
    }
    const csv = write('kinds.csv', lines.join('\n') + '\n');
    const out = file('kinds');
    assertOk(await run(['train', '--data', csv, '--label', 'kind', '--epochs', '5', '--out', out]));
    const res = await run(['predict', path.join(out, 'model.safetensors'), csv]);
    assertOk(res);
    const got = res.stdout.trimEnd().split('\n');
    assert.equal(got[0], 'p_cat,p_dog,p_eel,predicted');
    assert.equal(got.length, 301);
    for (const l of got.slice(1)) {
      const cells = l.split(',');
      const probs = cells.slice(0, 3).map(Number);
      assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5, l);
      assert.equal(cells[3], kinds[probs.indexOf(Math.max(...probs))], l);
    }
  });

  test('evaluate: the C report, as a table and as JSON; equal to evaluate() in JS', async () => {
    const { modelPath, csv } = await sharedModel();
    const text = await run(['evaluate', modelPath, csv, '--ignore', 'id', '--missing', 'mean']);
    assertOk(text);
    assert.match(text.stdout, /: 600 samples\n/);
    assert.match(text.stdout, /^loss \d+\.\d{4}  accuracy \d\.\d{4}  ROC-AUC \d\.\d{4}$/m);
    assert.match(text.stdout, /confusion matrix \(rows: true class, columns: predicted class\)/);
    assert.match(text.stdout, /^class\s+precision\s+recall\s+f1\s+support$/m);
    assert.match(text.stdout, /^no\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+\d+$/m);
    assert.match(text.stdout, /^yes\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+\d+$/m);

    const js = await run(['evaluate', modelPath, csv, '--ignore', 'id', '--missing', 'mean', '--json']);
    assertOk(js);
    const r = JSON.parse(js.stdout);
    assert.equal(r.samples, 600);
    assert.equal(r.confusionMatrix.length, 2);
    assert.equal(r.confusionMatrix.flat().reduce((a, b) => a + b, 0), 600);
    assert.deepEqual(r.classes.map((c) => c.className), ['no', 'yes']);
    assert.equal(typeof r.rocAuc, 'number');

    const model = fg.FastGRNN.load(modelPath);
    const data = await fg.readCSV(fs.readFileSync(csv), {
      ignore: ['id'], missing: 'mean', means: Array.from(model.card.normalization.means), classNames: ['no', 'yes'],
    });
    const ds = new fg.TrainingDataset(data.features, data.labels, { inputDim: 4, timesteps: 1, outputDim: 1 });
    try {
      assert.deepEqual(r, JSON.parse(JSON.stringify(fg.evaluate(model, ds))));
    } finally {
      ds.dispose();
      model.dispose();
    }
  });

  test('inspect: the card (features, classes, timesteps, normalization, training, source) and sizes', async () => {
    const { modelPath } = await sharedModel();
    const res = await run(['inspect', modelPath]);
    assertOk(res);
    assert.match(res.stdout, /written by fastgrnn-wasm \d+\.\d+\.\d+/);
    assert.match(res.stdout, /^ {2}features +a, b, c, d$/m);
    assert.match(res.stdout, /^ {2}classes +no, yes$/m);
    assert.match(res.stdout, /^ {2}label +label$/m);
    assert.match(res.stdout, /^ {2}timesteps +1$/m);
    assert.match(res.stdout, /^ {2}normalization means /m);
    assert.match(res.stdout, /^ {2}data +source shared\.csv/m);
    assert.match(res.stdout, /^ {2}training +\d+ epochs run, stopped: /m);
    assert.match(res.stdout, /^ {2}size +\d+ parameters, weights [\d.]+ (B|KiB), file [\d.]+ (B|KiB)$/m);

    const js = await run(['inspect', modelPath, '--json']);
    assertOk(js);
    const { card, model: shape } = JSON.parse(js.stdout);
    assert.deepEqual(card.featureNames, ['a', 'b', 'c', 'd']);
    assert.deepEqual(card.classNames, ['no', 'yes']);
    assert.equal(card.timesteps, 1);
    assert.equal(card.data.source, 'shared.csv');
    assert.equal(card.normalization.means.length, 4);
    assert.equal(card.training.trainSamples + card.training.validationSamples, 600);
    assert.equal(shape.inputDim, 4);
    assert.equal(shape.fileBytes, fs.statSync(modelPath).size);
  });
});

describe('fastgrnn export-onnx', () => {
  test('writes the bytes model.toONNX() gives, with the options passed through', async () => {
    const { modelPath } = await sharedModel();
    const model = fg.FastGRNN.load(modelPath);
    try {
      const a = file('m.onnx');
      const res = await run(['export-onnx', modelPath, a]);
      assertOk(res);
      assert.match(res.stdout, /^wrote .*m\.onnx \([\d.]+ (B|KiB)\)\n$/);
      assert.deepEqual(new Uint8Array(fs.readFileSync(a)), model.toONNX());
      const b = file('m-unrolled.onnx');
      assertOk(await run(['export-onnx', modelPath, b, '--unroll', '--timesteps', '3', '--no-normalization']));
      assert.deepEqual(new Uint8Array(fs.readFileSync(b)),
        model.toONNX({ unroll: true, timesteps: 3, normalization: false }));
    } finally {
      model.dispose();
    }
  });

  test('options out of range: a typed error, nothing written', async () => {
    const { modelPath } = await sharedModel();
    const out = file('never.onnx');
    assertFails(await run(['export-onnx', modelPath, out, '--opset', '1']), 'fastgrnn export-onnx',
      /opset must be an integer in \[\d+, \d+\], got 1 \(InvalidInput\)$/, 1);
    assertFails(await run(['export-onnx', modelPath, out, '--timesteps', '4']), 'fastgrnn export-onnx',
      /timesteps .* only used with unroll/, 1);
    assertFails(await run(['export-onnx', modelPath, out, '--opset', 'ten']), 'fastgrnn export-onnx',
      /--opset must be an integer, got "ten"/);
    assert.ok(!fs.existsSync(out));
  });
});

describe('fastgrnn train: Ctrl-C and --out', { concurrency: true }, () => {
  test('Ctrl-C after the first epoch writes the best weights so far; the card says interrupted', async () => {
    const out = file('int1');
    let sent = false;
    const res = await run(['train', '--epochs', '100000', '--early-stopping-patience', 'none', '--samples', '2000', '--out', out], {
      onStdout: (child, text) => {
        if (!sent && epochLines(text).length >= 1) { sent = true; child.kill('SIGINT'); }
      },
    });
    assert.ok(sent, 'no epoch line seen');
    assertOk(res);
    assert.match(res.stdout, /^done: \d+ epochs? in [\d.]+ s \(interrupted\); kept the weights of epoch \d+ \(best validation loss\)/m);
    const model = fg.FastGRNN.load(path.join(out, 'model.safetensors'));
    try {
      const t = model.card.training;
      assert.equal(t.stopReason, 'interrupted');
      assert.ok(t.epochsRun >= 1 && t.epochsRun < 100000, `epochs run ${t.epochsRun}`);
      assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).length, t.epochsRun);
    } finally {
      model.dispose();
    }
  });

  test('Ctrl-C before the first epoch ends: exit 130, nothing written', async () => {
    const out = file('int0');
    let sent = false;
    // One long epoch: 200,000 samples.
    const res = await run(['train', '--samples', '200000', '--epochs', '5', '--out', out], {
      onStdout: (child, text) => {
        if (!sent && /^training: /m.test(text)) { sent = true; child.kill('SIGINT'); }
      },
    });
    assert.ok(sent);
    assert.equal(res.code, 130, res.stderr);
    assert.match(res.stderr, /^fastgrnn train: interrupted after 0 epochs; nothing written\n$/);
    assert.ok(!fs.existsSync(out));
  });

  test('a second Ctrl-C exits at once with 130, writing nothing', async () => {
    const out = file('int2');
    let sent = false;
    // One long batch per epoch (32,000 samples, hidden 256, full rank: about
    // half a second even on a fast machine). Both Ctrl-Cs are sent 100 ms
    // into epoch 2, 2 ms apart: the process takes each signal when it comes
    // (two, not one), and acts on them after that batch: the first asks for
    // an interrupt, the second exits at once.
    const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const res = await run(['train', '--samples', '40000', '--batch-size', '32000', '--hidden-dim', '256',
      '--rank', 'none', '--epochs', '100', '--early-stopping-patience', 'none', '--out', out], {
      onStdout: (child, text) => {
        if (!sent && epochLines(text).length >= 1) {
          sent = true;
          setTimeout(() => {
            child.kill('SIGINT');
            pause(2);
            child.kill('SIGINT');
          }, 100);
        }
      },
      timeoutMs: 120000,
    });
    assert.ok(sent);
    assert.equal(res.code, 130, `${res.stdout}\n${res.stderr}`);
    assert.doesNotMatch(res.stdout, /^done: /m);
    assert.ok(!fs.existsSync(path.join(out, 'model.safetensors')));
  });

  test('--out not writable: a typed error before training (exit 2), nothing trained or written', async () => {
    write('plainfile', 'x\n');
    fs.mkdirSync(file('blocked'));
    fs.mkdirSync(file('blocked/model.safetensors'));
    const cases = [
      [['--out', 'plainfile'], /--out plainfile exists and is not a folder \(IoError\)$/],
      [['--out', 'plainfile/sub'], /--out plainfile\/sub cannot be created: .*plainfile is not a folder \(IoError\)$/],
      [['--out', 'blocked'], /--out blocked is not writable: model\.safetensors there is a folder \(IoError\)$/],
    ];
    for (const [args, re] of cases) {
      const res = await run(['train', '--epochs', '1', ...args]);
      assertFails(res, 'fastgrnn train', re);
      assert.equal(res.stdout, '', 'nothing trained');
    }
    assert.deepEqual(fs.readdirSync(file('blocked')), ['model.safetensors']);
    if (process.getuid && process.getuid() !== 0) {
      fs.mkdirSync(file('readonly'));
      fs.chmodSync(file('readonly'), 0o555);
      assertFails(await run(['train', '--epochs', '1', '--out', 'readonly']), 'fastgrnn train', /--out readonly is not writable \(IoError\)$/);
    }
  });
});

describe('fastgrnn: bad data files name file, line and column', { concurrency: true }, () => {
  // file:line:column as readCSV words it: "<file> line L, column C (<name>): ..."
  const LOC = (name, line) => new RegExp(`${name.replace('.', '\\.')} line ${line}, column \\d+`);

  test('train: ragged rows, non-numeric cells, duplicate columns, no label column, empty, header only', async () => {
    const cases = [
      ['t-ragged.csv', 'a,b,label\n1,2,1\n3,4\n', [], LOC('t-ragged.csv', 3)],
      ['t-nonnum.csv', 'a,b,label\n1,2,1\n3,oops,0\n', [], LOC('t-nonnum.csv', 3)],
      ['t-missing.csv', 'a,b,label\n1,,1\n3,4,0\n', [], LOC('t-missing.csv', 2)],
      ['t-dup.csv', 'a,a,label\n1,2,1\n', [], /t-dup\.csv.*"a"/],
      ['t-nolabel.csv', 'a,b,y\n1,2,1\n', [], /t-nolabel\.csv.*label/],
      ['t-empty.csv', '', [], /t-empty\.csv/],
      ['t-header.csv', 'a,b,label\n', [], /t-header\.csv/],
    ];
    for (const [name, text, extra, re] of cases) {
      const csv = write(name, text);
      const out = file(`never-${name}`);
      const res = await run(['train', '--data', csv, ...extra, '--out', out]);
      assertFails(res, 'fastgrnn train', re);
      assert.match(res.stderr, /\(InvalidInput\)\n$/);
      assert.ok(!fs.existsSync(out), `${name}: ${out} written`);
    }
  });

  test('--output-dim is a check against the labels', async () => {
    const csv = write('od.csv', 'a,label\n1,x\n2,y\n3,z\n');
    assertFails(await run(['train', '--data', csv, '--output-dim', '2', '--out', file('never-od')]), 'fastgrnn train',
      /--output-dim 2 does not match the labels of .*od\.csv, which give 3 classes/);
  });

  test('predict / evaluate: a class the card does not know, rows of the wrong width', async () => {
    const { modelPath } = await sharedModel();
    const unknown = write('p-unknown.csv', 'a;b;c;d;label\n0.1;0.2;0.3;4;yes\n0.1;0.2;0.3;4;maybe\n');
    const res = await run(['evaluate', modelPath, unknown]);
    assertFails(res, 'fastgrnn evaluate', LOC('p-unknown.csv', 3));
    assert.match(res.stderr, /maybe/);
    const narrow = write('p-narrow.csv', 'a;b;c;label\n0.1;0.2;0.3;yes\n');
    assertFails(await run(['predict', modelPath, narrow]), 'fastgrnn predict', /p-narrow\.csv.*\bd\b/);
    const ragged = write('p-ragged.csv', 'a;b;c;d\n0.1;0.2;0.3;4\n0.1;0.2;0.3\n');
    assertFails(await run(['predict', modelPath, ragged, '--out', file('never.csv')]), 'fastgrnn predict', LOC('p-ragged.csv', 3));
    assert.ok(!fs.existsSync(file('never.csv')));
  });
});
