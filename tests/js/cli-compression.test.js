// The CLI's compression flags: --sparsity-w / --sparsity-u (IHT sparse
// training), --prune S and --quantize (after training), --export-c FILE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fg from '../../js/index.js';

const CLI = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const CC = process.env.CC || 'cc';
const haveCC = spawnSync(CC, ['--version'], { stdio: 'ignore' }).status === 0;

let tmp;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-cli-compression-'));
  await fg.init();
});
after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

function run(args, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
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

const BASE = ['--samples', '800', '--epochs', '6', '--hidden-dim', '16', '--rank', 'none'];

function loadModel(dir) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(tmp, dir, 'model.safetensors')));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { model: fg.FastGRNN.load(bytes), header, dataBytes: bytes.length - 8 - n };
}

function assertOk(res) {
  assert.equal(res.code, 0, `exit ${res.code}; stderr: ${res.stderr}`);
}

function assertUsage(res, re) {
  assert.equal(res.code, 2, `exit status 2 expected, got ${res.code}; stderr: ${res.stderr}`);
  assert.equal(res.stderr.trimEnd().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, re);
}

test('--sparsity-w / --sparsity-u: IHT training writes a sparse model; the summary keeps a fixed-support epoch', async () => {
  const res = await run([...BASE, '--sparsity-w', '0.7', '--sparsity-u', '0.6', '--out', 'iht']);
  assertOk(res);
  const { model, header, dataBytes } = loadModel('iht');
  assert.equal(model.isSparse(), true);
  // W 16x5: 56 of 80 pruned; U 16x16: 153 of 256
  assert.ok(Math.abs(model.sparsity() - (56 + 153) / 336) < 1e-6, `sparsity ${model.sparsity()}`);
  assert.equal(header['cell.W.indices'].shape[0], 24);
  assert.equal(header['cell.U.indices'].shape[0], 103);
  assert.equal(model.sizeBytes(), dataBytes);
  const kept = res.stdout.match(/kept the weights of epoch (\d+)/);
  assert.ok(kept && Number(kept[1]) >= 5, `kept epoch ${kept && kept[1]}: must be in the fixed-support phase (5, 6)`);
  assert.match(res.stdout, /compressed: sparsity 0\.622; weights .* -> .*\n/);
  model.dispose();
});

test('--prune and --quantize after training: a sparse int8 file, sizes and accuracy reported', async () => {
  let res = await run([...BASE, '--prune', '0.5', '--out', 'pruned']);
  assertOk(res);
  let { model, header, dataBytes } = loadModel('pruned');
  assert.equal(model.isSparse(), true);
  assert.equal(model.isQuantized(), false);
  assert.equal(model.sparsity(), 0.5);
  assert.equal(header['cell.U.values'].dtype, 'F32');
  assert.equal(model.sizeBytes(), dataBytes);
  assert.match(res.stdout, /compressed: sparsity 0\.500; weights 1\.5 KiB -> 1\.2 KiB; accuracy on all 800 samples 0\.\d{4} -> 0\.\d{4}\n/);
  model.dispose();

  res = await run([...BASE, '--quantize', '--out', 'q']);
  assertOk(res);
  ({ model, header, dataBytes } = loadModel('q'));
  assert.equal(model.isQuantized(), true);
  assert.equal(model.isSparse(), false);
  assert.equal(header['cell.W'].dtype, 'I8');
  assert.equal(header['head.weight.scale'].dtype, 'F32');
  assert.equal(model.sizeBytes(), dataBytes);
  assert.match(res.stdout, /compressed: int8; weights 1\.5 KiB -> 504 B/);
  model.dispose();

  res = await run([...BASE, '--prune', '0.6', '--quantize', '--out', 'pq']);
  assertOk(res);
  ({ model, header, dataBytes } = loadModel('pq'));
  assert.equal(model.isQuantized() && model.isSparse(), true);
  assert.equal(header['cell.W.values'].dtype, 'I8');
  assert.equal(model.sizeBytes(), dataBytes);
  model.dispose();
});

test('--export-c writes C named after the file that compiles and matches the saved model bit for bit', async (t) => {
  const res = await run([...BASE, '--prune', '0.5', '--quantize', '--out', 'ex', '--export-c', 'ex/router-v2.h']);
  assertOk(res);
  assert.match(res.stdout, /wrote ex\/router-v2\.h \(C99: router_v2_predict, router_v2_logits\)/);
  const src = fs.readFileSync(path.join(tmp, 'ex/router-v2.h'), 'utf8');
  const { model } = loadModel('ex');
  assert.equal(src, model.exportC('router_v2'), 'the file is the saved model exported');
  if (!haveCC) { model.dispose(); return t.skip('no C compiler'); }
  const x = new Float32Array(8 * 5);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 1.7) * 2;
  const xb = Array.from(new Uint32Array(x.buffer), (u) => `0x${u.toString(16)}UL`).join(',');
  fs.writeFileSync(path.join(tmp, 'ex/main.c'), `#include <stdio.h>
#include <string.h>
#include "router-v2.h"
static const unsigned long xb[] = {${xb}};
int main(void) {
    float x[5], p;
    int b, k;
    for (b = 0; b < 8; b++) {
        for (k = 0; k < 5; k++) { unsigned int u = (unsigned int)xb[b * 5 + k]; memcpy(&x[k], &u, 4); }
        router_v2_predict(x, 1, &p);
        { unsigned int u; memcpy(&u, &p, 4); printf("%u\\n", u); }
    }
    return 0;
}
`);
  const exe = path.join(tmp, 'ex/run');
  execFileSync(CC, ['-std=c99', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', '-o', exe, path.join(tmp, 'ex/main.c')]);
  const got = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n').map(Number);
  const want = Array.from(new Uint32Array(model.forwardBatch(x).buffer));
  assert.deepEqual(got, want);
  model.dispose();
});

test('--export-c prefixes: a name not starting with a letter gets m_', async () => {
  const res = await run([...BASE, '--epochs', '1', '--out', 'p9', '--export-c', 'p9/9model.c']);
  assertOk(res);
  assert.match(fs.readFileSync(path.join(tmp, 'p9/9model.c'), 'utf8'), /void m_9model_predict\(/);
});

test('bad compression flags are usage errors (exit 2, one line)', async () => {
  assertUsage(await run(['--prune', '1']), /--prune must be a number in \[0, 1\), got "1"/);
  assertUsage(await run(['--prune', 'half']), /--prune must be a number/);
  assertUsage(await run(['--sparsity-w', '-0.1']), /--sparsity-w must be a number in \[0, 1\)/);
  assertUsage(await run(['--sparsity-u', '1.5']), /--sparsity-u must be a number in \[0, 1\)/);
  assertUsage(await run(['--quantize=yes']), /--quantize takes no value/);
  assertUsage(await run(['--export-c']), /--export-c needs a value/);
  assertUsage(await run(['--export-c', '']), /--export-c needs a non-empty value/);
  assertUsage(await run(['--quantise']), /unknown flag --quantise \(did you mean --quantize\?\)/);
});

test('--export-c into a missing folder: IoError, exit 1', async () => {
  const res = await run([...BASE, '--epochs', '1', '--out', 'io', '--export-c', 'no/such/dir/m.h']);
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /no\/such\/dir\/m\.h.*\(IoError\)/);
});

test('--help lists the compression flags', async () => {
  const res = await run(['--help']);
  assertOk(res);
  for (const f of ['--sparsity-w S', '--sparsity-u S', '--prune S', '--quantize', '--export-c FILE']) {
    assert.ok(res.stdout.includes(f), f);
  }
  for (const line of res.stdout.split('\n')) assert.ok(line.length <= 79, line);
});
