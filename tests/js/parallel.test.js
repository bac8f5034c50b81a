// Data-parallel training (Trainer#train({ workers })): the same bytes and
// metrics for K = 1, 2, 3 workers, both transports, and as a run without
// workers, on a T > 1 multi-class task with sparsity and distillation on;
// callbacks, early stopping, interrupt and abort behave as without
// workers; a worker that throws, exits or hangs fails the run with a clear
// error in bounded time; a streaming source (shuffle buffer, hold-out,
// sparsity, distillation) trains to the same bytes with workers as without;
// bad options are refused and change nothing.
import { describe, it, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { fg, rng, expectError, bytesEqual } from './helpers.js';

const { FastGRNN, TrainingDataset, Trainer, parallelTransport } = fg;
const FAULTY = new URL('./fixtures/parallel-faulty-worker.js', import.meta.url);

const N = 420, T = 6, D = 4, O = 3;
function task() {
  const r = rng(17);
  const x = new Float32Array(N * T * D).map(() => r() * 2 - 1);
  const y = new Float32Array(N);
  const soft = new Float32Array(N * O);
  for (let i = 0; i < N; i++) {
    let a = 0;
    for (let k = 0; k < T * D; k++) a += (k % 3 ? 0.5 : -0.8) * x[i * T * D + k];
    y[i] = Math.floor(Math.abs(a) * 1.2 + 0.4 * r()) % O;
    let s = 0;
    for (let k = 0; k < O; k++) s += (soft[i * O + k] = 0.1 + r() + (k === y[i] ? 2 : 0));
    for (let k = 0; k < O; k++) soft[i * O + k] /= s;
  }
  return { x, y, soft };
}
const DATA = task();
const MODEL = { inputDim: D, hiddenDim: 12, outputDim: O, seed: 9 };
const TRAINING = {
  batchSize: 40, epochs: 9, learningRate: 0.02, lrDecayStep: 4, earlyStoppingPatience: 3,
  sparsityW: 0.5, sparsityU: 0.3, enableDistillation: true, distillationTemperature: 2,
};

function dataset() {
  const ds = new TrainingDataset(DATA.x, DATA.y, { inputDim: D, timesteps: T, outputDim: O });
  ds.withSoftTargets(DATA.soft);
  return ds;
}

/** Trains a fresh model; resolves to its bytes, metrics and the epochs seen by onEpoch. */
async function run(options, training = TRAINING) {
  const ds = dataset();
  const model = new FastGRNN(MODEL);
  const trainer = new Trainer(model.config, training);
  const seen = [];
  try {
    const history = await trainer.train(model, ds, { ...options, onEpoch: (m) => { seen.push(m.epoch); } });
    return { bytes: model.save(), history, seen, summary: trainer.summary() };
  } finally {
    trainer.dispose();
    model.dispose();
    ds.dispose();
  }
}

function withFault(env) {
  for (const [k, v] of Object.entries(env)) process.env[k] = String(v);
}

describe('data-parallel training', () => {
  let reference;
  before(async () => {
    await fg.init();
    reference = await run(undefined);
  });
  afterEach(() => {
    for (const k of ['FASTGRNN_TEST_FAULT', 'FASTGRNN_TEST_WORKER', 'FASTGRNN_TEST_BATCH']) delete process.env[k];
  });

  it('Node uses shared memory', () => {
    assert.equal(parallelTransport(), 'shared');
  });

  for (const transport of ['shared', 'message']) {
    for (const workers of [1, 2, 3]) {
      it(`${workers} worker(s), ${transport}: the same model bytes, metrics and summary as without workers`, async () => {
        const r = await run({ workers, transport });
        assert.ok(reference.history.length >= 4, 'the run reaches the sparsity phases');
        assert.ok(bytesEqual(r.bytes, reference.bytes), 'model bytes differ');
        assert.deepEqual(r.history, reference.history);
        assert.deepEqual(r.seen, reference.seen);
        assert.deepEqual(r.summary, reference.summary);
      });
    }
  }

  it('a streaming source: 1, 2 and 3 workers, both transports, give the bytes and metrics of the one-thread stream', async () => {
    const source = () => fg.iterableSource(function* rows() {
      for (let i = 0; i < N; i += 53) {
        const j = Math.min(N, i + 53);
        yield {
          features: DATA.x.subarray(i * T * D, j * T * D), labels: DATA.y.subarray(i, j),
          softTargets: DATA.soft.subarray(i * O, j * O),
        };
      }
    }, { inputDim: D, timesteps: T, outputDim: O });
    const stream = async (options) => {
      const model = new FastGRNN(MODEL), trainer = new Trainer(model.config, { ...TRAINING, shuffle: true });
      try {
        const history = await trainer.train(model, source(), { shuffleBuffer: 100, softTargets: true, ...options });
        return { params: model.getParameters(), history, summary: trainer.summary() };
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    const ref = await stream({});
    assert.ok(ref.history.length >= 4 && Number.isFinite(ref.history[0].valLoss), 'validation from the hold-out');
    for (const [workers, transport] of [[1, 'shared'], [2, 'shared'], [3, 'shared'], [2, 'message']]) {
      const r = await stream({ workers, transport });
      assert.ok(bytesEqual(r.params, ref.params), `${workers} workers (${transport}): the same weights`);
      assert.deepEqual(r.history, ref.history);
      assert.deepEqual(r.summary, ref.summary);
    }
  });

  it('early stopping and onEpoch returning false end the run as without workers', async () => {
    const training = { ...TRAINING, epochs: 40, earlyStoppingPatience: 1, sparsityW: 0, sparsityU: 0, learningRate: 0.05 };
    const a = await run(undefined, training);
    const b = await run({ workers: 2 }, training);
    assert.ok(a.history.length < 40, `early stopping triggered (${a.history.length} epochs)`);
    assert.equal(a.summary.stopReason, 'early_stopping');
    assert.ok(bytesEqual(a.bytes, b.bytes));
    assert.deepEqual(a.summary, b.summary);

    const stopAt = async (options) => {
      const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
      const h = await trainer.train(model, ds, { ...options, onEpoch: (m) => m.epoch < 2 });
      return { h, bytes: model.save() };
    };
    const s1 = await stopAt(undefined), s2 = await stopAt({ workers: 3 });
    assert.equal(s2.h.length, 3);
    assert.ok(bytesEqual(s1.bytes, s2.bytes));
  });

  it('interrupt() ends a data-parallel run normally at the next batch', async () => {
    const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
    const h = await trainer.train(model, ds, {
      workers: 2, onEpoch: (m) => { if (m.epoch === 1) trainer.interrupt(); },
    });
    assert.equal(h.length, 2);
    assert.equal(trainer.summary().stopReason, 'interrupted');
  });

  it('abort rejects with Aborted within a batch, even while a worker hangs, and the trainer trains again', async () => {
    withFault({ FASTGRNN_TEST_FAULT: 'hang', FASTGRNN_TEST_WORKER: 1, FASTGRNN_TEST_BATCH: 3 });
    const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(
      trainer.train(model, ds, { workers: 2, workerUrl: FAULTY, signal: ac.signal, workerTimeoutMs: 120000 }),
      expectError('Aborted'));
    const waited = performance.now() - t0;
    assert.ok(waited < 60000, `the abort was not waited out (${waited.toFixed(0)} ms)`);
    delete process.env.FASTGRNN_TEST_FAULT;
    const h = await trainer.train(model, ds, { workers: 2 });
    assert.ok(h.length > 0);
  });

  for (const transport of ['shared', 'message']) {
    it(`${transport}: a worker that throws fails the run with its error, naming the worker`, async () => {
      withFault({ FASTGRNN_TEST_FAULT: 'throw', FASTGRNN_TEST_WORKER: 1, FASTGRNN_TEST_BATCH: 2 });
      const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
      await assert.rejects(trainer.train(model, ds, { workers: 2, transport, workerUrl: FAULTY }),
        expectError('InvalidInput', /data-parallel worker 1: .*params\[0\] must be finite/));
    });

    it(`${transport}: a worker that exits fails the run (Aborted, exit code)`, async () => {
      withFault({ FASTGRNN_TEST_FAULT: 'exit', FASTGRNN_TEST_WORKER: 2, FASTGRNN_TEST_BATCH: 2 });
      const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
      await assert.rejects(trainer.train(model, ds, { workers: 3, transport, workerUrl: FAULTY }),
        expectError('Aborted', /data-parallel worker 2 exited \(exit code 7\)/));
    });

    it(`${transport}: a worker that hangs fails the run after workerTimeoutMs`, async () => {
      withFault({ FASTGRNN_TEST_FAULT: 'hang', FASTGRNN_TEST_WORKER: 1, FASTGRNN_TEST_BATCH: 2 });
      const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
      await assert.rejects(trainer.train(model, ds, { workers: 2, transport, workerUrl: FAULTY, workerTimeoutMs: 1500 }),
        expectError('Aborted', /did not answer within 1500 ms/));
    });
  }

  it('bad options are refused with InvalidInput naming them, and nothing changes', async () => {
    const ds = dataset(), model = new FastGRNN(MODEL), trainer = new Trainer(model.config, TRAINING);
    const before = model.save();
    const cases = [
      [{ workers: 0 }, /workers must be an integer in \[1, 64\], got 0/],
      [{ workers: 1.5 }, /workers .* got 1\.5/],
      [{ workers: 'two' }, /workers .* got/],
      [{ workers: 65 }, /workers .* got 65/],
      [{ workers: 2, transport: 'pigeon' }, /transport must be 'auto', 'shared' or 'message', got/],
      [{ workers: 2, workerTimeoutMs: -1 }, /workerTimeoutMs .* got -1/],
      [{ transport: 'shared' }, /transport needs workers/],
      [{ workers: 2, workerUrl: 5 }, /workerUrl must be a string or a URL, got 5/],
    ];
    for (const [opts, re] of cases) {
      await assert.rejects(trainer.train(model, ds, opts), expectError('InvalidInput', re));
    }
    // without SharedArrayBuffer (a page that is not cross-origin isolated): 'message', and 'shared' is refused
    const SAB = globalThis.SharedArrayBuffer;
    delete globalThis.SharedArrayBuffer;
    try {
      assert.equal(parallelTransport(), 'message');
      await assert.rejects(trainer.train(model, ds, { workers: 2, transport: 'shared' }),
        expectError('InvalidInput', /transport 'shared' needs SharedArrayBuffer and Atomics/));
    } finally {
      globalThis.SharedArrayBuffer = SAB;
    }
    assert.ok(bytesEqual(model.save(), before));
    assert.equal(trainer.metricsHistory().length, 0);
  });
});
