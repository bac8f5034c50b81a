// Node consumers of the packed package (tests/bundlers/node/): the ES module
// entry points, the README's quick start and data-parallel example,
// require() from CommonJS, and
// TypeScript resolution of both entry points under moduleResolution node10,
// node16 and bundler.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, pack, prepare } from './run.mjs';

const built = existsSync(path.join(ROOT, 'dist/fastgrnn.wasm')) &&
  existsSync(path.join(ROOT, 'dist/fastgrnn-simd.wasm'));

/** Runs a command; resolves to { code, stdout, stderr } (never rejects on exit codes). */
function run(cmd, args, cwd) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 300000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// "says how to import": names import() or an import statement
const SAYS_HOW = /import\(|import .* from/;

describe('Node consumers of the packed package', { skip: !built && 'run npm run build first' }, () => {
  let packed;
  let work;
  before(async () => {
    packed = await pack();
    ({ work } = await prepare('node', packed));
  });
  after(() => packed && packed.dispose());

  it('ES modules: both entry points train (main thread and worker_threads)', async () => {
    const r = await run(process.execPath, ['esm.js'], work);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const side of ['main', 'worker']) {
      const m = out[side];
      assert.equal(m.length, 8, `${side}: 8 epochs`);
      assert.ok(m.every((e) => Number.isFinite(e.trainLoss)), `${side}: finite losses`);
      assert.ok(m.at(-1).trainLoss < m[0].trainLoss, `${side}: loss decreases`);
      assert.ok(m.at(-1).valAccuracy > 0.8, `${side}: validation accuracy ${m.at(-1).valAccuracy}`);
    }
    assert.ok(out.workerParams > 0);
  });

  it("the README's quick start runs as written", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Quick start'));
    const m = /```js\n([\s\S]*?)```/.exec(section);
    assert.ok(m, 'the Quick start section has a js code block');
    writeFileSync(path.join(work, 'quickstart.js'), m[1]);
    const r = await run(process.execPath, ['quickstart.js'], work);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /epoch/);
  });

  it("the README's data-parallel example runs as written (workers from the installed package)", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n### Data-parallel training'));
    const m = /```js\n([\s\S]*?)```/.exec(section);
    assert.ok(m, 'the Data-parallel training section has a js code block');
    writeFileSync(path.join(work, 'parallel.js'), m[1]);
    const r = await run(process.execPath, ['parallel.js'], work);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const last = r.stdout.trim().split('\n').at(-1).split(' ');
    assert.equal(last[0], 'shared', 'Node moves the data through shared memory');
    assert.equal(Number(last[1]), 5, 'five epochs ran');
  });

  it('require() works or its error says how to import the package', async () => {
    const r = await run(process.execPath, ['require.cjs'], work);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.trainingError, undefined, out.trainingError);
    for (const entry of ['main', 'worker']) {
      const e = out[entry];
      if (e.ok) {
        assert.ok(e.exports.length > 0, `${entry}: require() gave exports`);
      } else {
        assert.match(e.message, SAYS_HOW, `${entry}: require() failed with ${e.code}: ${e.message}`);
      }
    }
    if (out.main.ok) {
      assert.ok(out.main.exports.includes('init'));
      assert.ok(out.main.trainLoss.at(-1) < out.main.trainLoss[0], 'trains after require()');
    }
  });

  for (const mode of ['node10', 'node16', 'bundler']) {
    it(`TypeScript resolves and checks both entry points (moduleResolution ${mode})`, async () => {
      const r = await run(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`], work);
      assert.equal(r.code, 0, `tsc -p tsconfig.${mode}.json:\n${r.stdout}${r.stderr}`);
    });
  }
});
