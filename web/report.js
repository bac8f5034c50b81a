// report.js - the evaluation report of a multi-class model, drawn: a
// confusion matrix on a canvas and a per-class precision/recall table.
// Shared by the demo page and the gesture page.
//
// The report object is the library's evaluate(model, dataset) result:
//   { samples, loss, accuracy, numClasses, confusionMatrix: number[K][K]
//     (rows = true class, columns = predicted), classes: [{ index, precision,
//     recall, f1, support, className? }], rocAuc }

import * as lib from 'fastgrnn-wasm';
import { canvasContext } from './dom.js';

/**
 * The evaluation report of `model` on raw features [n*T*D] and labels [n]
 * (the model's stored normalization is applied, as predict does), computed
 * by the library (evaluate(), in C). classNames, when given, name the
 * classes of a model whose card has none.
 */
export function evaluateModel(model, features, labels, { timesteps = 1, classNames } = {}) {
  const cfg = model.config;
  const K = cfg.outputDim === 1 ? 2 : cfg.outputDim;
  const ds = new lib.TrainingDataset(features, labels, {
    inputDim: cfg.inputDim, timesteps, outputDim: cfg.outputDim,
    ...(Array.isArray(classNames) && classNames.length === K ? { classNames } : {}),
  });
  try {
    return lib.evaluate(model, ds, { raw: true });
  } finally {
    ds.dispose();
  }
}

const PALETTE = ['#2458d6', '#e8590c', '#2b8a3e', '#9c36b5', '#c92a2a', '#1098ad', '#f08c00', '#5c940d', '#d6336c', '#495057'];
export const classColor = (k) => PALETTE[k % PALETTE.length];


/**
 * Draws the confusion matrix into `canvas` (cells shaded by the fraction of
 * the true class, counts written in), sized to the canvas's CSS width.
 */
export function drawConfusion(canvas, report, classNames = []) {
  const K = report.confusionMatrix.length;
  const names = Array.from({ length: K }, (_, k) => classNames[k] ?? report.classes[k]?.className ?? String(k));
  const cssW = canvas.clientWidth || 320;
  const label = Math.min(110, Math.max(48, cssW * 0.28));
  const cell = Math.max(16, Math.floor((cssW - label - 8) / K));
  const cssH = label + cell * K + 8;
  const g = canvasContext(canvas, cssW, cssH);
  g.textBaseline = 'middle';
  const x0 = label, y0 = label;
  const short = (s, w) => {
    let t = s;
    while (t.length > 1 && g.measureText(t).width > w) t = t.slice(0, -1);
    return t === s ? s : t.slice(0, -1) + '…';
  };
  // column headers (predicted), rotated
  g.fillStyle = '#5b6475';
  for (let k = 0; k < K; k++) {
    g.save();
    g.translate(x0 + k * cell + cell / 2, y0 - 6);
    g.rotate(-Math.PI / 4);
    g.textAlign = 'left';
    g.fillText(short(names[k], label - 14), 0, 0);
    g.restore();
  }
  g.textAlign = 'right';
  for (let k = 0; k < K; k++) g.fillText(short(names[k], label - 10), x0 - 6, y0 + k * cell + cell / 2);
  g.save();
  g.font = '600 10px system-ui, sans-serif';
  g.textAlign = 'left';
  g.fillText('true ↓  predicted →', 2, 10);
  g.restore();
  for (let i = 0; i < K; i++) {
    const row = report.confusionMatrix[i];
    const total = row.reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < K; j++) {
      const f = row[j] / total;
      const diag = i === j;
      g.fillStyle = diag ? `rgba(43, 138, 62, ${0.08 + 0.85 * f})` : `rgba(201, 42, 42, ${f > 0 ? 0.12 + 0.8 * f : 0.03})`;
      g.fillRect(x0 + j * cell + 1, y0 + i * cell + 1, cell - 2, cell - 2);
      if (cell >= 18) {
        g.fillStyle = f > 0.55 ? '#fff' : '#161b26';
        g.textAlign = 'center';
        g.fillText(String(row[j]), x0 + j * cell + cell / 2, y0 + i * cell + cell / 2);
      }
    }
  }
}

/** Fills `table` (a <table>) with per-class precision, recall, F1 and support. */
export function fillClassTable(table, report, classNames = []) {
  const pct = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`);
  const head = document.createElement('thead');
  head.innerHTML = '<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>';
  const body = document.createElement('tbody');
  for (const c of report.classes) {
    const tr = document.createElement('tr');
    const name = classNames[c.index] ?? c.className ?? String(c.index);
    const cells = [name, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)];
    cells.forEach((v, i) => {
      const td = document.createElement('td');
      if (i === 0) {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.style.background = classColor(c.index);
        td.append(chip, document.createTextNode(v));
      } else td.textContent = v;
      // a bar under precision/recall
      if (i === 1 || i === 2) {
        const v01 = i === 1 ? c.precision : c.recall;
        td.style.backgroundImage = `linear-gradient(90deg, rgba(36, 88, 214, 0.16) ${v01 * 100}%, transparent ${v01 * 100}%)`;
      }
      tr.append(td);
    });
    body.append(tr);
  }
  table.replaceChildren(head, body);
}
