// `fastgrnn predict MODEL DATA.csv [--out FILE]`: raw rows in, a CSV of
// probabilities and predicted labels out. The model's card says which
// columns are features, the class names and the timesteps; the model
// applies its stored normalization (predict on raw inputs).

import { helpText } from './args.js';
import { DELIMITER_FLAG, IGNORE_FLAG, MISSING_FLAG, HELP_FLAG, readForModel, modelDataCommand, output, csvCell, className } from './common.js';
import * as fg from '../index.js';

const FLAGS = [
  { name: 'out', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, defText: 'standard output',
    help: 'where to write the predictions (CSV)' },
  DELIMITER_FLAG,
  IGNORE_FLAG,
  MISSING_FLAG,
  HELP_FLAG,
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} MODEL DATA.csv [--out FILE]`,
    '',
    'Predicts every row of DATA.csv (a header row, the feature columns the model',
    'was trained on, by name; a label column may be there, holding the model\'s',
    'classes; other columns need --ignore) with MODEL',
    '(.safetensors) and writes a CSV: one probability column per class (binary',
    'models: the probability of the second class) and the predicted label.',
    'Rows are raw: the model applies the normalization stored in it. Output',
    'lines follow the input rows (rows left out by --missing skip are left out).',
    '',
    'Options:',
  ], FLAGS);
}

/** The predictions as CSV text: header, then one line per row. */
export function predictionsCSV(model, data) {
  const card = model.card;
  const O = model.outputDim;
  const probs = model.predictBatch(data.features, { timesteps: data.timesteps });
  const cols = O === 1 ? [`p_${className(card, 1)}`] : Array.from({ length: O }, (_, k) => `p_${className(card, k)}`);
  const labels = model.predictLabelBatch(data.features, { timesteps: data.timesteps });
  const lines = [[...cols, 'predicted'].map(csvCell).join(',')];
  for (let i = 0; i < data.n; i++) {
    const p = O === 1 ? [probs[i]] : Array.from(probs.subarray(i * O, (i + 1) * O));
    lines.push([...p.map(String), csvCell(labels[i])].join(','));
  }
  return lines.join('\n') + '\n';
}

export function main(argv, io) {
  const out = io.out || process.stdout;
  return modelDataCommand(argv, FLAGS, help, io, async (model, dataPath, values) => {
    const data = await readForModel(model, dataPath, values, true);
    output(values.get('out'), predictionsCSV(model, data), out);
  });
}
