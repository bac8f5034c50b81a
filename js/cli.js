#!/usr/bin/env node
// fastgrnn-train - the command-line trainer of fastgrnn-wasm.
//
// Trains a FastGRNN model on a CSV file (header row, one label column, every
// other column a feature) or on a built-in seeded synthetic routing data set,
// and writes model.safetensors, metrics.json and normalization.json.
//
// Exit status: 0 done; 1 the library failed (FastGRNNError) or an output file
// could not be written; 2 a usage or data problem (bad flag or value,
// missing or malformed CSV); 130 interrupted (Ctrl-C).

import fs from 'node:fs';
import path from 'node:path';
import {
  init, moduleInfo, FastGRNN, TrainingDataset, Trainer, FastGRNNError,
  generateTeacherPredictions, VERSION,
} from './index.js';
import { routingData } from './data.js';

const PROG = 'fastgrnn-train';

/** A usage or data problem: one line on stderr, exit status 2. */
class UsageError extends Error {}
const usage = (msg) => { throw new UsageError(msg); };

// ------------------------------------------------------------------ flags

// kind: int | num | intOrNone | bool | str. `to`: where the value goes
// ('train' / 'model' config key, or 'cli'). `check(v)` returns an error
// text ("must be ...") or null.
// range(lo, hi, loOpen, hiOpen, hiShown): hiShown false marks hi as a
// technical limit, left out of the text unless it is what failed.
const range = (lo, hi, loOpen = false, hiOpen = false, hiShown = true) => (v) => {
  const okLo = lo === undefined || (loOpen ? v > lo : v >= lo);
  const okHi = hi === undefined || (hiOpen ? v < hi : v <= hi);
  if (okLo && okHi) return null;
  if (!Number.isNaN(v) && okLo && !hiShown) return `<= ${hi}`;
  if (hi === undefined || !hiShown) return `${loOpen ? '>' : '>='} ${lo}`;
  return `in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
};
const I32 = 0x7fffffff;
const atLeast = (lo) => range(lo, I32, false, false, false);
const SEED = range(0, Number.MAX_SAFE_INTEGER, false, false, false);

const FLAGS = [
  // data
  { name: 'data', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, group: 'Data',
    help: 'CSV file with a header row; without it, the built-in routing data set is used' },
  { name: 'label', kind: 'str', meta: 'NAME', to: 'cli', def: 'label',
    help: 'name of the label column (CSV); every other column is a feature' },
  { name: 'timesteps', kind: 'int', meta: 'T', to: 'cli', def: 1, check: atLeast(1),
    help: 'steps per sample (CSV): each row holds T*D features, step-major' },
  { name: 'samples', kind: 'int', meta: 'N', to: 'cli', def: 5000, check: range(1, 10000000, false, false, false),
    help: 'samples of the built-in data set' },
  { name: 'data-seed', kind: 'int', meta: 'N', to: 'cli', def: 1, check: SEED,
    help: 'seed of the built-in data set' },
  { name: 'teacher', kind: 'str', meta: 'FILE', to: 'cli', def: undefined,
    help: 'teacher model (.safetensors) whose soft targets are used for distillation (implies --enable-distillation)' },
  { name: 'out', kind: 'str', meta: 'DIR', to: 'cli', def: './out',
    help: 'output folder (created) for model.safetensors, metrics.json, normalization.json' },
  // model
  { name: 'hidden-dim', kind: 'int', meta: 'H', to: 'model', key: 'hiddenDim', def: 16, check: range(1, 65536, false, false, false), group: 'Model',
    help: 'hidden units' },
  { name: 'rank', kind: 'intOrNone', meta: 'R|none', to: 'model', key: 'rank', def: 8, check: atLeast(1),
    help: 'rank of W and U (low-rank factors); "none" = full rank' },
  { name: 'w-rank', kind: 'int', meta: 'R', to: 'model', key: 'wRank', def: undefined, defText: 'same as --rank', check: atLeast(1),
    help: 'rank of W only' },
  { name: 'u-rank', kind: 'int', meta: 'R', to: 'model', key: 'uRank', def: undefined, defText: 'same as --rank', check: atLeast(1),
    help: 'rank of U only' },
  { name: 'nu', kind: 'num', meta: 'X', to: 'model', key: 'nu', def: 0.8,
    help: 'initial raw (pre-sigmoid) nu' },
  { name: 'zeta', kind: 'num', meta: 'X', to: 'model', key: 'zeta', def: 1.2,
    help: 'initial raw (pre-sigmoid) zeta' },
  { name: 'output-dim', kind: 'int', meta: 'O', to: 'model', key: 'outputDim', def: 1, check: range(1, 65536, false, false, false),
    help: '1 = binary labels in [0, 1]; O > 1 = class indices 0..O-1 (multi-class CSV)' },
  { name: 'model-seed', kind: 'int', meta: 'N', to: 'model', key: 'seed', def: 42, check: SEED,
    help: 'weight initialisation seed' },
  // training
  { name: 'learning-rate', kind: 'num', meta: 'X', to: 'train', key: 'learningRate', def: 0.01, check: range(0, undefined, true), group: 'Training',
    help: 'Adam learning rate' },
  { name: 'batch-size', kind: 'int', meta: 'N', to: 'train', key: 'batchSize', def: 32, check: atLeast(1),
    help: 'mini-batch size' },
  { name: 'epochs', kind: 'int', meta: 'N', to: 'train', key: 'epochs', def: 100, check: atLeast(1),
    help: 'maximum number of epochs' },
  { name: 'validation-split', kind: 'num', meta: 'X', to: 'train', key: 'validationSplit', def: 0.2, check: range(0, 1, false, true),
    help: 'fraction held out for validation (0: none; early stopping then watches the training loss)' },
  { name: 'early-stopping-patience', kind: 'intOrNone', meta: 'N|none', to: 'train', key: 'earlyStoppingPatience', def: 10, check: atLeast(1),
    help: 'epochs without improvement of the validation loss before stopping; "none" = never' },
  { name: 'lr-decay', kind: 'num', meta: 'X', to: 'train', key: 'lrDecay', def: 0.5, check: range(0, 1, true, false),
    help: 'step decay factor of the learning rate' },
  { name: 'lr-decay-step', kind: 'int', meta: 'N', to: 'train', key: 'lrDecayStep', def: 20, check: atLeast(0),
    help: 'decay the learning rate every N epochs (0 = never)' },
  { name: 'grad-clip', kind: 'num', meta: 'X', to: 'train', key: 'gradClip', def: 5, check: range(0),
    help: 'clip gradients to this global L2 norm (0 = no clipping)' },
  { name: 'adam-beta1', kind: 'num', meta: 'X', to: 'train', key: 'adamBeta1', def: 0.9, check: range(0, 1, false, true),
    help: 'Adam first-moment decay' },
  { name: 'adam-beta2', kind: 'num', meta: 'X', to: 'train', key: 'adamBeta2', def: 0.999, check: range(0, 1, false, true),
    help: 'Adam second-moment decay' },
  { name: 'adam-epsilon', kind: 'num', meta: 'X', to: 'train', key: 'adamEpsilon', def: 1e-8, check: range(0, undefined, true),
    help: 'Adam epsilon' },
  { name: 'l2-reg', kind: 'num', meta: 'X', to: 'train', key: 'l2Reg', def: 1e-5, defText: '1e-5', check: range(0),
    help: 'L2 regularisation of the weight matrices' },
  { name: 'enable-distillation', kind: 'bool', to: 'train', key: 'enableDistillation', def: false,
    help: 'train on the soft targets of --teacher as well as the labels' },
  { name: 'distillation-temperature', kind: 'num', meta: 'X', to: 'train', key: 'distillationTemperature', def: 3, check: range(0, undefined, true),
    help: 'distillation temperature' },
  { name: 'distillation-alpha', kind: 'num', meta: 'X', to: 'train', key: 'distillationAlpha', def: 0.5, check: range(0, 1),
    help: 'weight of the distillation loss' },
  { name: 'seed', kind: 'int', meta: 'N', to: 'train', key: 'seed', def: 42, check: SEED,
    help: 'seed of the validation split and the mini-batch shuffles' },
  { name: 'no-shuffle', kind: 'bool', to: 'train', key: 'shuffle', def: false, invert: true,
    help: 'keep the training samples in order (default: shuffle every epoch)' },
  { name: 'no-restore-best-weights', kind: 'bool', to: 'train', key: 'restoreBestWeights', def: false, invert: true,
    help: 'keep the last epoch\'s weights (default: restore the best by validation loss)' },
  // compression
  { name: 'sparsity-w', kind: 'num', meta: 'S', to: 'train', key: 'sparsityW', def: 0, check: range(0, 1, false, true), group: 'Compression',
    help: 'sparse training (IHT): fraction of W entries held at zero' },
  { name: 'sparsity-u', kind: 'num', meta: 'S', to: 'train', key: 'sparsityU', def: 0, check: range(0, 1, false, true),
    help: 'sparse training (IHT): fraction of U entries held at zero' },
  { name: 'prune', kind: 'num', meta: 'S', to: 'cli', def: undefined, check: range(0, 1, false, true),
    help: 'after training, magnitude-prune the cell matrices to sparsity S' },
  { name: 'quantize', kind: 'bool', to: 'cli', def: false,
    help: 'after training (and pruning), INT8-quantize the weight matrices' },
  { name: 'export-c', kind: 'str', meta: 'FILE', to: 'cli', def: undefined,
    help: 'also write the final model as self-contained C (<prefix>_predict, prefix = the file name as a C identifier)' },
  // other
  { name: 'help', kind: 'bool', to: 'cli', def: false, alias: 'h', group: 'Other',
    help: 'show this help and exit' },
  { name: 'version', kind: 'bool', to: 'cli', def: false,
    help: 'show the version and exit' },
];
const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

function helpText() {
  const lines = [
    `Usage: ${PROG} [--data FILE.csv [--label NAME] [--timesteps T]]`,
    '                      [options]',
    '',
    'Trains a FastGRNN classifier in WebAssembly and writes model.safetensors,',
    'metrics.json and normalization.json to --out. Without --data it trains on a',
    'built-in seeded synthetic routing data set: features similarity, recency,',
    'popularity, success_rate, complexity ~ U(0, 1); label = 0.4*similarity +',
    '0.3*success_rate + 0.3*(1 - complexity) + U(-0.1, 0.1) > 0.6.',
    'Features are z-score normalized; the means and stds are stored in the model',
    'and in normalization.json.',
  ];
  const cells = FLAGS.map((f) => {
    const left = `  ${f.alias ? `-${f.alias}, ` : ''}--${f.name}${f.meta ? ` ${f.meta}` : ''}`;
    const words = f.help.split(' ');
    if (f.defText) words.push(`(default: ${f.defText})`);
    else if (f.kind !== 'bool' && f.def !== undefined) words.push(`(default: ${f.def})`);
    return { f, left, words };
  });
  // Descriptions in a column from `width`, wrapped at 79; a longer flag
  // starts its description on the next line.
  const width = 30;
  for (const { f, left, words } of cells) {
    if (f.group) lines.push('', `${f.group}:`);
    let line = '';
    let prefix = left.length + 2 <= width ? left.padEnd(width) : null;
    if (prefix === null) {
      lines.push(left);
      prefix = ' '.repeat(width);
    }
    for (const w of words) {
      if (line && width + line.length + 1 + w.length > 79) {
        lines.push(prefix + line);
        prefix = ' '.repeat(width);
        line = w;
      } else {
        line = line ? `${line} ${w}` : w;
      }
    }
    lines.push(prefix + line);
  }
  lines.push(
    '',
    'Defaults: the model and learning rate are the specification example\'s',
    '(hidden 16, rank 8, nu 0.8, zeta 1.2, learning rate 0.01), not the library\'s',
    'FastGRNNConfig/TrainingConfig defaults (hidden 8, rank 4, nu 1, zeta 1,',
    'learning rate 0.001). Every other training default is the library\'s.',
    '',
    'Output: a progress bar with epoch metrics on a terminal, otherwise one line',
    'per epoch (epoch, train loss/acc, val loss/acc, learning rate, samples/s).',
    'Ctrl-C stops training; nothing is written then.',
    '',
    'Exit status: 0 done, 1 training or writing failed, 2 bad usage or data,',
    '130 interrupted.',
  );
  return lines.join('\n') + '\n';
}

// Edit distance, for "did you mean".
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseValue(f, raw) {
  const flag = `--${f.name}`;
  let v;
  if (f.kind === 'str') {
    if (raw === '') usage(`${flag} needs a non-empty value`);
    return raw;
  }
  if (f.kind === 'intOrNone' && raw.toLowerCase() === 'none') return null;
  if (f.kind === 'int' || f.kind === 'intOrNone') {
    v = INT_RE.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v)) {
      const lim = f.check ? f.check(-Infinity) : null;
      usage(`${flag} must be an integer${lim ? ` ${lim}` : ''}${f.kind === 'intOrNone' ? ' or "none"' : ''}, got ${JSON.stringify(raw)}`);
    }
  } else {
    v = NUM_RE.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(v)) {
      const lim = f.check ? f.check(NaN) : null;
      usage(`${flag} must be a number${lim ? ` ${lim}` : ''}, got ${JSON.stringify(raw)}`);
    }
  }
  const bad = f.check ? f.check(v) : null;
  if (bad) {
    usage(`${flag} must be ${f.kind === 'num' ? 'a number' : 'an integer'} ${bad}${f.kind === 'intOrNone' ? ' or "none"' : ''}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

/** argv -> { values: Map(name -> value), given: Set(name) }. */
function parseArgv(argv) {
  const values = new Map(FLAGS.map((f) => [f.name, f.def]));
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let name, inline;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      const f = FLAGS.find((x) => x.alias === arg[1]);
      if (!f) usage(`unknown flag ${arg} (see --help)`);
      name = f.name;
    } else if (arg === '--') {
      if (i + 1 < argv.length) usage(`unexpected argument ${JSON.stringify(argv[i + 1])} (see --help)`);
      break;
    } else {
      usage(`unexpected argument ${JSON.stringify(arg)}${arg.endsWith('.csv') ? ` (did you mean --data ${arg}?)` : ''} (see --help)`);
    }
    const f = BY_NAME.get(name);
    if (!f) {
      let best = null, bestD = Infinity;
      for (const g of FLAGS) {
        const d = distance(name, g.name);
        if (d < bestD) { bestD = d; best = g.name; }
      }
      usage(`unknown flag --${name}${bestD <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean --${best}?)` : ''} (see --help)`);
    }
    if (f.kind === 'bool') {
      if (inline !== undefined) usage(`--${f.name} takes no value, got ${JSON.stringify(inline)}`);
      values.set(f.name, true);
    } else {
      let raw = inline;
      if (raw === undefined) {
        if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) {
          usage(`--${f.name} needs a value${f.meta ? ` (${f.meta})` : ''}`);
        }
        raw = argv[++i];
      }
      values.set(f.name, parseValue(f, raw));
    }
    given.add(f.name);
  }
  return { values, given };
}

// ------------------------------------------------------------------ data

/** The built-in data set: the package's routing data ({ features [n*5], labels [n], ... }). */
function builtInData(n, seed) {
  const { features, labels, featureNames } = routingData(n, seed);
  return { features, labels, n, inputDim: 5, timesteps: 1, columns: featureNames };
}

/** A C identifier prefix from a file name: "models/router-v2.h" -> "router_v2". */
function exportPrefix(file) {
  let p = path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(p)) p = `m_${p}`;
  return p.slice(0, 32);
}

/** Splits CSV text into records of raw cells (RFC 4180 quoting), with line numbers. */
function csvRecords(text, file) {
  const records = [];
  let i = 0, line = 1;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const startLine = line;
    const cells = [];
    let cell = '', quoted = false, wasQuoted = false;
    for (;;) {
      if (i >= n) {
        if (quoted) usage(`${file} line ${startLine}: unterminated quoted cell`);
        cells.push(wasQuoted ? cell : cell.trim());
        break;
      }
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          quoted = false; i++; continue;
        }
        if (c === '\n') line++;
        cell += c; i++; continue;
      }
      if (c === '"' && cell.trim() === '') { quoted = true; wasQuoted = true; cell = ''; i++; continue; }
      if (c === ',') { cells.push(wasQuoted ? cell : cell.trim()); cell = ''; wasQuoted = false; i++; continue; }
      if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
      if (c === '\n' || c === '\r') {
        i++; line++;
        cells.push(wasQuoted ? cell : cell.trim());
        break;
      }
      cell += c; i++;
    }
    // Skip blank lines.
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: startLine, cells });
  }
  return records;
}

/** Reads a CSV file into { features, labels, n, inputDim, timesteps, columns }. */
function readCsv(file, labelName, timesteps, outputDim) {
  let text;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) usage(`${file} is a directory, not a CSV file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e.code === 'ENOENT') usage(`${file}: no such file`);
    usage(`cannot read ${file}: ${e.message}`);
  }
  const records = csvRecords(text, file);
  if (records.length === 0) usage(`${file} is empty`);
  const header = records[0].cells;
  if (header.every((h) => NUM_RE.test(h))) {
    usage(`${file} has no header row: line ${records[0].line} holds only numbers; the first line must name the columns`);
  }
  const seen = new Map();
  header.forEach((h, j) => {
    if (h === '') usage(`${file} header: column ${j + 1} has no name`);
    if (seen.has(h)) usage(`${file} header: column name "${h}" appears twice (columns ${seen.get(h) + 1} and ${j + 1})`);
    seen.set(h, j);
  });
  if (!seen.has(labelName)) {
    usage(`${file} has no label column "${labelName}" (columns: ${header.join(', ')}); choose one with --label`);
  }
  const labelCol = seen.get(labelName);
  const featureCols = header.map((_, j) => j).filter((j) => j !== labelCol);
  if (featureCols.length === 0) usage(`${file} has no feature columns, only the label column "${labelName}"`);
  if (featureCols.length % timesteps !== 0) {
    usage(`${file} has ${featureCols.length} feature columns, not a multiple of --timesteps ${timesteps}`);
  }
  const n = records.length - 1;
  if (n === 0) usage(`${file} has a header but no data rows`);
  const width = featureCols.length;
  const features = new Float32Array(n * width);
  const labels = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const { line, cells } = records[r + 1];
    if (cells.length !== header.length) {
      usage(`${file} line ${line}: ${cells.length} cells, but the header has ${header.length} columns`);
    }
    const num = (j) => {
      const s = cells[j];
      if (s === '') usage(`${file} line ${line}, column "${header[j]}": empty cell`);
      const v = NUM_RE.test(s) ? Number(s) : NaN;
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
        usage(`${file} line ${line}, column "${header[j]}": ${JSON.stringify(s)} is not a number`);
      }
      return v;
    };
    for (let k = 0; k < width; k++) features[r * width + k] = num(featureCols[k]);
    const y = num(labelCol);
    if (outputDim === 1 && !(y >= 0 && y <= 1)) {
      usage(`${file} line ${line}, column "${labelName}": label ${cells[labelCol]} is not in [0, 1]` +
        ' (for class indices pass --output-dim with the number of classes)');
    }
    if (outputDim > 1 && !(Number.isInteger(y) && y >= 0 && y < outputDim)) {
      usage(`${file} line ${line}, column "${labelName}": label ${cells[labelCol]} is not a class index in 0..${outputDim - 1} (--output-dim ${outputDim})`);
    }
    labels[r] = y;
  }
  return {
    features, labels, n, inputDim: width / timesteps, timesteps,
    columns: featureCols.map((j) => header[j]),
  };
}

// ------------------------------------------------------------------ output

/** Shortest decimal text that reads back as the same float32 (as the C writer). */
function f32Text(v) {
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function normalizationJSON(means, stds) {
  const arr = (a) => `[${Array.from(a, f32Text).join(',')}]`;
  return `{"means":${arr(means)},"stds":${arr(stds)}}`;
}

const fmt = (v, d = 4) => (v === null || v === undefined ? '-' : v.toFixed(d));
const fmtRate = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(0)}k` : v.toFixed(0));
const fmtLr = (v) => (v >= 1e-3 ? String(Number(v.toPrecision(4))) : v.toExponential(2));
const fmtSecs = (ms) => (ms < 60000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60000)}m${String(Math.round((ms % 60000) / 1000)).padStart(2, '0')}s`);
function fmtBytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

/** Per-epoch reporting: a redrawn progress bar on a TTY, else one line per epoch. */
class Reporter {
  constructor(out, totalEpochs, trainSamples) {
    this.out = out;
    this.tty = Boolean(out.isTTY);
    this.total = totalEpochs;
    this.trainSamples = trainSamples;
    this.start = performance.now();
    this.last = this.start;
    this.metrics = null;
    this.rate = null;
    this.frame = 0;
    this.timer = null;
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 125);
      this.timer.unref();
      this.draw();
    }
  }

  epoch(m) {
    const t = performance.now();
    this.rate = this.trainSamples / Math.max((t - this.last) / 1000, 1e-9);
    this.last = t;
    this.metrics = m;
    if (this.tty) {
      this.draw();
      return;
    }
    const w = String(this.total).length;
    this.out.write(
      `epoch ${String(m.epoch + 1).padStart(w)}/${this.total}` +
      `  train_loss ${fmt(m.trainLoss)}  train_acc ${fmt(m.trainAccuracy)}` +
      `  val_loss ${fmt(m.valLoss)}  val_acc ${fmt(m.valAccuracy)}` +
      `  lr ${fmtLr(m.learningRate)}  samples/s ${Math.round(this.rate)}\n`);
  }

  draw() {
    const m = this.metrics;
    const done = m ? m.epoch + 1 : 0;
    const cols = Math.max(40, (this.out.columns || 80) - 1);
    const spin = '|/-\\'[this.frame++ % 4];
    const head = `epoch ${String(done).padStart(String(this.total).length)}/${this.total} `;
    // Parts in order of importance; the least important go when the terminal is narrow.
    const parts = m
      ? [
        [0, `loss ${fmt(m.trainLoss)} acc ${fmt(m.trainAccuracy, 3)}`],
        [1, `val ${fmt(m.valLoss)} ${fmt(m.valAccuracy, 3)}`],
        [2, `lr ${fmtLr(m.learningRate)}`],
        [4, `${fmtRate(this.rate)} samples/s`],
        [3, `${fmtSecs(performance.now() - this.start)} ${spin}`],
      ]
      : [[2, `${fmtSecs(performance.now() - this.start)} ${spin}`]];
    const minBar = 10;
    let keep = parts;
    const width = (ps) => ps.reduce((w, [, t]) => w + t.length + 3, 0);
    for (let level = 4; level >= 0 && head.length + minBar + 2 + width(keep) > cols; level--) {
      keep = keep.filter(([p]) => p < level);
    }
    const tail = keep.length ? ' ' + keep.map(([, t]) => t).join(' | ') : '';
    const barWidth = Math.max(minBar, Math.min(30, cols - head.length - tail.length - 2));
    const fill = Math.round((done / this.total) * barWidth);
    let line = `${head}[${'#'.repeat(fill)}${'.'.repeat(barWidth - fill)}]${tail}`;
    if (line.length > cols) line = line.slice(0, cols);
    this.out.write(`\r${line}\x1b[K`);
  }

  finish() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) {
      this.draw();
      this.out.write('\n');
    }
  }
}

// ------------------------------------------------------------------ main

async function main(argv) {
  const { values, given } = parseArgv(argv);
  const v = (name) => values.get(name);
  if (v('help')) {
    process.stdout.write(helpText());
    return 0;
  }
  if (v('version')) {
    process.stdout.write(`${PROG} ${VERSION}\n`);
    return 0;
  }
  const csv = v('data');
  if (csv === undefined) {
    for (const name of ['label', 'timesteps']) {
      if (given.has(name)) usage(`--${name} applies to --data CSV files only`);
    }
  } else {
    for (const name of ['samples', 'data-seed']) {
      if (given.has(name)) usage(`--${name} applies to the built-in data set only, not to --data`);
    }
  }
  const teacherPath = v('teacher');
  if (v('enable-distillation') && teacherPath === undefined) {
    usage('--enable-distillation needs soft targets: give a teacher model with --teacher FILE.safetensors');
  }
  if (teacherPath !== undefined && !fs.existsSync(teacherPath)) usage(`${teacherPath}: no such file`);

  // Configs from the flags.
  const modelConfig = {};
  const trainingConfig = {};
  for (const f of FLAGS) {
    if (f.to === 'cli') continue;
    let val = values.get(f.name);
    if (f.invert) val = !val;
    if (val === undefined) continue;
    (f.to === 'model' ? modelConfig : trainingConfig)[f.key] = val;
  }
  if (teacherPath !== undefined) trainingConfig.enableDistillation = true;

  // Data (before loading wasm, so data errors come first and fast).
  const outputDim = modelConfig.outputDim;
  const data = csv === undefined
    ? builtInData(v('samples'), v('data-seed'))
    : readCsv(csv, v('label'), v('timesteps'), outputDim);
  modelConfig.inputDim = data.inputDim;

  const outDir = v('out');
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) {
    usage(`--out ${outDir} exists and is not a folder`);
  }

  const info = await init();
  const out = process.stdout;
  out.write(`${PROG} ${VERSION}: wasm module ${info.simd ? 'SIMD128 (dist/fastgrnn-simd.wasm)' : 'scalar (dist/fastgrnn.wasm)'}\n`);

  const dataset = new TrainingDataset(data.features, data.labels,
    { inputDim: data.inputDim, timesteps: data.timesteps, outputDim });
  const model = new FastGRNN(modelConfig);
  const trainer = new Trainer(model.config, trainingConfig);
  let teacher = null;
  try {
    const norm = dataset.normalize();
    model.normalization = norm;

    if (teacherPath !== undefined) {
      try {
        teacher = FastGRNN.load(teacherPath);
      } catch (e) {
        if (e instanceof FastGRNNError) throw new FastGRNNError(e.code, `--teacher ${teacherPath}: ${e.message}`);
        throw e;
      }
      // The teacher sees the features as it was trained on them: with its
      // own normalization when it carries one, else raw.
      const tn = teacher.normalization;
      let x = data.features;
      if (tn) {
        const D = data.inputDim;
        if (tn.means.length !== D) {
          throw new FastGRNNError('InvalidInput',
            `teacher ${teacherPath} normalizes ${tn.means.length} features, the data has ${D}`);
        }
        x = new Float32Array(data.features.length);
        for (let i = 0; i < x.length; i++) x[i] = (data.features[i] - tn.means[i % D]) / tn.stds[i % D];
      }
      const soft = generateTeacherPredictions(teacher, x, trainer.config.distillationTemperature,
        { timesteps: data.timesteps });
      dataset.withSoftTargets(soft);
    }

    const tc = trainer.config;
    const nVal = Math.round(data.n * tc.validationSplit);
    const nTrain = data.n - nVal;
    const source = csv === undefined
      ? `built-in routing data, ${data.n} samples (data seed ${v('data-seed')})`
      : `${csv}, ${data.n} rows, label "${v('label')}"`;
    const mc = model.config;
    const ranks = model.ranks;
    const rankText = (r) => (r === 0 ? 'full' : `rank ${r}`);
    out.write(`data: ${source}; ${data.inputDim} features x ${data.timesteps} timestep${data.timesteps > 1 ? 's' : ''}` +
      `; ${nTrain} train / ${nVal} validation\n`);
    out.write(`model: hidden ${mc.hiddenDim}, W ${rankText(ranks.w)}, U ${rankText(ranks.u)}, ` +
      `${mc.outputDim === 1 ? 'binary' : `${mc.outputDim} classes`}, ${model.numParams()} parameters\n`);
    out.write(`training: learning rate ${tc.learningRate}, batch ${tc.batchSize}, up to ${tc.epochs} epochs, ` +
      `early stopping ${tc.earlyStoppingPatience === null ? 'off' : `patience ${tc.earlyStoppingPatience}`}` +
      `${tc.enableDistillation ? `, distillation (T ${tc.distillationTemperature}, alpha ${tc.distillationAlpha})` : ''}\n`);

    // Ctrl-C: abort through the signal; a second Ctrl-C exits at once.
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort(new Error('interrupted'));
    };
    process.on('SIGINT', onSigint);

    const reporter = new Reporter(out, tc.epochs, nTrain);
    const t0 = performance.now();
    let metrics;
    try {
      metrics = await trainer.train(model, dataset, {
        onEpoch: (m) => reporter.epoch(m),
        signal: controller.signal,
      });
    } catch (e) {
      reporter.finish();
      if (e instanceof FastGRNNError && e.code === 'Aborted' && controller.signal.aborted) {
        const n = trainer.metricsHistory().length;
        process.stderr.write(`${PROG}: interrupted after ${n} epoch${n === 1 ? '' : 's'}; nothing written\n`);
        return 130;
      }
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    reporter.finish();
    const seconds = (performance.now() - t0) / 1000;

    // Compression after training: prune, then quantize.
    const compressed = v('prune') !== undefined || v('quantize');
    const denseBytes = model.sizeBytes();
    const accBefore = compressed ? trainer.evaluate(model, dataset).accuracy : null;
    if (v('prune') !== undefined) model.prune(v('prune'));
    if (v('quantize')) model.quantize();

    // Outputs.
    try {
      fs.mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new FastGRNNError('IoError', `cannot create the output folder ${outDir}: ${e.message}`);
    }
    const modelPath = path.join(outDir, 'model.safetensors');
    const metricsPath = path.join(outDir, 'metrics.json');
    const normPath = path.join(outDir, 'normalization.json');
    model.save(modelPath);
    trainer.saveMetrics(metricsPath);
    try {
      fs.writeFileSync(normPath, normalizationJSON(norm.means, norm.stds));
    } catch (e) {
      throw new FastGRNNError('IoError', `cannot write ${normPath}: ${e.message}`);
    }

    // Summary.
    const hasVal = metrics.length > 0 && metrics[0].valLoss !== null;
    const lossOf = (m) => (hasVal ? m.valLoss : m.trainLoss);
    // Sparse training restores only among the fixed-support epochs (the last third).
    const sparseTraining = tc.sparsityW > 0 || tc.sparsityU > 0;
    const eligible = metrics.filter((m) => !sparseTraining || m.epoch >= Math.floor((2 * tc.epochs) / 3));
    let best = eligible.length ? eligible[0] : metrics[0];
    for (const m of eligible) if (lossOf(m) < lossOf(best)) best = m;
    const kept = tc.restoreBestWeights ? best : metrics[metrics.length - 1];
    const stoppedEarly = metrics.length < tc.epochs;
    out.write(`done: ${metrics.length} epoch${metrics.length === 1 ? '' : 's'} in ${seconds.toFixed(1)} s` +
      `${stoppedEarly ? ' (early stopping)' : ''}; kept the weights of epoch ${kept.epoch + 1}` +
      `${tc.restoreBestWeights ? ` (best ${hasVal ? 'validation' : 'training'} loss)` : ' (last)'}: ` +
      `train loss ${fmt(kept.trainLoss)} acc ${fmt(kept.trainAccuracy)}` +
      `${hasVal ? `, validation loss ${fmt(kept.valLoss)} acc ${fmt(kept.valAccuracy)}` : ''}\n`);
    if (compressed || model.isSparse()) {
      const parts = [];
      if (model.isSparse()) parts.push(`sparsity ${model.sparsity().toFixed(3)}`);
      if (model.isQuantized()) parts.push('int8');
      const acc = compressed
        ? `; accuracy on all ${data.n} samples ${fmt(accBefore)} -> ${fmt(trainer.evaluate(model, dataset).accuracy)}`
        : '';
      out.write(`compressed: ${parts.join(', ')}; weights ${fmtBytes(denseBytes)} -> ${fmtBytes(model.sizeBytes())}${acc}\n`);
    }
    out.write(`wrote ${modelPath} (${fmtBytes(fs.statSync(modelPath).size)}), ${metricsPath}, ${normPath}\n`);
    const cPath = v('export-c');
    if (cPath !== undefined) {
      const prefix = exportPrefix(cPath);
      model.exportC(prefix, cPath);
      out.write(`wrote ${cPath} (C99: ${prefix}_predict, ${prefix}_logits)\n`);
    }
    return 0;
  } finally {
    if (teacher) teacher.dispose();
    trainer.dispose();
    model.dispose();
    dataset.dispose();
  }
}

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof FastGRNNError) {
      process.stderr.write(`${PROG}: ${e.message} (${e.code})\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${PROG}: internal error: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 1;
    }
  },
);
