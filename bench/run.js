#!/usr/bin/env node
// bench/run.js - fastgrnn-wasm against its peers (issue 4; see BENCHMARKS.md).
//
//   npm run bench                 build, then the full benchmark (several minutes)
//   npm run bench -- --smoke      seconds: tiny data, one repetition, every system
//   node bench/run.js [--reps N] [--bench B1,B2,B3] [--systems simd,scalar,native,tf-cpu,tf-wasm,relaxed]
//                     [--json FILE] [--markdown FILE] [--no-peak] [--update-doc]
//   --update-doc replaces the measured block of BENCHMARKS.md with this run's.
//
// Benchmarks (the same work for every system: FastGRNN of docs/design.md, Adam,
// binary cross-entropy, clip 5, one training pass, no evaluation):
//   B1  N 100,000, T 1,  D 5,  H 16, batch 32, random normal features
//   B2  N 20,000,  T 32, D 16, H 32, batch 64, random normal features
//   label = 1 when a fixed random projection of the sample's T*D features is > 0.
//   B3  the full default training run (default model and training configs,
//       100 epochs with per-epoch evaluation, 20 % validation, patience null so
//       all 100 epochs run) on 100,000 synthetic routing samples.
// Systems, each in its own process, run alternately (the order rotates every
// repetition) and are summarised by medians:
//   simd, scalar  this project's modules through the JS API (Trainer.train)
//   relaxed       the opt-in relaxed-SIMD module (init({ simd: 'relaxed' })); only
//                 when asked for in --systems and on an engine with relaxed
//                 SIMD (Node 22+: build/node-matrix/22/.../node bench/run.js)
//   native        the same C at -O3 (bench/native_bench.c), a child process
//   tf-cpu, tf-wasm  TensorFlow.js 4 (bench/tf_fastgrnn.js), measured on a
//                 subset of the samples (they are slow); samples/s compare.
// Also: a measured SIMD128 mul+add peak (bench/peak.js), achieved GFLOP/s
// from the FLOP count documented in BENCHMARKS.md, and B2's peak wasm memory.

import { spawn, fork, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { routingData, seededRandom } from '../js/data.js';
import { measurePeak } from './peak.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const ALL_SYSTEMS = ['simd', 'scalar', 'native', 'tf-cpu', 'tf-wasm'];
// Systems run only when --systems names them.
const OPT_IN_SYSTEMS = ['relaxed'];
const LABEL = {
  simd: 'fastgrnn-wasm SIMD128', scalar: 'fastgrnn-wasm scalar', native: 'native C -O3',
  'tf-cpu': 'TF.js cpu', 'tf-wasm': 'TF.js wasm', relaxed: 'fastgrnn-wasm relaxed',
};

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { smoke: false, reps: null, bench: null, systems: null, json: null, markdown: null, peak: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--smoke') o.smoke = true;
    else if (a === '--reps') o.reps = Number(val());
    else if (a === '--bench') o.bench = val().split(',');
    else if (a === '--systems') o.systems = val().split(',');
    else if (a === '--json') o.json = val();
    else if (a === '--markdown') o.markdown = val();
    else if (a === '--no-peak') o.peak = false;
    else if (a === '--update-doc') o.updateDoc = true;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.reps !== null && !(Number.isInteger(o.reps) && o.reps >= 1)) throw new Error('--reps must be an integer >= 1');
  for (const s of o.systems || []) {
    if (!ALL_SYSTEMS.includes(s) && !OPT_IN_SYSTEMS.includes(s)) throw new Error(`unknown system ${s}`);
  }
  return o;
}

// ------------------------------------------------------------------ benchmarks

const PASS_TRAINING = {
  // One pass, no evaluation: no validation set, one epoch (the training
  // accuracy is tallied from the batches' own forward passes).
  learningRate: 0.001, epochs: 1, validationSplit: 0, earlyStoppingPatience: null,
  lrDecayStep: 0, gradClip: 5, l2Reg: 0, adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8,
  shuffle: true, restoreBestWeights: false, seed: 42,
};

function benchmarks(smoke) {
  const pass = (name, n, T, D, H, batch, tfSamples) => ({
    name, kind: 'pass', n, T, D, H, batch, tfSamples, reps: name === 'B1' ? 7 : 5,
    systems: ALL_SYSTEMS,
    modelConfig: { inputDim: D, hiddenDim: H, outputDim: 1, rank: null, nu: 1, zeta: 1, seed: 42 },
    trainingConfig: { ...PASS_TRAINING, batchSize: batch },
  });
  const b3 = (n, epochs) => ({
    name: 'B3', kind: 'full', n, T: 1, D: 5, H: 8, batch: 32, reps: 3,
    // TF.js would need over half an hour per repetition (see BENCHMARKS.md).
    systems: ['simd', 'scalar', 'native'],
    // FastGRNNConfig::default(): D 5, H 8, rank 4; TrainingConfig::default()
    // with early stopping off so that every epoch runs.
    modelConfig: { inputDim: 5, hiddenDim: 8, outputDim: 1, nu: 1, zeta: 1, rank: 4, seed: 42 },
    trainingConfig: { earlyStoppingPatience: null, ...(epochs ? { epochs } : {}) },
  });
  if (smoke) {
    return [pass('B1', 512, 1, 5, 16, 32, 64), pass('B2', 128, 32, 16, 32, 64, 64), b3(500, 2)];
  }
  return [pass('B1', 100000, 1, 5, 16, 32, 4000), pass('B2', 20000, 32, 16, 32, 64, 1280), b3(100000, 0)];
}

// ------------------------------------------------------------------ data


function gaussian(r) {
  let spare = null;
  return () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u;
    do u = r(); while (u <= 1e-12);
    const rad = Math.sqrt(-2 * Math.log(u)), th = 2 * Math.PI * r();
    spare = rad * Math.sin(th);
    return rad * Math.cos(th);
  };
}

/** Random normal features [n, T, D]; label = [x . w > 0] for a fixed random w. */
function projectionData(n, T, D, seed) {
  const g = gaussian(seededRandom(seed));
  const row = T * D;
  const w = Float64Array.from({ length: row }, g);
  const features = new Float32Array(n * row);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < row; j++) {
      const x = g();
      features[i * row + j] = x;
      s += x * w[j];
    }
    labels[i] = s > 0 ? 1 : 0;
  }
  return { features, labels };
}

/**
 * The specification's synthetic routing samples: similarity, recency,
 * popularity, success_rate, complexity ~ U(0, 1); label = 0.4 sim + 0.3
 * success + 0.3 (1 - complexity) + U(-0.1, 0.1) > 0.6; then z-scored per
 * feature, as the specification's example does before training.
 */
function routingDataNormalized(n, seed) {
  const { features, labels } = routingData(n, seed);
  for (let j = 0; j < 5; j++) {
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += features[i * 5 + j];
    m /= n;
    for (let i = 0; i < n; i++) v += (features[i * 5 + j] - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) features[i * 5 + j] = (features[i * 5 + j] - m) / sd;
  }
  return { features, labels };
}

// This run's data files: a private directory (several runs, e.g. the smoke
// test in someone's `npm test`, may overlap), removed at exit.
let dataDir = null;
function writeData(b) {
  const { features, labels } = b.kind === 'full' ? routingDataNormalized(b.n, 7) : projectionData(b.n, b.T, b.D, b.name === 'B1' ? 1 : 2);
  if (!dataDir) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-bench-'));
    process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  }
  const dir = dataDir;
  b.featuresPath = path.join(dir, `${b.name}-features.f32`);
  b.labelsPath = path.join(dir, `${b.name}-labels.f32`);
  writeFileSync(b.featuresPath, new Uint8Array(features.buffer));
  writeFileSync(b.labelsPath, new Uint8Array(labels.buffer));
  b.positive = labels.reduce((s, y) => s + y, 0) / labels.length;
}

// ------------------------------------------------------------------ FLOPs

/** Parameters of the full-rank binary model (see BENCHMARKS.md). */
function numParams(D, H) {
  return H * D + H * H + 2 * H + 2 + H + 1;
}

/**
 * FLOPs of forward + backward (+ the optimizer's share) per sample, full
 * rank, O = 1; the derivation is in BENCHMARKS.md:
 *   T (4HD + 31H) + (T - 1) 6H^2 + 6H + 4 + 15 P / B
 */
function flopsPerSample(D, H, T, B) {
  return T * (4 * H * D + 31 * H) + (T - 1) * 6 * H * H + 6 * H + 4 + (15 * numParams(D, H)) / B;
}

// ------------------------------------------------------------------ systems

const TIMEOUT_MS = 30 * 60 * 1000;

/** A system in its own process; request() sends one command and awaits the reply. */
class Peer {
  constructor(system, bench) {
    this.system = system;
    this.bench = bench;
    this.pending = null;
    this.dead = null;
  }

  async start(nativeBin) {
    const b = this.bench;
    const spec = {
      name: b.name, featuresPath: b.featuresPath, labelsPath: b.labelsPath, n: b.n, T: b.T, D: b.D,
      modelConfig: b.modelConfig, trainingConfig: b.trainingConfig,
    };
    if (this.system === 'native') {
      const args = ['--features', b.featuresPath, '--labels', b.labelsPath, '--n', String(b.n),
        '--timesteps', String(b.T), '--model-config', JSON.stringify(snake(b.modelConfig)),
        '--training-config', JSON.stringify(snake(b.trainingConfig))];
      this.proc = spawn(nativeBin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      createInterface({ input: this.proc.stdout }).on('line', (line) => {
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          msg = { ok: false, error: `native_bench printed: ${line}` };
        }
        if (msg.seconds !== undefined) {
          msg = { ok: msg.ok, seconds: msg.seconds, cpuSeconds: msg.cpu_seconds, samples: msg.samples,
            epochs: msg.epochs, trainLoss: msg.train_loss, valLoss: msg.val_loss,
            heap: msg.heap_peak === undefined ? undefined
              : { before: msg.heap_before, peak: msg.heap_peak, allocs: msg.allocs } };
        }
        this.resolve(msg);
      });
      this.send = (m) => this.proc.stdin.write(m.cmd === 'run' ? `run ${m.samples}\n` : `${m.cmd}\n`);
      this.watch();
      this.info = await this.request(null);
    } else {
      this.proc = fork(path.join(ROOT, 'bench', 'system.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.proc.on('message', (msg) => this.resolve(msg));
      this.send = (m) => this.proc.send(m);
      this.watch();
      this.info = (await this.request({ cmd: 'init', system: this.system, bench: spec })).info;
    }
    return this;
  }

  watch() {
    const fail = (why) => {
      this.dead = why;
      this.resolve({ ok: false, error: `${this.system}: ${why}` });
    };
    this.proc.on('exit', (code, sig) => fail(`process exited (${sig || code})`));
    this.proc.on('error', (e) => fail(e.message));
  }

  resolve(msg) {
    const p = this.pending;
    this.pending = null;
    if (p) p(msg);
  }

  async request(msg) {
    if (this.dead) throw new Error(`${this.system}: ${this.dead}`);
    const reply = await new Promise((res) => {
      const timer = setTimeout(() => res({ ok: false, error: 'timed out' }), TIMEOUT_MS);
      this.pending = (m) => { clearTimeout(timer); res(m); };
      if (msg) this.send(msg);
    });
    if (!reply.ok) throw new Error(`${this.system}: ${reply.error}`);
    return reply;
  }

  stop() {
    if (this.proc && this.proc.exitCode === null && !this.dead) {
      this.dead = 'stopped';
      try {
        if (this.system === 'native') this.proc.stdin.end('quit\n');
        else this.proc.send({ cmd: 'quit' });
      } catch { /* already gone */ }
    }
  }
}

function snake(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = v;
  return out;
}

// ------------------------------------------------------------------ native build

function newestMtime(files) {
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function buildNative() {
  const src = path.join(ROOT, 'c', 'src');
  const sources = readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => path.join(src, f));
  const deps = [...sources, ...readdirSync(src).filter((f) => f.endsWith('.h')).map((f) => path.join(src, f)),
    path.join(ROOT, 'c', 'include', 'fastgrnn.h'), path.join(ROOT, 'bench', 'native_bench.c')];
  const bin = path.join(OUT, 'native_bench');
  const tmp = `${bin}.${process.pid}.tmp`;
  const args = ['-O3', '-std=c11', '-ffp-contract=off', '-I' + path.join(ROOT, 'c', 'include'), '-I' + src,
    ...sources, path.join(ROOT, 'bench', 'native_bench.c'), '-lcjson', '-lm', '-o', tmp,
    // heap accounting (bench/native_bench.c): every malloc/free of the C core is counted
    '-DFG_BENCH_WRAP_MALLOC', '-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free'];
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(bin) || statSync(bin).mtimeMs < newestMtime(deps)) {
    // Compiled under a private name and renamed: an overlapping run never
    // sees a half-written binary.
    execFileSync('cc', args, { stdio: 'inherit' });
    renameSync(tmp, bin);
  }
  return { bin, command: ['cc', ...args].join(' ').replaceAll(ROOT + '/', '').replace(tmp.replace(ROOT + '/', ''), path.relative(ROOT, bin)) };
}

// ------------------------------------------------------------------ machine

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machine() {
  const lscpu = sh('lscpu', []) || '';
  const field = (k) => (lscpu.match(new RegExp(`^${k}:\\s*(.*)$`, 'm')) || [])[1] || null;
  const mhz = (readFileSyncSafe('/proc/cpuinfo').match(/^cpu MHz\s*:\s*([\d.]+)/m) || [])[1] || null;
  let tfjs = null;
  try {
    tfjs = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')).version;
  } catch { /* not installed */ }
  return {
    cpu: field('Model name') || os.cpus()[0]?.model,
    cpuFamily: field('CPU family'), cpuModel: field('Model'),
    cores: os.cpus().length, mhz: mhz && Number(mhz), hypervisor: field('Hypervisor vendor'),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version, v8: process.versions.v8,
    emcc: (sh('emcc', ['--version']) || '').split('\n')[0].replace(/^emcc \(.*?\)\s*/, '') || null,
    cc: (sh('cc', ['--version']) || '').split('\n')[0] || null,
    tfjs,
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function readFileSyncSafe(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

// ------------------------------------------------------------------ statistics

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtInt = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : x >= 1e3 ? (x / 1e3).toFixed(1) + ' k' : x.toFixed(0));
const fmtRatio = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '×';
const fmtMiB = (b) => (b / 2 ** 20).toFixed(2) + ' MiB';

// ------------------------------------------------------------------ run

async function runBench(b, opts, nativeBin, log) {
  const systems = b.systems.filter((s) => !opts.systems || opts.systems.includes(s));
  if (b.kind === 'pass' && opts.systems?.includes('relaxed')) systems.push('relaxed');
  writeData(b);
  const peers = [];
  const result = { bench: b, systems: {}, memory: null };
  try {
    // Start (load modules and data) concurrently; the timed runs are sequential.
    const started = await Promise.allSettled(systems.map((s) => new Peer(s, b).start(nativeBin)));
    started.forEach((st, i) => {
      if (st.status === 'fulfilled') peers.push(st.value);
      else {
        result.systems[systems[i]] = { error: st.reason.message };
        log(`  ${systems[i]}: cannot start: ${st.reason.message}`);
      }
    });
    const samplesOf = (s) => (s.startsWith('tf-') ? Math.min(b.tfSamples, b.n) : b.n);
    const reps = opts.reps ?? (opts.smoke ? 1 : b.reps);
    // Warm-up: the optimizing tiers (V8 TurboFan for wasm and TF.js's JS)
    // compile during a short unmeasured run.
    if (!opts.smoke) {
      for (const p of peers) {
        const warm = b.kind === 'full' ? Math.min(b.n, 5000)
          : p.system.startsWith('tf-') ? samplesOf(p.system) : Math.min(b.n, b.batch * 200);
        try {
          await p.request({ cmd: 'run', samples: warm });
        } catch (e) {
          p.failed = e.message;
        }
      }
    }
    for (let r = 0; r < reps; r++) {
      const order = peers.map((_, i) => peers[(i + r) % peers.length]);
      for (const p of order) {
        if (p.failed) continue;
        try {
          const reply = await p.request({ cmd: 'run', samples: samplesOf(p.system) });
          (p.runs ||= []).push(reply);
          log(`  ${b.name} rep ${r + 1}/${reps} ${p.system.padEnd(7)} ${reply.seconds.toFixed(3)} s (CPU ${reply.cpuSeconds.toFixed(3)} s)` +
            (b.kind === 'full' ? ` (${reply.samples} samples × ${reply.epochs} epochs, loss ${num(reply.trainLoss)})`
              : ` (${reply.samples} samples, ${fmtInt(reply.samples / reply.seconds)} samples/s, loss ${num(reply.trainLoss)})`));
        } catch (e) {
          p.failed = e.message;
          log(`  ${b.name} ${p.system}: ${e.message}`);
        }
      }
    }
    for (const p of peers) {
      if (p.failed && !p.runs) {
        result.systems[p.system] = { error: p.failed };
        continue;
      }
      const runs = p.runs;
      const secs = runs.map((x) => x.seconds);
      const cpus = runs.map((x) => x.cpuSeconds);
      const perRun = runs[0].samples * (b.kind === 'full' ? 1 : runs[0].epochs);
      result.systems[p.system] = {
        info: p.info, samples: runs[0].samples, epochs: runs[0].epochs,
        seconds: secs, medianSeconds: median(secs), bestSeconds: Math.min(...secs),
        cpuSeconds: cpus, medianCpuSeconds: median(cpus),
        samplesPerSecond: perRun / median(secs), samplesPerCpuSecond: perRun / median(cpus),
        heap: runs[runs.length - 1].heap,
        trainLoss: runs[runs.length - 1].trainLoss, valLoss: runs[runs.length - 1].valLoss,
        error: p.failed || null,
      };
    }
  } finally {
    for (const p of peers) p.stop();
  }
  // Peak wasm memory of a B2-sized run, in a fresh process.
  if (b.name === 'B2' && (!opts.systems || opts.systems.includes('simd'))) {
    const p = await new Peer('simd', b).start(nativeBin);
    try {
      result.memory = await p.request({ cmd: 'memory' });
    } catch (e) {
      result.memory = { error: e.message };
    } finally {
      p.stop();
    }
  }
  return result;
}

function num(x) {
  return x === null || x === undefined ? '-' : Number(x).toFixed(4);
}

/** The measured block of BENCHMARKS.md (also written to build/bench/results.md). */
function markdownReport(record, table, lines) {
  const m = record.machine;
  const out = [];
  const reps = [...new Set(record.results.flatMap((r) => Object.values(r.systems).map((s) => s.seconds?.length).filter(Boolean)))];
  out.push(`Measured ${record.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\`${record.smoke ? ' (smoke run)' : ''};` +
    ` ${reps.join('/')} timed repetition${reps.length === 1 && reps[0] === 1 ? '' : 's'} per system and benchmark; load average (1/5/15 min) ${m.loadavg.join(' / ')} at the start,` +
    ` ${record.loadavgEnd.join(' / ')} at the end.`);
  out.push('');
  out.push(`Machine: ${m.cpu} (family ${m.cpuFamily}, model ${m.cpuModel}${m.hypervisor ? `, ${m.hypervisor} guest` : ''}),` +
    ` ${m.cores} cores${m.mhz ? ` at ${Math.round(m.mhz)} MHz (nominal)` : ''}, ${m.memoryGiB} GiB; ${m.os};` +
    ` Node ${m.node} (V8 ${m.v8}); emcc ${m.emcc.replace(/\s*\(\)$/, '')}; ${m.cc}; TF.js ${m.tfjs}.`);
  out.push('');
  if (record.peak) {
    out.push(`Measured SIMD128 mul+add peak: **${record.peak.gflops.toFixed(1)} GFLOP/s** (${record.peak.chains} ${record.peak.shape} chains;` +
      ` best of ${record.peaks.length} measurements: ${record.peaks.map((p) => p.gflops.toFixed(1)).join(', ')}).`);
    out.push('');
  }
  out.push(...table);
  out.push('');
  out.push('| Target (issue 4) | Measured | Status |');
  out.push('|---|---|---|');
  for (const t of record.targets) {
    out.push(`| ${t.bench}: ${t.what} | ${t.shown} | ${t.met === null ? 'see below' : t.met ? 'met' : '**not met**'} |`);
  }
  const mem = lines.filter((l) => / memory | heap /.test(l));
  if (mem.length) {
    out.push('');
    for (const l of mem) out.push(`- ${l}`);
  }
  out.push('');
  return out.join('\n');
}

function summarise(results, peak) {
  const lines = [];
  const md = [];
  const targets = [];
  const W = [6, 22, 19, 9, 9, 9, 11, 10, 8, 8, 8];
  const head = ['bench', 'system', 'samples timed', 'median s', 'best s', 'CPU s', 'samples/s', 'SIMD ratio',
    'GFLOP/s', '% peak', 'loss'];
  lines.push(head.map((c, i) => c.padEnd(W[i])).join(' '));
  md.push('| Benchmark | System | Samples timed | Median time (s) | Best time (s) | Median CPU time (s) | Samples/s (median) | SIMD ÷ system | GFLOP/s | % of SIMD peak | Loss after the run |');
  md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const res of results) {
    const b = res.bench;
    const simd = res.systems.simd;
    const fps = b.kind === 'pass' ? flopsPerSample(b.D, b.H, b.T, b.batch) : null;
    for (const s of [...ALL_SYSTEMS, ...OPT_IN_SYSTEMS]) {
      const r = res.systems[s];
      if (!r) continue;
      if (!r.samplesPerSecond) {
        lines.push(`${b.name.padEnd(6)} ${LABEL[s].padEnd(22)} FAILED: ${r.error}`);
        md.push(`| ${b.name} | ${LABEL[s]} | failed: ${r.error} | | | | | | | | |`);
        continue;
      }
      const ratio = simd && simd.samplesPerSecond && s !== 'simd' ? simd.samplesPerSecond / r.samplesPerSecond : null;
      const gf = fps ? (fps * r.samplesPerSecond) / 1e9 : null;
      const pk = gf && peak ? (100 * gf) / peak.gflops : null;
      const samples = b.kind === 'full' ? `${r.samples} × ${r.epochs} ep` : `${r.samples}${r.samples < b.n ? ' (subset)' : ''}`;
      const cells = [b.name, LABEL[s], samples, r.medianSeconds.toFixed(3), r.bestSeconds.toFixed(3),
        r.medianCpuSeconds.toFixed(3), b.kind === 'full' ? '-' : fmtInt(r.samplesPerSecond),
        ratio ? fmtRatio(ratio) : (s === 'simd' ? '1×' : '-'),
        gf ? gf.toFixed(2) : '-', pk ? pk.toFixed(1) + ' %' : '-', num(r.trainLoss)];
      lines.push(cells.map((c, i) => String(c).padEnd(W[i])).join(' '));
      md.push(`| ${cells.join(' | ')} |`);
    }
    // Targets of issue 4, on wall-clock medians (CPU-time figures alongside).
    const sps = (s, cpu) => res.systems[s]?.[cpu ? 'samplesPerCpuSecond' : 'samplesPerSecond'];
    const ratioTo = (s, cpu) => (sps('simd', cpu) && sps(s, cpu) ? sps('simd', cpu) / sps(s, cpu) : null);
    const t = (what, value, ok, shown) => targets.push({ bench: b.name, what, value, met: value === null ? null : ok, shown });
    const ratioTarget = (s, min, what) => {
      const v = ratioTo(s);
      t(what, v, v >= min, v ? `${fmtRatio(v)} (CPU time: ${fmtRatio(ratioTo(s, true))})` : '-');
    };
    if (b.name === 'B1') {
      ratioTarget('tf-cpu', 50, 'SIMD ≥ 50× TF.js cpu');
      t('SIMD ≥ 1.5 M samples/s', sps('simd') ?? null, sps('simd') >= 1.5e6,
        sps('simd') ? `${fmtInt(sps('simd'))} samples/s (CPU time: ${fmtInt(sps('simd', true))})` : '-');
    } else if (b.name === 'B2') {
      ratioTarget('tf-cpu', 25, 'SIMD ≥ 25× TF.js cpu');
      ratioTarget('scalar', 2.5, 'SIMD ≥ 2.5× scalar');
      ratioTarget('native', 0.6, 'SIMD ≥ 0.6× native');
      const gf = sps('simd') ? (flopsPerSample(b.D, b.H, b.T, b.batch) * sps('simd')) / 1e9 : null;
      const frac = gf && peak ? gf / peak.gflops : null;
      t('SIMD ≥ 50 % of the measured SIMD peak', frac, frac >= 0.5,
        frac ? `${gf.toFixed(2)} of ${peak.gflops.toFixed(1)} GFLOP/s = ${(100 * frac).toFixed(1)} %` : '-');
    } else if (b.name === 'B3') {
      const s = res.systems.simd?.medianSeconds ?? null;
      t('full default run < 5 s (SIMD, Node)', s, s !== null && s < 5,
        s !== null ? `${s.toFixed(2)} s (best ${res.systems.simd.bestSeconds.toFixed(2)} s, CPU ${res.systems.simd.medianCpuSeconds.toFixed(2)} s)` : '-');
    }
    if (res.memory && !res.memory.error) {
      const m = res.memory;
      const extra = m.memAfterRun - m.memData;
      const bth = b.batch * b.T * b.H * 4;
      lines.push(`${b.name} wasm memory (SIMD, fresh process): ${fmtMiB(m.memInit)} at init, ${fmtMiB(m.memData)} after ` +
        `new TrainingDataset (${fmtMiB(m.dataBytes)} of data), ${fmtMiB(m.memAfterRun)} after one train() pass: ` +
        `${fmtMiB(Math.max(0, m.memAfterRun - m.memInit - m.dataBytes))} beyond the data (batch·T·H·4 B = ${fmtMiB(bth)})`);
      t('peak wasm memory beyond the data', extra, null,
        `peak linear memory ${fmtMiB(m.memAfterRun)} = initial ${fmtMiB(m.memInit)} + data ${fmtMiB(m.dataBytes)}` +
        ` + ${fmtMiB(Math.max(0, m.memAfterRun - m.memInit - m.dataBytes))}; of that, new TrainingDataset` +
        ` grew it by ${fmtMiB(m.memData - m.memInit)}, train() by ${fmtMiB(m.memAfterRun - m.memBeforeRun)}`);
    }
    const heap = res.systems.native?.heap;
    if (heap) {
      lines.push(`${b.name} C heap during train() (native, exact): ${fmtMiB(heap.before)} in use before, peak ${fmtMiB(heap.peak)}` +
        ` (+${fmtMiB(heap.peak - heap.before)}), ${heap.allocs} allocations in the call`);
      if (b.name === 'B2') {
        t('C heap added by train() (native accounting)', heap.peak - heap.before, null,
          `+${fmtMiB(heap.peak - heap.before)} over ${fmtMiB(heap.before)} (data ${fmtMiB((b.n * b.T * b.D + b.n) * 4)}), ${heap.allocs} allocations in the call`);
      }
    }
  }
  return { lines, md, targets };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s) => console.log(s);
  const t0 = performance.now();
  const info = machine();
  log(`fastgrnn-wasm benchmark${opts.smoke ? ' (smoke run: tiny data, timings meaningless)' : ''}`);
  log(`machine: ${info.cpu}, ${info.cores} cores, Node ${info.node}, emcc ${info.emcc}, TF.js ${info.tfjs}, load ${info.loadavg.join(' ')}`);

  const wantsNative = !opts.systems || opts.systems.includes('native');
  let native = null;
  if (wantsNative) {
    native = buildNative();
    log(`native: ${native.command}`);
  }
  const peakOpts = opts.smoke ? { chains: [12], trials: 1, seconds: 0.02 } : { trials: 10, seconds: 0.1 };
  const peaks = [];
  if (opts.peak) {
    peaks.push(await measurePeak(peakOpts));
    log(`SIMD128 mul+add peak: ${peaks[0].gflops.toFixed(1)} GFLOP/s (${peaks[0].chains} chains)`);
  }

  const results = [];
  for (const b of benchmarks(opts.smoke)) {
    if (opts.bench && !opts.bench.includes(b.name)) continue;
    log(`${b.name}: N ${b.n}, T ${b.T}, D ${b.D}, H ${b.H}, batch ${b.batch}` +
      (b.kind === 'full' ? ', default configs, 100 epochs' : `; TF.js on ${Math.min(b.tfSamples, b.n)} samples`));
    results.push(await runBench(b, opts, native && native.bin, log));
    if (opts.peak && !opts.smoke) {
      // Again after every benchmark: the peak is the best of all (the
      // machine is shared; a busy moment only lowers a measurement).
      peaks.push(await measurePeak(peakOpts));
      log(`SIMD128 mul+add peak (again): ${peaks[peaks.length - 1].gflops.toFixed(1)} GFLOP/s`);
    }
  }
  const peak = peaks.length ? peaks.reduce((a, b) => (b.gflops > a.gflops ? b : a)) : null;

  const { lines, md, targets } = summarise(results, peak);
  log('');
  for (const l of lines) log(l);
  log('');
  log('targets (issue 4):');
  for (const t of targets) {
    log(`  ${t.bench} ${t.what}: ${t.shown}${t.met === null ? '' : t.met ? '  MET' : '  NOT MET'}`);
  }
  log(`peak: ${peak ? `${peak.gflops.toFixed(1)} GFLOP/s (best of ${peaks.length} measurements)` : 'not measured'}; ` +
    `elapsed ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const record = {
    date: new Date().toISOString(), smoke: opts.smoke, machine: info, native: native && native.command,
    peak, peaks, results: results.map((r) => ({ ...r, bench: { ...r.bench, featuresPath: undefined, labelsPath: undefined } })),
    targets, flopsPerSample: Object.fromEntries(results.filter((r) => r.bench.kind === 'pass')
      .map((r) => [r.bench.name, flopsPerSample(r.bench.D, r.bench.H, r.bench.T, r.bench.batch)])),
  };
  mkdirSync(OUT, { recursive: true });
  const jsonPath = opts.json || path.join(OUT, opts.smoke ? 'smoke.json' : 'results.json');
  writeFileSync(jsonPath, JSON.stringify(record, null, 1));
  record.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
  const report = markdownReport(record, md, lines);
  const mdPath = opts.markdown || path.join(OUT, opts.smoke ? 'smoke.md' : 'results.md');
  writeFileSync(mdPath, report);
  log(`results: ${path.relative(ROOT, jsonPath)}, ${path.relative(ROOT, mdPath)}`);
  if (opts.updateDoc) {
    if (opts.smoke) throw new Error('--update-doc: not with --smoke');
    const doc = path.join(ROOT, 'BENCHMARKS.md');
    const text = readFileSync(doc, 'utf8');
    const re = /(<!-- bench:begin -->\n)[\s\S]*?(<!-- bench:end -->)/;
    if (!re.test(text)) throw new Error('BENCHMARKS.md lacks the <!-- bench:begin --> ... <!-- bench:end --> block');
    writeFileSync(doc, text.replace(re, (_, a, b) => a + report + b));
    log('BENCHMARKS.md: measured block replaced');
  }

  const failed = results.flatMap((r) => Object.entries(r.systems).filter(([, v]) => v.error).map(([k, v]) => `${r.bench.name} ${k}: ${v.error}`));
  const badLoss = results.flatMap((r) => Object.entries(r.systems)
    .filter(([, v]) => v.samplesPerSecond && !Number.isFinite(v.trainLoss)).map(([k]) => `${r.bench.name} ${k}: non-finite loss`));
  if (failed.length || badLoss.length) {
    console.error(`bench: failures:\n  ${[...failed, ...badLoss].join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
