// csv.js - reads a user's CSV into a data set, or explains what is wrong.
// Pure (no DOM). Rules:
//  - the first line is a header; one column is the label, named "label"
//    (else "target" or "class"; case-insensitive);
//  - every other column is a numeric feature; cells may be quoted;
//  - delimiter: comma, or semicolon / tab when the header has no comma;
//  - labels: values in [0, 1] make a binary set; integers 0..K-1 (K > 2) a
//    K-class set;
//  - with `timesteps` T > 1, each row holds T steps of D = features / T
//    values, step-major (x_1 ... x_T, each D values).

export class CsvError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CsvError';
  }
}

const LABEL_NAMES = ['label', 'target', 'class']; // in order of preference
const MAX_CLASSES = 64;

/** Splits one line into cells (RFC 4180 quoting within a line). */
function splitLine(line, delim, lineNo) {
  const cells = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new CsvError(`Line ${lineNo}: a quoted cell is not closed.`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') { cell += '"'; i += 2; continue; }
          i++;
          break;
        }
        cell += line[i++];
      }
      while (i < line.length && line[i] !== delim) cell += line[i++];
    } else {
      while (i < line.length && line[i] !== delim) cell += line[i++];
    }
    cells.push(cell.trim());
    if (i >= line.length) break;
    i++; // delimiter
  }
  return cells;
}

const shorten = (s) => (s.length > 24 ? s.slice(0, 21) + '...' : s);

/**
 * Parses CSV text. Returns { features, labels, n, inputDim, timesteps,
 * outputDim, featureNames, labelName }; throws CsvError with a message for
 * the page.
 */
export function parseCSV(text, { timesteps = 1, name = 'the file' } = {}) {
  if (typeof text !== 'string') throw new CsvError(`Cannot read ${name} as text.`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\0')) throw new CsvError(`${name} is not a text file (it contains NUL bytes).`);
  const lines = text.split(/\r\n|\n|\r/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first >= lines.length) throw new CsvError(`${name} is empty: expected a header line and rows of numbers.`);
  const headerLine = lines[first];
  const delim = headerLine.includes(',') ? ',' : headerLine.includes(';') ? ';'
    : headerLine.includes('\t') ? '\t' : ',';
  const header = splitLine(headerLine, delim, first + 1);
  const lower = header.map((h) => h.toLowerCase());
  const labelName = LABEL_NAMES.find((l) => lower.includes(l));
  const labelIdx = labelName === undefined ? -1 : lower.indexOf(labelName);
  if (labelIdx < 0) {
    const looksNumeric = header.every((h) => h !== '' && Number.isFinite(Number(h)));
    throw new CsvError(looksNumeric
      ? 'No header line: the first line must name the columns, one of them "label".'
      : `No label column: the header must have a column named "label" (found: ${header.map((h) => `"${shorten(h)}"`).join(', ')}).`);
  }
  const featureIdx = header.map((_, k) => k).filter((k) => k !== labelIdx);
  if (featureIdx.length === 0) throw new CsvError('No feature columns: the header has only the label column.');
  header.forEach((h, k) => {
    if (h === '') throw new CsvError(`The header's column ${k + 1} has no name.`);
  });
  const T = Number(timesteps);
  if (!Number.isInteger(T) || T < 1) throw new CsvError(`Steps per row must be a whole number of at least 1 (got ${timesteps}).`);
  if (featureIdx.length % T !== 0) {
    throw new CsvError(`${featureIdx.length} feature columns cannot be split into ${T} steps per row.`);
  }
  const F = featureIdx.length;
  const rows = [];
  const labels = [];
  for (let li = first + 1; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    const lineNo = li + 1;
    const cells = splitLine(line, delim, lineNo);
    if (cells.length !== header.length) {
      throw new CsvError(`Line ${lineNo} has ${cells.length} cell${cells.length === 1 ? '' : 's'}, but the header has ${header.length} columns.`);
    }
    const row = new Array(F);
    for (let j = 0; j < F; j++) {
      const k = featureIdx[j];
      const c = cells[k];
      if (c === '') throw new CsvError(`Line ${lineNo}, column "${shorten(header[k])}": the cell is empty.`);
      const v = Number(c);
      if (!Number.isFinite(v)) {
        throw new CsvError(`Line ${lineNo}, column "${shorten(header[k])}": "${shorten(c)}" is not a number.`);
      }
      row[j] = v;
    }
    const lc = cells[labelIdx];
    const lv = Number(lc);
    if (lc === '' || !Number.isFinite(lv)) {
      throw new CsvError(`Line ${lineNo}, column "${shorten(header[labelIdx])}": "${shorten(lc)}" is not a number (labels are 0/1, or class numbers 0, 1, 2, ...).`);
    }
    rows.push(row);
    labels.push({ v: lv, lineNo });
  }
  if (rows.length < 2) throw new CsvError(`${name} has ${rows.length} data row${rows.length === 1 ? '' : 's'}; at least 2 are needed.`);
  let outputDim = 1;
  const maxLabel = Math.max(...labels.map((l) => l.v));
  if (maxLabel > 1) {
    for (const l of labels) {
      if (!Number.isInteger(l.v) || l.v < 0) {
        throw new CsvError(`Line ${l.lineNo}: label ${l.v} is not a class number (with labels above 1, every label must be a whole number 0, 1, 2, ...).`);
      }
    }
    outputDim = maxLabel + 1;
    if (outputDim > MAX_CLASSES) throw new CsvError(`Label ${maxLabel} means ${outputDim} classes; at most ${MAX_CLASSES} are supported.`);
  } else {
    for (const l of labels) {
      if (l.v < 0) throw new CsvError(`Line ${l.lineNo}: label ${l.v} is negative (labels are 0/1, or class numbers 0, 1, 2, ...).`);
    }
  }
  const n = rows.length;
  const features = new Float32Array(n * F);
  rows.forEach((r, i) => features.set(r, i * F));
  const names = featureIdx.map((k) => header[k]);
  return {
    name: 'csv', features, labels: Float32Array.from(labels, (l) => l.v), n,
    timesteps: T, inputDim: F / T, outputDim,
    featureNames: T === 1 ? names : names.slice(0, F / T),
    labelName: header[labelIdx],
    twoD: T === 1 && F === 2 && outputDim === 1,
  };
}
