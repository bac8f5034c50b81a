// gesture-modules.test.js - the gesture pages' pure modules in Node
// (web/gestures.js and the gesture data set of web/datasets.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GESTURE_T, TEMPLATES, synthStroke, builtinGestures, resampleStroke, strokeFeatures, strokesToData, holdOut,
  strokesToCSV,
} from '../../web/gestures.js';
import { gestures, rng } from '../../web/datasets.js';

const line = (n, dx, dy, dt = 10) => Array.from({ length: n }, (_, i) => ({ x: 5 + i * dx, y: 7 + i * dy, t: i * dt }));

test('strokeFeatures: T steps of (dx, dy, dt), invariant to position and size', () => {
  const f = strokeFeatures(line(10, 3, 0));
  assert.equal(f.length, GESTURE_T * 3);
  for (let k = 0; k < GESTURE_T; k++) {
    assert.ok(Math.abs(f[3 * k] - 1 / GESTURE_T) < 1e-6, `dx ${f[3 * k]}`);
    assert.equal(f[3 * k + 1], 0);
    assert.ok(Math.abs(f[3 * k + 2] - 1) < 1e-5, `dt ${f[3 * k + 2]}`); // constant speed
  }
  const r = rng(1);
  const s = synthStroke('circle', r);
  const moved = s.map((p) => ({ x: 3 * p.x + 100, y: 3 * p.y - 40, t: p.t }));
  const a = strokeFeatures(s), b = strokeFeatures(moved);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `${i}: ${a[i]} vs ${b[i]}`);
  // dt: the steps' times add up to T (as fractions of the duration, times T)
  let sum = 0;
  for (let k = 0; k < GESTURE_T; k++) sum += a[3 * k + 2];
  assert.ok(Math.abs(sum - GESTURE_T) < 1e-3);
  // a slow second half shows as larger dt there
  const slow = line(21, 1, 0).map((p, i) => ({ ...p, t: i <= 10 ? i * 10 : 100 + (i - 10) * 40 }));
  const g = strokeFeatures(slow, 4);
  assert.ok(g[3 * 3 + 2] > 2 * g[2], `dt ${g[2]} then ${g[3 * 3 + 2]}`);
});

test('strokeFeatures: degenerate strokes give null; resampleStroke returns T + 1 points', () => {
  assert.equal(strokeFeatures([]), null);
  assert.equal(strokeFeatures([{ x: 1, y: 1, t: 0 }]), null);
  assert.equal(strokeFeatures([{ x: 1, y: 1, t: 0 }, { x: 1, y: 1, t: 5 }]), null);
  assert.equal(strokeFeatures(null), null);
  const r = resampleStroke(line(3, 10, 10), 8);
  assert.equal(r.points.length, 9);
  assert.deepEqual(r.points[0], { x: 5, y: 7, t: 0 });
  assert.deepEqual(r.points[8], { x: 25, y: 27, t: 20 });
});

test('built-in gestures: deterministic per seed, every template, class-balanced hold-out, CSV', () => {
  const a = builtinGestures({ perClass: 4, seed: 3 });
  const b = builtinGestures({ perClass: 4, seed: 3 });
  assert.deepEqual(a, b);
  assert.deepEqual(a.classNames, ['circle', 'zigzag', 'check']);
  assert.equal(a.strokes.length, 12);
  for (const shape of Object.keys(TEMPLATES)) assert.ok(strokeFeatures(synthStroke(shape, rng(5))), shape);
  assert.throws(() => synthStroke('hexagon', rng(1)), /unknown gesture shape "hexagon"/);
  const { train, test: held } = holdOut(a.strokes, 0.25);
  assert.equal(held.length, 3);
  assert.deepEqual(held.map((s) => s.label).sort(), [0, 1, 2]);
  assert.equal(train.length, 9);
  const d = strokesToData(a.strokes);
  assert.equal(d.n, 12);
  assert.equal(d.features.length, 12 * GESTURE_T * 3);
  assert.deepEqual(Array.from(d.labels.slice(0, 3)), [0, 1, 2]);
  const csv = strokesToCSV(a.strokes.slice(0, 2), ['round, "o"', 'z']).trim().split('\n');
  assert.equal(csv[0], 'stroke,label,class,x,y,t_ms');
  assert.match(csv[1], /^0,0,round {3}o ,[\d.]+,[\d.]+,0\.0$/);
  assert.equal(csv.length, 1 + a.strokes[0].points.length + a.strokes[1].points.length);
});

test('demo data set "gestures": six classes, T steps of 3 features, strokes kept', () => {
  const g = gestures(60, 7, 16);
  assert.equal(g.n, 60);
  assert.equal(g.timesteps, 16);
  assert.equal(g.inputDim, 3);
  assert.equal(g.outputDim, 6);
  assert.deepEqual(g.classNames, ['circle', 'zigzag', 'check', 'triangle', 'wave', 'vee']);
  assert.equal(g.features.length, 60 * 16 * 3);
  assert.equal(g.strokes.length, 60);
  assert.deepEqual(gestures(60, 7, 16).features, g.features);
  assert.notDeepEqual(gestures(60, 8, 16).features, g.features);
  for (let k = 0; k < 6; k++) assert.equal(g.labels.filter((y) => y === k).length, 10);
});
