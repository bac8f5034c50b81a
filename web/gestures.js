// gestures.js - pen/finger strokes as sequences for FastGRNN, and a built-in
// gesture set generated from shape templates with jitter.
// Pure functions (no DOM), so Node and the tests can import them too.
//
// A stroke is an array of points { x, y, t } (pixels, milliseconds). The
// model sees it as T steps of (dx, dy, dt): the stroke resampled to T + 1
// points equally spaced along its length, dx/dy the displacement between
// consecutive points divided by the stroke's larger bounding-box side (so
// size and position do not matter), dt the time the pen took for that step
// as a fraction of the stroke's duration, times T (1 = average speed).

import { rng } from './datasets.js';

export const GESTURE_T = 24;
export const GESTURE_FEATURES = ['dx', 'dy', 'dt'];

/**
 * Shape templates: s in [0, 1] -> [x, y] (y down, as on a screen), in a
 * unit-ish box. The pen follows s at a constant speed before jitter.
 */
export const TEMPLATES = {
  circle: (s) => {
    const a = -Math.PI / 2 - 2 * Math.PI * s; // from the top, counter-clockwise
    return [Math.cos(a), Math.sin(a)];
  },
  zigzag: (s) => {
    const k = 4; // four strokes: down-right, up-right, ...
    const u = s * k;
    const i = Math.min(Math.floor(u), k - 1);
    const f = u - i;
    const y0 = i % 2 === 0 ? -1 : 1;
    return [-1 + 2 * s, y0 + (-2 * y0) * f];
  },
  check: (s) => {
    // a short stroke down-right, then a long one up-right
    const knee = 0.3;
    if (s < knee) { const f = s / knee; return [-1 + 0.6 * f, 0 + 0.8 * f]; }
    const f = (s - knee) / (1 - knee);
    return [-0.4 + 1.4 * f, 0.8 - 1.8 * f];
  },
  triangle: (s) => {
    const P = [[0, -1], [1, 0.8], [-1, 0.8], [0, -1]];
    const u = s * 3;
    const i = Math.min(Math.floor(u), 2);
    const f = u - i;
    return [P[i][0] + (P[i + 1][0] - P[i][0]) * f, P[i][1] + (P[i + 1][1] - P[i][1]) * f];
  },
  wave: (s) => [-1 + 2 * s, 0.6 * Math.sin(2 * Math.PI * 1.5 * s)],
  vee: (s) => (s < 0.5 ? [-1 + 2 * s, -1 + 4 * s] : [-1 + 2 * s, 1 - 4 * (s - 0.5)]),
};

export const BUILTIN_CLASSES = ['circle', 'zigzag', 'check'];

/**
 * One synthetic stroke of a template, as a person might draw it: random
 * size, position, small rotation and aspect change, uneven speed, wobble and
 * a variable number of sampled points. `noise` >= 0 adds rotation, wobble
 * and tremor (0: a careful hand). Returns [{ x, y, t }] in pixels/ms
 * inside a width x height canvas.
 */
export function synthStroke(shape, r, { width = 400, height = 400, noise = 0 } = {}) {
  const f = TEMPLATES[shape];
  if (!f) throw new Error(`unknown gesture shape ${JSON.stringify(shape)}`);
  const size = Math.min(width, height) * r.uniform(0.18, 0.32);
  const cx = width / 2 + r.uniform(-0.15, 0.15) * width;
  const cy = height / 2 + r.uniform(-0.15, 0.15) * height;
  const rot = r.uniform(-0.25, 0.25) * (1 + 3 * noise);
  const sx = size * r.uniform(0.8, 1.2), sy = size * r.uniform(0.8, 1.2);
  const points = Math.round(r.uniform(25, 70));
  const duration = r.uniform(350, 900);
  const warp = r.uniform(0.75, 1.35); // speed profile: s = u^warp
  const wob = r.uniform(0, 0.04 + 0.25 * noise), wobF = r.uniform(2, 5), wobP = r.uniform(0, 2 * Math.PI);
  const out = [];
  for (let i = 0; i < points; i++) {
    const u = i / (points - 1);
    const s = u ** warp;
    let [x, y] = f(s);
    x += wob * Math.sin(2 * Math.PI * wobF * s + wobP) + (0.01 + 0.05 * noise) * r.normal();
    y += wob * Math.cos(2 * Math.PI * wobF * s + wobP) + (0.01 + 0.05 * noise) * r.normal();
    const X = x * sx * Math.cos(rot) - y * sy * Math.sin(rot);
    const Y = x * sx * Math.sin(rot) + y * sy * Math.cos(rot);
    out.push({ x: cx + X, y: cy + Y, t: u * duration });
  }
  return out;
}

/**
 * The built-in gesture set: perClass strokes of each shape.
 * Returns { classNames, strokes: [{ label, points }] } (labels interleaved).
 */
export function builtinGestures({ classes = BUILTIN_CLASSES, perClass = 20, seed = 7, width, height, noise = 0 } = {}) {
  const r = rng(seed);
  const strokes = [];
  for (let i = 0; i < perClass; i++) {
    classes.forEach((shape, label) => strokes.push({ label, points: synthStroke(shape, r, { width, height, noise }) }));
  }
  return { classNames: classes.slice(), strokes };
}

/**
 * The stroke resampled to T + 1 points equally spaced along its length (x, y
 * and t interpolated), with its bounding-box scale and duration; null when
 * the stroke has fewer than 2 points or no length.
 */
export function resampleStroke(points, T = GESTURE_T) {
  if (!Array.isArray(points) || points.length < 2) return null;
  const cum = [0]; // cumulative arc length
  for (let i = 1; i < points.length; i++) {
    cum.push(cum[i - 1] + Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y));
  }
  const total = cum[cum.length - 1];
  if (!(total > 0)) return null;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
  }
  const scale = Math.max(maxX - minX, maxY - minY) || 1;
  const duration = points[points.length - 1].t - points[0].t;
  const rs = [];
  let j = 0;
  for (let k = 0; k <= T; k++) {
    const target = (total * k) / T;
    while (j < points.length - 2 && cum[j + 1] < target) j++;
    const seg = cum[j + 1] - cum[j];
    const f = seg > 0 ? Math.min(1, Math.max(0, (target - cum[j]) / seg)) : 0;
    const a = points[j], b = points[j + 1];
    rs.push({ x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f, t: a.t + (b.t - a.t) * f });
  }
  return { points: rs, scale, duration };
}

/**
 * A stroke as T steps of (dx, dy, dt): Float32Array [T * 3], or null when
 * the stroke has fewer than 2 points or no length.
 */
export function strokeFeatures(points, T = GESTURE_T) {
  const r = resampleStroke(points, T);
  if (!r) return null;
  const { points: rs, scale, duration } = r;
  const out = new Float32Array(T * 3);
  for (let k = 0; k < T; k++) {
    out[3 * k] = (rs[k + 1].x - rs[k].x) / scale;
    out[3 * k + 1] = (rs[k + 1].y - rs[k].y) / scale;
    out[3 * k + 2] = duration > 0 ? ((rs[k + 1].t - rs[k].t) / duration) * T : 1;
  }
  return out;
}

/**
 * Strokes -> { features: Float32Array [n*T*3], labels: Float32Array [n], n }
 * (strokes without length are left out).
 */
export function strokesToData(strokes, T = GESTURE_T) {
  const feats = [];
  const labels = [];
  for (const s of strokes) {
    const f = strokeFeatures(s.points, T);
    if (f) { feats.push(f); labels.push(s.label); }
  }
  const features = new Float32Array(feats.length * T * 3);
  feats.forEach((f, i) => features.set(f, i * T * 3));
  return { features, labels: Float32Array.from(labels), n: feats.length };
}

/**
 * A deterministic per-class hold-out: every k-th stroke of each class
 * (k = round(1 / ratio)) is held out, the rest train. Classes with fewer
 * than 2 strokes keep all for training.
 */
export function holdOut(strokes, ratio = 0.25) {
  const k = Math.max(2, Math.round(1 / ratio));
  const seen = new Map();
  const train = [], test = [];
  for (const s of strokes) {
    const c = seen.get(s.label) || 0;
    seen.set(s.label, c + 1);
    (c % k === k - 1 ? test : train).push(s);
  }
  return { train, test };
}

/** The recorded strokes as CSV: one row per point (stroke, label, class, x, y, t). */
export function strokesToCSV(strokes, classNames) {
  const lines = ['stroke,label,class,x,y,t_ms'];
  strokes.forEach((s, i) => {
    const name = String(classNames[s.label] ?? s.label).replace(/[",\n\r]/g, ' ');
    for (const p of s.points) {
      lines.push(`${i},${s.label},${name},${p.x.toFixed(1)},${p.y.toFixed(1)},${p.t.toFixed(1)}`);
    }
  });
  return lines.join('\n') + '\n';
}
