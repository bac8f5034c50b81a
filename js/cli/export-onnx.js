// `fastgrnn export-onnx MODEL OUT.onnx [options]`: the model as an ONNX
// graph, through model.toONNX() (which checks the options and writes the
// file whole, or nothing).

import fs from 'node:fs';
import { parseArgv, checkAll, helpText } from './args.js';
import { loadModel } from './data.js';
import { HELP_FLAG, positionals } from './common.js';
import { fmtBytes } from './report.js';
import * as fg from '../index.js';

const FLAGS = [
  { name: 'opset', kind: 'int', meta: 'N', to: 'cli', def: undefined, defText: 'the library\'s',
    help: 'ONNX opset of the graph' },
  { name: 'unroll', kind: 'bool', to: 'cli', def: false,
    help: 'unroll the cell over a fixed number of steps (--timesteps) instead of a loop over any length' },
  { name: 'timesteps', kind: 'int', meta: 'T', to: 'cli', def: undefined,
    help: 'the fixed sequence length of --unroll' },
  { name: 'no-normalization', kind: 'bool', to: 'cli', def: false,
    help: 'leave the stored normalization out of the graph (its input is then normalized features)' },
  { name: 'qdq', kind: 'bool', to: 'cli', def: false,
    help: 'int8 models: DequantizeLinear nodes (default: Cast and Mul)' },
  HELP_FLAG,
];

export function help(prog) {
  return helpText([
    `Usage: ${prog} MODEL OUT.onnx [options]`,
    '',
    'Writes MODEL (.safetensors) as an ONNX graph: the stored normalization, the',
    'FastGRNN cell over the sequence, the head, probabilities and logits; the',
    'card goes into the graph\'s metadata. Input "input" [batch, time, features].',
    '',
    'Options:',
  ], FLAGS);
}

export async function main(argv, { prog, out = process.stdout }) {
  const parsed = parseArgv(argv, FLAGS, { maxPositionals: 2 });
  const v = (name) => parsed.values.get(name);
  if (v('help')) {
    out.write(help(prog));
    return 0;
  }
  const [modelPath, onnxPath] = positionals(parsed, ['MODEL', 'OUT.onnx']);
  checkAll(parsed, FLAGS); // integers; their bounds are toONNX's
  const options = {};
  if (v('opset') !== undefined) options.opset = v('opset');
  if (v('unroll')) options.unroll = true;
  if (v('timesteps') !== undefined) options.timesteps = v('timesteps');
  if (v('no-normalization')) options.normalization = false;
  if (v('qdq')) options.qdq = true;
  await fg.init();
  const model = loadModel(modelPath);
  try {
    model.toONNX(onnxPath, options);
    out.write(`wrote ${onnxPath} (${fmtBytes(fs.statSync(onnxPath).size)})\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
