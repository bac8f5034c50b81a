// `fastgrnn export-onnx MODEL OUT.onnx`: the model as an ONNX graph
// (model.toONNX()).

import fs from 'node:fs';
import { parseArgv, helpText } from './args.js';
import { loadModel } from './data.js';
import { HELP_FLAG, positionals } from './common.js';
import { fmtBytes } from './report.js';
import * as fg from '../index.js';

const FLAGS = [HELP_FLAG];

export function help(prog) {
  return helpText([
    `Usage: ${prog} MODEL OUT.onnx`,
    '',
    'Writes MODEL (.safetensors) as an ONNX graph: normalization, the FastGRNN',
    'cell over the sequence, the head, probabilities and logits; the card goes',
    'into the graph\'s metadata.',
    '',
    'Options:',
  ], FLAGS);
}

export async function main(argv, { prog, out = process.stdout }) {
  const parsed = parseArgv(argv, FLAGS, { maxPositionals: 2 });
  if (parsed.values.get('help')) {
    out.write(help(prog));
    return 0;
  }
  const [modelPath, onnxPath] = positionals(parsed, ['MODEL', 'OUT.onnx']);
  await fg.init();
  const model = loadModel(modelPath);
  try {
    const bytes = await model.toONNX();
    try {
      fs.writeFileSync(onnxPath, bytes);
    } catch (e) {
      throw new fg.FastGRNNError('IoError', `cannot write ${onnxPath}: ${e.message}`);
    }
    out.write(`wrote ${onnxPath} (${fmtBytes(bytes.length)})\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
