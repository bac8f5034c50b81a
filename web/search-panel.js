// search-panel.js - the demo's hyperparameter search: trials run in Web
// Workers (the package's search()), and each one lands on an accuracy-vs-size
// scatter as it finishes, with the Pareto front (the package's paretoFront())
// drawn and highlighted.
//
//   mountSearchPanel(element, { getData: () => ({ features, labels, inputDim, timesteps, outputDim }) })

import { search, paretoFront, FastGRNNError } from 'fastgrnn-wasm';

const SVG = 'http://www.w3.org/2000/svg';
const W = 420, H = 240, PAD = { l: 46, r: 12, t: 10, b: 34 };

/** The space the panel searches: sizes, ranks, learning rates, pruning, INT8. */
export const PANEL_SPACE = Object.freeze({
  hiddenDim: [4, 8, 16, 32],
  learningRate: { min: 0.003, max: 0.05, log: true },
  prune: [0, 0.5, 0.8],
  quantize: [false, true],
});

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function field(label, input) {
  const l = el('label', { class: 'field' }, label + ' ');
  l.append(input);
  return l;
}

export function mountSearchPanel(root, { getData }) {
  root.replaceChildren();
  root.append(el('h2', {}, 'Hyperparameter search'));
  root.append(el('p', { class: 'hint' },
    'Trains many variants (hidden size, learning rate, pruning, INT8) in parallel Web Workers on the current data set; ' +
    'each dot is a trial, the highlighted line the Pareto front of accuracy against size.'));
  const strategy = el('select', { id: 'search-strategy' });
  for (const s of ['random', 'grid', 'halving']) strategy.append(el('option', { value: s }, s));
  const trials = el('input', { id: 'search-trials', type: 'number', min: '1', max: '200', step: '1', value: '12' });
  const workers = el('input', {
    id: 'search-workers', type: 'number', min: '1', max: '16', step: '1',
    value: String(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2))),
  });
  const epochs = el('input', { id: 'search-epochs', type: 'number', min: '1', max: '1000', step: '1', value: '10' });
  const objective = el('select', { id: 'search-objective' });
  for (const [v, t] of [['valAccuracy', 'val accuracy'], ['valLoss', 'val loss']]) objective.append(el('option', { value: v }, t));
  const grid = el('div', { class: 'grid2' });
  grid.append(field('Strategy', strategy), field('Trials', trials), field('Workers', workers),
    field('Epochs', epochs), field('Objective', objective));
  root.append(grid);
  const actions = el('div', { class: 'actions' });
  const start = el('button', { type: 'button', id: 'search-start', class: 'primary' }, 'Start search');
  const stop = el('button', { type: 'button', id: 'search-stop', class: 'danger' }, 'Stop');
  stop.disabled = true;
  actions.append(start, stop);
  root.append(actions);
  const status = el('p', { id: 'search-status', class: 'status', 'aria-live': 'polite' }, 'Idle.');
  root.append(status);
  const svg = svgEl('svg', { id: 'search-plot', viewBox: `0 0 ${W} ${H}`, width: '100%', style: 'max-width: 640px', role: 'img',
    'aria-label': 'validation accuracy against model size, one dot per trial' });
  root.append(svg);
  const table = el('table', { id: 'search-table', class: 'class-table' });
  root.append(table);

  let controller = null;
  const done = [];

  function draw() {
    svg.replaceChildren();
    const ok = done.filter((t) => t.status === 'ok');
    const sizes = ok.map((t) => t.sizeBytes);
    const lo = Math.log(Math.max(1, Math.min(...sizes, 100)) * 0.8);
    const hi = Math.log(Math.max(...sizes, 1000) * 1.25);
    const accs = ok.map((t) => t.valAccuracy);
    const a0 = Math.min(0.5, ...accs), a1 = 1;
    const x = (b) => PAD.l + ((Math.log(b) - lo) / (hi - lo)) * (W - PAD.l - PAD.r);
    const y = (a) => H - PAD.b - ((a - a0) / (a1 - a0)) * (H - PAD.t - PAD.b);
    svg.append(svgEl('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b, class: 'axis', stroke: 'currentColor' }));
    svg.append(svgEl('line', { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b, class: 'axis', stroke: 'currentColor' }));
    const xl = svgEl('text', { x: (W + PAD.l) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor' });
    xl.textContent = 'weight bytes (log)';
    const yl = svgEl('text', { x: 12, y: (H - PAD.b) / 2, 'font-size': 11, fill: 'currentColor',
      transform: `rotate(-90 12 ${(H - PAD.b) / 2})`, 'text-anchor': 'middle' });
    yl.textContent = 'val accuracy';
    svg.append(xl, yl);
    for (const [v, anchor] of [[a0, 'end'], [a1, 'end']]) {
      const t = svgEl('text', { x: PAD.l - 4, y: y(v) + 4, 'text-anchor': anchor, 'font-size': 10, fill: 'currentColor' });
      t.textContent = v.toFixed(2);
      svg.append(t);
    }
    const front = paretoFront(ok);
    if (front.length > 1) {
      // the front as a staircase: each point holds its accuracy until the next, larger one
      let d = '';
      front.forEach((t, i) => {
        d += `${i ? 'L' : 'M'}${x(t.sizeBytes).toFixed(1)},${y(t.valAccuracy).toFixed(1)}`;
        const next = front[i + 1];
        if (next) d += `L${x(next.sizeBytes).toFixed(1)},${y(t.valAccuracy).toFixed(1)}`;
      });
      svg.append(svgEl('path', { d, class: 'pareto-line', fill: 'none', stroke: '#d6452a', 'stroke-width': 2 }));
    }
    const onFront = new Set(front.map((t) => t.index));
    for (const t of ok) {
      const c = svgEl('circle', {
        cx: x(t.sizeBytes).toFixed(1), cy: y(t.valAccuracy).toFixed(1), r: onFront.has(t.index) ? 5 : 3.5,
        class: onFront.has(t.index) ? 'trial pareto' : 'trial',
        fill: onFront.has(t.index) ? '#d6452a' : '#2458d6', 'fill-opacity': onFront.has(t.index) ? 1 : 0.55,
        'data-index': t.index,
      });
      const tip = svgEl('title', {});
      tip.textContent = `trial ${t.index}: accuracy ${t.valAccuracy.toFixed(3)}, ${t.sizeBytes} B, ${JSON.stringify(t.params)}`;
      c.append(tip);
      svg.append(c);
    }
  }

  function fillTable(rows) {
    table.replaceChildren();
    const head = el('tr');
    for (const h of ['#', 'trial', 'val acc', 'val loss', 'bytes', 'hidden', 'lr', 'prune', 'int8', 'front']) head.append(el('th', {}, h));
    table.append(head);
    rows.forEach((t, i) => {
      const tr = el('tr', { 'data-status': t.status });
      const p = t.params;
      const cells = t.status === 'ok'
        ? [i + 1, t.index, t.valAccuracy.toFixed(3), t.valLoss.toFixed(4), t.sizeBytes, p.hiddenDim,
          Number(p.learningRate).toPrecision(3), p.prune, p.quantize ? 'yes' : 'no', t.pareto ? '★' : '']
        : [i + 1, t.index, 'failed', t.error ? t.error.message : '', '', p.hiddenDim, '', '', '', ''];
      for (const c of cells) tr.append(el('td', {}, String(c ?? '')));
      table.append(tr);
    });
  }

  start.addEventListener('click', async () => {
    const ds = getData();
    if (!ds || !ds.features) {
      status.textContent = 'The search needs a data set in memory: pick a generated one or drop a CSV file.';
      return;
    }
    done.length = 0;
    draw();
    fillTable([]);
    controller = new AbortController();
    start.disabled = true;
    stop.disabled = false;
    const t0 = performance.now();
    const n = Number(trials.value);
    status.textContent = `Searching: 0 of ${n} trials…`;
    try {
      const result = await search({
        data: {
          features: ds.features, labels: ds.labels, inputDim: ds.inputDim,
          timesteps: ds.timesteps, outputDim: ds.outputDim,
        },
        space: PANEL_SPACE,
        strategy: strategy.value,
        trials: n,
        workers: Number(workers.value),
        objective: objective.value,
        training: { epochs: Number(epochs.value) },
        halving: strategy.value === 'halving' ? { eta: 2, maxEpochs: Number(epochs.value) } : undefined,
        signal: controller.signal,
        onTrial: (t) => {
          done.push(t);
          draw();
          status.textContent = `Searching: ${done.length} evaluation${done.length === 1 ? '' : 's'} done…`;
        },
      });
      done.length = 0;
      done.push(...result.trials);
      draw();
      fillTable(result.ranked);
      const b = result.best;
      status.textContent = `Done: ${result.trials.length} trials in ${((performance.now() - t0) / 1000).toFixed(1)} s.` +
        (b ? ` Best: trial ${b.index}, accuracy ${b.valAccuracy.toFixed(3)}, ${b.sizeBytes} B.` : ' Every trial failed.');
      root.dataset.state = 'done';
    } catch (e) {
      status.textContent = e instanceof FastGRNNError && e.code === 'Aborted'
        ? `Stopped after ${done.length} evaluations.` : `Search failed: ${e && e.message ? e.message : String(e)}`;
      root.dataset.state = 'stopped';
    } finally {
      start.disabled = false;
      stop.disabled = true;
      controller = null;
    }
  });
  stop.addEventListener('click', () => { if (controller) controller.abort(); });
  draw();
}
