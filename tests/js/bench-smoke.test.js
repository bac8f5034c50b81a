// Smoke test of the benchmark harness (bench/run.js --smoke): every system
// of every benchmark still runs end to end on tiny data. Not a timing test:
// the figures of a smoke run mean nothing and nothing here asserts on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('npm run bench -- --smoke runs every system', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-bench-smoke-'));
  try {
    const json = path.join(dir, 'smoke.json');
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(process.execPath, ['bench/run.js', '--smoke', '--json', json, '--markdown', path.join(dir, 'smoke.md')],
        { cwd: ROOT, timeout: 58_000, maxBuffer: 16 << 20 },
        (err, out, errOut) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout: out, stderr: errOut }));
    });
    assert.equal(code, 0, `bench/run.js --smoke failed (${code}):\n${stdout}\n${stderr}`);
    const record = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(record.smoke, true);
    const expected = {
      B1: ['simd', 'scalar', 'native', 'tf-cpu', 'tf-wasm'],
      B2: ['simd', 'scalar', 'native', 'tf-cpu', 'tf-wasm'],
      B3: ['simd', 'scalar', 'native'],
    };
    assert.deepEqual(record.results.map((r) => r.bench.name), Object.keys(expected));
    for (const r of record.results) {
      for (const s of expected[r.bench.name]) {
        const sys = r.systems[s];
        assert.ok(sys && !sys.error, `${r.bench.name} ${s}: ${sys && sys.error}`);
        assert.ok(sys.samplesPerSecond > 0, `${r.bench.name} ${s}: no throughput`);
        assert.ok(Number.isFinite(sys.trainLoss), `${r.bench.name} ${s}: loss ${sys.trainLoss}`);
      }
    }
    // All three builds of the C core train the same model from the same data.
    for (const r of record.results) {
      const { simd, scalar, native } = r.systems;
      assert.ok(Math.abs(simd.trainLoss - native.trainLoss) < 1e-3 && Math.abs(scalar.trainLoss - native.trainLoss) < 1e-3,
        `${r.bench.name}: losses differ: simd ${simd.trainLoss}, scalar ${scalar.trainLoss}, native ${native.trainLoss}`);
    }
    assert.ok(record.peak && record.peak.gflops > 0, 'SIMD peak measured');
    assert.ok(record.results.find((r) => r.bench.name === 'B2').memory.memAfterRun > 0, 'B2 memory measured');
    assert.match(stdout, /targets \(issue 4\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
