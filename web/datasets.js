// datasets.js - the demo's data sets, generated in the page from a seed.
// Pure functions (no DOM), so Node can import them too.
//
// Every generator returns
//   { name, features: Float32Array [N*T*D], labels: Float32Array [N],
//     n, timesteps, inputDim, outputDim, featureNames, twoD? }

import { GESTURE_T, GESTURE_FEATURES, TEMPLATES, builtinGestures, strokesToData } from './gestures.js';

/** mulberry32: a small, fast, seeded 32-bit generator returning [0, 1). */
export function rng(seed) {
  let a = (Number(seed) >>> 0) || 0x9e3779b9;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare = null;
  next.uniform = (lo, hi) => lo + (hi - lo) * next();
  next.normal = () => { // Box-Muller
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return next;
}

export const ROUTING_FEATURES = ['similarity', 'recency', 'popularity', 'success_rate', 'complexity'];

/**
 * The specification's routing data: 5 uniform features; label 1 when
 * 0.4*similarity + 0.3*success_rate + 0.3*(1 - complexity) + U(-0.1, 0.1) > 0.6.
 */
export function routing(n = 2000, seed = 7) {
  const r = rng(seed);
  const D = 5;
  const x = new Float32Array(n * D);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) x[i * D + d] = r();
    const [sim, , , success, complexity] = x.subarray(i * D, i * D + D);
    const score = 0.4 * sim + 0.3 * success + 0.3 * (1 - complexity) + r.uniform(-0.1, 0.1);
    y[i] = score > 0.6 ? 1 : 0;
  }
  return {
    name: 'routing', features: x, labels: y, n, timesteps: 1, inputDim: D, outputDim: 1,
    featureNames: ROUTING_FEATURES.slice(),
  };
}

/** Two interleaving half circles with Gaussian noise (as scikit-learn's make_moons). */
export function moons(n = 1000, seed = 7, noise = 0.15) {
  const r = rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * r();
    let px, py;
    if (label === 0) { px = Math.cos(t); py = Math.sin(t); }
    else { px = 1 - Math.cos(t); py = 0.5 - Math.sin(t); }
    x[2 * i] = px + noise * r.normal();
    x[2 * i + 1] = py + noise * r.normal();
    y[i] = label;
  }
  return {
    name: 'moons', features: x, labels: y, n, timesteps: 1, inputDim: 2, outputDim: 1,
    featureNames: ['x', 'y'], twoD: true,
  };
}

/** Two interleaved spiral arms (1.5 turns each) with Gaussian noise. */
export function spirals(n = 1000, seed = 7, noise = 0.08) {
  const r = rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  const turns = 1.5;
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const s = Math.sqrt(r()); // more points further out, where the arms are longer
    const angle = s * turns * 2 * Math.PI + label * Math.PI;
    const radius = 0.1 + 0.9 * s;
    x[2 * i] = radius * Math.cos(angle) + noise * r.normal();
    x[2 * i + 1] = radius * Math.sin(angle) + noise * r.normal();
    y[i] = label;
  }
  return {
    name: 'spirals', features: x, labels: y, n, timesteps: 1, inputDim: 2, outputDim: 1,
    featureNames: ['x', 'y'], twoD: true,
  };
}

/**
 * A sequence task that needs memory (the "adding problem", binary): T steps
 * of [value, marker]; value ~ U(0, 1), marker is 1 at two random steps (one
 * in the first half, one in the second) and 0 elsewhere. Label 1 when the
 * two marked values add up to more than 1. The first marked value must be
 * carried across up to T - 1 steps of distractors.
 */
export function adding(n = 2000, seed = 7, T = 12) {
  const r = rng(seed);
  const D = 2;
  const x = new Float32Array(n * T * D);
  const y = new Float32Array(n);
  const half = Math.floor(T / 2);
  for (let i = 0; i < n; i++) {
    const base = i * T * D;
    for (let t = 0; t < T; t++) x[base + t * D] = r();
    const a = Math.floor(r() * half);
    const b = half + Math.floor(r() * (T - half));
    x[base + a * D + 1] = 1;
    x[base + b * D + 1] = 1;
    y[i] = x[base + a * D] + x[base + b * D] > 1 ? 1 : 0;
  }
  return {
    name: 'adding', features: x, labels: y, n, timesteps: T, inputDim: D, outputDim: 1,
    featureNames: ['value', 'marker'],
  };
}

/**
 * Pen strokes of six shapes (circle, zigzag, check mark, triangle, wave, V),
 * generated from templates with jitter (web/gestures.js), as T steps of
 * (dx, dy, dt): the stroke resampled to T + 1 points along its length, the
 * steps between them scaled by the stroke's size, and the pen's time per
 * step (1 = average speed). Six classes; `noise` adds rotation, wobble
 * and tremor; `strokes` keeps the pen points for drawing.
 */
export function gestures(n = 600, seed = 7, T = GESTURE_T, noise = 0.5) {
  const classes = Object.keys(TEMPLATES);
  const g = builtinGestures({ classes, perClass: Math.ceil(n / classes.length), seed, noise });
  const strokes = g.strokes.slice(0, n);
  const { features, labels } = strokesToData(strokes, T);
  return {
    name: 'gestures', features, labels, n: labels.length, timesteps: T, inputDim: 3, outputDim: classes.length,
    featureNames: GESTURE_FEATURES.slice(), classNames: classes, strokes,
  };
}

export const GENERATORS = { routing, moons, spirals, adding, gestures };

/** Serializes a T = 1 data set as CSV with a header and a `label` column. */
export function toCSV(ds) {
  const D = ds.inputDim * ds.timesteps;
  const names = ds.timesteps === 1 ? ds.featureNames
    : Array.from({ length: D }, (_, k) => `${ds.featureNames[k % ds.inputDim]}_${Math.floor(k / ds.inputDim)}`);
  const lines = [[...names, 'label'].join(',')];
  for (let i = 0; i < ds.n; i++) {
    const row = [];
    for (let k = 0; k < D; k++) row.push(+ds.features[i * D + k].toFixed(5));
    row.push(ds.labels[i]);
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
