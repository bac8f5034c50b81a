// The CLI rows of docs/bad-inputs.md: each bad invocation exits with the
// documented status and one-line message, writes nothing, and leaves its
// input files as they were.
//
// FG_BAD_INPUTS_MD_CLI=FILE writes the rows, with the messages users actually
// get, as Markdown (used to build docs/bad-inputs.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const HAVE_CLI = fs.existsSync(CLI);

let tmp;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-cli-bad-'));
  const w = (name, text) => fs.writeFileSync(path.join(tmp, name), text);
  w('ok.csv', 'a,b,label\n1,2,1\n2,3,0\n');
  w('nan.csv', 'a,b,label\n1,NaN,1\n2,3,0\n');
  w('huge.csv', 'a,b,label\n1,1e39,1\n2,3,0\n');
  w('ragged.csv', 'a,b,label\n1,2,1\n3,4\n');
  w('classes.csv', 'a,b,label\n1,2,0.5\n2,3,2\n');
  w('empty.csv', '');
  w('dup.csv', 'a,a,label\n1,2,1\n');
  w('headeronly.csv', 'a,b,label\n');
  w('hole.csv', 'a,b,label\n1,2,1\n3,,0\n');
  w('three.csv', 'a,label\n1,x\n2,y\n3,z\n');
  w('maybe.csv', 'a,b,label\n1,2,yes\n2,3,maybe\n');
  w('narrow.csv', 'a,label\n1,yes\n');
  w('short.csv', 'a,b\n1,2\n3\n');
  w('wide.csv', 'a,b,c,label\n1,2,3,1\n');
  w('afile', 'not a folder\n');
  fs.mkdirSync(path.join(tmp, 'adir'));
  // teachers: random bytes, a truncated model, a model for 2 features
  fs.writeFileSync(path.join(tmp, 'junk.safetensors'), Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 97 + 13) & 255)));
  await fg.init();
  const t = new fg.FastGRNN({ inputDim: 2, hiddenDim: 4 });
  t.normalization = { means: [0, 0], stds: [1, 1] };
  const bytes = t.save();
  fs.writeFileSync(path.join(tmp, 'teacher2.safetensors'), bytes);
  fs.writeFileSync(path.join(tmp, 'cut.safetensors'), bytes.subarray(0, 300));
  t.dispose();
  // A model with a card: features a, b; classes no, yes.
  const ds = new fg.TrainingDataset([[1, 2], [2, 3], [3, 1], [0, 1]], [0, 1, 1, 0],
    { inputDim: 2, featureNames: ['a', 'b'], classNames: ['no', 'yes'], labelName: 'label' });
  const m = new fg.FastGRNN({ inputDim: 2, hiddenDim: 4 });
  const tr = new fg.Trainer(m.config, { epochs: 1, validationSplit: 0 });
  m.normalization = ds.normalize();
  await tr.train(m, ds);
  fs.writeFileSync(path.join(tmp, 'carded.safetensors'), m.save());
  tr.dispose();
  m.dispose();
  ds.dispose();
});
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

function run(args, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
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

// id, arguments (for train, --out is added unless given), exit status,
// message (the last stderr line must contain it, or match it when a RegExp).
const TRAIN_ROWS = [
  ['L1', ['--epochs', '-1'], 2, '--epochs must be an integer >= 0, got "-1"'],
  ['L2', ['--learning-rate', 'abc'], 2, '--learning-rate must be a number > 0, got "abc"'],
  ['L3', ['--bogus-flag'], 2, 'unknown flag --bogus-flag'],
  ['L4', ['--hidden-dim', '99999999'], 2, '--hidden-dim must be an integer <= 16777216, got "99999999"'],
  ['L5', ['--rank', '0'], 2, '--rank must be an integer >= 1 or "none", got "0"'],
  ['L6', ['--nu', 'nan'], 2, '--nu must be a number, got "nan"'],
  ['L7', ['--validation-split', '1'], 2, '--validation-split must be a number in [0, 1), got "1"'],
  ['L8', ['--data', 'missing.csv'], 2, 'missing.csv: no such file'],
  ['L9', ['--data', 'adir'], 2, 'adir is a directory, not a CSV file'],
  ['L10', ['--data', 'nan.csv'], 2, /^nan\.csv line 2, column 2 \(b\): the value is missing \("NaN"\).* \(InvalidInput\)$/],
  ['L11', ['--data', 'huge.csv'], 2, /^huge\.csv line 2, column 2 \(b\): "1e39" is out of the float32 range \(InvalidInput\)$/],
  ['L12', ['--data', 'ragged.csv'], 2, /^ragged\.csv line 3, column 3 \(label\): the row ends after 2 cells, but the header has 3 columns \(InvalidInput\)$/],
  ['L13', ['--data', 'classes.csv', '--output-dim', '3'], 2, /^classes\.csv line 2, column 3 \(label\): the label 0\.5 is not a whole number.* \(InvalidInput\)$/],
  ['L14', ['--data', 'empty.csv'], 2, /^empty\.csv line 1, column 1: the file is empty.* \(InvalidInput\)$/],
  ['L15', ['--data', 'ok.csv', '--out', 'afile'], 2, '--out afile exists and is not a folder'],
  ['L16', ['--teacher', 'junk.safetensors', '--samples', '100', '--epochs', '1'], 1,
    /--teacher junk\.safetensors: header length \d+ exceeds the 100000000-byte limit \(SerializationError\)$/],
  ['L17', ['--teacher', 'cut.safetensors', '--samples', '100', '--epochs', '1'], 1,
    /--teacher cut\.safetensors: header length \d+ exceeds the 292 bytes after the length field \(SerializationError\)$/],
  ['L18', ['--teacher', 'teacher2.safetensors', '--samples', '100', '--epochs', '1'], 1,
    'teacher teacher2.safetensors normalizes 2 features, the data has 5 (InvalidInput)'],
  ['L19', ['--data', 'ok.csv', '--validation-split', '0.9', '--epochs', '1'], 1,
    'validation_split 0.9 leaves no training samples out of 2 (InvalidInput)'],
  ['L20', ['--samples', '200', '--learning-rate', '1e38', '--grad-clip', '0', '--epochs', '5'], 1,
    /became non-finite .* \(Diverged\)$/],
  ['L21', ['--data', 'dup.csv'], 2, /^dup\.csv line 1, column 2 \(a\): .*"a".* \(InvalidInput\)$/],
  ['L22', ['--data', 'headeronly.csv'], 2, /^headeronly\.csv line 2, column 1 \(a\): the file has a header but no data rows \(InvalidInput\)$/],
  ['L23', ['--data', 'hole.csv'], 2, /^hole\.csv line 3, column 2 \(b\): .* \(InvalidInput\)$/],
  ['L24', ['--data', 'three.csv', '--output-dim', '2'], 2,
    '--output-dim 2 does not match the labels of three.csv, which give 3 classes'],
  ['L25', ['--data', 'ok.csv', '--out', 'afile/sub'], 2, /--out afile\/sub cannot be created: .*afile is not a folder \(IoError\)$/],
  ['L26', ['--data', 'ok.csv', '--missing', 'zero'], 2, '--missing must be one of error, skip, mean, got "zero"'],
].map(([id, args, status, message]) => [id, ['train', ...args], status, message]);

const ROWS = [
  ...TRAIN_ROWS,
  ['L27', ['predict', 'carded.safetensors', 'maybe.csv'], 2, /^maybe\.csv line 3, column 3 \(label\): .*maybe.* \(InvalidInput\)$/],
  ['L28', ['evaluate', 'carded.safetensors', 'maybe.csv'], 2, /^maybe\.csv line 3, column 3 \(label\): .*maybe.* \(InvalidInput\)$/],
  ['L29', ['predict', 'carded.safetensors', 'narrow.csv'], 2, /^narrow\.csv line 1, column 1 \(a\): there is no feature column "b".* \(InvalidInput\)$/],
  ['L30', ['predict', 'carded.safetensors', 'short.csv', '--out', 'p.csv'], 2, /^short\.csv line 3, column 2 \(b\): .* \(InvalidInput\)$/],
  ['L31', ['evaluate', 'carded.safetensors', 'missing.csv'], 2, 'missing.csv: no such file'],
  ['L32', ['inspect', 'junk.safetensors'], 1, /^junk\.safetensors: .* \(SerializationError\)$/],
  ['L33', ['predict', 'carded.safetensors'], 2, 'missing DATA.csv (see --help)'],
  ['L34', ['trian', '--epochs', '3'], 2, 'unknown command "trian" (did you mean train?) (see fastgrnn --help)'],
  ['L35', ['evaluate', 'teacher2.safetensors', 'wide.csv'], 2,
    'wide.csv line 1, column 1: 3 feature columns (a, b, c) give 3 features per step over 1 timestep; the model takes 2 per step (InvalidInput)'],
];

const snapshot = () => Object.fromEntries(fs.readdirSync(tmp).sort().map((f) => {
  const p = path.join(tmp, f);
  return [f, fs.statSync(p).isDirectory() ? '<dir>' : fs.readFileSync(p).toString('base64')];
}));

const md = [];

test('bad CLI invocations: status, message, nothing written', { skip: !HAVE_CLI && 'js/cli.js does not exist' }, async () => {
  for (const [id, args, status, message] of ROWS) {
    const before = snapshot();
    const out = path.join(tmp, `out-${id}`);
    const full = args[0] !== 'train' || args.includes('--out') ? args : [...args, '--out', out];
    const res = await run(full);
    const lines = res.stderr.trim().split('\n');
    const last = lines[lines.length - 1];
    assert.equal(res.code, status, `${id} ${args.join(' ')}: exit ${res.code}\n${res.stderr}`);
    const prog = /^(train|predict|evaluate|inspect|export-onnx)$/.test(args[0]) ? `fastgrnn ${args[0]}` : 'fastgrnn';
    assert.ok(last.startsWith(`${prog}: `), `${id}: ${last}`);
    const text = last.slice(prog.length + 2);
    if (message instanceof RegExp) assert.match(text, message, id);
    else assert.ok(text.includes(message), `${id}: "${last}" lacks "${message}"`);
    assert.ok(!fs.existsSync(out), `${id}: ${out} was created`);
    assert.deepEqual(snapshot(), before, `${id}: files in the working folder changed`);
    md.push(`| ${id} | \`fastgrnn ${args.join(' ')}\` | exit ${res.code} | ${text.replace(/\|/g, '\\|')} |`);
  }
});

after(() => {
  if (process.env.FG_BAD_INPUTS_MD_CLI && md.length) {
    fs.writeFileSync(process.env.FG_BAD_INPUTS_MD_CLI,
      '| # | command | status | message |\n|---|---|---|---|\n' + md.join('\n') + '\n');
  }
});
