// `fastgrnn search --space JSON [--data FILE.csv] [options]`: a hyperparameter
// search (js/search.js) over a pool of workers, with a live table on a
// terminal (plain lines otherwise), the ranked table as CSV / JSON and the
// best model's file.

import fs from 'node:fs';
import { parseArgv, helpText, usage } from './args.js';
import { readCsvFile, sourceName } from './data.js';
import { HELP_FLAG, DELIMITER_FLAG, output } from './common.js';
import { fmt, fmtBytes, table } from './report.js';
import * as fg from '../index.js';

const FLAGS = [
  { name: 'space', kind: 'str', meta: 'JSON|@FILE', to: 'cli', def: undefined,
    help: 'the search space: {"key": [values] | {"min": a, "max": b, "log": true}, ...} over model and training keys, "prune" and "quantize"; @FILE reads it from a file' },
  { name: 'data', kind: 'str', meta: 'FILE.csv', to: 'cli', def: undefined, defText: 'the built-in routing data',
    help: 'labelled CSV file (a header row; the label column last or --label)' },
  { name: 'label', kind: 'str', meta: 'NAME', to: 'cli', def: undefined, help: 'label column of --data' },
  { name: 'timesteps', kind: 'int', meta: 'T', to: 'cli', def: undefined, help: 'timesteps per row of --data' },
  DELIMITER_FLAG,
  { name: 'samples', kind: 'int', meta: 'N', to: 'cli', def: 2000, help: 'samples of the built-in data' },
  { name: 'strategy', kind: 'choice', choices: ['grid', 'random', 'halving'], meta: 'S', to: 'cli', def: 'random',
    help: 'grid, random or halving (successive halving)' },
  { name: 'trials', kind: 'int', meta: 'N', to: 'cli', def: undefined, defText: '10 (grid: all points)', help: 'number of trials' },
  { name: 'workers', kind: 'int', meta: 'N', to: 'cli', def: undefined, defText: 'cores, at most 4', help: 'worker threads; the results do not depend on it' },
  { name: 'objective', kind: 'choice', choices: ['valLoss', 'valAccuracy'], meta: 'O', to: 'cli', def: 'valLoss',
    help: 'valLoss (lower is better) or valAccuracy' },
  { name: 'size-budget', kind: 'int', meta: 'BYTES', to: 'cli', def: undefined, help: 'weight bytes after prune/quantize; trials above it rank last' },
  { name: 'seed', kind: 'int', meta: 'N', to: 'cli', def: 42, help: 'search seed (trial i: its own seed from this and i)' },
  { name: 'epochs', kind: 'int', meta: 'N', to: 'cli', def: 20, help: 'epochs per trial (halving: of the last rung)' },
  { name: 'eta', kind: 'int', meta: 'N', to: 'cli', def: 3, help: 'halving: keep the best 1/eta per rung' },
  { name: 'grid-steps', kind: 'int', meta: 'N', to: 'cli', def: 3, help: 'grid: points of a range' },
  { name: 'timeout', kind: 'num', meta: 'SECONDS', to: 'cli', def: 600, help: 'a trial taking longer fails (its worker is replaced)' },
  { name: 'out', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, help: 'write the best model (.safetensors, with its card)' },
  { name: 'csv', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, help: 'write the ranked table as CSV ("-": stdout)' },
  { name: 'json', kind: 'str', meta: 'FILE', to: 'cli', def: undefined, help: 'write the ranked table as JSON ("-": stdout)' },
  { name: 'quiet', kind: 'bool', to: 'cli', def: false, help: 'no progress, only the final table' },
  HELP_FLAG,
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} --space JSON [--data FILE.csv] [options]`,
    '',
    'Trains one model per trial in a pool of worker threads and ranks them on a',
    'held-out part of the data (split once with the search seed). Each trial has',
    'its own seed, so the results are the same whatever --workers. On a terminal',
    'a live table shows the trials as they finish; otherwise one line per trial.',
    '',
    'Example:',
    `  ${prog} --trials 12 --workers 2 --objective valAccuracy \\`,
    `      --space '{"hiddenDim":[4,8,16],"prune":[0,0.5],"rank":[2,4,null]}' \\`,
    '      --out best.safetensors',
    '',
    'Options:',
  ], FLAGS);
}

function readSpace(text) {
  if (text === undefined) usage('--space is required (see --help)');
  let src = text;
  if (text.startsWith('@')) {
    try {
      src = fs.readFileSync(text.slice(1), 'utf8');
    } catch (e) {
      throw new fg.FastGRNNError('IoError', `--space: cannot read ${text.slice(1)}: ${e.message}`);
    }
  }
  try {
    return JSON.parse(src);
  } catch (e) {
    usage(`--space is not JSON: ${e.message}`);
  }
  return null;
}

const row = (t) => [
  String(t.index), t.rung === null ? '' : String(t.rung),
  t.status, fmt(t.valLoss), fmt(t.valAccuracy), t.sizeBytes === null ? '-' : fmtBytes(t.sizeBytes),
  JSON.stringify(t.params), t.error ? t.error.message : '',
];
const HEAD = ['trial', 'rung', 'status', 'val loss', 'val acc', 'size', 'params', 'error'];

export async function main(argv, { prog }) {
  const parsed = parseArgv(argv, FLAGS);
  const v = (n) => parsed.values.get(n);
  if (v('help')) {
    process.stdout.write(help(prog));
    return 0;
  }
  await fg.init();
  const space = readSpace(v('space'));
  let data;
  const file = v('data');
  if (file !== undefined) {
    const opts = {};
    if (v('label') !== undefined) opts.label = v('label');
    if (v('timesteps') !== undefined) opts.timesteps = v('timesteps');
    if (v('delimiter') !== undefined) opts.delimiter = v('delimiter') === 'tab' ? '\t' : v('delimiter');
    const d = await readCsvFile(file, opts);
    data = {
      features: d.features, labels: d.labels, inputDim: d.inputDim, timesteps: d.timesteps, outputDim: d.outputDim,
      featureNames: d.featureNames, labelName: d.labelName ?? undefined, classNames: d.classNames ?? undefined,
    };
  } else {
    for (const n of ['label', 'timesteps', 'delimiter']) if (parsed.given.has(n)) usage(`--${n} applies to --data only`);
    const r = fg.routingData(v('samples'), 1);
    data = { features: r.features, labels: r.labels, inputDim: 5, featureNames: r.featureNames };
  }
  const strategy = v('strategy');
  const epochs = v('epochs');
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const live = process.stderr.isTTY && !v('quiet');
  const done = [];
  let drawn = 0;
  const draw = () => {
    const shown = done.slice(-20);
    const text = table([HEAD, ...shown.map(row)]) +
      `${done.length} evaluation${done.length === 1 ? '' : 's'} done\n`;
    if (drawn) process.stderr.write(`\x1b[${drawn}A\x1b[J`);
    process.stderr.write(text);
    drawn = text.split('\n').length - 1;
  };
  const opts = {
    space, data, strategy, objective: v('objective'), seed: v('seed'),
    training: { epochs }, gridSteps: v('grid-steps'), trialTimeoutMs: v('timeout') * 1000, signal: ac.signal,
    onTrial: (t) => {
      done.push(t);
      if (live) draw();
      else if (!v('quiet')) {
        process.stderr.write(`trial ${t.index}${t.rung === null ? '' : ` rung ${t.rung}`}: ${t.status}` +
          (t.status === 'ok' ? ` val_loss ${fmt(t.valLoss)} val_acc ${fmt(t.valAccuracy)} size ${t.sizeBytes}` : ` ${t.error.message}`) +
          ` ${JSON.stringify(t.params)}\n`);
      }
    },
  };
  if (v('trials') !== undefined) opts.trials = v('trials');
  else if (strategy !== 'grid') opts.trials = 10;
  if (v('workers') !== undefined) opts.workers = v('workers');
  if (v('size-budget') !== undefined) opts.sizeBudget = v('size-budget');
  if (strategy === 'halving') opts.halving = { eta: v('eta'), maxEpochs: epochs };
  let result;
  try {
    result = await fg.search(opts);
  } catch (e) {
    if (e instanceof fg.FastGRNNError && e.code === 'Aborted' && ac.signal.aborted) {
      process.stderr.write(`${prog}: interrupted; nothing written\n`);
      return 130;
    }
    // a bad --space or option value: a usage problem (exit status 2)
    if (e instanceof fg.FastGRNNError && e.code === 'InvalidInput' && /^search: /.test(e.message)) usage(e.message.slice(8));
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const best = result.best;
  const summary = table([['rank', ...HEAD, 'pareto'], ...result.ranked.map((t) => [String(t.rank), ...row(t), t.pareto ? '*' : ''])]);
  if (v('csv') !== '-' && v('json') !== '-') process.stdout.write(summary);
  if (v('csv') !== undefined) output(v('csv') === '-' ? undefined : v('csv'), result.toCSV(), process.stdout);
  if (v('json') !== undefined) output(v('json') === '-' ? undefined : v('json'), JSON.stringify(result.toJSON(), null, 2) + '\n', process.stdout);
  if (v('out') !== undefined) {
    if (!best) throw new fg.FastGRNNError('InvalidInput', 'every trial failed: no best model to write to --out');
    const model = fg.FastGRNN.load(result.bestModel);
    try {
      model.updateCard({ data: { source: file === undefined ? 'built-in routing' : sourceName(file) } });
      model.save(v('out'));
    } finally {
      model.dispose();
    }
  }
  if (best) process.stderr.write(`best: trial ${best.index} ${JSON.stringify(best.params)}\n`);
  return best ? 0 : 1;
}
