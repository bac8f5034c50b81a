#!/usr/bin/env node
// bench/profile.js - where the time of a benchmark pass goes, per C function.
//
//   node bench/profile.js [B1|B2|B3] [--scalar] [--top N] [--inline]
//
// Builds the module as dist/ does (same sources and flags) plus
// --profiling-funcs, which keeps a name section, into build/bench/, runs one
// warm-up and one profiled pass of the benchmark through the JS API under the
// V8 sampling CPU profiler (node:inspector), and prints self time per
// function. Functions inlined by the compiler count in their caller; with
// --inline the build adds -fno-inline to see every function on its own (the
// timings then differ from the real build).

import { execFileSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const args = process.argv.slice(2);
const bench = args.find((a) => /^B[123]$/.test(a)) || 'B2';
const simd = !args.includes('--scalar');
const noInline = args.includes('--inline');
const top = Number(args[args.indexOf('--top') + 1]) || 25;

function exportsFromHeader() {
  // The file-IO functions CMakeLists.txt keeps out of the module (FG_NATIVE_ONLY).
  const cmake = readFileSync(path.join(ROOT, 'CMakeLists.txt'), 'utf8');
  const m = cmake.match(/set\(FG_NATIVE_ONLY([^)]*)\)/);
  const NATIVE_ONLY = new Set(m ? m[1].trim().split(/\s+/) : []);
  const header = readFileSync(path.join(ROOT, 'c', 'include', 'fastgrnn.h'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const names = new Set([...header.matchAll(/[ *](fg_[a-z0-9_]+)\(/g)].map((m) => m[1]));
  return [...names].filter((n) => !NATIVE_ONLY.has(n)).map((n) => '_' + n);
}

function build() {
  const src = path.join(ROOT, 'c', 'src');
  const cjson = path.join(ROOT, 'build', 'third_party', 'cjson');
  if (!existsSync(path.join(cjson, 'cjson', 'cJSON.c'))) throw new Error('cJSON source missing: run npm run build first');
  const sources = readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => path.join(src, f));
  const out = path.join(OUT, `profile-${simd ? 'simd' : 'scalar'}${noInline ? '-noinline' : ''}.wasm`);
  const deps = [...sources, ...readdirSync(src).filter((f) => f.endsWith('.h')).map((f) => path.join(src, f)),
    path.join(ROOT, 'c', 'include', 'fastgrnn.h')];
  if (existsSync(out) && statSync(out).mtimeMs > Math.max(...deps.map((f) => statSync(f).mtimeMs))) return out;
  mkdirSync(OUT, { recursive: true });
  const flags = ['-O3', '-DNDEBUG', '-std=c11', '-ffp-contract=off', '-fno-fast-math', '-fno-exceptions',
    ...(simd ? ['-msimd128'] : []), ...(noInline ? ['-fno-inline'] : []),
    '-I' + path.join(ROOT, 'c', 'include'), '-I' + cjson, '-I' + src];
  const link = ['-sSTANDALONE_WASM', '--no-entry', '-sALLOW_MEMORY_GROWTH=1', '-sINITIAL_MEMORY=4194304',
    '-sTOTAL_STACK=524288', '-sMAXIMUM_MEMORY=2147483648', '-sFILESYSTEM=0', '-sERROR_ON_UNDEFINED_SYMBOLS=1',
    `-sEXPORTED_FUNCTIONS=[${exportsFromHeader().join(',')}]`, '--profiling-funcs'];
  const tmp = `${out}.${process.pid}.tmp.wasm`;
  execFileSync('emcc', [...flags, ...sources, path.join(cjson, 'cjson', 'cJSON.c'), ...link, '-o', tmp],
    { stdio: 'inherit', env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
  renameSync(tmp, out);
  return out;
}

function data(n, T, D, seed) {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const x = new Float32Array(n * T * D);
  const y = new Float32Array(n);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * 2; // roughly normal
  for (let i = 0; i < n; i++) y[i] = x[i * T * D] + x[i * T * D + 1] > 0 ? 1 : 0;
  return { x, y };
}

const wasm = build();
const fg = await import('../js/index.js');
await fg.init({ wasm: readFileSync(wasm), simd });
const cfgs = {
  B1: { n: 100000, T: 1, D: 5, H: 16, batch: 32, rank: null, epochs: 1, val: 0 },
  B2: { n: 20000, T: 32, D: 16, H: 32, batch: 64, rank: null, epochs: 1, val: 0 },
  B3: { n: 100000, T: 1, D: 5, H: 8, batch: 32, rank: 4, epochs: 100, val: 0.2 },
};
const c = cfgs[bench];
const { x, y } = data(c.n, c.T, c.D, 3);
const ds = new fg.TrainingDataset(x, y, { inputDim: c.D, timesteps: c.T });
const mc = { inputDim: c.D, hiddenDim: c.H, outputDim: 1, rank: c.rank, seed: 42 };
const tc = { batchSize: c.batch, epochs: c.epochs, validationSplit: c.val, earlyStoppingPatience: null,
  ...(bench === 'B3' ? {} : { lrDecayStep: 0, l2Reg: 0, restoreBestWeights: false }) };
const pass = async () => {
  const model = new fg.FastGRNN(mc);
  const tr = new fg.Trainer(mc, tc);
  const t0 = performance.now();
  await tr.train(model, ds);
  const s = (performance.now() - t0) / 1000;
  tr.dispose();
  model.dispose();
  return s;
};
await pass(); // warm-up: optimizing tier
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const secs = await pass();
const { profile } = await session.post('Profiler.stop');
session.disconnect();

const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) || 0) + 1);
let total = 0;
for (const [id, k] of counts) {
  const f = byId.get(id).callFrame;
  const name = f.functionName || `(anonymous ${path.basename(f.url)})`;
  self.set(name, (self.get(name) || 0) + k);
  total += k;
}
console.log(`${bench} pass, ${simd ? 'SIMD' : 'scalar'} module${noInline ? ' (-fno-inline)' : ''}: ${secs.toFixed(3)} s; ` +
  `self time by function (${total} samples):`);
for (const [name, k] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${(100 * k / total).toFixed(1).padStart(5)} %  ${name}`);
}
