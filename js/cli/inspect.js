// `fastgrnn inspect MODEL [--json]`: the model card (features, classes,
// timesteps, normalization, training summary, data source, library version)
// and the model's shape and sizes.

import fs from 'node:fs';
import { parseArgv, helpText } from './args.js';
import { loadModel } from './data.js';
import { HELP_FLAG, positionals } from './common.js';
import { fmt, fmtBytes } from './report.js';
import * as fg from '../index.js';

const FLAGS = [
  { name: 'json', kind: 'bool', to: 'cli', def: false, help: 'print the card and sizes as JSON' },
  HELP_FLAG,
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} MODEL [--json]`,
    '',
    'Prints what MODEL (.safetensors) says about itself: its card (feature names,',
    'class names, timesteps, normalization, training summary, data source,',
    'library version) and its shape and sizes.',
    '',
    'Options:',
  ], FLAGS);
}

/** Shape and sizes of the model. */
function shape(model, fileBytes) {
  const c = model.config;
  return {
    inputDim: c.inputDim, hiddenDim: c.hiddenDim, outputDim: c.outputDim,
    ranks: model.ranks, parameters: model.numParams(), weightBytes: model.sizeBytes(),
    fileBytes, sparse: model.isSparse(), sparsity: model.isSparse() ? model.sparsity() : 0,
    quantized: model.isQuantized(),
  };
}

const list = (a) => (a && a.length ? a.join(', ') : '-');
const nums = (a) => Array.from(a, (v) => Number(v.toPrecision(6))).join(', ');

/** The card and shape as readable text. */
export function inspectText(file, card, s) {
  const rank = (r) => (r === 0 ? 'full' : `rank ${r}`);
  const L = [`${file}: FastGRNN, written by fastgrnn-wasm ${card.libraryVersion ?? '(unknown version)'}`];
  L.push(`  model        ${s.inputDim} inputs, hidden ${s.hiddenDim}, W ${rank(s.ranks.w)}, U ${rank(s.ranks.u)}, ` +
    `${s.outputDim === 1 ? 'binary' : `${s.outputDim} classes`}`);
  L.push(`  size         ${s.parameters} parameters, weights ${fmtBytes(s.weightBytes)}, file ${fmtBytes(s.fileBytes)}` +
    `${s.sparse ? `, sparsity ${s.sparsity.toFixed(3)}` : ''}${s.quantized ? ', int8' : ''}`);
  L.push(`  features     ${list(card.featureNames)}`);
  L.push(`  label        ${card.labelName ?? '-'}`);
  L.push(`  classes      ${list(card.classNames)}`);
  L.push(`  timesteps    ${card.timesteps ?? '-'}`);
  if (card.normalization) {
    L.push(`  normalization means ${nums(card.normalization.means)}`);
    L.push(`               stds  ${nums(card.normalization.stds)}`);
  } else {
    L.push('  normalization none');
  }
  if (card.data) {
    L.push(`  data         ${Object.entries(card.data).map(([k, v]) => `${k} ${v}`).join('; ')}`);
  }
  const t = card.training;
  if (t) {
    const f = t.final || {};
    const words = (s) => String(s).replace(/_/g, ' ');
    L.push(`  training     ${t.epochsRun} epochs run, stopped: ${words(t.stopReason)}; ` +
      `kept ${t.keptEpoch === null ? 'no epoch' : `epoch ${t.keptEpoch + 1} (${words(t.keptReason)})`}`);
    L.push(`               ${t.trainSamples} train / ${t.validationSamples} validation samples; ` +
      `train loss ${fmt(f.trainLoss)} acc ${fmt(f.trainAccuracy)}, validation loss ${fmt(f.valLoss)} acc ${fmt(f.valAccuracy)}`);
  } else {
    L.push('  training     -');
  }
  return L.join('\n') + '\n';
}

export async function main(argv, { prog, out = process.stdout }) {
  const parsed = parseArgv(argv, FLAGS, { maxPositionals: 1 });
  if (parsed.values.get('help')) {
    out.write(help(prog));
    return 0;
  }
  const [modelPath] = positionals(parsed, ['MODEL']);
  await fg.init();
  const model = loadModel(modelPath);
  try {
    const card = model.card;
    const s = shape(model, fs.statSync(modelPath).size);
    if (parsed.values.get('json')) {
      const norm = card.normalization
        ? { means: Array.from(card.normalization.means), stds: Array.from(card.normalization.stds) } : card.normalization;
      out.write(JSON.stringify({ card: { ...card, normalization: norm }, model: s }, null, 2) + '\n');
    } else {
      out.write(inspectText(modelPath, card, s));
    }
    return 0;
  } finally {
    model.dispose();
  }
}
