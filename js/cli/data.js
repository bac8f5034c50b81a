// Reading data files and models for the `fastgrnn` command. CSV files go
// through the package's one reader (readCSV); this file only opens them and
// says which problems are the user's data (exit status 2).

import fs from 'node:fs';
import path from 'node:path';
import * as fg from '../index.js';
import { usage, DataError } from './args.js';

/** Checks that `file` exists and is not a folder; a usage error otherwise. */
function checkFile(file, kind) {
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') usage(`${file}: no such file`);
    throw new DataError('IoError', `cannot read ${file}: ${e.message}`);
  }
  if (st.isDirectory()) usage(`${file} is a directory, not a ${kind} file`);
}

/**
 * A CSV file through readCSV (options as readCSV's, plus the file name for
 * its messages). A FastGRNNError from the reader is the data's problem:
 * rethrown as DataError (exit status 2) with the reader's message, which
 * names file, line and column.
 */
export async function readCsvFile(file, options) {
  checkFile(file, 'CSV');
  try {
    return await fg.readCSV(fs.createReadStream(file), { ...options, name: file });
  } catch (e) {
    if (e instanceof fg.FastGRNNError) throw new DataError(e.code, e.message, { cause: e });
    if (e && e.code && e.syscall) throw new DataError('IoError', `cannot read ${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * A model file; a bad file is a FastGRNNError naming the file, after
 * `label` (e.g. "--teacher "), exit status 1.
 */
export function loadModel(file, label = '') {
  checkFile(file, 'model');
  try {
    return fg.FastGRNN.load(file);
  } catch (e) {
    if (e instanceof fg.FastGRNNError) throw new fg.FastGRNNError(e.code, `${label}${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The card's name for the data source: the file name without its folder. */
export const sourceName = (file) => path.basename(file);

/**
 * readCSV options that read a file the way `model`'s card describes its
 * training data: the same feature columns, class names, label column and
 * timesteps. Cards without these fields (older files) leave the reader's
 * defaults.
 */
export function cardReadOptions(card) {
  const o = {};
  if (card.featureNames) o.featureNames = card.featureNames;
  if (card.classNames) o.classNames = card.classNames;
  if (card.labelName) o.label = card.labelName;
  if (card.timesteps) o.timesteps = card.timesteps;
  return o;
}
