// dom.js - small page helpers shared by the demo pages (index.html and
// gesture.html): a canvas context at the screen's resolution, and a file
// download.

/** A cleared 2-D context of `canvas` sized cssW x cssH CSS pixels at the screen's resolution (11px font). */
export function canvasContext(canvas, cssW, cssH) {
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.height = `${cssH}px`;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  g.font = '11px system-ui, sans-serif';
  return g;
}

/** Offers bytes or text as a file download named `filename`. */
export function download(bytesOrText, filename, type) {
  const url = URL.createObjectURL(new Blob([bytesOrText], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
