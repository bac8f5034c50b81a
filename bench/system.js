// system.js - one benchmarked JS system in its own process (forked by
// bench/run.js): this project's SIMD or scalar module, or TF.js with the cpu
// or wasm backend. Each system runs in a fresh Node process so JIT state,
// garbage and wasm memory of one cannot slow another.
//
// Messages (process.send / 'message'):
//   -> { cmd: 'init', system, bench }      <- { ok, info }
//   -> { cmd: 'run', samples }             <- { ok, seconds, samples, epochs, trainLoss, valLoss, memory }
//   -> { cmd: 'memory' }                   <- { ok, ...linear-memory sizes around one run }
//   -> { cmd: 'quit' }
// bench: { name, featuresPath, labelsPath, n, T, D, modelConfig, trainingConfig }
// (configs in the JS API's camelCase).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

let sys = null;

/** Process CPU seconds (user + system, all threads) since `start`. */
function cpuSince(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function readF32(path, count) {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (all.length < count) throw new Error(`${path}: ${all.length} floats, expected ${count}`);
  return all.slice(0, count);
}

async function initFastGRNN(simd, bench) {
  const fg = await import('../js/index.js');
  const info = await fg.init({ simd });
  if (info.simd !== (simd !== false) || info.relaxed !== (simd === 'relaxed')) {
    throw new Error(`init({simd: ${simd}}) loaded the ${info.relaxed ? 'relaxed' : info.simd ? 'SIMD' : 'scalar'} module`);
  }
  const { n, T, D } = bench;
  const features = readF32(bench.featuresPath, n * T * D);
  const labels = readF32(bench.labelsPath, n);
  const memInit = fg.moduleInfo().memoryBytes;
  const full = new fg.TrainingDataset(features, labels, { inputDim: D, timesteps: T });
  const memData = fg.moduleInfo().memoryBytes;
  const datasets = new Map([[n, full]]);
  const dataset = (m) => {
    if (!datasets.has(m)) {
      datasets.set(m, new fg.TrainingDataset(features.subarray(0, m * T * D), labels.subarray(0, m),
        { inputDim: D, timesteps: T }));
    }
    return datasets.get(m);
  };
  return {
    info: { ...fg.moduleInfo(), memInit, memData },
    async run(samples) {
      const ds = dataset(samples);
      const model = new fg.FastGRNN(bench.modelConfig);
      const trainer = new fg.Trainer(bench.modelConfig, bench.trainingConfig);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const metrics = await trainer.train(model, ds);
      const seconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSince(c0);
      const last = metrics[metrics.length - 1];
      trainer.dispose();
      model.dispose();
      return {
        seconds, cpuSeconds, samples, epochs: metrics.length,
        trainLoss: last ? last.trainLoss : null, valLoss: last ? last.valLoss : null,
        memory: fg.moduleInfo().memoryBytes,
      };
    },
    // Linear memory (it only grows: its size is the peak) before and after
    // one full run in this fresh process: the data's share and the rest.
    async memory() {
      const before = fg.moduleInfo().memoryBytes;
      const r = await this.run(n);
      return { memInit, memData, memBeforeRun: before, memAfterRun: fg.moduleInfo().memoryBytes,
        dataBytes: (n * T * D + n) * 4, seconds: r.seconds };
    },
  };
}

async function initTf(backend, bench) {
  const { loadTf, createTfFastGRNN } = await import('./tf_fastgrnn.js');
  const tf = await loadTf(backend);
  const { n, T, D } = bench;
  const features = readF32(bench.featuresPath, n * T * D);
  const labels = readF32(bench.labelsPath, n);
  const mc = bench.modelConfig, tc = bench.trainingConfig;
  if (tc.epochs !== 1 || tc.validationSplit !== 0) throw new Error('TF.js systems run single passes only');
  return {
    info: { backend: tf.getBackend(), version: tf.version.tfjs },
    async run(samples) {
      const model = createTfFastGRNN(tf, {
        D, H: mc.hiddenDim, lr: tc.learningRate, beta1: tc.adamBeta1, beta2: tc.adamBeta2,
        eps: tc.adamEpsilon, clip: tc.gradClip, zeta: mc.zeta, nu: mc.nu, seed: mc.seed,
      });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const loss = model.trainPass(features, labels, samples, T, tc.batchSize);
      const seconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSince(c0);
      model.dispose();
      return { seconds, cpuSeconds, samples, epochs: 1, trainLoss: loss, valLoss: null, tensors: tf.memory().numTensors };
    },
  };
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'init') {
      const b = msg.bench;
      if (msg.system === 'simd' || msg.system === 'scalar') sys = await initFastGRNN(msg.system === 'simd', b);
      else if (msg.system === 'relaxed') sys = await initFastGRNN('relaxed', b);
      else if (msg.system === 'tf-cpu') sys = await initTf('cpu', b);
      else if (msg.system === 'tf-wasm') sys = await initTf('wasm', b);
      else throw new Error(`unknown system ${msg.system}`);
      process.send({ ok: true, info: sys.info });
    } else if (msg.cmd === 'run') {
      const r = await sys.run(msg.samples);
      process.send({ ok: true, ...r });
    } else if (msg.cmd === 'memory') {
      process.send({ ok: true, ...(await sys.memory()) });
    } else if (msg.cmd === 'quit') {
      process.disconnect();
      process.exit(0);
    } else {
      throw new Error(`unknown command ${msg.cmd}`);
    }
  } catch (e) {
    process.send({ ok: false, error: String(e && e.stack ? e.stack : e) });
  }
});
