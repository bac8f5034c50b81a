// `fastgrnn evaluate MODEL DATA.csv [--json]`: the evaluation report of the
// C core (loss, accuracy, confusion matrix, per-class precision, recall, F1,
// support, ROC-AUC for binary models) on a labelled CSV file of raw rows.

import { helpText } from './args.js';
import { DELIMITER_FLAG, IGNORE_FLAG, MISSING_FLAG, HELP_FLAG, readForModel, modelDataCommand } from './common.js';
import { fmt, table } from './report.js';
import * as fg from '../index.js';

const FLAGS = [
  { name: 'json', kind: 'bool', to: 'cli', def: false, help: 'print the report as JSON' },
  DELIMITER_FLAG,
  IGNORE_FLAG,
  MISSING_FLAG,
  HELP_FLAG,
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} MODEL DATA.csv [--json]`,
    '',
    'Evaluates MODEL (.safetensors) on DATA.csv (a header row, the feature',
    'columns the model was trained on and its label column, by name; raw rows:',
    'the model applies its stored normalization). Prints loss, accuracy, the',
    'confusion matrix (rows: true class, columns: predicted class), precision,',
    'recall, F1 and support per class, and ROC-AUC for binary models.',
    '',
    'Options:',
  ], FLAGS);
}

/** The report as readable text. */
export function reportText(r, file) {
  const names = r.classes.map((c) => c.className);
  const lines = [
    `${file}: ${r.samples} samples`,
    `loss ${fmt(r.loss)}  accuracy ${fmt(r.accuracy)}${r.rocAuc === null || r.rocAuc === undefined ? '' : `  ROC-AUC ${fmt(r.rocAuc)}`}`,
    '',
    'confusion matrix (rows: true class, columns: predicted class)',
  ];
  let text = lines.join('\n') + '\n';
  text += table([['', ...names], ...r.confusionMatrix.map((row, i) => [names[i], ...row])]);
  text += '\n';
  text += table([['class', 'precision', 'recall', 'f1', 'support'],
    ...r.classes.map((c) => [c.className, fmt(c.precision), fmt(c.recall), fmt(c.f1), c.support])]);
  return text;
}

/** The report of `model` on the rows of `file`. */
export async function evaluateFile(model, file, values) {
  const data = await readForModel(model, file, values, false);
  const ds = new fg.TrainingDataset(data.features, data.labels,
    { inputDim: data.inputDim, timesteps: data.timesteps, outputDim: model.outputDim });
  try {
    return fg.evaluate(model, ds);
  } finally {
    ds.dispose();
  }
}

export function main(argv, io) {
  const out = io.out || process.stdout;
  return modelDataCommand(argv, FLAGS, help, io, async (model, dataPath, values) => {
    const r = await evaluateFile(model, dataPath, values);
    out.write(values.get('json') ? JSON.stringify(r, null, 2) + '\n' : reportText(r, dataPath));
  });
}
