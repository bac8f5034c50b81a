// The npm package: pack it, install the tarball into a fresh project, and
// train from Node through the public entry points.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(join(ROOT, 'dist/fastgrnn.wasm')) && existsSync(join(ROOT, 'dist/fastgrnn-simd.wasm'));

function npm(args, cwd) {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
}

describe('npm package', { skip: !built && 'run npm run build first' }, () => {
  it('packs, installs from the tarball and trains', { timeout: 120000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-pack-'));
    try {
      // the tarball (dist/*.wasm are build artefacts, present after npm run build)
      const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
      const info = JSON.parse(out)[0];
      const files = info.files.map((f) => f.path);
      for (const f of ['dist/fastgrnn.wasm', 'dist/fastgrnn-simd.wasm', 'dist/fastgrnn-relaxed.wasm', 'js/index.js', 'js/index.d.ts',
        'js/loader.js', 'js/errors.js', 'js/worker.js', 'js/worker.d.ts', 'js/training-worker.js',
        'js/embedded.js', 'js/embedded.d.ts', 'dist/fastgrnn-embedded.js', 'package.json']) {
        assert.ok(files.includes(f), `${f} is in the tarball`);
      }
      assert.ok(!files.some((f) => f.startsWith('build/') || f.startsWith('tests/') || f.startsWith('c/') ||
        f.startsWith('web/') || f.startsWith('scripts/') || f.startsWith('bench/')),
        'no build tree, tests, C sources or headers, demo, scripts or benchmarks in the tarball');
      const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));

      // a fresh consumer project
      const app = join(dir, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      npm(['install', '--offline', '--no-package-lock', tarball], app);
      writeFileSync(join(app, 'main.js'), `
import { init, FastGRNN, TrainingDataset, Trainer, defaultTrainingConfig, moduleInfo } from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
const info = await init();
const n = 500, x = new Float32Array(n * 5), y = new Float32Array(n);
let s = 1;
const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < n; i++) {
  for (let j = 0; j < 5; j++) x[i * 5 + j] = r();
  y[i] = 0.4 * x[i * 5] + 0.3 * x[i * 5 + 3] + 0.3 * (1 - x[i * 5 + 4]) > 0.6 ? 1 : 0;
}
const ds = new TrainingDataset(x, y, { inputDim: 5 });
ds.normalize();
const model = new FastGRNN({ inputDim: 5, hiddenDim: 8 });
const trainer = new Trainer(model.config, { ...defaultTrainingConfig(), learningRate: 0.01, epochs: 10 });
const metrics = await trainer.train(model, ds);
const again = FastGRNN.load(model.save());
const w = await trainInWorker({ modelConfig: { inputDim: 5 }, trainingConfig: { epochs: 2 }, features: x, labels: y, inputDim: 5 });
console.log(JSON.stringify({ simd: info.simd, epochs: metrics.length, valAccuracy: metrics.at(-1).valAccuracy,
  params: again.numParams(), workerEpochs: w.metrics.length, memory: moduleInfo().memoryBytes }));
`);
      const res = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' }).trim());
      assert.equal(res.simd, true);
      assert.equal(res.epochs, 10);
      assert.ok(res.valAccuracy > 0.8, `val accuracy ${res.valAccuracy}`);
      assert.ok(res.params > 0);
      assert.equal(res.workerEpochs, 2);
      // the CLI is linked when the package ships it
      if (files.includes('js/cli.js')) {
        assert.ok(existsSync(join(app, 'node_modules/.bin/fastgrnn-train')), 'bin fastgrnn-train is linked');
        assert.ok(existsSync(join(app, 'node_modules/.bin/fastgrnn')), 'bin fastgrnn is linked');
        assert.ok(files.includes('js/fastgrnn-train.js') && files.includes('js/cli/main.js'), 'the CLI\'s files are packed');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
