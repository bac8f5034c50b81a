#!/usr/bin/env node
// fastgrnn - the command line of fastgrnn-wasm: `fastgrnn train`, `predict`,
// `evaluate`, `inspect`, `export-onnx` (see js/cli/main.js).
import { run } from './cli/main.js';

run(process.argv.slice(2));
