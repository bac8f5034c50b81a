// The fixture apps of tests/bundlers/ (see run.mjs): each is built from the
// packed package with its bundler, served on 127.0.0.1 and loaded in
// Chromium; it must train on the main thread and in the worker, with no
// console error and no failed request.
//
// FASTGRNN_BUNDLERS=vite,webpack runs only those fixtures (names in run.mjs).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, ROOT, checkSide, pack, runFixture } from './run.mjs';

const built = existsSync(path.join(ROOT, 'dist/fastgrnn.wasm')) &&
  existsSync(path.join(ROOT, 'dist/fastgrnn-simd.wasm'));
const only = process.env.FASTGRNN_BUNDLERS ? process.env.FASTGRNN_BUNDLERS.split(',') : null;
const unknown = (only || []).filter((n) => !FIXTURES.some((f) => f.name === n));
if (unknown.length) throw new Error(`FASTGRNN_BUNDLERS: unknown fixture ${unknown.join(', ')}`);

describe('bundler fixture apps', { skip: !built && 'run npm run build first' }, () => {
  let packed;
  before(async () => { packed = await pack(); });
  after(() => packed && packed.dispose());

  for (const fixture of FIXTURES.filter((f) => !only || only.includes(f.name))) {
    const how = fixture.dev ? 'served by the Vite dev server' : fixture.build ? 'built' : 'served as is';
    it(`${fixture.name}: ${how}, trains on the main thread, in a worker and data-parallel in Chromium`, { timeout: 900000 }, async () => {
      const r = await runFixture(fixture, packed);
      const detail = `\n${JSON.stringify(r.result)}\n${r.problems.join('\n')}`;
      // each side on its own, so a failure names the side
      assert.deepEqual(checkSide(r.result, 'main'), [], `main thread${detail}`);
      assert.deepEqual(checkSide(r.result, 'worker'), [], `worker${detail}`);
      assert.deepEqual(checkSide(r.result, 'parallel'), [], `data-parallel (2 workers)${detail}`);
      assert.deepEqual(r.errors, [], `console errors or failed requests${detail}`);
      assert.deepEqual(r.problems, [], detail);
      // both sides trained the same data with the same seeds
      assert.deepEqual(r.result.worker.trainLoss, r.result.main.trainLoss,
        'the worker and the main thread give the same losses');
    });
  }
});
