// Pieces shared by the subcommands that read a model and a data file.

import fs from 'node:fs';
import * as fg from '../index.js';
import { usage, DataError, parseArgv } from './args.js';
import { readCsvFile, cardReadOptions, loadModel } from './data.js';

export const DELIMITER_FLAG = {
  name: 'delimiter', kind: 'str', meta: 'C', to: 'cli', def: undefined, defText: 'detected among , ; tab',
  help: 'cell separator of DATA.csv; "tab" for a tab',
};
export const MISSING_FLAG = {
  name: 'missing', kind: 'choice', choices: ['error', 'skip', 'mean'], meta: 'POLICY', to: 'cli', def: 'error',
  help: 'empty cells: error (naming line and column), skip the row, or mean (the training mean of the feature, stored in the model)',
};
export const HELP_FLAG = { name: 'help', kind: 'bool', to: 'cli', def: false, alias: 'h', help: 'show this help and exit' };

/** Needs exactly `names.length` positionals. */
export function positionals(parsed, names) {
  if (parsed.positionals.length < names.length) {
    usage(`missing ${names.slice(parsed.positionals.length).join(' and ')} (see --help)`);
  }
  return parsed.positionals;
}

export const IGNORE_FLAG = {
  name: 'ignore', kind: 'list', meta: 'A,B', to: 'cli', def: undefined,
  help: 'columns of DATA.csv to leave out, e.g. an id column',
};

const noLabelColumn = (e) => e instanceof DataError && /there is no label column/.test(e.message);

/**
 * Reads DATA.csv as the model's card describes its training data (feature
 * columns by name, class names, label column, timesteps); `values`: the
 * --delimiter, --ignore and --missing flags. --missing mean fills a cell
 * with the training mean of its feature (the model's normalization). With
 * `labelsOptional` a file without the label column is read as features only.
 */
export async function readForModel(model, file, values, labelsOptional) {
  const card = model.card;
  const options = cardReadOptions(card);
  const delimiter = values.get('delimiter');
  if (delimiter !== undefined) options.delimiter = delimiter === 'tab' ? '\t' : delimiter;
  if (values.get('ignore') !== undefined) options.ignore = values.get('ignore');
  options.missing = values.get('missing');
  if (options.missing === 'mean' && card.normalization) options.means = Array.from(card.normalization.means);
  let data;
  try {
    data = await readCsvFile(file, options);
  } catch (e) {
    if (!labelsOptional || !noLabelColumn(e)) throw e;
    data = await readCsvFile(file, { ...options, label: false });
  }
  if (data.inputDim !== model.inputDim) {
    const W = data.inputDim * data.timesteps;
    throw new DataError('InvalidInput',
      `${file} line 1, column 1: ${W} feature column${W === 1 ? '' : 's'} (${data.featureNames.join(', ')}` +
      `${data.timesteps > 1 ? ', ...' : ''}) give ${data.inputDim} feature${data.inputDim === 1 ? '' : 's'} per step ` +
      `over ${data.timesteps} timestep${data.timesteps === 1 ? '' : 's'}; the model takes ${model.inputDim} per step`);
  }
  return data;
}

/** Writes `text` to `file` (whole, after everything was computed), or to stdout. */
export function output(file, text, out) {
  if (file === undefined) {
    out.write(text);
    return;
  }
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new fg.FastGRNNError('IoError', `cannot write ${file}: ${e.message}`);
  }
}

/** One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. */
export const csvCell = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The name of class i: from the card, else its index. */
export const className = (card, i) => (card.classNames ? card.classNames[i] : String(i));

/**
 * The frame of a `MODEL DATA.csv` command (predict, evaluate): flags, --help,
 * the two positionals, the module, the model (disposed afterwards); run(model,
 * dataPath, values) does the command's own work. Resolves to the exit status.
 */
export async function modelDataCommand(argv, flags, help, { prog, out = process.stdout }, run) {
  const parsed = parseArgv(argv, flags, { maxPositionals: 2 });
  if (parsed.values.get('help')) {
    out.write(help(prog));
    return 0;
  }
  const [modelPath, dataPath] = positionals(parsed, ['MODEL', 'DATA.csv']);
  await fg.init();
  const model = loadModel(modelPath);
  try {
    await run(model, dataPath, parsed.values);
    return 0;
  } finally {
    model.dispose();
  }
}
