#!/usr/bin/env node
// fastgrnn-train ARGS: the same as `fastgrnn train ARGS`.
import { run } from './cli/main.js';

run(process.argv.slice(2), { alias: 'fastgrnn-train' });
