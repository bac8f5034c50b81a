// app.js - the app every fixture ships (copied into each fixture's src/ by
// run.mjs). Each fixture's src/main.js imports what it uses from the package
// the way a user of that bundler does (named imports, so the bundlers can
// drop the rest) and passes it here. The app
// trains once on the main thread, once in a worker and once data-parallel
// (2 workers computing each batch, which must give the main thread's model)
// on the built-in routing data set and writes the outcome as JSON into
// <pre id="result">.

const SAMPLES = 600;
const MODEL = { inputDim: 5, hiddenDim: 8 };
const TRAINING = { epochs: 8, learningRate: 0.01, batchSize: 32, validationSplit: 0.2 };

function describe(e) {
  return e && e.code ? `${e.name} ${e.code}: ${e.message}` : String(e && e.stack ? e.stack : e);
}

function summary(metrics) {
  return {
    epochs: metrics.length,
    trainLoss: metrics.map((m) => m.trainLoss),
    valLoss: metrics.map((m) => m.valLoss),
    trainAccuracy: metrics.at(-1).trainAccuracy,
    valAccuracy: metrics.at(-1).valAccuracy,
  };
}

/**
 * @param {object} fastgrnn        init, FastGRNN, TrainingDataset, Trainer,
 *   routingData, moduleInfo, parallelTransport from 'fastgrnn-wasm' (or
 *   'fastgrnn-wasm/embedded')
 * @param {object} fastgrnnWorker  trainInWorker from 'fastgrnn-wasm/worker'
 */
export async function run(fastgrnn, fastgrnnWorker) {
  const {
    init, FastGRNN, TrainingDataset, Trainer, routingData, moduleInfo,
  } = fastgrnn;
  const { trainInWorker } = fastgrnnWorker;
  const { features, labels } = routingData(SAMPLES, 3);
  let positives = 0;
  for (const y of labels) positives += y;
  const result = {
    majorityRate: Math.max(positives, SAMPLES - positives) / SAMPLES,
    main: null,
    worker: null,
    parallel: null,
  };
  let mainBytes = null;

  try {
    const info = await init();
    const dataset = new TrainingDataset(features, labels, { inputDim: MODEL.inputDim });
    dataset.normalize();
    const model = new FastGRNN(MODEL);
    const trainer = new Trainer(model.config, TRAINING);
    const metrics = await trainer.train(model, dataset);
    mainBytes = model.save();
    const reloaded = FastGRNN.load(mainBytes);
    result.main = {
      simd: info.simd,
      version: moduleInfo().version,
      params: reloaded.numParams(),
      ...summary(metrics),
    };
    trainer.dispose();
    model.dispose();
    reloaded.dispose();
    dataset.dispose();
  } catch (e) {
    result.main = { error: describe(e) };
  }

  try {
    const done = await trainInWorker({
      modelConfig: MODEL,
      trainingConfig: TRAINING,
      features,
      labels,
      normalize: true,
    });
    result.worker = {
      simd: done.simd,
      modelBytes: done.model.byteLength,
      ...summary(done.metrics),
    };
  } catch (e) {
    result.worker = { error: describe(e) };
  }

  try {
    const dataset = new TrainingDataset(features, labels, { inputDim: MODEL.inputDim });
    dataset.normalize();
    const model = new FastGRNN(MODEL);
    const trainer = new Trainer(model.config, TRAINING);
    const metrics = await trainer.train(model, dataset, { workers: 2 });
    const bytes = model.save();
    result.parallel = {
      simd: moduleInfo().simd,
      transport: fastgrnn.parallelTransport(),
      sameBytesAsMain: mainBytes !== null && bytes.length === mainBytes.length && bytes.every((b, i) => b === mainBytes[i]),
      ...summary(metrics),
    };
    trainer.dispose();
    model.dispose();
    dataset.dispose();
  } catch (e) {
    result.parallel = { error: describe(e) };
  }

  const pre = document.getElementById('result');
  pre.textContent = JSON.stringify(result, null, 1);
  pre.dataset.done = 'true';
  return result;
}
