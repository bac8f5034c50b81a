// Smoke test of the Fashion-MNIST benchmark (bench/real.js --smoke): every
// model trains end to end on a few hundred real images and is scored on the
// official test images. Not a timing or accuracy test: the figures of a smoke
// run mean nothing beyond "it ran on real data".
// Also the IDX reader (bench/idx.js) on good and bad bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIDX, readIDX } from '../../bench/idx.js';
import { FastGRNNError } from '../../js/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXIT_NO_DATA = 77;

test('npm run bench:real -- --smoke trains every model on Fashion-MNIST', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-bench-real-'));
  try {
    const json = path.join(dir, 'smoke.json');
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(process.execPath, ['bench/real.js', '--smoke', '--json', json, '--markdown', path.join(dir, 'smoke.md')],
        { cwd: ROOT, timeout: 175_000, maxBuffer: 16 << 20 },
        (err, out, errOut) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout: out, stderr: errOut }));
    });
    if (code === EXIT_NO_DATA) {
      const why = (stderr.match(/SKIPPED: (.*)/) || [])[1] || stderr.trim();
      console.log(`# SKIPPED bench-real smoke: ${why}`);
      t.skip(`Fashion-MNIST unavailable: ${why}`);
      return;
    }
    assert.equal(code, 0, `bench/real.js --smoke failed (${code}):\n${stdout}\n${stderr}`);
    const record = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(record.smoke, true);
    const names = record.rows.map((r) => `${r.model} H${r.H}`);
    for (const H of [32, 64]) {
      for (const m of ['FastGRNN dense', 'FastGRNN int8 (dense, quantized after training)',
        `FastGRNN low-rank (rank ${H / 4})`, 'FastGRNN IHT-sparse']) {
        assert.ok(names.includes(`${m} H${H}`), `missing row ${m} H ${H}: ${names.join('; ')}`);
      }
    }
    assert.ok(record.rows.some((r) => r.model.startsWith('GRU (TF.js')), 'no GRU row');
    assert.ok(record.rows.some((r) => r.model.startsWith('LSTM (TF.js')), 'no LSTM row');
    const gru = record.rows.find((r) => r.model.startsWith('GRU (TF.js'));
    const same = record.rows.find((r) => r.model === 'FastGRNN dense, TF.js subset');
    assert.ok(same && same.subset && same.trainSamples === gru.trainSamples,
      `no FastGRNN row on the TF.js subset (${gru.trainSamples} images)`);
    for (const r of record.rows) {
      assert.ok(!r.error, `${r.model}: ${r.error}`);
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1, `${r.model}: accuracy ${r.accuracy}`);
      assert.ok(r.testSamples > 0 && r.trainSamples > 0, `${r.model}: no samples`);
      assert.ok(r.sizeBytes > 0 && r.params > 0, `${r.model}: no size`);
      assert.ok(r.seconds > 0 && r.cpuSeconds > 0, `${r.model}: no time`);
    }
    // The compressed variants are smaller than the dense model they compare with.
    for (const H of [32, 64]) {
      const dense = record.rows.find((r) => r.model === 'FastGRNN dense' && r.H === H);
      const int8 = record.rows.find((r) => r.model.startsWith('FastGRNN int8') && r.H === H);
      const low = record.rows.find((r) => r.model.startsWith('FastGRNN low-rank') && r.H === H);
      const iht = record.rows.find((r) => r.model === 'FastGRNN IHT-sparse' && r.H === H);
      assert.ok(int8.sizeBytes < dense.sizeBytes / 3, `int8 ${int8.sizeBytes} vs dense ${dense.sizeBytes}`);
      assert.ok(low.params < dense.params, `low-rank ${low.params} vs dense ${dense.params} parameters`);
      assert.ok(iht.sparsity > 0.3 && iht.sizeBytes < dense.sizeBytes, `IHT sparsity ${iht.sparsity}, ${iht.sizeBytes} B`);
    }
    const px = record.pixel;
    assert.ok(px && !px.error, `pixel run: ${px && px.error}`);
    assert.ok(px.wasmMemoryMiB > 0 && px.peakRssMiB > 0 && px.seconds > 0);
    assert.match(readFileSync(path.join(dir, 'smoke.md'), 'utf8'), /\| FastGRNN dense \| 64 \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function idx(type, dims, payload) {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  const v = new DataView(head.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

test('IDX reader: uint8 and big-endian multi-byte types, gzip', () => {
  const u8 = parseIDX(idx(0x08, [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6)));
  assert.deepEqual(u8.dims, [2, 3]);
  assert.equal(u8.type, 'uint8');
  assert.deepEqual([...u8.data], [1, 2, 3, 4, 5, 6]);
  const i16 = parseIDX(idx(0x0b, [2], Uint8Array.of(0x01, 0x02, 0xff, 0xfe)));
  assert.deepEqual([...i16.data], [0x0102, -2]);
  const f32 = parseIDX(idx(0x0d, [1], Uint8Array.of(0x3f, 0xc0, 0, 0)));
  assert.deepEqual([...f32.data], [1.5]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-idx-'));
  try {
    const file = path.join(dir, 'x-idx1-ubyte.gz');
    writeFileSync(file, gzipSync(idx(0x08, [3], Uint8Array.of(7, 8, 9))));
    assert.deepEqual([...readIDX(file).data], [7, 8, 9]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('IDX reader: bad bytes give a typed error naming the problem', () => {
  const cases = [
    [Uint8Array.of(0, 0), 'SerializationError', /2 bytes is shorter than the 4-byte IDX header/],
    [Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), 'SerializationError', /not an IDX file: the first two bytes are 1, 0/],
    [Uint8Array.of(0, 0, 0x42, 1, 0, 0, 0, 0), 'SerializationError', /unknown IDX data type 0x42/],
    [Uint8Array.of(0, 0, 8, 0), 'SerializationError', /declares 0 dimensions/],
    [Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), 'SerializationError', /cannot hold the header of 3 dimensions/],
    [idx(0x08, [2, 2], Uint8Array.of(1, 2, 3)), 'SerializationError', /\[2, 2\] of uint8 need 4 data bytes, the file has 3/],
    [idx(0x08, [0xffffffff, 0xffffffff], Uint8Array.of()), 'SerializationError', /need .* data bytes, the file has 0/],
    ['not bytes', 'InvalidInput', /bytes must be a Uint8Array, got string/],
  ];
  for (const [bytes, code, re] of cases) {
    assert.throws(() => parseIDX(bytes, 'x.idx'), (e) => e instanceof FastGRNNError && e.code === code && re.test(e.message) &&
      e.message.startsWith('x.idx: '), `${re}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-idx-'));
  try {
    assert.throws(() => readIDX(path.join(dir, 'missing-idx')), (e) => e.code === 'IoError' && /cannot read .*missing-idx/.test(e.message));
    const gz = path.join(dir, 'bad.gz');
    writeFileSync(gz, Uint8Array.of(1, 2, 3));
    assert.throws(() => readIDX(gz), (e) => e.code === 'SerializationError' && /bad\.gz: not a valid gzip file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
