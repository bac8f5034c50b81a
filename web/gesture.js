// gesture.js - the gesture page: record strokes per named class, train a
// FastGRNN in the package's worker, recognise live, evaluate on held-out
// strokes, download the model, its C source and the recorded strokes.

import { init, FastGRNN } from 'fastgrnn-wasm';
import { trainInWorker } from 'fastgrnn-wasm/worker';
import {
  GESTURE_T, builtinGestures, resampleStroke, strokeFeatures, strokesToData, holdOut, strokesToCSV,
} from './gestures.js';
import { download } from './dom.js';
import { evaluateModel, drawConfusion, fillClassTable, classColor } from './report.js';

const $ = (id) => document.getElementById(id);

const state = {
  classes: [],      // class names; the label of a stroke is its index here
  strokes: [],      // { label, points: [{ x, y, t }] } in pad CSS pixels / ms
  selected: -1,     // class new strokes are recorded for
  mode: 'record',   // 'record' | 'recognize'
  model: null,      // FastGRNN after training
  trainedClasses: [],
  current: null,    // the stroke being drawn
  last: null,       // the last recognised stroke (stays on the pad)
  report: null,
  busy: false,
};

// ------------------------------------------------------------ messages

function showMessage(text) {
  const div = document.createElement('div');
  div.textContent = text;
  $('messages').append(div);
  setTimeout(() => div.remove(), 6000);
}


// ------------------------------------------------------------ classes

function counts() {
  const c = new Array(state.classes.length).fill(0);
  for (const s of state.strokes) c[s.label]++;
  return c;
}

function renderClasses() {
  const list = $('class-list');
  const c = counts();
  list.replaceChildren(...state.classes.map((name, k) => {
    const li = document.createElement('li');
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'record-class';
    radio.value = String(k);
    radio.checked = k === state.selected;
    radio.addEventListener('change', () => { state.selected = k; setMode('record'); renderCaption(); });
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.style.background = classColor(k);
    const n = document.createElement('span');
    n.className = 'count mono';
    n.textContent = `${c[k]}`;
    n.dataset.count = String(c[k]);
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'del';
    del.title = `delete the class ${name} and its strokes`;
    del.textContent = '×';
    del.addEventListener('click', (e) => { e.preventDefault(); removeClass(k); });
    label.append(radio, chip, document.createTextNode(name), n, del);
    li.append(label);
    li.dataset.name = name;
    return li;
  }));
  $('stroke-count').textContent = String(state.strokes.length);
  const ready = state.classes.length >= 2 && c.every((x) => x >= 3);
  $('train').disabled = !ready || state.busy;
  if (!state.busy && !state.model) {
    $('train-status').textContent = ready ? 'Ready to train.' : 'Record at least 2 classes with 3 examples each.';
  }
  renderCaption();
}

function addClass(name) {
  const n = name.trim();
  if (!n) { showMessage('Give the class a name.'); return; }
  if (state.classes.includes(n)) { showMessage(`There is already a class named ${n}.`); return; }
  if (state.classes.length >= 10) { showMessage('At most 10 classes.'); return; }
  state.classes.push(n);
  state.selected = state.classes.length - 1;
  setMode('record');
  renderClasses();
}

function removeClass(k) {
  state.classes.splice(k, 1);
  state.strokes = state.strokes.filter((s) => s.label !== k).map((s) => ({ ...s, label: s.label > k ? s.label - 1 : s.label }));
  state.selected = Math.min(state.selected, state.classes.length - 1);
  renderClasses();
}

function renderCaption() {
  const cap = $('pad-caption');
  if (state.mode === 'recognize') cap.textContent = 'Draw any of the trained gestures: the model recognises it as you draw.';
  else if (state.selected < 0) cap.textContent = 'Add a class to start recording.';
  else cap.textContent = `Recording examples of “${state.classes[state.selected]}”: draw one stroke per example.`;
}

function setMode(mode) {
  state.mode = mode;
  document.body.dataset.mode = mode;
  for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === mode;
  renderCaption();
}

// ------------------------------------------------------------ the pad

const pad = $('pad');
const ctx = pad.getContext('2d');

function fitPad() {
  const dpr = window.devicePixelRatio || 1;
  const r = pad.getBoundingClientRect();
  pad.width = Math.round(r.width * dpr);
  pad.height = Math.round(r.height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  redraw();
}

function drawStroke(points, color, width = 3) {
  if (points.length < 2) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(points[0].x, points[0].y);
  for (const p of points) ctx.lineTo(p.x, p.y);
  ctx.stroke();
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(points[0].x, points[0].y, width + 1.5, 0, 2 * Math.PI);
  ctx.fill();
}

function redraw() {
  const r = pad.getBoundingClientRect();
  ctx.clearRect(0, 0, r.width, r.height);
  if (state.mode === 'record' && state.selected >= 0) {
    // faint: the last few examples of the selected class
    const mine = state.strokes.filter((s) => s.label === state.selected).slice(-5);
    ctx.globalAlpha = 0.18;
    for (const s of mine) drawStroke(s.points, classColor(s.label), 2);
    ctx.globalAlpha = 1;
  }
  if (state.mode === 'recognize' && state.last && !state.current) {
    drawStroke(state.last.points, '#9aa3b5', 3);
    // what the model sees: the T + 1 resampled points its T steps join
    const rs = resampleStroke(state.last.points);
    if (rs) {
      ctx.fillStyle = classColor(state.last.label);
      for (const p of rs.points) { ctx.beginPath(); ctx.arc(p.x, p.y, 3.2, 0, 2 * Math.PI); ctx.fill(); }
    }
  }
  if (state.current) {
    const color = state.mode === 'record' ? classColor(state.selected) : '#161b26';
    drawStroke(state.current.points, color, 3.5);
  }
}

function point(ev, t0) {
  const r = pad.getBoundingClientRect();
  return { x: ev.clientX - r.left, y: ev.clientY - r.top, t: ev.timeStamp - t0 };
}

pad.addEventListener('pointerdown', (ev) => {
  if (ev.button !== undefined && ev.button > 0) return;
  if (state.mode === 'record' && state.selected < 0) { showMessage('Add a class first.'); return; }
  if (state.mode === 'recognize' && !state.model) return;
  ev.preventDefault();
  pad.setPointerCapture?.(ev.pointerId);
  state.current = { id: ev.pointerId, t0: ev.timeStamp, points: [] };
  state.current.points.push(point(ev, state.current.t0));
  redraw();
});

pad.addEventListener('pointermove', (ev) => {
  const c = state.current;
  if (!c || ev.pointerId !== c.id) return;
  const evs = typeof ev.getCoalescedEvents === 'function' ? ev.getCoalescedEvents() : [];
  for (const e of (evs.length ? evs : [ev])) c.points.push(point(e, c.t0));
  redraw();
  if (state.mode === 'recognize') recognize(c.points);
});

function endStroke(ev) {
  const c = state.current;
  if (!c || ev.pointerId !== c.id) return;
  c.points.push(point(ev, c.t0));
  state.current = null;
  const pts = dedupe(c.points);
  if (state.mode === 'record') {
    if (strokeFeatures(pts)) {
      state.strokes.push({ label: state.selected, points: pts });
      renderClasses();
    }
    redraw();
  } else {
    const label = recognize(pts, true);
    // keep the finished stroke on the pad until the next one, with the
    // points the model saw, in the colour of the class it recognised
    state.last = label === undefined ? null : { points: pts, label };
    redraw();
  }
}
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

/** Drops repeated positions (a pointerup at the last move's spot). */
function dedupe(points) {
  const out = [];
  for (const p of points) {
    const q = out[out.length - 1];
    if (q && q.x === p.x && q.y === p.y) { q.t = p.t; continue; }
    out.push({ ...p });
  }
  return out;
}

// ------------------------------------------------------------ device motion (phones)

let motion = null;
function setupMotion() {
  if (typeof window.DeviceMotionEvent === 'undefined' || !matchMedia('(pointer: coarse)').matches) return;
  $('motion-row').hidden = false;
  $('use-motion').addEventListener('change', async (e) => {
    if (!e.target.checked) { motion = null; return; }
    try {
      if (typeof DeviceMotionEvent.requestPermission === 'function') {
        const r = await DeviceMotionEvent.requestPermission();
        if (r !== 'granted') throw new Error('permission denied');
      }
      motion = { recording: null };
    } catch (err) {
      e.target.checked = false;
      showMessage(`Device motion is not available: ${err.message}`);
    }
  });
  // While a finger is on the pad, the phone's acceleration (x, y) integrates
  // into a path that is treated exactly like a stroke.
  window.addEventListener('devicemotion', (ev) => {
    if (!motion || !state.current) return;
    const a = ev.acceleration || ev.accelerationIncludingGravity;
    if (!a) return;
    const c = state.current;
    const last = c.mpath || { x: 0, y: 0, vx: 0, vy: 0 };
    const dt = (ev.interval || 16) / 1000;
    const vx = last.vx + (a.x || 0) * dt, vy = last.vy - (a.y || 0) * dt;
    c.mpath = { x: last.x + vx * 400 * dt, y: last.y + vy * 400 * dt, vx, vy };
    if (!c.mstart) { c.mstart = c.points[0]; c.points = [c.points[0]]; }
    c.points.push({ x: c.mstart.x + c.mpath.x, y: c.mstart.y + c.mpath.y, t: ev.timeStamp - c.t0 });
  });
}

// ------------------------------------------------------------ recognition

function predictProbs(feat) {
  // raw (dx, dy, dt) steps: predict applies the model's stored normalization
  const p = state.model.predict(feat, { timesteps: GESTURE_T });
  return typeof p === 'number' ? Float32Array.of(1 - p, p) : p;
}

function recognize(points, final = false) {
  if (!state.model) return undefined;
  const feat = strokeFeatures(dedupe(points));
  if (!feat) return undefined;
  const probs = predictProbs(feat);
  const best = state.model.predictClass(feat, { timesteps: GESTURE_T });
  const name = state.trainedClasses[best];
  const el = $('live-label');
  el.textContent = name;
  el.style.color = classColor(best);
  el.dataset.class = name;
  el.dataset.final = final ? '1' : '0';
  $('live-conf').textContent = `${(probs[best] * 100).toFixed(0)} %`;
  renderBars(probs);
  if (final) {
    state.recognized = (state.recognized || 0) + 1;
    el.dataset.count = String(state.recognized);
  }
  return best;
}

function renderBars(probs) {
  const bars = $('live-bars');
  bars.replaceChildren(...state.trainedClasses.map((name, k) => {
    const row = document.createElement('div');
    row.className = 'g-bar';
    const n = document.createElement('span');
    n.textContent = name;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = `${((probs ? probs[k] : 0) * 100).toFixed(1)}%`;
    fill.style.background = classColor(k);
    track.append(fill);
    const v = document.createElement('span');
    v.className = 'mono';
    v.textContent = probs ? `${(probs[k] * 100).toFixed(0)} %` : '';
    row.append(n, track, v);
    return row;
  }));
}

// ------------------------------------------------------------ training

async function train() {
  if (state.busy) return;
  const K = state.classes.length;
  const { train: tr, test } = holdOut(state.strokes, 0.25);
  const trainData = strokesToData(tr);
  const testData = strokesToData(test);
  const H = Number($('hidden').value);
  const epochs = Number($('epochs').value);
  if (!(Number.isInteger(H) && H >= 2 && H <= 128)) { showMessage('hidden units: an integer from 2 to 128'); return; }
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 500)) { showMessage('epochs: an integer from 1 to 500'); return; }
  state.busy = true;
  document.body.dataset.state = 'training';
  $('train').disabled = true;
  const status = $('train-status');
  status.textContent = `Training on ${trainData.n} strokes (${test.length} held out)…`;
  const t0 = performance.now();
  try {
    const result = await trainInWorker({
      modelConfig: { inputDim: 3, hiddenDim: H, outputDim: K, rank: null, seed: 42 },
      trainingConfig: {
        epochs, batchSize: 8, learningRate: 0.02, validationSplit: 0, earlyStoppingPatience: null,
        lrDecay: 0.5, lrDecayStep: Math.max(1, Math.ceil(epochs / 2)), restoreBestWeights: false, l2Reg: 0, seed: 42,
      },
      features: trainData.features, labels: trainData.labels,
      inputDim: 3, timesteps: GESTURE_T, outputDim: K, normalize: true,
      onEpoch: (m) => {
        status.textContent = `Epoch ${m.epoch + 1} / ${epochs}: loss ${m.trainLoss.toFixed(3)}, training accuracy ${(m.trainAccuracy * 100).toFixed(0)} %`;
      },
    });
    const ms = performance.now() - t0;
    if (state.model) state.model.dispose();
    state.model = FastGRNN.load(result.model);
    state.modelBytes = result.model;
    state.trainedClasses = state.classes.slice();
    // the class names travel with the model (its card), e.g. for predictLabel
    state.model.updateCard({ classNames: state.trainedClasses, featureNames: ['dx', 'dy', 'dt'], timesteps: GESTURE_T });
    state.modelBytes = state.model.save();
    $('results').hidden = false;
    $('train-time').textContent = `${(ms / 1000).toFixed(1)} s`;
    $('model-size').textContent = `${state.model.sizeBytes()} B`;
    $('model-size').title = `${state.model.numParams()} parameters; file ${state.modelBytes.length} bytes`;
    if (testData.n > 0) {
      const report = evaluateModel(state.model, testData.features, testData.labels, { timesteps: GESTURE_T });
      if (report.classes.some((c, k) => c.className !== state.trainedClasses[k])) {
        throw new Error('the evaluation report names other classes than the model was trained on');
      }
      state.report = report;
      $('accuracy').textContent = `${(report.accuracy * 100).toFixed(1)} %`;
      $('accuracy').dataset.value = String(report.accuracy);
      drawConfusion($('confusion'), report, state.trainedClasses);
      fillClassTable($('class-table'), report, state.trainedClasses);
    } else {
      $('accuracy').textContent = 'no held-out strokes';
    }
    status.textContent = `Trained ${epochs} epochs on ${trainData.n} strokes in ${(ms / 1000).toFixed(1)} s (SIMD: ${result.simd ? 'yes' : 'no'}). Switch to “recognise” and draw.`;
    $('mode-recognize').disabled = false;
    setMode('recognize');
    renderBars(null);
    document.body.dataset.trained = '1';
  } catch (e) {
    status.textContent = `Training failed: ${e.message}`;
    showMessage(`Training failed: ${e.message}`);
  } finally {
    state.busy = false;
    document.body.dataset.state = 'ready';
    renderClasses();
  }
}

// ------------------------------------------------------------ wiring

function wire() {
  $('add-class-form').addEventListener('submit', (e) => {
    e.preventDefault();
    addClass($('class-name').value);
    $('class-name').value = '';
  });
  $('builtin').addEventListener('click', () => {
    const r = pad.getBoundingClientRect();
    const g = builtinGestures({ perClass: 20, seed: 11, width: r.width, height: r.height });
    state.classes = g.classNames;
    state.strokes = g.strokes;
    state.selected = 0;
    setMode('record');
    renderClasses();
    redraw();
  });
  $('clear-all').addEventListener('click', () => {
    state.classes = [];
    state.strokes = [];
    state.selected = -1;
    renderClasses();
    redraw();
  });
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener('change', () => { if (r.checked) { setMode(r.value); redraw(); } });
  }
  $('train').addEventListener('click', train);
  $('dl-model').addEventListener('click', () => download(state.modelBytes, 'gestures.safetensors', 'application/octet-stream'));
  $('dl-c').addEventListener('click', () => download(state.model.exportC('gesture'), 'gesture_model.c', 'text/x-c'));
  $('dl-csv').addEventListener('click', () => download(strokesToCSV(state.strokes, state.classes), 'strokes.csv', 'text/csv'));
  new ResizeObserver(() => fitPad()).observe(pad);
  window.addEventListener('resize', () => {
    if (state.report) drawConfusion($('confusion'), state.report, state.trainedClasses);
  });
}

async function main() {
  wire();
  setMode('record');
  renderClasses();
  fitPad();
  setupMotion();
  try {
    const info = await init();
    const badge = $('module-badge');
    badge.textContent = info.simd ? 'SIMD128' : 'scalar';
    badge.className = `badge ${info.simd ? 'simd' : 'scalar'}`;
    document.body.dataset.state = 'ready';
  } catch (e) {
    showMessage(`Cannot load the WebAssembly module: ${e.message}`);
    document.body.dataset.state = 'error';
  }
}

main();
