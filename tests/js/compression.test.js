// Compression through the JS API on both wasm builds: sparse (pruned and
// IHT-trained) and int8 models save and load, sizeBytes() is the data
// section of save(), exportC() gives the same text as the native library and
// that text compiles and computes the module's outputs bit for bit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fg, FLAVORS, useFlavor, routingData, expectError } from './helpers.js';

const { FastGRNN, Trainer, TrainingDataset } = fg;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE_LIB = join(ROOT, 'build/native/libfastgrnn.a');
const CC = process.env.CC || 'cc';

function haveCC() {
  return spawnSync(CC, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Length of the data section of safetensors bytes. */
function dataSection(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return bytes.length - 8 - n;
}

function header(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

function bits(f32) {
  return Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));
}

/** Sequences [n, T, D] of normal-ish values. */
function sequences(n, T, D, seed) {
  let s = seed >>> 0;
  const r = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const x = new Float32Array(n * T * D);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * 2;
  return x;
}

let dir;
let nativeExporter = null; // path of a native program: model file + prefix -> C source

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fg-compression-'));
  if (existsSync(NATIVE_LIB) && haveCC()) {
    const src = join(dir, 'native_export.c');
    writeFileSync(src, `#include <stdio.h>
#include "fastgrnn.h"
int main(int argc, char **argv) {
    fg_model *m = NULL;
    char *s = NULL;
    if (argc != 3 || fg_model_load_file(argv[1], &m) != FG_OK || fg_model_export_c(m, argv[2], &s) != FG_OK) {
        fprintf(stderr, "%s\\n", fg_last_error());
        return 1;
    }
    fputs(s, stdout);
    fg_free(s);
    fg_model_destroy(m);
    return 0;
}
`);
    const exe = join(dir, 'native_export');
    const r = spawnSync(CC, ['-std=c99', '-I', join(ROOT, 'c/include'), src, NATIVE_LIB, '-lcjson', '-lm', '-o', exe],
      { encoding: 'utf8' });
    if (r.status === 0) nativeExporter = exe;
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Compiles `source` with a main running <prefix>_logits/_predict on x [n, T, D]; returns the output bits. */
function runExported(source, prefix, x, n, T, D, O) {
  const model = join(dir, `${prefix}.h`);
  writeFileSync(model, source);
  const xb = bits(x).map((u) => `0x${u.toString(16)}UL`).join(',');
  writeFileSync(join(dir, 'main.c'), `#include <stdio.h>
#include <string.h>
#include "${prefix}.h"
static const unsigned long xb[] = {${xb}};
int main(void) {
    float x[${T * D}], out[${O}];
    int b, i, k;
    for (b = 0; b < ${n}; b++) {
        for (k = 0; k < ${T * D}; k++) { unsigned int u = (unsigned int)xb[b * ${T * D} + k]; memcpy(&x[k], &u, 4); }
        ${prefix}_logits(x, ${T}, out);
        for (i = 0; i < ${O}; i++) { unsigned int u; memcpy(&u, &out[i], 4); printf("%u ", u); }
        ${prefix}_predict(x, ${T}, out);
        for (i = 0; i < ${O}; i++) { unsigned int u; memcpy(&u, &out[i], 4); printf("%u ", u); }
        printf("\\n");
    }
    return 0;
}
`);
  const exe = join(dir, 'run');
  execFileSync(CC, ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', '-O2', '-o', exe,
    join(dir, 'main.c')], { stdio: 'pipe' });
  const out = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
  return out.map((line) => line.trim().split(/\s+/).map(Number));
}

for (const flavor of FLAVORS) {
  describe(`compression (${flavor} module)`, () => {
    before(() => useFlavor(flavor));

    const { features, labels } = routingData(1200, 7);
    let dense;
    before(async () => {
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      ds.normalize();
      dense = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: null, seed: 3 });
      const tr = new Trainer(dense.config, { epochs: 6, learningRate: 0.01 });
      await tr.train(dense, ds);
      tr.dispose();
      ds.dispose();
    });
    after(() => dense.dispose());

    function checkRoundTrip(m, what) {
      const bytes = m.save();
      assert.equal(m.sizeBytes(), dataSection(bytes), `${what}: sizeBytes equals the data section of save()`);
      const back = FastGRNN.load(bytes);
      assert.equal(back.isSparse(), m.isSparse(), `${what}: sparse`);
      assert.equal(back.isQuantized(), m.isQuantized(), `${what}: quantized`);
      assert.equal(back.sparsity(), m.sparsity(), `${what}: sparsity`);
      assert.equal(back.sizeBytes(), m.sizeBytes(), `${what}: size`);
      assert.deepEqual(back.getMask(), m.getMask(), `${what}: mask`);
      assert.deepEqual(bits(back.getParameters()), bits(m.getParameters()), `${what}: parameters`);
      const x = features.subarray(0, 50 * 5);
      assert.deepEqual(bits(back.logits(x)), bits(m.logits(x)), `${what}: logits`);
      back.dispose();
      return bytes;
    }

    it('pruned: sparse tensors in the file, size = data section, exact round trip', () => {
      const m = dense.clone();
      m.prune(0.5);
      const bytes = checkRoundTrip(m, 'pruned');
      const h = header(bytes);
      assert.equal(h['cell.W.indices'].dtype, 'U16');
      assert.equal(h['cell.W.values'].dtype, 'F32');
      assert.equal(h['cell.W.indices'].shape[0], 40);
      assert.equal(h['cell.W'], undefined);
      assert.equal(h['head.weight'].dtype, 'F32');
      // 4 bytes per dense float, 4 + 2 per kept sparse entry
      const kept = 40 + 128;
      assert.equal(m.sizeBytes(), 4 * (m.numParams() - 80 - 256) + 6 * kept);
      m.dispose();
    });

    it('int8 and sparse + int8: I8 tensors with scales, size = data section, exact round trip', () => {
      const q = dense.clone();
      q.quantize();
      let h = header(checkRoundTrip(q, 'int8'));
      assert.equal(h['cell.W'].dtype, 'I8');
      assert.deepEqual(h['cell.W.scale'].shape, [1]);
      assert.equal(h['head.weight'].dtype, 'I8');
      assert.equal(h['cell.bias_gate'].dtype, 'F32');
      const sq = dense.clone();
      sq.prune(0.7);
      sq.quantize();
      h = header(checkRoundTrip(sq, 'sparse int8'));
      assert.equal(h['cell.U.values'].dtype, 'I8');
      assert.equal(h['cell.U.indices'].dtype, 'U16');
      assert.ok(sq.sizeBytes() < q.sizeBytes() && q.sizeBytes() < dense.sizeBytes() / 3);
      assert.throws(() => sq.prune(0.8), expectError('InvalidInput', /quantized/));
      q.dispose();
      sq.dispose();
    });

    it('IHT sparse training (sparsityW, sparsityU) gives a sparse model of that sparsity', async () => {
      const ds = new TrainingDataset(features, labels, { inputDim: 5 });
      ds.normalize();
      const m = new FastGRNN({ inputDim: 5, hiddenDim: 16, rank: null, seed: 3 });
      const tr = new Trainer(m.config, { epochs: 6, learningRate: 0.01, sparsityW: 0.7, sparsityU: 0.7 });
      assert.equal(tr.config.sparsityW, 0.7);
      await tr.train(m, ds);
      assert.equal(m.isSparse(), true);
      assert.ok(Math.abs(m.sparsity() - 0.7) < 0.005, `sparsity ${m.sparsity()}`);
      const { accuracy } = tr.evaluate(m, ds);
      assert.ok(accuracy > 0.8, `accuracy ${accuracy}`);
      checkRoundTrip(m, 'IHT');
      for (const o of [ds, m, tr]) o.dispose();
    });

    const variants = [
      ['dense', (m) => m],
      ['pruned', (m) => { m.prune(0.5); return m; }],
      ['int8', (m) => { m.quantize(); return m; }],
      ['pruned + int8', (m) => { m.prune(0.6); m.quantize(); return m; }],
    ];

    for (const [name, make] of variants) {
      it(`exportC (${name}): same text as the native library`, (t) => {
        if (!nativeExporter) return t.skip('native build or C compiler missing');
        const m = make(dense.clone());
        const src = m.exportC('router');
        const file = join(dir, 'model.safetensors');
        m.save(file);
        const native = execFileSync(nativeExporter, [file, 'router'], { encoding: 'utf8' });
        assert.equal(src, native);
        m.dispose();
      });
      it(`exportC (${name}): compiles with -Wall -Wextra -Werror and matches logits and forwardBatch bit for bit`, (t) => {
        if (!haveCC()) return t.skip('no C compiler');
        const m = make(dense.clone());
        const n = 40;
        const x = features.slice(0, n * 5);
        const out = runExported(m.exportC('router'), 'router', x, n, 1, 5, 1);
        const lg = bits(m.logits(x));
        const pr = bits(m.forwardBatch(x));
        for (let b = 0; b < n; b++) assert.deepEqual(out[b], [lg[b], pr[b]], `sample ${b}`);
        m.dispose();
      });
    }

    it('exportC of a multi-class low-rank sparse int8 model on sequences matches bit for bit', (t) => {
      if (!haveCC()) return t.skip('no C compiler');
      const m = new FastGRNN({ inputDim: 3, hiddenDim: 10, outputDim: 4, rank: 3, seed: 9 });
      m.prune(0.5);
      m.quantize();
      const n = 12, T = 6;
      const x = sequences(n, T, 3, 5);
      const out = runExported(m.exportC('seq'), 'seq', x, n, T, 3, 4);
      const lg = bits(m.logits(x, { timesteps: T }));
      const pr = bits(m.forwardBatch(x, { timesteps: T }));
      for (let b = 0; b < n; b++) {
        assert.deepEqual(out[b], [...lg.slice(b * 4, b * 4 + 4), ...pr.slice(b * 4, b * 4 + 4)], `sample ${b}`);
      }
      m.dispose();
    });

    it('exportC: prefix validation, file output', () => {
      const m = new FastGRNN({ inputDim: 5, hiddenDim: 4 });
      for (const bad of ['', '9lives', 'a-b', '_x', 'x'.repeat(33)]) {
        assert.throws(() => m.exportC(bad), expectError('InvalidInput', /prefix/), JSON.stringify(bad));
      }
      assert.match(m.exportC(), /void fastgrnn_predict\(const float \*x, int timesteps, float \*probs\)/);
      const file = join(dir, 'out.h');
      assert.equal(m.exportC('tiny', file), undefined);
      assert.equal(readFileSync(file, 'utf8'), m.exportC('tiny'));
      m.dispose();
    });

    it('loading rejects a corrupted sparse file', () => {
      const m = dense.clone();
      m.prune(0.5);
      const bytes = m.save();
      const h = header(bytes);
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
      const at = 8 + n + h['cell.W.indices'].data_offsets[0];
      const bad = bytes.slice();
      bad[at] = 0xff;
      bad[at + 1] = 0xff; // index 65535 into an 80-entry matrix
      assert.throws(() => FastGRNN.load(bad), expectError('SerializationError', /out of range/));
      const desc = bytes.slice();
      desc[at + 2] = desc[at];
      desc[at + 3] = desc[at + 1]; // second index repeats the first
      assert.throws(() => FastGRNN.load(desc), expectError('SerializationError', /ascending/));
      m.dispose();
    });
  });
}
