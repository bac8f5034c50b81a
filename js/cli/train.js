// `fastgrnn train`: trains a model on a CSV file (through readCSV) or on the
// built-in routing data set and writes model.safetensors (with its card),
// metrics.json and normalization.json.
//
// The stages, one function each: parse -> load -> train -> compress ->
// write -> report. Every number, limit and decision of the C core (flag
// bounds, split sizes, the kept epoch, the JSON files) is asked from it.

import fs from 'node:fs';
import path from 'node:path';
import * as fg from '../index.js';
import { routingData } from '../data.js';
import {
  usage, DataError, parseArgv, checkAll, helpText, limitCheck, range,
} from './args.js';
import { readCsvFile, loadModel, sourceName } from './data.js';
import { Reporter, fmt, fmtBytes } from './report.js';
import { STREAM_FLAGS, wantsStream, streamRun } from './stream.js';
import { MAX_WORKERS } from '../parallel-transport.js';

const SEED = range(0, Number.MAX_SAFE_INTEGER, false, false, false); // what a JS number holds exactly

// Numeric flags with `to` and `key` take their bounds from configLimits().
export const FLAGS = [
  // data
  { name: 'data', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, group: 'Data',
    help: 'CSV file with a header row; without it, the built-in routing data set is used' },
  { name: 'label', kind: 'str', meta: 'NAME', to: 'cli', def: undefined, defText: 'label, else target, else class',
    help: 'name of the label column (CSV); every other column not in --ignore is a feature' },
  { name: 'delimiter', kind: 'str', meta: 'C', to: 'cli', def: undefined, defText: 'detected among , ; tab',
    help: 'cell separator (CSV); "tab" for a tab' },
  { name: 'ignore', kind: 'list', meta: 'A,B', to: 'cli', def: undefined,
    help: 'columns to leave out (CSV), e.g. an id column' },
  { name: 'missing', kind: 'choice', choices: ['error', 'skip', 'mean'], meta: 'POLICY', to: 'cli', def: 'error',
    help: 'empty cells (CSV): error (naming line and column), skip the row, or mean (the column\'s mean)' },
  { name: 'timesteps', kind: 'int', meta: 'T', to: 'cli', def: 1, check: range(1, undefined),
    help: 'steps per sample (CSV): each row holds T*D features, step-major' },
  { name: 'samples', kind: 'int', meta: 'N', to: 'cli', def: 5000, check: range(1, 10000000, false, false, false),
    help: 'samples of the built-in data set' },
  { name: 'data-seed', kind: 'int', meta: 'N', to: 'cli', def: 1, check: SEED,
    help: 'seed of the built-in data set' },
  { name: 'teacher', kind: 'str', meta: 'FILE', to: 'cli', def: undefined,
    help: 'teacher model (.safetensors) whose soft targets are used for distillation (implies --enable-distillation)' },
  { name: 'out', kind: 'str', meta: 'DIR', to: 'cli', def: './out',
    help: 'output folder (created) for model.safetensors, metrics.json, normalization.json' },
  { name: 'dump-dataset', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, hidden: true,
    help: 'write the data set as read (JSON) and exit without training' },
  // model
  { name: 'hidden-dim', kind: 'int', meta: 'H', to: 'model', key: 'hiddenDim', def: 16, group: 'Model',
    help: 'hidden units' },
  { name: 'rank', kind: 'intOrNone', meta: 'R|none', to: 'model', key: 'rank', def: 8,
    help: 'rank of W and U (low-rank factors); "none" = full rank' },
  { name: 'w-rank', kind: 'int', meta: 'R', to: 'model', key: 'wRank', def: undefined, defText: 'same as --rank',
    help: 'rank of W only' },
  { name: 'u-rank', kind: 'int', meta: 'R', to: 'model', key: 'uRank', def: undefined, defText: 'same as --rank',
    help: 'rank of U only' },
  { name: 'nu', kind: 'num', meta: 'X', to: 'model', key: 'nu', def: 0.8,
    help: 'initial raw (pre-sigmoid) nu' },
  { name: 'zeta', kind: 'num', meta: 'X', to: 'model', key: 'zeta', def: 1.2,
    help: 'initial raw (pre-sigmoid) zeta' },
  { name: 'output-dim', kind: 'int', meta: 'O', to: 'model', key: 'outputDim', def: undefined, defText: 'from the labels',
    help: 'a check: the number of outputs the labels must give (1 = binary, O > 1 = O classes)' },
  { name: 'model-seed', kind: 'int', meta: 'N', to: 'model', key: 'seed', def: 42,
    help: 'weight initialisation seed' },
  // training
  { name: 'learning-rate', kind: 'num', meta: 'X', to: 'training', key: 'learningRate', def: 0.01, group: 'Training',
    help: 'Adam learning rate' },
  { name: 'batch-size', kind: 'int', meta: 'N', to: 'training', key: 'batchSize', def: 32,
    help: 'mini-batch size' },
  { name: 'epochs', kind: 'int', meta: 'N', to: 'training', key: 'epochs', def: 100,
    help: 'maximum number of epochs' },
  { name: 'validation-split', kind: 'num', meta: 'X', to: 'training', key: 'validationSplit', def: 0.2,
    help: 'fraction held out for validation (0: none; early stopping then watches the training loss)' },
  { name: 'early-stopping-patience', kind: 'intOrNone', meta: 'N|none', to: 'training', key: 'earlyStoppingPatience', def: 10,
    help: 'epochs without improvement of the validation loss before stopping; "none" = never' },
  { name: 'lr-decay', kind: 'num', meta: 'X', to: 'training', key: 'lrDecay', def: 0.5,
    help: 'step decay factor of the learning rate' },
  { name: 'lr-decay-step', kind: 'int', meta: 'N', to: 'training', key: 'lrDecayStep', def: 20,
    help: 'decay the learning rate every N epochs (0 = never)' },
  { name: 'grad-clip', kind: 'num', meta: 'X', to: 'training', key: 'gradClip', def: 5,
    help: 'clip gradients to this global L2 norm (0 = no clipping)' },
  { name: 'adam-beta1', kind: 'num', meta: 'X', to: 'training', key: 'adamBeta1', def: 0.9,
    help: 'Adam first-moment decay' },
  { name: 'adam-beta2', kind: 'num', meta: 'X', to: 'training', key: 'adamBeta2', def: 0.999,
    help: 'Adam second-moment decay' },
  { name: 'adam-epsilon', kind: 'num', meta: 'X', to: 'training', key: 'adamEpsilon', def: 1e-8,
    help: 'Adam epsilon' },
  { name: 'l2-reg', kind: 'num', meta: 'X', to: 'training', key: 'l2Reg', def: 1e-5, defText: '1e-5',
    help: 'L2 regularisation of the weight matrices' },
  { name: 'enable-distillation', kind: 'bool', to: 'training', key: 'enableDistillation', def: false,
    help: 'train on the soft targets of --teacher as well as the labels' },
  { name: 'distillation-temperature', kind: 'num', meta: 'X', to: 'training', key: 'distillationTemperature', def: 3,
    help: 'distillation temperature' },
  { name: 'distillation-alpha', kind: 'num', meta: 'X', to: 'training', key: 'distillationAlpha', def: 0.5,
    help: 'weight of the distillation loss' },
  { name: 'seed', kind: 'int', meta: 'N', to: 'training', key: 'seed', def: 42,
    help: 'seed of the validation split and the mini-batch shuffles' },
  { name: 'no-shuffle', kind: 'bool', to: 'training', key: 'shuffle', def: false, invert: true,
    help: 'keep the training samples in order (default: shuffle every epoch)' },
  { name: 'no-restore-best-weights', kind: 'bool', to: 'training', key: 'restoreBestWeights', def: false, invert: true,
    help: 'keep the last epoch\'s weights (default: restore the best by validation loss)' },
  { name: 'workers', kind: 'int', meta: 'K', to: 'cli', def: 0, check: (v) => (v >= 0 && v <= MAX_WORKERS ? null : `in [0, ${MAX_WORKERS}]`),
    help: 'data-parallel: K threads compute each batch, this one and K - 1 workers (the same model as in one thread; pays off for sequences and large batches); 0: one thread' },
  // compression
  { name: 'sparsity-w', kind: 'num', meta: 'S', to: 'training', key: 'sparsityW', def: 0, group: 'Compression',
    help: 'sparse training (IHT): fraction of W entries held at zero' },
  { name: 'sparsity-u', kind: 'num', meta: 'S', to: 'training', key: 'sparsityU', def: 0,
    help: 'sparse training (IHT): fraction of U entries held at zero' },
  // --prune takes the bounds of a sparsity: the same fraction of zeros.
  { name: 'prune', kind: 'num', meta: 'S', to: 'cli', limitOf: ['training', 'sparsityW'], def: undefined,
    help: 'after training, magnitude-prune the cell matrices to sparsity S' },
  { name: 'quantize', kind: 'bool', to: 'cli', def: false,
    help: 'after training (and pruning), INT8-quantize the weight matrices' },
  { name: 'export-c', kind: 'str', meta: 'FILE', to: 'cli', def: undefined,
    help: 'also write the final model as self-contained C (<prefix>_predict, prefix = the file name as a C identifier)' },
  ...STREAM_FLAGS,
  // other
  { name: 'help', kind: 'bool', to: 'cli', def: false, alias: 'h', group: 'Other',
    help: 'show this help and exit' },
  { name: 'version', kind: 'bool', to: 'cli', def: false,
    help: 'show the version and exit' },
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} [--data FILE.csv [--label NAME] [--ignore A,B]`,
    `${' '.repeat(prog.length + 8)}[--missing POLICY] [--timesteps T]] [options]`,
    '',
    'Trains a FastGRNN classifier in WebAssembly and writes model.safetensors,',
    'metrics.json and normalization.json to --out. Without --data it trains on a',
    'built-in seeded synthetic routing data set: features similarity, recency,',
    'popularity, success_rate, complexity ~ U(0, 1); label = 0.4*similarity +',
    '0.3*success_rate + 0.3*(1 - complexity) + U(-0.1, 0.1) > 0.6.',
    'Labels may be numbers (0/1, or class indices 0..K-1) or names; the number of',
    'outputs follows from them. Features are z-score normalized; the means and',
    'stds are stored in the model and in normalization.json. The model file',
    'carries a card: feature and class names, timesteps, the data source and a',
    'training summary (see `fastgrnn inspect`).',
  ], FLAGS, [
    'Defaults: the model and learning rate are the specification example\'s',
    '(hidden 16, rank 8, nu 0.8, zeta 1.2, learning rate 0.01), not the library\'s',
    'FastGRNNConfig/TrainingConfig defaults (hidden 8, rank 4, nu 1, zeta 1,',
    'learning rate 0.001). Every other training default is the library\'s.',
    'The bounds of every model and training value are the library\'s.',
    '',
    'Output: a progress bar with epoch metrics on a terminal, otherwise one line',
    'per epoch (epoch, train loss/acc, val loss/acc, learning rate, samples/s).',
    'Ctrl-C after the first epoch ends training and writes the best weights so',
    'far (the card says "interrupted"); before it, or a second Ctrl-C, exits at',
    'once writing nothing.',
    '',
    'Exit status: 0 done (also after Ctrl-C with the model written), 1 training',
    'or writing failed, 2 bad usage or data, or --out not writable; 130',
    'interrupted with nothing written.',
  ]);
}

// ------------------------------------------------------------------ parse

/** Stage 1: argv -> options (syntax only; bounds come with the module). */
export function parse(argv) {
  const parsed = parseArgv(argv, FLAGS, {
    onStray: (arg) => (arg.endsWith('.csv') ? `did you mean --data ${arg}?` : null),
  });
  const { values, given } = parsed;
  const v = (name) => values.get(name);
  if (v('help')) return { help: true };
  if (v('version')) return { version: true };
  if (v('data') === undefined) {
    for (const name of ['label', 'timesteps', 'delimiter', 'ignore', 'missing']) {
      if (given.has(name)) usage(`--${name} applies to --data CSV files only`);
    }
  } else {
    for (const name of ['samples', 'data-seed']) {
      if (given.has(name)) usage(`--${name} applies to the built-in data set only, not to --data`);
    }
  }
  if (v('enable-distillation') && v('teacher') === undefined) {
    usage('--enable-distillation needs soft targets: give a teacher model with --teacher FILE.safetensors');
  }
  return { help: false, version: false, parsed, v };
}

/** Bounds of the numeric flags, from C (configLimits()); checks every given flag. */
export function checkLimits(opts) {
  const limits = fg.configLimits();
  const flags = FLAGS.map((f) => {
    const where = f.limitOf || (f.key && f.to !== 'cli' ? [f.to, f.key] : null);
    if (!where || f.kind === 'bool') return f;
    const lim = limits[where[0]] && limits[where[0]][where[1]];
    return lim ? { ...f, check: limitCheck(lim, f.kind) } : f;
  });
  checkAll(opts.parsed, flags);
}

/** The model and training configs the flags give. */
function configs(opts) {
  const modelConfig = {};
  const trainingConfig = {};
  for (const f of FLAGS) {
    if (f.to === 'cli' || f.key === 'outputDim') continue;
    let val = opts.v(f.name);
    if (f.invert) val = !val;
    if (val === undefined) continue;
    (f.to === 'model' ? modelConfig : trainingConfig)[f.key] = val;
  }
  if (opts.v('teacher') !== undefined) trainingConfig.enableDistillation = true;
  return { modelConfig, trainingConfig };
}

/**
 * --out must be a folder we can write (or create) with no folder in the way
 * of the files we write: checked before anything is trained.
 */
export function checkOut(outDir, files) {
  const fail = (msg) => { throw new DataError('IoError', `--out ${outDir} ${msg}`); };
  let dir = path.normalize(outDir);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) fail('exists and is not a folder');
    try { fs.accessSync(dir, fs.constants.W_OK); } catch { fail('is not writable'); }
    for (const f of files) {
      const p = path.join(dir, f);
      if (!fs.existsSync(p)) continue;
      if (fs.statSync(p).isDirectory()) fail(`is not writable: ${f} there is a folder`);
      try { fs.accessSync(p, fs.constants.W_OK); } catch { fail(`is not writable: ${f} there is read-only`); }
    }
    return;
  }
  // The nearest existing folder above must be a writable folder.
  for (;;) {
    const up = path.dirname(dir);
    if (fs.existsSync(up)) {
      if (!fs.statSync(up).isDirectory()) fail(`cannot be created: ${up} is not a folder`);
      try { fs.accessSync(up, fs.constants.W_OK); } catch { fail(`cannot be created: ${up} is not writable`); }
      return;
    }
    if (up === dir) fail('cannot be created');
    dir = up;
  }
}

// ------------------------------------------------------------------ load

/**
 * Stage 2: the data set (CSV through readCSV, or the built-in one) ->
 * { features, labels, n, inputDim, timesteps, outputDim, featureNames,
 *   classNames, labelName, source, describe }.
 */
export async function load(opts) {
  const v = opts.v;
  const file = v('data');
  let data;
  if (file === undefined) {
    const n = v('samples');
    const { features, labels, featureNames } = routingData(n, v('data-seed'));
    data = {
      features, labels, n, inputDim: featureNames.length, timesteps: 1, outputDim: 1,
      featureNames, classNames: null, labelName: null, rowsSkipped: 0,
      source: 'built-in routing',
      describe: `built-in routing data, ${n} samples (data seed ${v('data-seed')})`,
    };
  } else {
    const options = { missing: v('missing'), timesteps: v('timesteps') };
    if (v('label') !== undefined) options.label = v('label');
    if (v('delimiter') !== undefined) options.delimiter = v('delimiter') === 'tab' ? '\t' : v('delimiter');
    if (v('ignore') !== undefined) options.ignore = v('ignore');
    let r;
    try {
      r = await readCsvFile(file, options);
    } catch (e) {
      if (e instanceof DataError && /there is no label column/.test(e.message) && v('label') === undefined) {
        throw new DataError(e.code, `${e.message}; name it with --label`, { cause: e });
      }
      throw e;
    }
    data = {
      ...r,
      source: sourceName(file),
      describe: `${file}, ${r.n} rows${r.rowsSkipped ? ` (${r.rowsSkipped} skipped)` : ''}, label "${r.labelName}"` +
        `${r.classNames ? ` (${r.classNames.join(', ')})` : ''}`,
    };
  }
  const wanted = v('output-dim');
  if (wanted !== undefined && wanted !== data.outputDim) {
    usage(`--output-dim ${wanted} does not match the labels of ${file === undefined ? 'the built-in data' : file}, ` +
      `which give ${data.outputDim === 1 ? '1 output (binary)' : `${data.outputDim} classes`}`);
  }
  return data;
}

/** The data set as read, as JSON (--dump-dataset): what the parity tests compare. */
function dumpDataset(data, file) {
  const json = JSON.stringify({
    n: data.n, inputDim: data.inputDim, timesteps: data.timesteps, outputDim: data.outputDim,
    featureNames: data.featureNames, labelName: data.labelName, classNames: data.classNames,
    rowsSkipped: data.rowsSkipped,
    features: Array.from(data.features), labels: Array.from(data.labels),
  });
  try {
    fs.writeFileSync(file, json + '\n');
  } catch (e) {
    throw new fg.FastGRNNError('IoError', `cannot write ${file}: ${e.message}`);
  }
}

/** Soft targets of the teacher on the data, which it sees normalized its own way. */
function teacherTargets(teacherPath, data, temperature) {
  const teacher = loadModel(teacherPath, '--teacher ');
  try {
    const tn = teacher.normalization;
    let x = data.features;
    if (tn) {
      if (tn.means.length !== data.inputDim) {
        throw new fg.FastGRNNError('InvalidInput',
          `teacher ${teacherPath} normalizes ${tn.means.length} features, the data has ${data.inputDim}`);
      }
      // C applies the teacher's normalization to a copy of the features.
      const copy = new fg.TrainingDataset(data.features, data.labels,
        { inputDim: data.inputDim, timesteps: data.timesteps, outputDim: data.outputDim });
      try {
        copy.applyNormalization(tn.means, tn.stds);
        x = copy.features;
      } finally {
        copy.dispose();
      }
    }
    return fg.generateTeacherPredictions(teacher, x, temperature, { timesteps: data.timesteps });
  } catch (e) {
    if (e instanceof fg.FastGRNNError && !e.message.includes(`teacher ${teacherPath}`)) {
      throw new fg.FastGRNNError(e.code, `--teacher ${teacherPath}: ${e.message}`, { cause: e });
    }
    throw e;
  } finally {
    teacher.dispose();
  }
}

/**
 * The rest of stage 2: the dataset (with the names the card gets), the
 * model (its card's data source, the normalization), the trainer and the
 * teacher's soft targets. { dataset, model, trainer, norm, dispose() }.
 */
export function prepare(opts, data) {
  const { modelConfig, trainingConfig } = configs(opts);
  modelConfig.inputDim = data.inputDim;
  modelConfig.outputDim = data.outputDim;
  const dsOptions = { inputDim: data.inputDim, timesteps: data.timesteps, outputDim: data.outputDim };
  if (data.featureNames) dsOptions.featureNames = data.featureNames;
  if (data.classNames) dsOptions.classNames = data.classNames;
  if (data.labelName) dsOptions.labelName = data.labelName;
  const r = { dataset: null, model: null, trainer: null, norm: null };
  r.dispose = () => {
    for (const k of ['trainer', 'model', 'dataset']) if (r[k]) r[k].dispose();
  };
  try {
    r.dataset = new fg.TrainingDataset(data.features, data.labels, dsOptions);
    r.model = new fg.FastGRNN(modelConfig);
    r.trainer = new fg.Trainer(r.model.config, trainingConfig);
    r.model.updateCard({ data: { source: data.source } });
    r.norm = r.dataset.normalize();
    r.model.normalization = r.norm;
    if (opts.v('teacher') !== undefined) {
      r.dataset.withSoftTargets(teacherTargets(opts.v('teacher'), data, r.trainer.config.distillationTemperature));
    }
    return r;
  } catch (e) {
    r.dispose();
    throw e;
  }
}

// ------------------------------------------------------------------ train

/** Header lines before training: data, model, training. */
function describeRun(out, data, model, trainer) {
  const tc = trainer.config;
  const { train, validation } = fg.splitSizes(data.n, tc.validationSplit);
  const mc = model.config;
  const ranks = model.ranks;
  const rankText = (r) => (r === 0 ? 'full' : `rank ${r}`);
  out.write(`data: ${data.describe}; ${data.inputDim} features x ${data.timesteps} timestep${data.timesteps > 1 ? 's' : ''}` +
    `; ${train} train / ${validation} validation\n`);
  out.write(`model: hidden ${mc.hiddenDim}, W ${rankText(ranks.w)}, U ${rankText(ranks.u)}, ` +
    `${mc.outputDim === 1 ? 'binary' : `${mc.outputDim} classes`}, ${model.numParams()} parameters\n`);
  out.write(`training: learning rate ${tc.learningRate}, batch ${tc.batchSize}, up to ${tc.epochs} epochs, ` +
    `early stopping ${tc.earlyStoppingPatience === null ? 'off' : `patience ${tc.earlyStoppingPatience}`}` +
    `${tc.enableDistillation ? `, distillation (T ${tc.distillationTemperature}, alpha ${tc.distillationAlpha})` : ''}\n`);
  return train;
}

/**
 * Ctrl-C during training. Installed before anything is printed about the
 * run, so no Ctrl-C finds the process without it. After at least one epoch
 * the first Ctrl-C interrupts the trainer (best weights restored, the card
 * says so); before that it aborts, and nothing is written. A second Ctrl-C
 * exits at once with status 130.
 */
export function ctrlC(trainer, err, prog, tty) {
  const state = { controller: new AbortController(), epochs: 0, interrupted: false };
  const onSigint = () => {
    if (state.interrupted || state.controller.signal.aborted) process.exit(130);
    if (state.epochs === 0) {
      state.controller.abort(new Error('interrupted'));
      return;
    }
    state.interrupted = true;
    trainer.interrupt();
    const n = state.epochs;
    err.write(`${tty ? '\n' : ''}${prog}: interrupted after ${n} epoch${n === 1 ? '' : 's'}: ` +
      'writing the best weights so far (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  // After training a Ctrl-C exits at once.
  state.done = () => {
    process.removeListener('SIGINT', onSigint);
    process.on('SIGINT', () => process.exit(130));
  };
  return state;
}

/**
 * Stage 3: trains `model` on `dataset` under `sigint` (ctrlC()). Resolves to
 * { seconds, interrupted }, or null when Ctrl-C came before the first epoch
 * ended (nothing is to be written).
 */
export async function trainStage(out, sigint, model, trainer, dataset, trainSamples, workers = 0) {
  const reporter = new Reporter(out, trainer.config.epochs, trainSamples);
  const t0 = performance.now();
  try {
    await trainer.train(model, dataset, {
      onEpoch: (m) => { sigint.epochs++; reporter.epoch(m); },
      signal: sigint.controller.signal,
      ...(workers > 0 ? { workers } : {}),
    });
  } catch (e) {
    reporter.finish();
    if (e instanceof fg.FastGRNNError && e.code === 'Aborted' && sigint.controller.signal.aborted) return null;
    throw e;
  } finally {
    sigint.done();
  }
  reporter.finish();
  return { seconds: (performance.now() - t0) / 1000, interrupted: sigint.interrupted };
}

// ------------------------------------------------------------------ compress

/** Stage 4: --prune then --quantize; sizes and accuracies before and after (from C). */
export function compress(opts, model, trainer, dataset) {
  const prune = opts.v('prune');
  const quantize = opts.v('quantize');
  const compressed = prune !== undefined || quantize;
  const r = { compressed, denseBytes: model.sizeBytes(), accBefore: null, accAfter: null };
  // (a stream is not held: no accuracy on all samples then)
  if (compressed && dataset) r.accBefore = trainer.evaluate(model, dataset).accuracy;
  if (prune !== undefined) model.prune(prune);
  if (quantize) model.quantize();
  if (compressed && dataset) r.accAfter = trainer.evaluate(model, dataset).accuracy;
  return r;
}

// ------------------------------------------------------------------ write

export const OUT_FILES = ['model.safetensors', 'metrics.json', 'normalization.json'];

/** A C identifier prefix from a file name: "models/router-v2.h" -> "router_v2". */
function exportPrefix(file) {
  let p = path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(p)) p = `m_${p}`;
  return p.slice(0, 32);
}

/** Stage 5: the model (with its card), metrics.json, normalization.json (C writers), --export-c. */
export function write(opts, model, trainer, norm) {
  const outDir = opts.v('out');
  try {
    fs.mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new fg.FastGRNNError('IoError', `cannot create the output folder ${outDir}: ${e.message}`);
  }
  const [modelPath, metricsPath, normPath] = OUT_FILES.map((f) => path.join(outDir, f));
  model.save(modelPath);
  trainer.saveMetrics(metricsPath);
  try {
    fs.writeFileSync(normPath, fg.normalizationToJSON(norm));
  } catch (e) {
    throw new fg.FastGRNNError('IoError', `cannot write ${normPath}: ${e.message}`);
  }
  const w = { modelPath, metricsPath, normPath, cPath: null, prefix: null };
  const cPath = opts.v('export-c');
  if (cPath !== undefined) {
    w.prefix = exportPrefix(cPath);
    model.exportC(w.prefix, cPath);
    w.cPath = cPath;
  }
  return w;
}

// ------------------------------------------------------------------ report

const STOP_TEXT = {
  completed: '', early_stopping: ' (early stopping)', stopped_by_callback: ' (stopped)',
  interrupted: ' (interrupted)', cancelled: ' (cancelled)', diverged: ' (diverged)',
};
const KEPT_TEXT = {
  best_validation_loss: 'best validation loss', best_training_loss: 'best training loss', last_epoch: 'last',
};
const snake = (s) => String(s).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Stage 6: the closing lines, from the trainer's summary (C) and what was written. */
export function report(out, summary, run, comp, written, model, n) {
  const s = summary;
  const f = s.final || {};
  const hasVal = s.validationSamples > 0;
  const kept = s.keptEpoch === null || s.keptEpoch < 0
    ? 'kept no epoch\'s weights'
    : `kept the weights of epoch ${s.keptEpoch + 1} (${KEPT_TEXT[snake(s.keptReason)] || snake(s.keptReason)})`;
  out.write(`done: ${s.epochsRun} epoch${s.epochsRun === 1 ? '' : 's'} in ${run.seconds.toFixed(1)} s` +
    `${STOP_TEXT[snake(s.stopReason)] ?? ` (${snake(s.stopReason)})`}; ${kept}: ` +
    `train loss ${fmt(f.trainLoss)} acc ${fmt(f.trainAccuracy)}` +
    `${hasVal ? `, validation loss ${fmt(f.valLoss)} acc ${fmt(f.valAccuracy)}` : ''}\n`);
  if (comp.compressed || model.isSparse()) {
    const parts = [];
    if (model.isSparse()) parts.push(`sparsity ${model.sparsity().toFixed(3)}`);
    if (model.isQuantized()) parts.push('int8');
    const acc = comp.compressed && comp.accBefore !== null ? `; accuracy on all ${n} samples ${fmt(comp.accBefore)} -> ${fmt(comp.accAfter)}` : '';
    out.write(`compressed: ${parts.join(', ')}; weights ${fmtBytes(comp.denseBytes)} -> ${fmtBytes(model.sizeBytes())}${acc}\n`);
  }
  out.write(`wrote ${written.modelPath} (${fmtBytes(fs.statSync(written.modelPath).size)}), ` +
    `${written.metricsPath}, ${written.normPath}\n`);
  if (written.cPath) out.write(`wrote ${written.cPath} (C99: ${written.prefix}_predict, ${written.prefix}_logits)\n`);
}

// ------------------------------------------------------------------ main

/** `fastgrnn train ARGS`: the stages in order. Resolves to the exit status. */
export async function main(argv, { prog, out = process.stdout, err = process.stderr }) {
  const opts = parse(argv);
  if (opts.help) {
    out.write(help(prog));
    return 0;
  }
  const info = await fg.init();
  if (opts.version) {
    out.write(`${prog} ${fg.VERSION}\n`);
    return 0;
  }
  checkLimits(opts);
  const outDir = opts.v('out');
  const dump = opts.v('dump-dataset');
  if (dump === undefined) checkOut(outDir, OUT_FILES);
  if (opts.v('teacher') !== undefined && !fs.existsSync(opts.v('teacher'))) usage(`${opts.v('teacher')}: no such file`);

  if (dump === undefined && wantsStream(opts.v)) {
    out.write(`${prog} ${fg.VERSION}: wasm module ${info.simd ? 'SIMD128 (dist/fastgrnn-simd.wasm)' : 'scalar (dist/fastgrnn.wasm)'}\n`);
    const s = await streamRun(opts.v, configs(opts), {
      out, err, prog, ctrlC: (trainer) => ctrlC(trainer, err, prog, Boolean(out.isTTY)),
    });
    if (s === null) return 130;
    try {
      const summary = s.trainer.summary();
      const comp = compress(opts, s.model, s.trainer, null);
      const written = write(opts, s.model, s.trainer, s.norm);
      report(out, summary, s.run, comp, written, s.model, s.info.rows);
      return 0;
    } finally {
      s.dispose();
    }
  }
  const data = await load(opts);
  if (dump !== undefined) {
    dumpDataset(data, dump);
    return 0;
  }
  out.write(`${prog} ${fg.VERSION}: wasm module ${info.simd ? 'SIMD128 (dist/fastgrnn-simd.wasm)' : 'scalar (dist/fastgrnn.wasm)'}\n`);

  const r = prepare(opts, data);
  try {
    const sigint = ctrlC(r.trainer, err, prog, Boolean(out.isTTY));
    const trainSamples = describeRun(out, data, r.model, r.trainer);
    const run = await trainStage(out, sigint, r.model, r.trainer, r.dataset, trainSamples, opts.v('workers'));
    if (run === null) {
      const n = r.trainer.metricsHistory().length;
      err.write(`${prog}: interrupted after ${n} epoch${n === 1 ? '' : 's'}; nothing written\n`);
      return 130;
    }
    const summary = r.trainer.summary();
    const comp = compress(opts, r.model, r.trainer, r.dataset);
    const written = write(opts, r.model, r.trainer, r.norm);
    report(out, summary, run, comp, written, r.model, data.n);
    return 0;
  } finally {
    r.dispose();
  }
}
