// The `fastgrnn` command: subcommands train, predict, evaluate, inspect,
// export-onnx; help; exit statuses.
//
// Exit status: 0 done; 1 the library failed (FastGRNNError) or an output
// file could not be written; 2 a usage or data problem (bad flag or value,
// missing or malformed CSV, --out not writable); 130 interrupted (Ctrl-C)
// with nothing written.

import * as fg from '../index.js';
import { UsageError, DataError, closest, usage } from './args.js';
import * as train from './train.js';
import * as predict from './predict.js';
import * as evaluate from './evaluate.js';
import * as inspect from './inspect.js';
import * as exportOnnx from './export-onnx.js';
import * as searchCmd from './search.js';

const COMMANDS = {
  train: { mod: train, args: '[--data FILE.csv] [options]', about: 'train on a CSV file or built-in data' },
  predict: { mod: predict, args: 'MODEL DATA.csv [--out FILE]', about: 'probabilities and labels of raw rows' },
  evaluate: { mod: evaluate, args: 'MODEL DATA.csv [--json]', about: 'loss, accuracy, confusion matrix, ...' },
  inspect: { mod: inspect, args: 'MODEL [--json]', about: 'the model card and sizes' },
  'export-onnx': { mod: exportOnnx, args: 'MODEL OUT.onnx [options]', about: 'the model as an ONNX graph' },
  search: { mod: searchCmd, args: '--space JSON [--data FILE.csv]', about: 'hyperparameter search in parallel' },
};

function help() {
  const w = Math.max(...Object.entries(COMMANDS).map(([n, c]) => n.length + c.args.length + 1));
  return [
    'Usage: fastgrnn <command> [arguments]',
    '',
    'FastGRNN classifiers in WebAssembly: train, predict, evaluate, inspect, export.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${`${n} ${c.args}`.padEnd(w)}  ${c.about}`),
    '',
    '`fastgrnn help <command>` or `fastgrnn <command> --help` shows a command\'s',
    'options. `fastgrnn-train ARGS` is `fastgrnn train ARGS`.',
    '',
    'Exit status: 0 done, 1 the library or writing failed, 2 bad usage or data,',
    '130 interrupted (Ctrl-C) with nothing written.',
  ].join('\n') + '\n';
}

function command(name) {
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name];
  const best = closest(name, Object.keys(COMMANDS));
  usage(`unknown command ${JSON.stringify(name)}${best ? ` (did you mean ${best}?)` : ''} (see fastgrnn --help)`);
}

/** Runs `argv` (without node and the script); resolves to the exit status. */
async function dispatch(argv, alias, setProg) {
  if (alias) {
    setProg(alias);
    return train.main(argv, { prog: alias });
  }
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(help());
    return 2;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(help());
    return 0;
  }
  if (first === '--version') {
    await fg.init();
    process.stdout.write(`fastgrnn ${fg.VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      process.stdout.write(help());
      return 0;
    }
    const c = command(rest[0]);
    setProg(`fastgrnn ${rest[0]}`);
    process.stdout.write(c.mod.help(`fastgrnn ${rest[0]}`));
    return 0;
  }
  if (first.startsWith('-')) {
    usage(`${first} before a command: the command comes first, e.g. fastgrnn train ${first} (see fastgrnn --help)`);
  }
  const c = command(first);
  const prog = `fastgrnn ${first}`;
  setProg(prog);
  return c.mod.main(rest, { prog });
}

/**
 * The command line's entry: runs, prints errors as one line
 * "<prog>: <message>[ (<code>)]" and sets the exit status.
 * alias: 'fastgrnn-train' when called by that name.
 */
export function run(argv, { alias = null } = {}) {
  let prog = alias || 'fastgrnn';
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  dispatch(argv, alias, (p) => { prog = p; }).then(
    (code) => { process.exitCode = code; },
    (e) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${prog}: ${e.message}\n`);
        process.exitCode = 2;
      } else if (e instanceof DataError) {
        process.stderr.write(`${prog}: ${e.message} (${e.code})\n`);
        process.exitCode = 2;
      } else if (e instanceof fg.FastGRNNError) {
        process.stderr.write(`${prog}: ${e.message} (${e.code})\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`${prog}: internal error: ${e && e.stack ? e.stack : e}\n`);
        process.exitCode = 1;
      }
    },
  );
}
