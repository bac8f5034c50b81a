// Smoke test of bench/parallel.js --smoke: the data-parallel benchmark runs
// end to end on small data, and every run it times (no workers, 1 and 2
// workers, shared memory and messages, every batch size) ended with the
// same model bytes (the script exits non-zero otherwise). Not a timing
// test: nothing here asserts on the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('bench/parallel.js --smoke runs and every run gives the same bytes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-bench-parallel-'));
  try {
    const md = path.join(dir, 'parallel.md');
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(process.execPath, ['bench/parallel.js', '--smoke', '--markdown', md],
        { cwd: ROOT, timeout: 115_000, maxBuffer: 16 << 20 },
        (err, out, errOut) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout: out, stderr: errOut }));
    });
    assert.equal(code, 0, `bench/parallel.js --smoke failed (${code}):\n${stdout}\n${stderr}`);
    const text = readFileSync(md, 'utf8');
    for (const row of ['| none (one thread) |', '| 1 | shared |', '| 2 | shared |', '| 2 | message |']) {
      assert.ok(text.includes(row), `the B2 table has the row ${row}`);
    }
    const hashes = new Set([...text.matchAll(/\| ([0-9a-f]{16}) \|$/gm)].map((m) => m[1]));
    assert.equal(hashes.size, 1, `every B2 run has the same model hash: ${[...hashes]}`);
    assert.match(text, /Synchronization cost per batch/);
    assert.match(text, /B1-sized model/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
