// ONNX file sizes (bytes) of a few model shapes, float and int8, next to
// the safetensors file: the table in README.md ("Export to ONNX").
// Usage: node scripts/onnx-sizes.mjs
import { init, FastGRNN } from '../js/index.js';

await init();
const SHAPES = [
  ['routing (D 5, H 16, rank 8)', { inputDim: 5, hiddenDim: 16, rank: 8 }],
  ['dense (D 16, H 64, O 4)', { inputDim: 16, hiddenDim: 64, outputDim: 4, rank: null }],
  ['dense (D 32, H 128, O 10)', { inputDim: 32, hiddenDim: 128, outputDim: 10, rank: null }],
];
const rows = [];
for (const [name, config] of SHAPES) {
  const m = new FastGRNN(config);
  m.normalization = { means: new Float32Array(config.inputDim), stds: new Float32Array(config.inputDim).fill(1) };
  const q = m.clone();
  q.quantize();
  rows.push(`| ${name} | ${m.numParams()} | ${m.save().length} | ${m.toONNX().length} | ` +
    `${m.toONNX({ unroll: true, timesteps: 10 }).length} | ${q.save().length} | ${q.toONNX().length} | ${q.toONNX({ qdq: true }).length} |`);
  m.dispose();
  q.dispose();
}
console.log('| model (with normalization) | parameters | .safetensors | .onnx | .onnx unrolled, T = 10 | int8 .safetensors | int8 .onnx | int8 .onnx, qdq |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
