// sequence-view.js - draws what a sequence model sees (T > 1 data sets):
// small multiples of the first samples, with the model's verdict per sample
// once a model is shown.
//  - (dx, dy, dt) strokes (the gesture data set): the path the T steps
//    trace (running sum of dx, dy), a dot per step;
//  - any other sequences: every feature as a trace over the T steps.

import { classColor } from './report.js';
import { canvasContext } from './dom.js';

/**
 * @param canvas  the <canvas>
 * @param ds      a data set of datasets.js ({ features, labels, n, timesteps, inputDim, outputDim, classNames?, featureNames })
 * @param options { predicted?: Int32Array | number[] (class per sample), max?: number }
 * @returns the number of samples drawn
 */
export function drawSequences(canvas, ds, { predicted = null, max = 24 } = {}) {
  const cssW = canvas.clientWidth || 600;
  const cols = Math.max(2, Math.min(8, Math.floor(cssW / 110)));
  const count = Math.min(ds.n, max - (max % cols) || cols);
  const rows = Math.ceil(count / cols);
  const cw = cssW / cols;
  const ch = Math.round(cw * 0.9);
  const cssH = rows * ch;
  const g = canvasContext(canvas, cssW, cssH);
  const T = ds.timesteps, D = ds.inputDim;
  const strokes = D === 3 && ds.featureNames && ds.featureNames[0] === 'dx' && ds.featureNames[1] === 'dy';
  const name = (k) => (ds.classNames ? ds.classNames[k] : `class ${k}`);
  for (let i = 0; i < count; i++) {
    const x0 = (i % cols) * cw, y0 = Math.floor(i / cols) * ch;
    const label = ds.outputDim === 1 ? (ds.labels[i] >= 0.5 ? 1 : 0) : ds.labels[i];
    const color = classColor(label);
    const pad = 8, top = 16;
    const w = cw - 2 * pad, h = ch - top - pad;
    // cell frame
    const pred = predicted ? predicted[i] : null;
    g.strokeStyle = pred === null ? '#e2e6ee' : pred === label ? 'rgba(43, 138, 62, 0.6)' : 'rgba(201, 42, 42, 0.8)';
    g.lineWidth = pred === null || pred === label ? 1 : 2;
    g.strokeRect(x0 + 2, y0 + 2, cw - 4, ch - 4);
    g.fillStyle = '#5b6475';
    g.textBaseline = 'top';
    g.textAlign = 'left';
    let caption = name(label);
    if (pred !== null) caption += pred === label ? ' ✓' : ` → ${name(pred)} ✗`;
    g.fillText(caption, x0 + 6, y0 + 5, cw - 12);
    const base = i * T * D;
    if (strokes) {
      // the path of the T steps, fitted into the cell
      const px = [0], py = [0];
      for (let t = 0; t < T; t++) {
        px.push(px[t] + ds.features[base + t * 3]);
        py.push(py[t] + ds.features[base + t * 3 + 1]);
      }
      const minX = Math.min(...px), maxX = Math.max(...px), minY = Math.min(...py), maxY = Math.max(...py);
      const s = Math.min(w / (maxX - minX || 1), h / (maxY - minY || 1));
      const ox = x0 + pad + (w - (maxX - minX) * s) / 2, oy = y0 + top + (h - (maxY - minY) * s) / 2;
      const X = (v) => ox + (v - minX) * s, Y = (v) => oy + (v - minY) * s;
      g.strokeStyle = color;
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(X(px[0]), Y(py[0]));
      for (let t = 1; t <= T; t++) g.lineTo(X(px[t]), Y(py[t]));
      g.stroke();
      g.fillStyle = color;
      for (let t = 0; t <= T; t++) {
        // dot size: the pen's time on the step (dt), so slow parts look heavier
        const dt = t < T ? ds.features[base + t * 3 + 2] : 1;
        g.beginPath();
        g.arc(X(px[t]), Y(py[t]), t === 0 ? 3.5 : Math.max(1, Math.min(3.5, 1.4 * dt)), 0, 2 * Math.PI);
        g.fill();
      }
    } else {
      // one trace per feature over t, each scaled to the cell
      for (let d = 0; d < D; d++) {
        let lo = Infinity, hi = -Infinity;
        for (let t = 0; t < T; t++) {
          const v = ds.features[base + t * D + d];
          lo = Math.min(lo, v); hi = Math.max(hi, v);
        }
        const span = hi - lo || 1;
        g.strokeStyle = d === 0 ? color : `hsla(${(d * 97) % 360}, 45%, 45%, 0.85)`;
        g.lineWidth = d === 0 ? 1.6 : 1;
        g.beginPath();
        for (let t = 0; t < T; t++) {
          const v = ds.features[base + t * D + d];
          const X = x0 + pad + (T === 1 ? w / 2 : (t / (T - 1)) * w);
          const Y = y0 + top + h - ((v - lo) / span) * h;
          if (t === 0) g.moveTo(X, Y); else g.lineTo(X, Y);
        }
        g.stroke();
      }
    }
  }
  return count;
}
