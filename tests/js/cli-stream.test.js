// `fastgrnn train --data FILE` streaming: checkpoints, a run killed at any
// point and resumed, faults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { routingData } from '../../js/data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'js', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-cli-stream-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const csv = path.join(tmp, 'routes.csv');
before(() => {
  const d = routingData(12000, 5);
  const lines = ['similarity,recency,popularity,success_rate,complexity,label'];
  for (let i = 0; i < 12000; i++) lines.push(`${Array.from(d.features.subarray(i * 5, i * 5 + 5)).join(',')},${d.labels[i] ? 'yes' : 'no'}`);
  fs.writeFileSync(csv, lines.join('\n') + '\n');
});

const FLAGS = ['--epochs', '6', '--early-stopping-patience', 'none', '--checkpoint-every', '20', '--shuffle-buffer', '500'];
const run = (args) => spawnSync(process.execPath, [CLI, 'train', ...args], { encoding: 'utf8', timeout: 120000 });

test('train --stream: same model as a stream killed (SIGKILL) at several points and resumed with --resume', async () => {
  const ref = run(['--data', csv, '--out', path.join(tmp, 'ref'), '--checkpoint-dir', path.join(tmp, 'ck-ref'), ...FLAGS]);
  assert.equal(ref.status, 0, ref.stderr);
  assert.match(ref.stdout, /streamed \(12000 rows, 5 features x 1 timestep, classes no, yes\); shuffle buffer 500, hash hold-out 0.2/);
  const refBytes = fs.readFileSync(path.join(tmp, 'ref', 'model.safetensors'));
  for (const killAfterEpochLines of [0, 2, 4]) {
    const ck = path.join(tmp, `ck-${killAfterEpochLines}`);
    const out = path.join(tmp, `out-${killAfterEpochLines}`);
    const child = spawn(process.execPath, [CLI, 'train', '--data', csv, '--out', out, '--checkpoint-dir', ck, ...FLAGS]);
    let text = '';
    await new Promise((resolve) => {
      const check = () => {
        const epochs = (text.match(/^epoch /gm) || []).length;
        if (epochs >= killAfterEpochLines && fs.existsSync(path.join(ck, 'checkpoint.fgck'))) {
          child.kill('SIGKILL');
          return true;
        }
        return false;
      };
      const timer = setInterval(check, 5);
      child.stdout.on('data', (c) => { text += c; check(); });
      child.on('exit', () => { clearInterval(timer); resolve(); });
    });
    assert.ok(fs.existsSync(path.join(ck, 'checkpoint.fgck')), 'a checkpoint was written before the kill');
    const resumed = run(['--data', csv, '--out', out, '--checkpoint-dir', ck, '--resume', ...FLAGS]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming the run in/);
    assert.ok(fs.readFileSync(path.join(out, 'model.safetensors')).equals(refBytes),
      `killed after ${killAfterEpochLines} epoch lines and resumed: the same model bytes`);
  }
});

test('train --resume refuses a corrupted or foreign checkpoint (exit 2) and writes nothing', () => {
  const ck = path.join(tmp, 'ck-bad');
  fs.mkdirSync(ck, { recursive: true });
  fs.writeFileSync(path.join(ck, 'checkpoint.fgck'), 'not a checkpoint at all');
  const out = path.join(tmp, 'out-bad');
  const r = run(['--data', csv, '--out', out, '--checkpoint-dir', ck, '--resume', ...FLAGS]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /checkpoint.*\(SerializationError\)/);
  assert.equal(fs.existsSync(path.join(out, 'model.safetensors')), false);
  const other = run(['--data', csv, '--out', out, '--checkpoint-dir', path.join(tmp, 'ck-ref'), '--resume', ...FLAGS, '--learning-rate', '0.5']);
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /another training config/);
  const none = run(['--data', csv, '--out', out, '--resume', ...FLAGS]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--resume needs --checkpoint-dir/);
});

test('train --stream: a bad row names file, line and column; the last checkpoint stays', () => {
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  lines[9001] = lines[9001].replace(/,[^,]*,/, ',n/a?,');
  const bad = path.join(tmp, 'bad.csv');
  fs.writeFileSync(bad, lines.join('\n'));
  const r = run(['--data', bad, '--stream', '--out', path.join(tmp, 'out-row'), ...FLAGS]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.csv line 9002, column 2 \(recency\)/);
  const jsonl = path.join(tmp, 'd.jsonl');
  fs.writeFileSync(jsonl, '{"a": 1, "label": 0}\n{"a": 2, "label": 1}\n{"a": "x", "label": 1}\n');
  const j = run(['--data', jsonl, '--out', path.join(tmp, 'out-j'), '--epochs', '1']);
  assert.equal(j.status, 2, j.stderr);
  assert.match(j.stderr, /d\.jsonl line 3: field "a" must be a finite number/);
});

test('train --workers 2: the same model as in one thread, from memory and streamed (with checkpoints and resume)', () => {
  const bytes = (dir) => fs.readFileSync(path.join(tmp, dir, 'model.safetensors'));
  for (const [name, extra] of [['mem', ['--data', csv, '--epochs', '4']], ['stream', ['--data', csv, '--stream', ...FLAGS]]]) {
    const one = run([...extra, '--out', path.join(tmp, `w0-${name}`)]);
    assert.equal(one.status, 0, one.stderr);
    const two = run([...extra, '--workers', '2', '--out', path.join(tmp, `w2-${name}`)]);
    assert.equal(two.status, 0, two.stderr);
    assert.ok(bytes(`w0-${name}`).equals(bytes(`w2-${name}`)), `${name}: --workers 2 wrote other model bytes`);
  }
  // a streamed data-parallel run checkpoints and resumes like any other
  const ck = path.join(tmp, 'ck-w2');
  const full = run(['--data', csv, '--stream', '--workers', '2', '--checkpoint-dir', ck, '--out', path.join(tmp, 'w2-ck'), ...FLAGS]);
  assert.equal(full.status, 0, full.stderr);
  const resumed = run(['--data', csv, '--stream', '--workers', '2', '--checkpoint-dir', ck, '--resume', '--out', path.join(tmp, 'w2-resumed'), ...FLAGS]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(bytes('w2-resumed').equals(bytes('w0-stream')), 'resumed data-parallel run: the one-thread bytes');
  const bad = run(['--data', csv, '--workers', '65', '--out', path.join(tmp, 'w65')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers must be an integer in \[0, 64\], got "65"/);
});
