// app.js - the demo page. Uses only the package's public API:
//   'fastgrnn-wasm'         (init, moduleInfo, FastGRNN, FastGRNNError, readCSV, ...)
//   'fastgrnn-wasm/worker'  (TrainingWorker: training off the main thread)
//   (and Trainer#train({ workers }) for data-parallel runs on the page)
// mapped by the import map in index.html, and uPlot for the charts.

import { init, FastGRNN, FastGRNNError, configLimits, splitSizes, metricsToJSON, readCSV } from 'fastgrnn-wasm';
import { Trainer, csvSource, jsonlSource, binarySource, sourceNormalization } from 'fastgrnn-wasm';
import { TrainingDataset, parallelTransport } from 'fastgrnn-wasm';
import { TrainingWorker } from 'fastgrnn-wasm/worker';
import uPlot from 'uplot';
import { GENERATORS, toCSV } from './datasets.js';
import { drawSequences } from './sequence-view.js';
import { download } from './dom.js';
import { evaluateModel, drawConfusion, fillClassTable } from './report.js';
import { mountSearchPanel } from './search-panel.js';

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------ presets

const PRESETS = {
  routing: {
    data: { n: 2000 },
    model: { hiddenDim: 16, rank: 8, nu: 1, zeta: 1 },
    train: { learningRate: 0.01, batchSize: 32, epochs: 20, validationSplit: 0.2, earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 10, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
  moons: {
    data: { n: 1000, noise: 0.15 },
    model: { hiddenDim: 16, rank: null, nu: 1, zeta: 1 },
    train: { learningRate: 0.05, batchSize: 32, epochs: 30, validationSplit: 0.2, earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 15, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
  spirals: {
    data: { n: 1000, noise: 0.08 },
    model: { hiddenDim: 32, rank: null, nu: 1, zeta: 1 },
    train: { learningRate: 0.05, batchSize: 32, epochs: 100, validationSplit: 0.2, earlyStoppingPatience: 25, lrDecay: 0.5, lrDecayStep: 40, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
  adding: {
    data: { n: 2000, steps: 12 },
    model: { hiddenDim: 16, rank: null, nu: 1, zeta: 1 },
    train: { learningRate: 0.01, batchSize: 32, epochs: 30, validationSplit: 0.2, earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 20, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
  gestures: {
    data: { n: 600, steps: 24 },
    model: { hiddenDim: 24, rank: null, nu: 1, zeta: 1 },
    train: { learningRate: 0.01, batchSize: 32, epochs: 30, validationSplit: 0.2, earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 20, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
  csv: {
    data: {},
    model: { hiddenDim: 16, rank: null, nu: 1, zeta: 1 },
    train: { learningRate: 0.01, batchSize: 32, epochs: 30, validationSplit: 0.2, earlyStoppingPatience: 10, lrDecay: 0.5, lrDecayStep: 20, gradClip: 5, l2Reg: 0.00001, seed: 42 },
  },
};

const LABELS = {
  routing: 'Routing', moons: 'Two moons', spirals: 'Two spirals', adding: 'Adding problem', gestures: 'Gesture strokes', csv: 'CSV',
};

const COLORS = {
  train: '#2458d6', val: '#e8590c', lr: '#0f9d6e',
  c0: [36, 88, 214], c1: [232, 89, 12],
};

// ------------------------------------------------------------ state

const state = {
  phase: 'loading',
  pageSimd: false,
  data: null,          // the current data set (see datasets.js)
  csv: null,           // { file, name } of the last CSV file
  stream: null,        // { file, kind } of a large file trained from its stream (never read whole)
  csvSeq: 0,           // the latest CSV read (older reads that finish later are dropped)
  workers: new Map(),  // family -> { key, tw, ready }
  run: null,           // the run in progress
  trained: null,       // { bytes, metrics, name, ... } of the last finished run
  shown: null,         // { bytes, label } of the model shown in predictions
  history: [],
  frames: 0,
  runCount: 0,
};

function setPhase(phase) {
  state.phase = phase;
  document.body.dataset.state = phase;
  const busy = phase === 'training' || phase === 'stopping' || phase === 'comparing';
  $('start').disabled = busy || phase === 'loading';
  $('stop').disabled = !(phase === 'training' || phase === 'stopping');
  $('stop').textContent = phase === 'stopping' ? 'Abort now' : 'Stop';
  $('compare').disabled = busy || phase === 'loading' || !state.pageSimd;
  for (const el of document.querySelectorAll('.controls input, .controls select, .controls button')) {
    el.disabled = busy;
  }
  $('drop-zone').classList.toggle('disabled', busy);
  $('download-model').disabled = busy || !state.trained;
  $('download-onnx').disabled = busy || !state.trained;
  $('download-metrics').disabled = busy || !state.trained;
}

// ------------------------------------------------------------ messages

function clearMessages() { $('messages').replaceChildren(); }

function showMessage(text, kind = 'error') {
  const div = document.createElement('div');
  div.className = `message ${kind}`;
  const span = document.createElement('span');
  span.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => div.remove());
  div.append(span, close);
  $('messages').append(div);
}

function setStatus(text) { $('status').textContent = text; }

function describeError(e) {
  if (e instanceof FastGRNNError) return e.message;
  return e && e.message ? e.message : String(e);
}

// ------------------------------------------------------------ formatting

function fmtRate(x) {
  if (!Number.isFinite(x) || x <= 0) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)} k`;
  return x.toFixed(0);
}
const fmtAcc = (a) => (a === null || a === undefined || !Number.isFinite(a) ? '–' : a.toFixed(3));
const fmtSecs = (ms) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;


// ------------------------------------------------------------ config form

const MODEL_FIELDS = ['hiddenDim', 'rank', 'nu', 'zeta'];
const TRAIN_FIELDS = ['learningRate', 'batchSize', 'epochs', 'validationSplit', 'earlyStoppingPatience',
  'lrDecay', 'lrDecayStep', 'gradClip', 'l2Reg', 'seed'];

function applyPreset(kind) {
  const p = PRESETS[kind];
  for (const k of MODEL_FIELDS) $(k).value = p.model[k] === null ? '' : p.model[k];
  for (const k of TRAIN_FIELDS) $(k).value = p.train[k] === null ? '' : p.train[k];
  if (p.data.n !== undefined) $('n').value = p.data.n;
  if (p.data.noise !== undefined) $('noise').value = p.data.noise;
  if (p.data.steps !== undefined) $('steps').value = p.data.steps;
}

// Reads a numeric field; pushes a message to `errors` when it is invalid.
// `limit` (a config key's bounds from configLimits(), i.e. from the C core)
// gives min, max, whether they are excluded, and integer-only.
function readNumber(id, label, errors, { limit = null, min = -Infinity, max = Infinity, integer = false, optional = false, gt = false, lt = false } = {}) {
  if (limit) {
    ({ min, max, integer } = limit);
    gt = limit.minOpen;
    lt = limit.maxOpen;
  }
  const raw = $(id).value.trim();
  if (raw === '') {
    if (optional) return null;
    errors.push(`${label} is empty: enter a number.`);
    return undefined;
  }
  const v = Number(raw);
  if (!Number.isFinite(v)) { errors.push(`${label} must be a number (got "${raw}").`); return undefined; }
  if (integer && !Number.isInteger(v)) { errors.push(`${label} must be a whole number (got ${raw}).`); return undefined; }
  if (gt ? v <= min : v < min) { errors.push(`${label} must be ${gt ? 'greater than' : 'at least'} ${min} (got ${raw}).`); return undefined; }
  if (lt ? v >= max : v > max) { errors.push(`${label} must be ${lt ? 'less than' : 'at most'} ${max} (got ${raw}).`); return undefined; }
  return v;
}

function readConfig() {
  const errors = [];
  const { model: M, training: L } = configLimits();
  const model = {
    hiddenDim: readNumber('hiddenDim', 'Hidden size', errors, { limit: M.hiddenDim }),
    rank: readNumber('rank', 'Rank', errors, { limit: M.rank, optional: true }),
    nu: readNumber('nu', 'ν (nu)', errors, { limit: M.nu }),
    zeta: readNumber('zeta', 'ζ (zeta)', errors, { limit: M.zeta }),
  };
  const train = {
    learningRate: readNumber('learningRate', 'Learning rate', errors, { limit: L.learningRate }),
    batchSize: readNumber('batchSize', 'Batch size', errors, { limit: L.batchSize }),
    epochs: readNumber('epochs', 'Epochs', errors, { limit: L.epochs }),
    validationSplit: readNumber('validationSplit', 'Validation split', errors, { limit: L.validationSplit }),
    earlyStoppingPatience: readNumber('earlyStoppingPatience', 'Patience', errors, { limit: L.earlyStoppingPatience, optional: true }),
    lrDecay: readNumber('lrDecay', 'LR decay', errors, { limit: L.lrDecay }),
    lrDecayStep: readNumber('lrDecayStep', 'Decay every', errors, { limit: L.lrDecayStep, optional: true }) ?? 0,
    gradClip: readNumber('gradClip', 'Grad clip', errors, { limit: L.gradClip, optional: true }) ?? 0,
    l2Reg: readNumber('l2Reg', 'L2', errors, { limit: L.l2Reg }),
    seed: readNumber('seed', 'Seed', errors, { limit: L.seed }),
  };
  const every = readNumber('boundary-every', 'Boundary every', errors, { min: 1, max: 1000, integer: true });
  const workers = readNumber('parallel-workers', 'Data-parallel workers', errors, { min: 1, max: maxParallelWorkers(), integer: true });
  return { errors, model, train, every, workers };
}

// ------------------------------------------------------------ data

function dataParams(errors) {
  const kind = $('dataset').value;
  const p = { kind };
  if (kind === 'csv') return p;
  p.n = readNumber('n', 'Samples', errors, { min: 10, max: 100000, integer: true });
  p.seed = readNumber('data-seed', 'Data seed', errors, { min: 0, max: 4294967295, integer: true });
  if (kind === 'moons' || kind === 'spirals') p.noise = readNumber('noise', 'Noise', errors, { min: 0, max: 1 });
  if (kind === 'adding' || kind === 'gestures') p.steps = readNumber('steps', 'Steps T', errors, { min: 10, max: 200, integer: true });
  return p;
}

function regenerate() {
  const errors = [];
  const p = dataParams(errors);
  updateDataFields(p.kind);
  if (errors.length) {
    clearMessages();
    errors.forEach((e) => showMessage(e));
    return false;
  }
  if (p.kind === 'csv') {
    if (state.stream) showStreamFile();
    else if (state.csv) loadCSV(state.csv.file, state.csv.name, false);
    else setData(null);
    return true;
  }
  let ds;
  if (p.kind === 'routing') ds = GENERATORS.routing(p.n, p.seed);
  else if (p.kind === 'moons') ds = GENERATORS.moons(p.n, p.seed, p.noise);
  else if (p.kind === 'spirals') ds = GENERATORS.spirals(p.n, p.seed, p.noise);
  else if (p.kind === 'gestures') ds = GENERATORS.gestures(p.n, p.seed, p.steps);
  else ds = GENERATORS.adding(p.n, p.seed, p.steps);
  ds.paramsKey = JSON.stringify(p);
  setData(ds);
  return true;
}

function updateDataFields(kind) {
  const gen = kind !== 'csv';
  $('gen-fields').hidden = !gen;
  $('noise-field').hidden = !(kind === 'moons' || kind === 'spirals');
  $('steps-field').hidden = kind !== 'adding' && kind !== 'gestures';
  $('drop-zone').classList.toggle('active-source', kind === 'csv');
}

function summarize(ds) {
  if (!ds) return 'No data yet: drop a CSV file (or pick a generated data set).';
  const parts = [`${ds.n.toLocaleString('en-US')} samples`];
  parts.push(`${ds.inputDim} feature${ds.inputDim === 1 ? '' : 's'}${ds.timesteps > 1 ? ' per step' : ''}`);
  parts.push(`T = ${ds.timesteps}`);
  if (ds.outputDim === 1) {
    let pos = 0;
    for (const y of ds.labels) pos += y >= 0.5 ? 1 : 0;
    parts.push(`${Math.round((100 * pos) / ds.n)} % ${ds.classNames ? `“${ds.classNames[1]}”` : 'class 1'}`);
  } else {
    const names = ds.classNames ? ` (${ds.classNames.slice(0, 4).join(', ')}${ds.classNames.length > 4 ? ', …' : ''})` : '';
    parts.push(`${ds.outputDim} classes${names}`);
  }
  if (ds.rowsSkipped) parts.push(`${ds.rowsSkipped} row${ds.rowsSkipped === 1 ? '' : 's'} skipped`);
  const head = ds.name === 'csv' ? `${ds.fileName}: ` : '';
  return head + parts.map((x) => x.replace(/ /g, '\u00a0')).join(' · ');
}

function setData(ds) {
  state.data = ds;
  $('data-summary').textContent = summarize(ds);
  $('export-csv').disabled = !ds || state.phase === 'training';
  const twoD = !!(ds && ds.twoD);
  document.body.classList.toggle('two-d', twoD);
  $('every-field').hidden = !twoD;
  if (twoD) {
    boundary.reset(ds);
    boundary.drawPoints();
  }
  charts.resizeSoon();
  showSequenceData(ds);
  clearEvaluation();
  // keep showing predictions for the shown model when it fits the new data
  if (state.shown && ds) predictWith(state.shown.bytes, state.shown.label, { quiet: true });
  else clearPredictions();
}

async function loadCSVFile(file) {
  clearMessages();
  if (streamsFile(file)) { selectStreamFile(file); return; } // large files: trained from the file's stream
  state.stream = null;
  await loadCSV(file, file.name, true);
}

/** The reader options the page's CSV fields give. */
function csvOptions(name) {
  const ignore = $('csv-ignore').value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return { name, timesteps: Number($('csv-steps').value) || 1, missing: $('csv-missing').value, ignore };
}

// Reads the file with the package's reader (the same rules as the JS API and
// the command line); its errors name the line and column.
async function loadCSV(file, name, fresh) {
  const seq = ++state.csvSeq;
  let d;
  try {
    d = await readCSV(file, csvOptions(name));
  } catch (e) {
    if (seq !== state.csvSeq) return;
    const msg = describeError(e);
    // the reader's messages start with the file name: said once is enough
    showMessage(`Cannot use ${name}: ${msg.startsWith(`${name} `) ? msg.slice(name.length + 1) : msg}`);
    if (!fresh) setData(null);
    return;
  }
  if (seq !== state.csvSeq) return; // a newer file or setting won
  const F = d.inputDim * d.timesteps;
  const ds = {
    name: 'csv', fileName: name, features: d.features, labels: d.labels, n: d.n,
    timesteps: d.timesteps, inputDim: d.inputDim, outputDim: d.outputDim,
    featureNames: d.featureNames, labelName: d.labelName, classNames: d.classNames,
    rowsSkipped: d.rowsSkipped, twoD: d.timesteps === 1 && F === 2 && d.outputDim === 1,
  };
  state.csv = { file, name };
  if ($('dataset').value !== 'csv') {
    $('dataset').value = 'csv';
    applyPreset('csv');
    updateDataFields('csv');
  }
  setData(ds);
  if (fresh) {
    const skipped = d.rowsSkipped ? ` (${d.rowsSkipped} row${d.rowsSkipped === 1 ? '' : 's'} with missing values skipped)` : '';
    setStatus(`Loaded ${name}${skipped}. Press Start to train on it.`);
  }
}

// ------------------------------------------------------------ charts

const charts = (() => {
  const height = 170;
  const data = { epoch: [], trainLoss: [], valLoss: [], trainAcc: [], valAcc: [], lr: [] };
  const axis = { stroke: '#5b6475', grid: { stroke: '#edf0f5', width: 1 }, ticks: { stroke: '#d9dee8', width: 1 } };
  // whole epochs only on the x axis
  const xAxis = { ...axis, label: 'epoch', labelSize: 18, size: 36, incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000] };
  const base = (el) => ({
    width: Math.max(200, el.clientWidth),
    height,
    scales: { x: { time: false, range: (u, min, max) => [1, Math.max(2, Number.isFinite(max) ? max : 2)] } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  });
  const mk = (id, series, yAxis, scales = {}) => {
    const el = $(id);
    const opts = base(el);
    opts.series = [{ label: 'epoch' }, ...series];
    opts.axes = [xAxis, { ...axis, size: 52, ...yAxis }];
    opts.scales = { ...opts.scales, ...scales };
    return { el, plot: new uPlot(opts, [[], ...series.map(() => [])], el) };
  };
  const line = (label, stroke, dash) => ({ label, stroke, width: 2, dash, points: { size: 5 }, spanGaps: true });
  let list = [];
  let pending = false;

  function create() {
    list = [
      { ...mk('chart-loss', [line('train', COLORS.train), line('validation', COLORS.val, [6, 4])],
        { values: (u, v) => v.map((x) => (x == null ? '' : +x.toPrecision(2))) }),
      keys: ['trainLoss', 'valLoss'] },
      { ...mk('chart-acc', [line('train', COLORS.train), line('validation', COLORS.val, [6, 4])],
        { values: (u, v) => v.map((x) => (x == null ? '' : x.toFixed(2))) },
        { y: { range: (u, min, max) => [Math.max(0, Math.min(0.5, Number.isFinite(min) ? min : 0.5) - 0.02), 1.0] } }),
      keys: ['trainAcc', 'valAcc'] },
      { ...mk('chart-lr', [line('learning rate', COLORS.lr)],
        { values: (u, v) => v.map((x) => (x == null ? '' : +x.toPrecision(2))) },
        { y: { range: (u, min, max) => [0, (Number.isFinite(max) ? max : 1) * 1.1] } }),
      keys: ['lr'] },
    ];
    const ro = new ResizeObserver(() => resizeSoon());
    for (const c of list) ro.observe(c.el);
  }

  function redraw() {
    pending = false;
    for (const c of list) {
      c.plot.setData([data.epoch.slice(), ...c.keys.map((k) => data[k].slice())]);
      c.el.dataset.points = String(data.epoch.length);
    }
  }
  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(redraw); }
  }
  let resizePending = false;
  function resizeSoon() {
    if (resizePending) return;
    resizePending = true;
    requestAnimationFrame(() => {
      resizePending = false;
      for (const c of list) {
        const w = Math.max(200, Math.floor(c.el.clientWidth));
        if (w !== c.plot.width) c.plot.setSize({ width: w, height });
      }
    });
  }
  function clear() {
    for (const k of Object.keys(data)) data[k].length = 0;
    schedule();
  }
  function push(m) {
    data.epoch.push(m.epoch + 1);
    data.trainLoss.push(m.trainLoss);
    data.valLoss.push(m.valLoss);
    data.trainAcc.push(m.trainAccuracy);
    data.valAcc.push(m.valAccuracy);
    data.lr.push(m.learningRate);
    schedule();
  }
  function setAll(metrics) {
    for (const k of Object.keys(data)) data[k].length = 0;
    metrics.forEach(push);
  }
  return { create, clear, push, setAll, resizeSoon, get count() { return data.epoch.length; } };
})();

// ------------------------------------------------------------ decision boundary

const boundary = (() => {
  const G = 84; // grid cells per side
  const canvas = $('boundary');
  let ds = null;
  let box = null; // { x0, y0, span }
  let probs = null;

  function reset(d) {
    ds = d;
    probs = null;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < d.n; i++) {
      const x = d.features[2 * i], y = d.features[2 * i + 1];
      if (x < x0) x0 = x; if (x > x1) x1 = x;
      if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    const span = Math.max(x1 - x0, y1 - y0, 1e-6) * 1.12;
    box = { x0: (x0 + x1) / 2 - span / 2, y0: (y0 + y1) / 2 - span / 2, span };
    canvas.dataset.epoch = '0';
    $('boundary-caption').textContent = 'Train to see the boundary form.';
  }

  function size() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(120, Math.round(canvas.clientWidth * dpr));
    if (canvas.width !== w || canvas.height !== w) { canvas.width = w; canvas.height = w; }
    return w;
  }

  // Probabilities on the grid (cell centres) from safetensors bytes.
  function compute(bytes) {
    const model = FastGRNN.load(bytes);
    try {
      if (model.inputDim !== 2 || model.outputDim !== 1) return false;
      const pts = new Float32Array(G * G * 2);
      for (let j = 0; j < G; j++) {
        for (let i = 0; i < G; i++) {
          const k = (j * G + i) * 2;
          pts[k] = box.x0 + ((i + 0.5) / G) * box.span;
          pts[k + 1] = box.y0 + box.span - ((j + 0.5) / G) * box.span;
        }
      }
      probs = model.predictBatch(pts); // raw points: the model applies its normalization
      return true;
    } finally {
      model.dispose();
    }
  }

  // Colour table: p in [0, 1] in 256 steps, white at 0.5, class colours at the ends.
  const LUT = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const p = i / 255;
    const c = p < 0.5 ? COLORS.c0 : COLORS.c1;
    const t = Math.min(1, Math.abs(p - 0.5) * 2) * 0.5;
    for (let k = 0; k < 3; k++) LUT[3 * i + k] = Math.round(255 + (c[k] - 255) * t);
  }
  let off = null;

  function draw() {
    if (!ds) return;
    const W = size();
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, W, W);
    ctx.fillStyle = '#f7f8fb';
    ctx.fillRect(0, 0, W, W);
    if (probs) {
      const img = new ImageData(G, G);
      for (let k = 0; k < G * G; k++) {
        const i = 3 * Math.max(0, Math.min(255, Math.round(probs[k] * 255)));
        img.data[4 * k] = LUT[i]; img.data[4 * k + 1] = LUT[i + 1]; img.data[4 * k + 2] = LUT[i + 2];
        img.data[4 * k + 3] = 255;
      }
      if (!off) off = new OffscreenCanvas(G, G);
      off.getContext('2d').putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(off, 0, 0, W, W);
      contour(ctx, W);
    }
    drawPointsOn(ctx, W);
  }

  // The p = 0.5 line by marching squares over the cell centres.
  function contour(ctx, W) {
    const cell = W / G;
    const at = (i, j) => probs[j * G + i] - 0.5;
    const px = (i) => (i + 0.5) * cell;
    ctx.strokeStyle = 'rgba(20, 24, 33, 0.85)';
    ctx.lineWidth = Math.max(1.5, W / 260);
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let j = 0; j < G - 1; j++) {
      for (let i = 0; i < G - 1; i++) {
        const a = at(i, j), b = at(i + 1, j), c = at(i + 1, j + 1), d = at(i, j + 1);
        const pts = [];
        const edge = (v0, v1, x0, y0, x1, y1) => {
          if ((v0 < 0) !== (v1 < 0)) {
            const t = v0 / (v0 - v1);
            pts.push([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]);
          }
        };
        edge(a, b, px(i), px(j), px(i + 1), px(j));
        edge(b, c, px(i + 1), px(j), px(i + 1), px(j + 1));
        edge(c, d, px(i + 1), px(j + 1), px(i), px(j + 1));
        edge(d, a, px(i), px(j + 1), px(i), px(j));
        for (let k = 0; k + 1 < pts.length; k += 2) {
          ctx.moveTo(pts[k][0], pts[k][1]);
          ctx.lineTo(pts[k + 1][0], pts[k + 1][1]);
        }
      }
    }
    ctx.stroke();
  }

  function drawPointsOn(ctx, W) {
    const n = ds.n;
    const step = Math.max(1, Math.floor(n / 700));
    const r = Math.max(2, W / 170);
    ctx.lineWidth = Math.max(0.8, W / 500);
    ctx.strokeStyle = 'rgba(255,255,255,0.9)';
    for (let i = 0; i < n; i += step) {
      const x = ((ds.features[2 * i] - box.x0) / box.span) * W;
      const y = (1 - (ds.features[2 * i + 1] - box.y0) / box.span) * W;
      const c = ds.labels[i] >= 0.5 ? COLORS.c1 : COLORS.c0;
      ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }

  let pendingBytes = null, pendingCaption = '', pendingEpoch = 0, scheduled = false;
  function showModel(bytes, caption, epoch) {
    pendingBytes = bytes; pendingCaption = caption; pendingEpoch = epoch;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      if (!ds || !pendingBytes) return;
      try {
        if (!compute(pendingBytes)) return;
      } catch (e) {
        showMessage(`Cannot draw the decision boundary: ${describeError(e)}`);
        return;
      } finally {
        pendingBytes = null;
      }
      draw();
      canvas.dataset.epoch = String(pendingEpoch);
      $('boundary-caption').textContent = pendingCaption;
    });
  }

  return { reset, drawPoints: draw, showModel, redraw: draw, get active() { return !!ds; } };
})();

// ------------------------------------------------------------ predictions

function clearPredictions() {
  const t = $('pred-table');
  t.replaceChildren();
  delete t.dataset.checksum;
  $('pred-source').textContent = state.shown
    ? `${state.shown.label} does not fit the current data set.`
    : 'No model yet: train one, or load a .safetensors file to predict on the current data.';
}

/**
 * Runs a model (safetensors bytes) on the current data set in the page and
 * shows accuracy and the first predictions. Returns false on a problem
 * (shown as a message unless quiet).
 */
async function predictWith(bytes, label, { quiet = false, caption = label, name = label } = {}) {
  const ds = state.data;
  if (!ds) {
    if (!quiet) showMessage('There is no data set to predict on: pick one or drop a CSV file first.');
    return false;
  }
  let model;
  try {
    await init();
    model = FastGRNN.load(bytes);
  } catch (e) {
    if (!quiet) showMessage(`${name} is not a FastGRNN model this page can read: ${describeError(e)}`);
    return false;
  }
  try {
    if (model.inputDim !== ds.inputDim) {
      if (!quiet) {
        showMessage(`${name} expects ${model.inputDim} input feature${model.inputDim === 1 ? '' : 's'} per step, ` +
          `but the current data set has ${ds.inputDim}. Pick a matching data set, then load the model again.`);
      }
      clearPredictions();
      return false;
    }
    if (model.outputDim !== ds.outputDim) {
      if (!quiet) {
        showMessage(`${name} has ${model.outputDim === 1 ? 'a binary output' : `${model.outputDim} classes`}, ` +
          `but the current data set has ${ds.outputDim === 1 ? 'binary labels' : `${ds.outputDim} classes`}.`);
      }
      clearPredictions();
      return false;
    }
    // Raw features in: the model applies its stored normalization, and C
    // decides the class (p >= 0.5, or the most probable one).
    const out = model.predictBatch(ds.features, { timesteps: ds.timesteps });
    const predicted = model.predictClassBatch(ds.features, { timesteps: ds.timesteps });
    const O = ds.outputDim;
    let correct = 0, checksum = 0;
    const rows = [];
    for (let i = 0; i < ds.n; i++) {
      const pred = predicted[i];
      const conf = O === 1 ? out[i] : out[i * O + pred];
      checksum += conf;
      const truth = O === 1 ? (ds.labels[i] >= 0.5 ? 1 : 0) : ds.labels[i];
      if (pred === truth) correct++;
      if (rows.length < 8) rows.push([i + 1, truth, conf, pred]);
    }
    const acc = correct / ds.n;
    state.shown = { bytes, label };
    $('pred-source').textContent = `${label} · ${model.numParams().toLocaleString('en-US')} parameters · ` +
      `accuracy on all ${ds.n.toLocaleString('en-US')} samples: ${(100 * acc).toFixed(2)} %`;
    $('pred-source').dataset.accuracy = String(acc);
    const t = $('pred-table');
    const head = document.createElement('tr');
    for (const h of ['sample', 'label', O === 1 ? 'P(class 1)' : 'P(predicted)', 'predicted', '']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (const [i, truth, conf, pred] of rows) {
      const tr = document.createElement('tr');
      for (const v of [i, truth, conf.toFixed(4), pred, pred === truth ? '✓' : '✗']) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      tr.lastChild.className = pred === truth ? 'ok' : 'bad';
      tbody.append(tr);
    }
    t.replaceChildren(thead, tbody);
    t.dataset.checksum = String(checksum);
    showEvaluation(model, ds, label);
    if (ds.twoD && O === 1) boundary.showModel(bytes, caption, Number($('boundary').dataset.epoch) || 0);
    return true;
  } catch (e) {
    if (!quiet) showMessage(`Cannot predict with ${name}: ${describeError(e)}`);
    return false;
  } finally {
    model.dispose();
  }
}

async function loadModelFile(file) {
  clearMessages();
  if (file.size > 256 * 1024 * 1024) {
    showMessage(`${file.name} is too large for a FastGRNN model (${(file.size / 1048576).toFixed(0)} MB).`);
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ok = await predictWith(bytes, `Loaded ${file.name}`, { name: file.name });
  if (ok) setStatus(`Loaded ${file.name} and predicted on the current data set.`);
}

// ------------------------------------------------------------ sequence data and per-class results
// (T > 1 data: what the model sees; every run: confusion matrix and
// per-class precision/recall from the library's evaluation)

function showSequenceData(ds, predicted = null) {
  const card = $('sequence-card');
  const seq = !!(ds && ds.timesteps > 1);
  card.hidden = !seq;
  if (!seq) return;
  const what = ds.name === 'gestures'
    ? `Each stroke as the model gets it: ${ds.timesteps} steps of (dx, dy, dt), drawn as the path the steps trace (dot size: the pen's time on the step).`
    : `The first samples' ${ds.inputDim} feature${ds.inputDim === 1 ? '' : 's'} over the ${ds.timesteps} steps (each trace scaled to its cell).`;
  $('sequence-caption').textContent = predicted ? `${what} Frames: green = recognised, red = confused (→ the predicted class).` : what;
  const drawn = drawSequences($('sequence-view'), ds, { predicted });
  $('sequence-view').dataset.samples = String(drawn);
  $('sequence-view').dataset.predicted = predicted ? '1' : '0';
}

function clearEvaluation() {
  $('eval-card').hidden = true;
  state.evaluation = null;
}

/** Confusion matrix and per-class table of `model` on the current data (all samples). */
function showEvaluation(model, ds, label) {
  const report = evaluateModel(model, ds.features, ds.labels, { timesteps: ds.timesteps, classNames: ds.classNames });
  const names = report.classes.map((c) => (ds.classNames || model.card?.classNames ? c.className : `class ${c.index}`));
  state.evaluation = { report, names };
  $('eval-card').hidden = false;
  $('eval-caption').textContent = `${label} on all ${report.samples.toLocaleString('en-US')} samples of the current data ` +
    `(training and validation): accuracy ${(report.accuracy * 100).toFixed(2)} %, loss ${report.loss.toFixed(4)}.`;
  $('eval-card').dataset.accuracy = String(report.accuracy);
  drawConfusion($('eval-confusion'), report, names);
  fillClassTable($('eval-table'), report, names);
  if (ds.timesteps > 1) {
    // the class of each drawn sample, as the library decides it (raw input)
    const step = ds.timesteps * ds.inputDim;
    const predicted = new Int32Array(Math.min(ds.n, 64));
    for (let i = 0; i < predicted.length; i++) {
      predicted[i] = model.predictClass(ds.features.subarray(i * step, (i + 1) * step), { timesteps: ds.timesteps });
    }
    state.lastPredicted = predicted;
    showSequenceData(ds, predicted);
  }
}

function redrawSequenceViews() {
  if (state.data && state.data.timesteps > 1 && !$('sequence-card').hidden) {
    const p = $('sequence-view').dataset.predicted === '1' && state.lastPredicted ? state.lastPredicted : null;
    drawSequences($('sequence-view'), state.data, { predicted: p });
  }
  if (state.evaluation) drawConfusion($('eval-confusion'), state.evaluation.report, state.evaluation.names);
}

// ------------------------------------------------------------ training

// One TrainingWorker per entry and build, kept between runs and warmed up
// (module fetched, compiled, instantiated) as soon as it is made, so that
// a run's time is training time.
const WARMUP = {
  modelConfig: { inputDim: 1, hiddenDim: 2, rank: null },
  trainingConfig: { epochs: 1, validationSplit: 0, batchSize: 4, earlyStoppingPatience: null },
  features: new Float32Array(4), labels: new Float32Array([0, 1, 0, 1]), inputDim: 1,
};

function workerFor(simdChoice) {
  let w = state.workers.get(simdChoice);
  if (w) return w;
  const tw = new TrainingWorker(simdChoice === 'scalar' ? { simd: false } : {});
  w = { tw, ready: tw.train(WARMUP).then(() => true, () => false) };
  state.workers.set(simdChoice, w);
  return w;
}

function resetRunView(epochs) {
  charts.clear();
  $('epoch-counter').textContent = `0 / ${epochs}`;
  $('progress-bar').style.width = '0%';
  $('speed').textContent = '–';
  $('val-acc').textContent = '–';
  delete $('val-acc').dataset.value;
  $('elapsed').textContent = '0.0 s';
}

// The metrics of the epoch whose weights the trained model holds, as the C
// trainer recorded it in the model's card (null when it kept none).
function keptEpoch(modelBytes, metrics) {
  const model = FastGRNN.load(modelBytes);
  try {
    const t = model.card.training;
    return t && t.keptEpoch !== null ? metrics.find((m) => m.epoch === t.keptEpoch) ?? null : null;
  } finally {
    model.dispose();
  }
}

async function start() {
  clearMessages();
  const cfg = readConfig();
  const dataErrors = [];
  dataParams(dataErrors);
  const errors = [...dataErrors, ...cfg.errors];
  if (errors.length) {
    errors.forEach((e) => showMessage(e));
    return;
  }
  // data fields edited without a change event yet: regenerate first
  const p = dataParams([]);
  if (p.kind === 'csv' && state.stream) { await startStream(cfg); return; }
  if (p.kind !== 'csv' && (!state.data || state.data.paramsKey !== JSON.stringify(p))) regenerate();
  const ds = state.data;
  if (!ds) {
    showMessage('There is no data to train on: drop a CSV file, or pick a generated data set.');
    return;
  }
  const { train: nTrain, validation: nVal } = splitSizes(ds.n, cfg.train.validationSplit);
  if (nTrain < 1) {
    showMessage(`With ${ds.n} samples and validation split ${cfg.train.validationSplit}, no training samples are left.`);
    return;
  }
  const simdChoice = $('module').value;
  // Data-parallel (workers > 1): the run trains on this page with the page's build
  const parallel = cfg.workers > 1 ? { workers: cfg.workers, transport: parallelTransport() } : null;
  const simd = parallel ? state.pageSimd : simdChoice === 'scalar' ? false : state.pageSimd;
  const twoD = !!ds.twoD;
  const worker = parallel ? null : workerFor(simdChoice);
  const tw = parallel ? null : worker.tw;
  const controller = new AbortController();
  const run = {
    controller, stopRequested: false, epochs: cfg.train.epochs, nTrain, nVal,
    t0: performance.now(), tStart: 0, seen: 0, lastEpoch: 0, simd, ds, tw, parallel,
  };
  state.run = run;
  document.body.dataset.run = String(++state.runCount);
  resetRunView(cfg.train.epochs);
  setBadge(simd, true);
  setPhase('training');
  setStatus(`Training on ${LABELS[ds.name]} (${nTrain.toLocaleString('en-US')} train / ${nVal.toLocaleString('en-US')} validation samples) ` +
    (parallel
      ? `with the ${simd ? 'SIMD128' : 'scalar'} build, data-parallel: this page and ${parallel.workers - 1} Web Worker${parallel.workers > 2 ? 's' : ''} compute each batch, the data moving ${TRANSPORT_TEXT[parallel.transport]}…`
      : `with the ${simd ? 'SIMD128' : 'scalar'} build in a Web Worker…`));
  if (parallel && simdChoice === 'scalar' && state.pageSimd) showMessage('Data-parallel runs use the page\'s own WebAssembly build (SIMD128).', 'info');
  const modelConfig = {
    ...cfg.model, inputDim: ds.inputDim, outputDim: ds.outputDim, seed: cfg.train.seed,
  };
  const trainingConfig = { ...cfg.train };

  const onEpoch = (m) => {
    if (state.run !== run) return;
    const now = performance.now();
    run.seen++;
    run.lastEpoch = m.epoch + 1;
    charts.push(m);
    $('epoch-counter').textContent = `${m.epoch + 1} / ${run.epochs}`;
    $('progress-bar').style.width = `${(100 * (m.epoch + 1)) / run.epochs}%`;
    // training samples per second of wall time (validation passes included)
    run.rate = (run.seen * nTrain) / ((now - run.tStart) / 1000);
    $('speed').textContent = fmtRate(run.rate);
    $('val-acc').textContent = fmtAcc(m.valAccuracy ?? m.trainAccuracy);
    if (m.snapshot) boundary.showModel(m.snapshot, `After epoch ${m.epoch + 1}`, m.epoch + 1);
  };

  let result;
  try {
    if (parallel) {
      run.tStart = performance.now();
      result = await trainParallel(run, modelConfig, trainingConfig, onEpoch, twoD ? cfg.every : 0);
    } else {
      await worker.ready;
      run.tStart = performance.now();
      if (run.stopRequested) throw new FastGRNNError('Aborted', 'stopped before the first epoch');
      result = await tw.train({
        modelConfig, trainingConfig,
        features: ds.features, labels: ds.labels,
        inputDim: ds.inputDim, timesteps: ds.timesteps, outputDim: ds.outputDim,
        normalize: true, onEpoch, signal: controller.signal,
        // 2-D sets: the weights every few epochs, to redraw the boundary
        snapshotEvery: twoD ? cfg.every : 0,
      });
    }
  } catch (e) {
    if (state.run !== run) return;
    state.run = null;
    const ms = performance.now() - run.t0;
    $('elapsed').textContent = fmtSecs(ms);
    if (e instanceof FastGRNNError && e.code === 'Aborted') {
      setBadge(run.simd, false);
      setPhase('aborted');
      setStatus(`Aborted during epoch ${run.lastEpoch + 1}: the partial model was discarded.`);
      addHistory({
        data: `${LABELS[ds.name]} (${ds.n})`, model: `H${cfg.model.hiddenDim}${cfg.model.rank ? ` r${cfg.model.rank}` : ''}`,
        build: buildText(run.simd, run.parallel), epochs: `${run.lastEpoch} / ${run.epochs} (aborted)`, acc: '–',
        rate: fmtRate(run.rate), time: fmtSecs(ms),
      });
    } else {
      setBadge(run.simd, false);
      setPhase('error');
      const what = e instanceof FastGRNNError && e.code === 'Diverged'
        ? 'Training diverged (the loss is no longer finite). Try a smaller learning rate or a gradient clip.'
        : `Training failed: ${describeError(e)}`;
      showMessage(what);
      setStatus('Training failed; see the message above.');
    }
    return;
  }
  if (state.run !== run) return;
  state.run = null;
  const ms = performance.now() - run.t0;
  const metrics = result.metrics;
  charts.setAll(metrics); // complete history (the last epoch included)
  const n = metrics.length;
  const best = keptEpoch(result.model, metrics);
  const bestAcc = best ? (best.valAccuracy ?? best.trainAccuracy) : null;
  run.rate = (n * nTrain) / ((performance.now() - run.tStart) / 1000);
  $('speed').textContent = fmtRate(run.rate);
  $('epoch-counter').textContent = `${n} / ${run.epochs}`;
  $('progress-bar').style.width = `${run.epochs ? (100 * n) / run.epochs : 100}%`;
  $('elapsed').textContent = fmtSecs(ms);
  $('val-acc').textContent = fmtAcc(bestAcc);
  $('val-acc').dataset.value = String(bestAcc);
  setBadge(result.simd, false);
  state.trained = {
    bytes: result.model, metrics, name: ds.name, hiddenDim: cfg.model.hiddenDim,
  };
  const accWhat = best && best.valAccuracy !== null ? 'validation accuracy' : 'training accuracy';
  const bestText = (best ? ` Kept the weights of epoch ${best.epoch + 1} (${accWhat} ${fmtAcc(bestAcc)}).` : '') +
    (run.parallel ? ` Data-parallel: ${run.parallel.workers} threads (this page and ${run.parallel.workers - 1} Web Worker${run.parallel.workers > 2 ? 's' : ''}), the data moving ${TRANSPORT_TEXT[run.parallel.transport]}.` : '');
  let phase = 'done';
  if (run.stopRequested && n < run.epochs) {
    phase = 'stopped';
    setStatus(`Stopped after epoch ${n} of ${run.epochs}.${bestText}`);
  } else if (n < run.epochs) {
    setStatus(`Stopped early at epoch ${n} of ${run.epochs}: the validation loss did not improve for ${cfg.train.earlyStoppingPatience} epochs.${bestText}`);
  } else {
    setStatus(`Finished ${n} epochs in ${fmtSecs(ms)}.${bestText}`);
  }
  addHistory({
    data: `${LABELS[ds.name]} (${ds.n})`, model: `H${cfg.model.hiddenDim}${cfg.model.rank ? ` r${cfg.model.rank}` : ''}`,
    build: buildText(result.simd, run.parallel), epochs: `${n} / ${run.epochs}`, acc: fmtAcc(bestAcc),
    rate: fmtRate(run.rate), time: fmtSecs(ms),
  });
  await predictWith(result.model, 'Trained model', {
    name: 'The trained model',
    caption: best ? `Trained model: the weights of epoch ${best.epoch + 1} (lowest validation loss)` : 'Trained model',
  });
  setPhase(phase);
}

function stop() {
  const run = state.run;
  if (!run) return;
  if (run.stream) { stopStream(run); return; }
  if (run.parallel) { // data-parallel: abort at once (every worker stops; the partial model is discarded)
    run.controller.abort(new Error('stopped on the page'));
    setStatus('Aborting the data-parallel run…');
    return;
  }
  if (state.phase === 'training') {
    run.stopRequested = true;
    run.tw.stop();
    setPhase('stopping');
    setStatus('Stopping after this epoch… (press “Abort now” to discard the run at once)');
  } else if (state.phase === 'stopping') {
    run.controller.abort();
  }
}

// ------------------------------------------------------------ data-parallel training
// Workers > 1: the package's Trainer trains on this page with
// train(model, dataset, { workers: K }): this page and K - 1 Web Workers compute the chunks of
// each batch; the trainer reduces them in a fixed order, so the model's bytes
// are those of the Web Worker path (the same data, normalization and
// configs). Parameters and gradients move through shared memory when the page
// is cross-origin isolated (web/serve.js sends the headers), else by
// messages: the package decides (parallelTransport()).

const TRANSPORT_TEXT = {
  shared: 'through shared memory (SharedArrayBuffer + Atomics)',
  message: 'by messages (postMessage copies)',
};

/** The most workers the control offers: the device's logical cores. */
function maxParallelWorkers() {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

function buildText(simd, parallel) {
  const build = simd ? 'SIMD128' : 'scalar';
  return parallel ? `${build} · ${parallel.workers} workers (${parallel.transport === 'shared' ? 'shared memory' : 'messages'})` : build;
}

/** Shows the transport data-parallel runs use on this page (from the package). */
function showParallelInfo() {
  const transport = parallelTransport();
  const el = $('parallel-info');
  el.dataset.transport = transport;
  const why = transport === 'shared' ? 'this page is cross-origin isolated'
    : globalThis.crossOriginIsolated ? 'shared memory is unavailable' : 'this page is not cross-origin isolated';
  el.textContent = `Data-parallel runs (workers ≥ 2) train on this page; parameters and gradients move ${TRANSPORT_TEXT[transport]}: ${why}. ` +
    `Up to ${maxParallelWorkers()} workers; 1 = off.`;
  $('parallel-workers').max = String(maxParallelWorkers());
}

/**
 * One data-parallel run on this page; resolves like TrainingWorker#train:
 * { metrics, model: Uint8Array, simd }. Rejects with FastGRNNError 'Aborted'
 * when run.controller aborts.
 */
async function trainParallel(run, modelConfig, trainingConfig, onEpoch, snapshotEvery) {
  const ds = run.ds;
  let dataset = null, model = null, trainer = null;
  try {
    dataset = new TrainingDataset(ds.features, ds.labels, { inputDim: ds.inputDim, timesteps: ds.timesteps, outputDim: ds.outputDim });
    model = new FastGRNN(modelConfig);
    model.normalization = dataset.normalize();
    trainer = new Trainer(model.config, trainingConfig);
    const metrics = await trainer.train(model, dataset, {
      workers: run.parallel.workers,
      signal: run.controller.signal,
      onEpoch: (m) => {
        // 2-D sets: the weights every few epochs, to redraw the boundary
        const snap = snapshotEvery > 0 && (m.epoch + 1) % snapshotEvery === 0;
        onEpoch(snap ? { ...m, snapshot: model.save() } : m);
      },
    });
    return { metrics, model: model.save(), simd: state.pageSimd };
  } finally {
    if (trainer) trainer.dispose();
    if (model) model.dispose();
    if (dataset) dataset.dispose();
  }
}

function addHistory(row) {
  state.history.push(row);
  const tr = document.createElement('tr');
  for (const v of [state.history.length, row.data, row.model, row.build, row.epochs, row.acc, row.rate, row.time]) {
    const td = document.createElement('td');
    td.textContent = String(v);
    tr.append(td);
  }
  $('history').tBodies[0].prepend(tr);
}

// SIMD vs scalar: the same short run with each build, then the speed ratio.
async function compare() {
  clearMessages();
  const cfg = readConfig();
  if (cfg.errors.length) { cfg.errors.forEach((e) => showMessage(e)); return; }
  const ds = state.data;
  if (!ds) { showMessage('There is no data to train on.'); return; }
  const epochs = 6;
  const { train: nTrain, validation: nVal } = splitSizes(ds.n, cfg.train.validationSplit);
  setPhase('comparing');
  document.body.dataset.run = String(++state.runCount);
  const rates = {};
  try {
    for (const simd of [true, false]) {
      setStatus(`Measuring the ${simd ? 'SIMD128' : 'scalar'} build (${epochs} epochs)…`);
      setBadge(simd, true);
      const worker = workerFor(simd ? 'auto' : 'scalar');
      await worker.ready;
      const t0 = performance.now();
      const result = await worker.tw.train({
        modelConfig: { ...cfg.model, inputDim: ds.inputDim, outputDim: ds.outputDim, seed: cfg.train.seed },
        trainingConfig: { ...cfg.train, epochs, earlyStoppingPatience: null },
        features: ds.features, labels: ds.labels,
        inputDim: ds.inputDim, timesteps: ds.timesteps, outputDim: ds.outputDim, normalize: true,
      });
      const tEnd = performance.now();
      rates[simd ? 'simd' : 'scalar'] = (result.metrics.length * nTrain) / ((tEnd - t0) / 1000);
      addHistory({
        data: `${LABELS[ds.name]} (${ds.n})`, model: `H${cfg.model.hiddenDim}${cfg.model.rank ? ` r${cfg.model.rank}` : ''}`,
        build: simd ? 'SIMD128' : 'scalar', epochs: `${result.metrics.length} / ${epochs}`,
        acc: fmtAcc(keptEpoch(result.model, result.metrics)?.valAccuracy), rate: fmtRate(rates[simd ? 'simd' : 'scalar']),
        time: fmtSecs(tEnd - t0),
      });
    }
    const ratio = rates.simd / rates.scalar;
    $('speed').textContent = fmtRate(rates.simd);
    setStatus(`SIMD128: ${fmtRate(rates.simd)} samples/s · scalar: ${fmtRate(rates.scalar)} samples/s · ` +
      `SIMD128 is ${ratio.toFixed(2)}× ${ratio >= 1 ? 'faster' : 'as fast'} on this data set and model.`);
    setBadge(state.pageSimd, false);
    $('compare-result').textContent = `SIMD128 ${ratio.toFixed(2)}× scalar`;
    $('compare-result').dataset.ratio = String(ratio);
    setPhase('compared');
  } catch (e) {
    showMessage(`The comparison failed: ${describeError(e)}`);
    setBadge(state.pageSimd, false);
    setPhase('error');
  }
}

function setBadge(simd, running) {
  const b = $('module-badge');
  b.textContent = `${running ? 'Training: ' : ''}WebAssembly ${simd ? 'SIMD128' : 'scalar'}`;
  b.classList.toggle('simd', simd);
  b.classList.toggle('scalar', !simd);
  b.dataset.simd = String(simd);
}

// ------------------------------------------------------------ large files: training from the file's stream
// A CSV file above STREAM_THRESHOLD_BYTES, and any .jsonl or .fgrows file, is
// never read whole: each pass (labels and sizes, normalization statistics,
// every epoch's training and validation) reopens the File with
// .slice().stream(), and the package's streaming trainer runs on this page's
// thread (it yields to the page every few milliseconds).

/** CSV files larger than this train from their stream instead of being loaded. */
const STREAM_THRESHOLD_BYTES = 64 * 1024 * 1024;
/** The shuffle buffer of streaming runs (approximate shuffling, in samples). */
const STREAM_SHUFFLE_BUFFER = 10000;

/** The threshold in force: ?streamAbove=BYTES (a documented test hook) lowers or raises it. */
function streamThreshold() {
  const v = new URLSearchParams(location.search).get('streamAbove');
  const n = v === null ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : STREAM_THRESHOLD_BYTES;
}

$('stream-hint').textContent = `CSV files above ${fmtBytes(streamThreshold())}, and .jsonl / .fgrows files (binary rows), ` +
  'are never loaded whole: they train from the file\'s stream, with progress.';

function streamKind(file) {
  if (/\.jsonl$/i.test(file.name)) return 'jsonl';
  if (/\.fgrows$/i.test(file.name)) return 'binary';
  return 'csv';
}

function streamsFile(file) {
  return streamKind(file) !== 'csv' || file.size > streamThreshold();
}

function fmtBytes(b) {
  if (b >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)} GB`;
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KB`;
  return `${b} bytes`;
}

function fmtEta(s) {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function selectStreamFile(file) {
  state.stream = { file, kind: streamKind(file) };
  state.csv = null;
  state.csvSeq++; // a CSV read still running is dropped
  if ($('dataset').value !== 'csv') {
    $('dataset').value = 'csv';
    applyPreset('csv');
    updateDataFields('csv');
  }
  showStreamFile();
  setStatus(`${file.name} (${fmtBytes(file.size)}) will be read in pieces while it trains, never whole. Press Start to train on it.`);
}

function showStreamFile() {
  setData(null);
  const { file, kind } = state.stream;
  const what = { csv: 'CSV', jsonl: 'JSON Lines', binary: 'binary rows' }[kind];
  $('data-summary').textContent = `${file.name}: ${fmtBytes(file.size)} of ${what}, streamed from the file during training (not loaded)`;
  $('data-summary').dataset.stream = kind;
  $('export-csv').disabled = true;
}

/**
 * A Blob over the file that counts the bytes every pass reads and gives the
 * page a turn every ~16 ms of reading (so a pass that never waits for the
 * disk still lets the page draw). A real Blob: the sources read it with
 * .slice(start).stream() like any File.
 */
class MeteredBlob extends Blob {
  constructor(parts, meter) {
    super(parts);
    this.meter = meter;
  }

  slice(start, end, type) {
    return new MeteredBlob([super.slice(start, end, type)], this.meter);
  }

  stream() {
    const meter = this.meter;
    let last = performance.now();
    return super.stream().pipeThrough(new TransformStream({
      async transform(chunk, ctl) {
        if (meter.signal.aborted) throw new DOMException('the run was aborted', 'AbortError');
        meter.bytes += chunk.byteLength;
        if (performance.now() - last > 16) {
          await new Promise((r) => setTimeout(r, 0));
          last = performance.now();
        }
        ctl.enqueue(chunk);
      },
    }));
  }
}

function streamSource(kind, blob, name) {
  if (kind === 'binary') return binarySource(blob, { name });
  const timesteps = Number($('csv-steps').value) || 1;
  if (kind === 'jsonl') return jsonlSource(blob, { name, timesteps });
  return csvSource(blob, csvOptions(name));
}

/** Shows the latest progress of a streaming run (once per animation frame at most). */
function renderStreamProgress(run) {
  run.drawPending = false;
  if (state.run !== run) return;
  const el = $('stream-progress');
  const p = run.progress;
  const elapsed = (performance.now() - run.t0) / 1000;
  const bytes = run.meter.bytes;
  const rate = bytes / Math.max(1e-3, elapsed);
  const left = Math.max(0, run.plannedBytes - bytes);
  const parts = [];
  if (run.phase === 'scan') parts.push('Reading the file once for its columns, rows and classes');
  else if (run.phase === 'stats') parts.push('Reading the file once for the normalization statistics');
  else if (!p) parts.push(`Epoch 1 / ${run.epochs}`, 'training');
  else {
    parts.push(`Epoch ${p.epoch + 1} / ${run.epochs}`);
    parts.push(p.phase === 'validate' ? 'validating' : 'training');
  }
  if (p && p.rows !== undefined && run.phase === 'train') {
    parts.push(p.totalRows ? `${p.rows.toLocaleString('en-US')} of ${p.totalRows.toLocaleString('en-US')} rows` : `${p.rows.toLocaleString('en-US')} rows`);
  }
  if (p && p.rowsPerSecond) run.rowsRate = p.rowsPerSecond; // (validation passes report no training rate)
  if (run.phase === 'train' && run.rowsRate) parts.push(`${fmtRate(run.rowsRate)} rows/s`);
  parts.push(`${fmtBytes(bytes)} read (${fmtRate(rate)}B/s)`);
  parts.push(`ETA ${fmtEta(left / rate)}`);
  el.textContent = parts.join(' · ');
  el.dataset.phase = run.phase === 'train' && p ? p.phase : run.phase;
  el.dataset.bytes = String(bytes);
  if (p && run.phase === 'train') {
    el.dataset.rows = String(p.rows);
    el.dataset.epoch = String(p.epoch + 1);
    $('epoch-counter').textContent = `${p.epoch + 1} / ${run.epochs}`;
    if (run.rowsRate) $('speed').textContent = fmtRate(run.rowsRate);
  }
  $('progress-bar').style.width = `${Math.min(100, (100 * bytes) / Math.max(1, run.plannedBytes))}%`;
}

function scheduleStreamProgress(run) {
  if (run.drawPending) return;
  run.drawPending = true;
  requestAnimationFrame(() => renderStreamProgress(run));
}

async function startStream(cfg) {
  const { file, kind } = state.stream;
  const controller = new AbortController();
  const meter = { bytes: 0, signal: controller.signal };
  const blob = new MeteredBlob([file], meter);
  let source;
  try {
    source = streamSource(kind, blob, file.name);
  } catch (e) {
    showMessage(`Cannot use ${file.name}: ${describeError(e)}`);
    return;
  }
  const epochs = cfg.train.epochs;
  const perEpoch = cfg.train.validationSplit > 0 ? 2 : 1; // a training pass, and a validation pass over the held-out rows
  const run = {
    stream: true, controller, meter, file, epochs, phase: 'scan', progress: null, drawPending: false,
    trainer: null, stopRequested: false, lastEpoch: 0, simd: state.pageSimd, t0: performance.now(),
    // bytes the whole run reads (early stopping can end it sooner): the scan (not for binary rows, whose
    // header says it all), the statistics, then every epoch's passes
    plannedBytes: file.size * ((kind === 'binary' ? 0 : 1) + 1 + epochs * perEpoch),
  };
  state.run = run;
  document.body.dataset.run = String(++state.runCount);
  resetRunView(epochs);
  $('stream-progress').hidden = false;
  setBadge(run.simd, true);
  setPhase('training');
  setStatus(`Training on ${file.name} from its stream on this page (${run.simd ? 'SIMD128' : 'scalar'} build); the file is never loaded whole…`);
  if ($('module').value === 'scalar' && state.pageSimd) showMessage('Streaming runs use the page\'s own WebAssembly build (SIMD128).', 'info');
  // data-parallel streaming: the page reads the file, K workers compute each batch
  const parallel = cfg.workers > 1 ? { workers: cfg.workers } : {};
  const ticker = setInterval(() => scheduleStreamProgress(run), 250);
  const label = `${file.name} (streamed)`;
  const modelText = `H${cfg.model.hiddenDim}${cfg.model.rank ? ` r${cfg.model.rank}` : ''}`;
  let model = null;
  let metrics;
  try {
    const info = await source.info();
    run.phase = 'stats';
    scheduleStreamProgress(run);
    const normalization = await sourceNormalization(source);
    if (controller.signal.aborted) throw new FastGRNNError('Aborted', 'aborted before training');
    run.info = info;
    model = new FastGRNN({ ...cfg.model, inputDim: info.inputDim, outputDim: info.outputDim, seed: cfg.train.seed });
    model.normalization = normalization;
    run.trainer = new Trainer(model.config, { ...cfg.train });
    run.phase = 'train';
    run.tTrain = performance.now();
    metrics = await run.trainer.train(model, source, {
      ...parallel,
      shuffleBuffer: STREAM_SHUFFLE_BUFFER,
      signal: controller.signal,
      onProgress: (p) => { run.progress = p; scheduleStreamProgress(run); },
      onEpoch: (m) => {
        if (state.run !== run) return;
        run.lastEpoch = m.epoch + 1;
        charts.push(m);
        $('val-acc').textContent = fmtAcc(m.valAccuracy ?? m.trainAccuracy);
      },
    });
    // "Abort now" after Stop: the interrupted run resolved, but it is discarded all the same
    if (controller.signal.aborted) throw new FastGRNNError('Aborted', 'the run was aborted');
  } catch (e) {
    clearInterval(ticker);
    if (run.trainer) run.trainer.dispose();
    if (model) model.dispose();
    if (state.run !== run) return;
    state.run = null;
    const ms = performance.now() - run.t0;
    $('elapsed').textContent = fmtSecs(ms);
    setBadge(run.simd, false);
    if (controller.signal.aborted) {
      setPhase('aborted');
      setStatus(`Aborted ${run.phase === 'train' ? `during epoch ${run.lastEpoch + 1}` : 'before training'}: the partial model was discarded.`);
      addHistory({ data: label, model: modelText, build: run.simd ? 'SIMD128' : 'scalar', epochs: `${run.lastEpoch} / ${epochs} (aborted)`, acc: '–', rate: '–', time: fmtSecs(ms) });
    } else {
      setPhase('error');
      const what = e instanceof FastGRNNError && e.code === 'Diverged'
        ? 'Training diverged (the loss is no longer finite). Try a smaller learning rate or a gradient clip.'
        : `Training on ${file.name} failed: ${describeError(e)}`;
      showMessage(what);
      setStatus('Training failed; see the message above.');
    }
    return;
  }
  clearInterval(ticker);
  const bytes = model.save();
  const summary = run.trainer.summary();
  const params = model.numParams();
  run.trainer.dispose();
  model.dispose();
  if (state.run !== run) return;
  renderStreamProgress(run);
  state.run = null;
  const ms = performance.now() - run.t0;
  charts.setAll(metrics);
  const n = metrics.length;
  const best = keptEpoch(bytes, metrics);
  const bestAcc = best ? (best.valAccuracy ?? best.trainAccuracy) : null;
  const rate = run.rowsRate || 0;
  $('speed').textContent = fmtRate(rate);
  $('epoch-counter').textContent = `${n} / ${epochs}`;
  $('progress-bar').style.width = '100%';
  $('elapsed').textContent = fmtSecs(ms);
  $('val-acc').textContent = fmtAcc(bestAcc);
  $('val-acc').dataset.value = String(bestAcc);
  $('stream-progress').dataset.phase = 'done';
  setBadge(run.simd, false);
  state.trained = { bytes, metrics, name: file.name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'stream', hiddenDim: cfg.model.hiddenDim };
  const accWhat = best && best.valAccuracy !== null ? 'validation accuracy' : 'training accuracy';
  const bestText = best ? ` Kept the weights of epoch ${best.epoch + 1} (${accWhat} ${fmtAcc(bestAcc)}).` : '';
  const read = `${fmtBytes(run.meter.bytes)} read from the file in pieces`;
  let phase = 'done';
  if (summary.stopReason === 'interrupted') {
    phase = 'stopped';
    setStatus(`Stopped during epoch ${n + 1} of ${epochs} (${n} complete; ${read}).${bestText}`);
  } else if (n < epochs) {
    setStatus(`Stopped early at epoch ${n} of ${epochs}: the validation loss did not improve for ${cfg.train.earlyStoppingPatience} epochs (${read}).${bestText}`);
  } else {
    setStatus(`Finished ${n} epochs on ${file.name} in ${fmtSecs(ms)} (${read}).${bestText}`);
  }
  addHistory({ data: label, model: modelText, build: run.simd ? 'SIMD128' : 'scalar', epochs: `${n} / ${epochs}`, acc: fmtAcc(bestAcc), rate: fmtRate(rate), time: fmtSecs(ms) });
  state.shown = null;
  clearPredictions();
  $('pred-source').textContent = `Model trained on ${file.name} (streamed, ${run.info.rows === null ? '' : `${run.info.rows.toLocaleString('en-US')} rows, `}` +
    `${params.toLocaleString('en-US')} parameters): download it, or load it back on a data set that fits in the page to see predictions.`;
  setPhase(phase);
}

// Stop: the run ends at the next batch (trainer.interrupt(); the best weights so far are kept);
// before training starts, and on "Abort now", the run is discarded.
function stopStream(run) {
  if (state.phase === 'training' && run.trainer && run.phase === 'train') {
    run.stopRequested = true;
    run.trainer.interrupt();
    setPhase('stopping');
    setStatus('Stopping at the next batch… (press “Abort now” to discard the run)');
  } else {
    run.controller.abort();
  }
}

// ------------------------------------------------------------ heartbeat

function heartbeat() {
  state.frames++;
  $('ui-frames').textContent = String(state.frames);
  if (state.run && state.frames % 6 === 0) $('elapsed').textContent = fmtSecs(performance.now() - state.run.t0);
  requestAnimationFrame(heartbeat);
}

// ------------------------------------------------------------ wiring

function wire() {
  $('dataset').addEventListener('change', () => {
    clearMessages();
    applyPreset($('dataset').value);
    regenerate();
    if ($('dataset').value === 'csv' && !state.csv) setStatus('Drop a CSV file (or choose one) to train on it.');
  });
  for (const id of ['n', 'data-seed', 'noise', 'steps']) {
    $(id).addEventListener('change', () => { clearMessages(); regenerate(); });
  }
  for (const id of ['csv-steps', 'csv-missing', 'csv-ignore']) $(id).addEventListener('change', () => {
    clearMessages();
    if (state.stream) showStreamFile();
    else if (state.csv) loadCSV(state.csv.file, state.csv.name, true);
  });
  $('csv-file').addEventListener('change', (ev) => {
    const f = ev.target.files && ev.target.files[0];
    ev.target.value = '';
    if (f) loadCSVFile(f);
  });
  $('load-model').addEventListener('change', (ev) => {
    const f = ev.target.files && ev.target.files[0];
    ev.target.value = '';
    if (f) loadModelFile(f);
  });
  const zone = $('drop-zone');
  // Files dropped anywhere: .safetensors loads a model, anything else is CSV.
  document.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = state.phase === 'training' ? 'none' : 'copy';
    zone.classList.add('over');
  });
  document.addEventListener('dragleave', (ev) => {
    if (ev.relatedTarget === null) zone.classList.remove('over');
  });
  document.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    const f = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files[0];
    if (!f) return;
    if (state.phase === 'training' || state.phase === 'stopping' || state.phase === 'comparing') {
      showMessage('Training is running: stop it before loading another file.', 'info');
      return;
    }
    if (/\.safetensors$/i.test(f.name)) loadModelFile(f);
    else loadCSVFile(f);
  });
  zone.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('csv-file').click(); }
  });
  $('start').addEventListener('click', start);
  $('stop').addEventListener('click', stop);
  $('compare').addEventListener('click', compare);
  $('reset-config').addEventListener('click', () => { clearMessages(); applyPreset($('dataset').value); regenerate(); });
  $('export-csv').addEventListener('click', () => {
    if (state.data) download(toCSV(state.data), `${state.data.name === 'csv' ? 'data' : state.data.name}.csv`, 'text/csv');
  });
  $('download-model').addEventListener('click', () => {
    const t = state.trained;
    if (t) download(t.bytes, `fastgrnn-${t.name}-h${t.hiddenDim}.safetensors`, 'application/octet-stream');
  });
  $('download-onnx').addEventListener('click', () => {
    const t = state.trained;
    if (!t) return;
    let model;
    try {
      model = FastGRNN.load(t.bytes);
      download(model.toONNX(), `fastgrnn-${t.name}-h${t.hiddenDim}.onnx`, 'application/octet-stream');
    } catch (e) {
      showMessage(`Cannot export the model to ONNX: ${describeError(e)}`);
    } finally {
      if (model) model.dispose();
    }
  });
  $('download-metrics').addEventListener('click', () => {
    const t = state.trained;
    if (t) download(metricsToJSON(t.metrics) + '\n', `fastgrnn-${t.name}-metrics.json`, 'application/json');
  });
  window.addEventListener('resize', () => { if (boundary.active) boundary.redraw(); });
  window.addEventListener('resize', redrawSequenceViews);
  new ResizeObserver(() => { if (boundary.active) boundary.redraw(); }).observe($('boundary'));
}

async function main() {
  requestAnimationFrame(heartbeat);
  wire();
  applyPreset('routing');
  charts.create();
  regenerate();
  setPhase('loading');
  try {
    const info = await init();
    state.pageSimd = info.simd;
    setBadge(info.simd, false);
    if (!info.simd) {
      $('module').querySelector('option[value="auto"]').textContent = 'SIMD128 (n/a)';
      $('compare').title = 'This browser has no WebAssembly SIMD128';
    }
    workerFor('auto'); // start and warm up the training worker
    showParallelInfo();
    mountSearchPanel($('search-panel'), { getData: () => state.data });
    const warm = new FastGRNN({ inputDim: 2, hiddenDim: 4, rank: null }); // and the page's own path
    warm.forwardBatch(new Float32Array(2 * 64));
    FastGRNN.load(warm.save()).dispose();
    warm.dispose();
    setPhase('idle');
    setStatus('Ready. Pick a data set, adjust the settings if you like, and press Start training.');
  } catch (e) {
    setPhase('error');
    $('module-badge').textContent = 'WebAssembly unavailable';
    showMessage(`The WebAssembly module could not be loaded: ${describeError(e)}`);
    setStatus('The demo cannot run in this browser.');
  }
}

// For the console: window.fastgrnnDemo.state
window.fastgrnnDemo = { state };
main();
