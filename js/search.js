// search.js - hyperparameter search over a pool of workers.
//
//   const result = await search({
//     data: { features, labels, inputDim: 5 },
//     space: { hiddenDim: [8, 16, 32], learningRate: { min: 1e-3, max: 3e-2, log: true },
//              prune: [0, 0.5], quantize: [false, true] },
//     strategy: 'random', trials: 12, workers: 2, objective: 'valAccuracy',
//   });
//   result.best; result.pareto; result.toCSV(); result.bestModel // safetensors bytes
//
// Every trial trains in a worker (worker_threads in Node, module Web Workers in
// browsers) from its own seed, derived from the search seed and the trial's
// index alone; its parameters are drawn from that seed too. The data is split
// once, with the search seed, into a training part and a held-out part that
// scores every trial (after the trial's prune / quantize), so the results do
// not depend on the number of workers or on the order trials finish in.

import {
  init, defaultModelConfig, defaultTrainingConfig, configLimits, TrainingDataset,
  FastGRNNError,
} from './index.js';
import { isNode } from './loader.js';
import { workerThreads } from './worker-host.js';
import { describe } from './errors.js';
import { seededRandom } from './data.js';

const PROTOCOL = 'fastgrnn-search';
const STRATEGIES = ['grid', 'random', 'halving'];
const OBJECTIVES = ['valLoss', 'valAccuracy'];
/** Keys of a trial that are not model or training config keys. */
const COMPRESSION_KEYS = ['prune', 'quantize'];
/** Keys the data decides. */
const DATA_KEYS = ['inputDim', 'outputDim'];

const bad = (msg) => { throw new FastGRNNError('InvalidInput', `search: ${msg}`); };

// ------------------------------------------------------------------ seeds

/**
 * The seed of trial `index` of a search seeded `seed`: a 32-bit mix of both
 * (splitmix32-style finalizer), so a trial depends on nothing but these two.
 */
export function trialSeed(seed, index) {
  let h = (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ------------------------------------------------------------------ space

/**
 * The space as a list of dimensions { key, target, values | min, max, log,
 * integer }. target: 'model' | 'training' | 'compression'.
 */
function parseSpace(space, gridSteps) {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) {
    bad(`space must be an object of key -> list or { min, max, log? }, got ${describe(space)}`);
  }
  const keys = Object.keys(space);
  if (keys.length === 0) bad('space has no keys');
  const model = defaultModelConfig();
  const training = defaultTrainingConfig();
  const limits = configLimits();
  const dims = [];
  for (const key of keys) {
    const spec = space[key];
    let target;
    if (COMPRESSION_KEYS.includes(key)) target = 'compression';
    else if (DATA_KEYS.includes(key)) bad(`space key '${key}' is decided by the data, not searched`);
    else if (key === 'seed') bad("space key 'seed' is not searched: each trial's seed comes from the search seed and its index");
    else if (key in model) target = 'model';
    else if (key in training) target = 'training';
    else bad(`space key '${key}' is not a model or training config key, 'prune' or 'quantize'`);
    const lim = target === 'compression'
      ? (key === 'prune' ? { min: 0, max: 1, minOpen: false, maxOpen: true, integer: false } : null)
      : limits[target][key];
    if (Array.isArray(spec)) {
      if (spec.length === 0) bad(`space.${key} is an empty list`);
      dims.push({ key, target, values: spec.slice() });
      continue;
    }
    if (spec === null || typeof spec !== 'object') {
      bad(`space.${key} must be a list or { min, max, log? }, got ${describe(spec)}`);
    }
    for (const k of Object.keys(spec)) {
      if (!['min', 'max', 'log', 'steps'].includes(k)) bad(`space.${key}: unknown field '${k}'`);
    }
    const { min, max } = spec;
    const log = spec.log === undefined ? false : spec.log;
    if (typeof log !== 'boolean') bad(`space.${key}.log must be a boolean, got ${describe(log)}`);
    if (!lim) bad(`space.${key} must be a list (it is not numeric)`);
    for (const [n, v] of [['min', min], ['max', max]]) {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`space.${key}.${n} must be a finite number, got ${describe(v)}`);
      const below = lim.minOpen ? v <= lim.min : v < lim.min;
      const above = lim.maxOpen ? v >= lim.max : v > lim.max;
      if (below || above) {
        bad(`space.${key}.${n} = ${v} is outside the key's bounds ${lim.minOpen ? '(' : '['}${lim.min}, ${lim.max}${lim.maxOpen ? ')' : ']'}`);
      }
      if (lim.integer && !Number.isInteger(v)) bad(`space.${key}.${n} must be an integer, got ${v}`);
    }
    if (!(min <= max)) bad(`space.${key}: min ${min} is greater than max ${max}`);
    if (log && !(min > 0)) bad(`space.${key}: a log range needs min > 0, got ${min}`);
    const steps = spec.steps === undefined ? gridSteps : spec.steps;
    if (!Number.isInteger(steps) || steps < 1) bad(`space.${key}.steps must be a positive integer, got ${describe(steps)}`);
    dims.push({ key, target, min, max, log, integer: lim.integer, steps });
  }
  return dims;
}

/** A point of a range at fraction u in [0, 1]. */
function rangePoint(d, u) {
  let v = d.log ? Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min)))
    : d.min + u * (d.max - d.min);
  if (d.integer) v = Math.min(d.max, Math.max(d.min, Math.round(v)));
  return v;
}

/** The grid values of one dimension: the list, or `steps` points of the range. */
function gridValues(d) {
  if (d.values) return d.values;
  const out = [];
  for (let i = 0; i < d.steps; i++) {
    const v = rangePoint(d, d.steps === 1 ? 0.5 : i / (d.steps - 1));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Grid point `index` (the first key varies slowest). */
function gridPoint(dims, lists, index) {
  const params = {};
  let rest = index;
  for (let k = dims.length - 1; k >= 0; k--) {
    const n = lists[k].length;
    params[dims[k].key] = lists[k][rest % n];
    rest = Math.floor(rest / n);
  }
  return orderKeys(dims, params);
}

/** Random point of trial `index`: drawn from that trial's seed alone. */
function randomPoint(dims, seed) {
  const r = seededRandom(seed);
  const params = {};
  for (const d of dims) {
    const u = r();
    params[d.key] = d.values ? d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]
      : rangePoint(d, u);
  }
  return params;
}

function orderKeys(dims, params) {
  const o = {};
  for (const d of dims) o[d.key] = params[d.key];
  return o;
}

// ------------------------------------------------------------------ data

/** What the workers need of a dataset (copies of its arrays). */
function datasetFields(ds) {
  return {
    features: ds.features, labels: ds.labels, softTargets: ds.softTargets || undefined,
    inputDim: ds.inputDim, timesteps: ds.timesteps, outputDim: ds.outputDim,
  };
}

function prepareData(data) {
  if (data === null || typeof data !== 'object') {
    bad(`data must be a TrainingDataset or { features, labels, inputDim, timesteps?, outputDim? }, got ${describe(data)}`);
  }
  let out;
  if (data instanceof TrainingDataset) {
    out = datasetFields(data);
  } else {
    // Validate here (the same C checks the workers will run), with a clear message.
    let ds;
    try {
      ds = new TrainingDataset(data.features, data.labels, {
        inputDim: data.inputDim, timesteps: data.timesteps, outputDim: data.outputDim,
      });
    } catch (e) {
      if (e instanceof FastGRNNError) throw new FastGRNNError(e.code, `search: data: ${e.message}`, { cause: e });
      throw e;
    }
    try {
      if (data.softTargets) ds.withSoftTargets(data.softTargets);
      out = datasetFields(ds);
    } finally {
      ds.dispose();
    }
  }
  for (const k of ['featureNames', 'classNames', 'labelName']) {
    if (data[k] !== undefined && data[k] !== null) out[k] = data[k];
  }
  if (!out.softTargets) delete out.softTargets;
  return out;
}

// ------------------------------------------------------------------ pool

const NODE_WORKER_FILE = './search-worker.js';

/**
 * One worker: setup once, then one trial at a time. run() resolves to the
 * worker's answer, or to a 'failed' answer when the worker dies, hangs past
 * the timeout or cannot start; the worker is then gone (the pool replaces it).
 */
class SearchWorker {
  constructor(pool) {
    this.pool = pool;
    this.dead = false;
    this.pending = null;
  }

  async start() {
    const { url, setup } = this.pool;
    if (isNode) {
      const { Worker } = await workerThreads();
      if (this.dead) throw new FastGRNNError('Aborted', 'search aborted');
      const base = import.meta.url;
      const w = new Worker(url ? (/^file:/i.test(url) ? new URL(url) : url)
        : new URL(NODE_WORKER_FILE, base));
      this.w = w;
      this.post = (m) => w.postMessage(m);
      w.on('message', (m) => this.onMessage(m));
      w.on('error', (e) => this.die(`the search worker died: ${e && e.message ? e.message : String(e)}`));
      w.on('exit', (code) => this.die(`the search worker exited (exit code ${code})`));
    } else {
      const w = url ? new Worker(url, { type: 'module', name: 'fastgrnn-search' })
        : new Worker(new URL('./search-worker.js', import.meta.url), { type: 'module', name: 'fastgrnn-search' });
      this.w = w;
      this.post = (m) => w.postMessage(m);
      w.onmessage = (ev) => this.onMessage(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault();
        this.die(`the search worker died${ev.message ? `: ${ev.message}` : ' (its script could not be loaded)'}`);
      };
    }
    const ready = await this.request({ ...setup, type: 'setup' }, this.pool.timeoutMs, 'setting up');
    if (ready.type !== 'ready') {
      this.terminate();
      throw new FastGRNNError(ready.code || 'InvalidInput', `search: a worker could not start: ${ready.message}`);
    }
  }

  request(msg, timeoutMs, what) {
    if (this.dead) {
      return Promise.resolve({ type: 'failed', index: msg.index, rung: msg.rung, code: 'Aborted',
        message: 'the search worker was terminated', workerLost: true });
    }
    return new Promise((resolve) => {
      const timer = timeoutMs > 0 && Number.isFinite(timeoutMs) ? setTimeout(() => {
        this.die(`the search worker did not answer within ${timeoutMs} ms while ${what}; it was terminated`);
      }, timeoutMs) : null;
      this.pending = { resolve, timer, msg };
      this.post({ protocol: PROTOCOL, ...msg });
    });
  }

  onMessage(m) {
    if (!m || m.protocol !== PROTOCOL || !this.pending) return;
    const p = this.pending;
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    p.resolve(m);
  }

  die(message) {
    if (this.dead) return;
    this.terminate(message);
  }

  /** Ends the worker; a pending request resolves as failed with `message` (and its timer stops). */
  terminate(message = 'the search worker was terminated') {
    this.dead = true;
    const p = this.pending;
    this.pending = null;
    if (p) {
      if (p.timer) clearTimeout(p.timer);
      p.resolve({ type: 'failed', index: p.msg.index, rung: p.msg.rung, code: 'Aborted', message, workerLost: true });
    }
    const w = this.w;
    this.w = null;
    if (w) {
      try { w.terminate(); } catch { /* already gone */ }
    }
  }
}

class Pool {
  constructor(size, url, setup, timeoutMs) {
    this.size = size;
    this.url = url;
    this.setup = setup;
    this.timeoutMs = timeoutMs;
    this.idle = [];
    this.all = new Set();
    this.waiting = [];
    this.closed = false;
  }

  async acquire() {
    if (this.closed) throw new FastGRNNError('Aborted', 'search aborted');
    for (let w = this.idle.pop(); w; w = this.idle.pop()) {
      if (!w.dead) return w;
      this.all.delete(w); // died while idle: replaced below
    }
    if (this.all.size < this.size) {
      const fresh = new SearchWorker(this);
      this.all.add(fresh);
      try {
        await fresh.start();
      } catch (e) {
        this.all.delete(fresh);
        throw e;
      }
      if (this.closed) { fresh.terminate(); throw new FastGRNNError('Aborted', 'search aborted'); }
      return fresh;
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  release(w) {
    if (w.dead) {
      this.all.delete(w);
      // a replacement starts when the next trial asks for a worker
      const next = this.waiting.shift();
      if (next) this.acquire().then(next.resolve, next.reject);
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(w);
    else this.idle.push(w);
  }

  /** Runs one trial message; resolves to the worker's answer (never rejects on trial faults). */
  async run(msg) {
    const w = await this.acquire();
    if (this.closed) throw new FastGRNNError('Aborted', 'search aborted');
    const answer = await w.request(msg, this.timeoutMs, `running trial ${msg.index}`);
    this.release(w);
    return answer;
  }

  close() {
    this.closed = true;
    for (const w of this.all) w.terminate();
    this.all.clear();
    this.idle = [];
    for (const q of this.waiting) q.reject(new FastGRNNError('Aborted', 'search aborted'));
    this.waiting = [];
  }
}

// ------------------------------------------------------------------ ranking

/** a before b? (objective, then within-budget first, then index) */
function compareRecords(objective) {
  return (a, b) => {
    const okA = a.status === 'ok', okB = b.status === 'ok';
    if (okA !== okB) return okA ? -1 : 1;
    if (okA) {
      if ((a.rung ?? 0) !== (b.rung ?? 0)) return (b.rung ?? 0) - (a.rung ?? 0);
      if (a.withinBudget !== b.withinBudget) return a.withinBudget ? -1 : 1;
      const va = a[objective], vb = b[objective];
      const na = Number.isNaN(va), nb = Number.isNaN(vb);
      if (na !== nb) return na ? 1 : -1;
      if (!na && va !== vb) return objective === 'valLoss' ? va - vb : vb - va;
    }
    return a.index - b.index;
  };
}

/** Marks the non-dominated records (higher valAccuracy, fewer bytes). */
export function paretoFront(records) {
  const ok = records.filter((r) => r.status === 'ok' && !Number.isNaN(r.valAccuracy));
  const front = ok.filter((r) => !ok.some((o) => o !== r &&
    o.valAccuracy >= r.valAccuracy && o.sizeBytes <= r.sizeBytes &&
    (o.valAccuracy > r.valAccuracy || o.sizeBytes < r.sizeBytes)));
  return front.sort((a, b) => a.sizeBytes - b.sizeBytes || a.index - b.index);
}

const CSV_COLUMNS = ['rank', 'index', 'status', 'seed', 'rung', 'epochs', 'epochsRun',
  'valLoss', 'valAccuracy', 'sizeBytes', 'withinBudget', 'pareto', 'error'];

function csvCell(v) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : String(v)) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The outcome of search(): records, ranking, Pareto front, model bytes. */
export class SearchResult {
  constructor(opts, records, evaluations, bytes) {
    this.strategy = opts.strategy;
    this.objective = opts.objective;
    this.seed = opts.seed;
    this.sizeBudget = opts.sizeBudget ?? null;
    this.paramKeys = opts.paramKeys;
    /** Every trial (its last evaluation), by index. */
    this.trials = records;
    /** Every evaluation (one per trial and rung for 'halving'), in run order. */
    this.evaluations = evaluations;
    this._bytes = bytes;
    /** Trials best first (ties broken by index; failed trials last). */
    this.ranked = records.slice().sort(compareRecords(this.objective));
    this.ranked.forEach((r, i) => { r.rank = i + 1; });
    /** Non-dominated trials on accuracy vs size, smallest first. */
    this.pareto = paretoFront(records);
    const onFront = new Set(this.pareto.map((r) => r.index));
    for (const r of records) r.pareto = onFront.has(r.index);
    const top = this.ranked[0];
    /** The best trial, or null when every trial failed. */
    this.best = top && top.status === 'ok' ? top : null;
  }

  /** The saved model (safetensors with its card) of trial `index`, or null. */
  modelBytes(index) {
    const b = this._bytes.get(index);
    return b ? b.slice() : null;
  }

  /** The best trial's model as safetensors bytes (with its card), or null. */
  get bestModel() { return this.best ? this.modelBytes(this.best.index) : null; }

  /** The ranked table as a plain object (no model bytes). */
  toJSON() {
    return {
      strategy: this.strategy,
      objective: this.objective,
      seed: this.seed,
      sizeBudget: this.sizeBudget,
      best: this.best ? this.best.index : null,
      pareto: this.pareto.map((r) => r.index),
      trials: this.ranked.map((r) => ({ ...r, params: { ...r.params } })),
    };
  }

  /** The ranked table as CSV: rank, index, status, ..., then one column per searched key. */
  toCSV() {
    const head = [...CSV_COLUMNS, ...this.paramKeys];
    const lines = [head.join(',')];
    for (const r of this.ranked) {
      const row = CSV_COLUMNS.map((c) => csvCell(c === 'error' ? (r.error ? `${r.error.code}: ${r.error.message}` : '') : r[c]));
      for (const k of this.paramKeys) row.push(csvCell(r.params[k]));
      lines.push(row.join(','));
    }
    return lines.join('\n') + '\n';
  }
}

// ------------------------------------------------------------------ search

function checkInt(v, what, min) {
  if (!Number.isInteger(v) || v < min) bad(`${what} must be an integer >= ${min}, got ${describe(v)}`);
  return v;
}

function defaultWorkers() {
  const hc = typeof navigator !== 'undefined' && navigator.hardwareConcurrency
    ? navigator.hardwareConcurrency : 2;
  return Math.max(1, Math.min(4, hc));
}

const OPTION_KEYS = ['space', 'trials', 'strategy', 'workers', 'objective', 'sizeBudget', 'data',
  'signal', 'onTrial', 'seed', 'model', 'training', 'validationSplit', 'normalize', 'halving',
  'gridSteps', 'trialTimeoutMs', 'workerUrl', 'init'];

/**
 * Hyperparameter search. See index.d.ts (SearchOptions) for the options.
 * Resolves to a SearchResult; rejects with FastGRNNError 'Aborted' when
 * `signal` aborts (every worker is terminated), 'InvalidInput' on bad options.
 */
export async function search(options) {
  if (options === null || typeof options !== 'object') bad(`options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) bad(`unknown option '${k}'`);
  await init(options.init || {});
  const strategy = options.strategy ?? 'random';
  if (!STRATEGIES.includes(strategy)) bad(`strategy must be one of ${STRATEGIES.join(', ')}, got ${describe(strategy)}`);
  const objective = options.objective ?? 'valLoss';
  if (!OBJECTIVES.includes(objective)) bad(`objective must be one of ${OBJECTIVES.join(', ')}, got ${describe(objective)}`);
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) bad(`seed must be an integer in [0, 4294967295], got ${describe(seed)}`);
  const workers = options.workers === undefined ? defaultWorkers() : checkInt(options.workers, 'workers', 1);
  const gridSteps = options.gridSteps === undefined ? 3 : checkInt(options.gridSteps, 'gridSteps', 1);
  const sizeBudget = options.sizeBudget ?? null;
  if (sizeBudget !== null && !(Number.isInteger(sizeBudget) && sizeBudget > 0)) {
    bad(`sizeBudget must be a positive integer (bytes), got ${describe(sizeBudget)}`);
  }
  const timeoutMs = options.trialTimeoutMs ?? 600000;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) bad(`trialTimeoutMs must be a positive number, got ${describe(timeoutMs)}`);
  const validationSplit = options.validationSplit ?? 0.2;
  if (typeof validationSplit !== 'number' || !(validationSplit > 0 && validationSplit < 1)) {
    bad(`validationSplit must be a number in (0, 1), got ${describe(validationSplit)}`);
  }
  const { signal, onTrial } = options;
  if (onTrial !== undefined && typeof onTrial !== 'function') bad(`onTrial must be a function, got ${describe(onTrial)}`);
  if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean')) {
    bad(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
  const baseModel = options.model ?? {};
  const baseTraining = options.training ?? {};
  if (baseModel === null || typeof baseModel !== 'object') bad(`model must be a model config object, got ${describe(baseModel)}`);
  if (baseTraining === null || typeof baseTraining !== 'object') bad(`training must be a training config object, got ${describe(baseTraining)}`);
  const dims = parseSpace(options.space, gridSteps);
  const data = prepareData(options.data);

  // The trial list (rung 0).
  let count;
  let pointOf;
  if (strategy === 'grid') {
    const lists = dims.map(gridValues);
    const size = lists.reduce((a, l) => a * l.length, 1);
    count = options.trials === undefined ? size : Math.min(size, checkInt(options.trials, 'trials', 1));
    pointOf = (i) => gridPoint(dims, lists, i);
  } else {
    if (options.trials === undefined) bad(`trials is required with strategy '${strategy}'`);
    count = checkInt(options.trials, 'trials', 1);
    pointOf = (i) => randomPoint(dims, trialSeed(seed, i) ^ 0x5bd1e995);
  }
  let eta = 3, minEpochs = 1, maxEpochs = baseTraining.epochs ?? defaultTrainingConfig().epochs;
  if (strategy === 'halving') {
    const h = options.halving ?? {};
    if (h === null || typeof h !== 'object') bad(`halving must be an object { eta?, minEpochs?, maxEpochs? }, got ${describe(h)}`);
    for (const k of Object.keys(h)) if (!['eta', 'minEpochs', 'maxEpochs'].includes(k)) bad(`halving: unknown field '${k}'`);
    eta = h.eta === undefined ? 3 : checkInt(h.eta, 'halving.eta', 2);
    maxEpochs = h.maxEpochs === undefined ? maxEpochs : checkInt(h.maxEpochs, 'halving.maxEpochs', 1);
    minEpochs = h.minEpochs === undefined ? Math.max(1, Math.floor(maxEpochs / eta ** 2)) : checkInt(h.minEpochs, 'halving.minEpochs', 1);
    if (minEpochs > maxEpochs) bad(`halving.minEpochs ${minEpochs} is greater than maxEpochs ${maxEpochs}`);
  } else if (options.halving !== undefined) {
    bad("halving options apply to strategy 'halving' only");
  }

  const trials = [];
  for (let i = 0; i < count; i++) {
    const s = trialSeed(seed, i);
    const params = pointOf(i);
    const modelConfig = { ...baseModel, inputDim: data.inputDim, outputDim: data.outputDim, seed: s };
    const trainingConfig = { ...baseTraining, seed: s };
    let prune = 0, quantize = false;
    for (const d of dims) {
      const v = params[d.key];
      if (d.target === 'model') modelConfig[d.key] = v;
      else if (d.target === 'training') trainingConfig[d.key] = v;
      else if (d.key === 'prune') prune = v;
      else quantize = v;
    }
    trials.push({ index: i, seed: s, params, modelConfig, trainingConfig, prune, quantize });
  }

  if (signal && signal.aborted) throw new FastGRNNError('Aborted', 'search aborted before it started');
  const setup = {
    init: options.init ? { ...options.init } : {},
    data, validationSplit, splitSeed: seed, normalize: options.normalize ?? true,
  };
  let workerUrl = options.workerUrl;
  if (workerUrl instanceof URL) workerUrl = workerUrl.href;
  const pool = new Pool(Math.min(workers, count), workerUrl, setup, timeoutMs);
  const records = new Array(count);
  const evaluations = [];
  const bytes = new Map();
  let aborted = null;
  const onAbort = () => {
    aborted = new FastGRNNError('Aborted', 'search aborted');
    pool.close();
  };
  if (signal) signal.addEventListener('abort', onAbort, { once: true });

  const runOne = async (t, rung, epochs) => {
    const msg = {
      type: 'trial', index: t.index, rung,
      modelConfig: t.modelConfig,
      trainingConfig: epochs === null ? t.trainingConfig : { ...t.trainingConfig, epochs },
      prune: t.prune, quantize: t.quantize,
    };
    const answer = await pool.run(msg);
    if (aborted) throw aborted;
    const rec = {
      index: t.index, seed: t.seed, params: { ...t.params },
      rung: strategy === 'halving' ? rung : null,
      epochs: msg.trainingConfig.epochs ?? defaultTrainingConfig().epochs,
      status: answer.type === 'result' ? 'ok' : 'failed',
      epochsRun: answer.type === 'result' ? answer.epochsRun : null,
      valLoss: answer.type === 'result' ? answer.valLoss : null,
      valAccuracy: answer.type === 'result' ? answer.valAccuracy : null,
      sizeBytes: answer.type === 'result' ? answer.sizeBytes : null,
      withinBudget: answer.type === 'result' ? (sizeBudget === null || answer.sizeBytes <= sizeBudget) : false,
      error: answer.type === 'result' ? null : { code: answer.code, message: `trial ${t.index}: ${answer.message}` },
      rank: null, pareto: false,
    };
    if (answer.type === 'result') bytes.set(t.index, answer.model);
    else bytes.delete(t.index);
    records[t.index] = rec;
    evaluations.push(rec);
    if (onTrial) onTrial({ ...rec, params: { ...rec.params } });
    return rec;
  };

  try {
    if (strategy !== 'halving') {
      await Promise.all(trials.map((t) => runOne(t, 0, null)));
    } else {
      let alive = trials;
      let epochs = minEpochs;
      for (let rung = 0; ; rung++) {
        const recs = await Promise.all(alive.map((t) => runOne(t, rung, epochs)));
        if (epochs >= maxEpochs || alive.length <= 1) break;
        const keep = Math.max(1, Math.floor(alive.length / eta));
        const order = recs.slice().sort(compareRecords(objective)).filter((r) => r.status === 'ok');
        if (order.length === 0) break;
        const kept = new Set(order.slice(0, keep).map((r) => r.index));
        alive = alive.filter((t) => kept.has(t.index));
        epochs = Math.min(maxEpochs, epochs * eta);
      }
    }
  } catch (e) {
    throw aborted || e;
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort);
    pool.close();
  }
  if (aborted) throw aborted;
  const paramKeys = dims.map((d) => d.key);
  evaluations.sort((a, b) => (a.rung ?? 0) - (b.rung ?? 0) || a.index - b.index);
  return new SearchResult({ strategy, objective, seed, sizeBudget, paramKeys }, records, evaluations, bytes);
}
