// storage.js - keeping trained models (fastgrnn-wasm/storage).
//
//   import { saveModel, loadModel, listModels, deleteModel, downloadModel } from 'fastgrnn-wasm/storage';
//   await saveModel(model, 'routing');         // browser: IndexedDB, by name
//   const again = await loadModel('routing');   // after a reload too
//   await saveModel(model, './routing.safetensors'); // Node: the name is a file path
//   downloadModel(model, 'routing.safetensors');     // browser: a file download
//
// The stored form is the model's safetensors bytes (model.save()), so what is
// saved in a browser loads anywhere FastGRNN.load does.
//
// Errors are FastGRNNError: InvalidInput for a bad name or model; IoError
// for everything storage-side, with `reason` 'NotFound', 'Unavailable'
// (no IndexedDB / no file system), 'QuotaExceeded' or 'Failed'.

import { FastGRNN, FastGRNNError } from './index.js';
import { isNode, loadNodeModules } from './loader.js';
import { describe } from './errors.js';

/** IndexedDB database and object store that hold the models. */
export const DB_NAME = 'fastgrnn-wasm';
export const STORE_NAME = 'models';
const MAX_NAME_LENGTH = 256;

function ioError(reason, message, cause) {
  const e = new FastGRNNError('IoError', message, cause ? { cause } : undefined);
  e.reason = reason;
  return e;
}

function checkName(name, what) {
  if (typeof name !== 'string' || name.length === 0) {
    throw new FastGRNNError('InvalidInput', `${what}: name must be a non-empty string, got ${describe(name)}`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new FastGRNNError('InvalidInput',
      `${what}: name is ${name.length} characters long, at most ${MAX_NAME_LENGTH} are allowed`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new FastGRNNError('InvalidInput', `${what}: name ${JSON.stringify(name)} contains a control character`);
  }
  return name;
}

function modelBytes(model, what) {
  if (model instanceof FastGRNN) return model.save();
  if (model instanceof Uint8Array) return model.slice();
  throw new FastGRNNError('InvalidInput', `${what}: model must be a FastGRNN or its saved bytes, got ${describe(model)}`);
}

/** Storage in this environment: IndexedDB in browsers and workers, files in Node. */
function useFiles() {
  return isNode && typeof indexedDB === 'undefined';
}

// ------------------------------------------------------------ IndexedDB

let dbPromise = null;

function openDb() {
  if (dbPromise) return dbPromise;
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    return Promise.reject(ioError('Unavailable',
      'model storage is unavailable: this environment has no IndexedDB (not a browser, or storage is disabled)'));
  }
  dbPromise = new Promise((resolve, reject) => {
    let req;
    try {
      req = indexedDB.open(DB_NAME, 1);
    } catch (e) {
      reject(ioError('Unavailable', `model storage is unavailable: cannot open IndexedDB (${e.message})`, e));
      return;
    }
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE_NAME, { keyPath: 'name' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgrading the database: let it, reopen next time.
      db.onversionchange = () => { db.close(); dbPromise = null; };
      resolve(db);
    };
    req.onerror = () => {
      const e = req.error;
      reject(ioError('Unavailable', `model storage is unavailable: cannot open IndexedDB (${e ? e.message : 'unknown error'})`, e));
    };
    req.onblocked = () => {
      reject(ioError('Unavailable', 'model storage is unavailable: IndexedDB is blocked by another open tab'));
    };
  });
  dbPromise.catch(() => { dbPromise = null; });
  return dbPromise;
}

function storeError(e, action) {
  if (e && e.name === 'QuotaExceededError') {
    return ioError('QuotaExceeded', `cannot ${action}: the browser's storage quota is exceeded`, e);
  }
  return ioError('Failed', `cannot ${action}: ${e ? `${e.name}: ${e.message}` : 'unknown IndexedDB error'}`, e);
}

/** Runs fn(store) in one transaction; resolves with the last request's result. */
async function withStore(mode, action, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = db.transaction(STORE_NAME, mode);
    } catch (e) {
      reject(storeError(e, action));
      return;
    }
    let result;
    const req = fn(tx.objectStore(STORE_NAME));
    req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(storeError(tx.error || req.error, action));
    tx.onabort = () => reject(storeError(tx.error || req.error, action));
  });
}

// ------------------------------------------------------------ public API

/**
 * Saves a model (FastGRNN or its safetensors bytes) under `name`
 * (browser: IndexedDB, replacing a model of the same name; Node: the file
 * path `name`). Resolves with { name, size, savedAt }.
 */
export async function saveModel(model, name) {
  checkName(name, 'saveModel');
  const bytes = modelBytes(model, 'saveModel');
  const savedAt = new Date();
  if (useFiles()) {
    const { fs } = await loadNodeModules();
    try {
      await fs.promises.writeFile(name, bytes);
    } catch (e) {
      throw ioError(e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'QuotaExceeded' : 'Failed',
        `saveModel: cannot write ${name}: ${e.message}`, e);
    }
    return { name, size: bytes.length, savedAt };
  }
  await withStore('readwrite', `save the model '${name}'`,
    (store) => store.put({ name, bytes, size: bytes.length, savedAt: savedAt.getTime() }));
  return { name, size: bytes.length, savedAt };
}

/** The model saved under `name` (a path in Node), as a FastGRNN (init() first). */
export async function loadModel(name) {
  checkName(name, 'loadModel');
  let bytes;
  if (useFiles()) {
    const { fs } = await loadNodeModules();
    try {
      bytes = new Uint8Array(await fs.promises.readFile(name));
    } catch (e) {
      if (e.code === 'ENOENT') throw ioError('NotFound', `loadModel: no saved model at ${name}`, e);
      throw ioError('Failed', `loadModel: cannot read ${name}: ${e.message}`, e);
    }
  } else {
    const rec = await withStore('readonly', `load the model '${name}'`, (store) => store.get(name));
    if (!rec) throw ioError('NotFound', `loadModel: no saved model named '${name}'`);
    bytes = rec.bytes;
  }
  return FastGRNN.load(bytes);
}

/**
 * The saved models: [{ name, size, savedAt }] sorted by name. Node: the
 * .safetensors files in `directory` (default: the working directory), each
 * name a path that loadModel takes.
 */
export async function listModels(directory = '.') {
  if (useFiles()) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new FastGRNNError('InvalidInput', `listModels: directory must be a non-empty string, got ${describe(directory)}`);
    }
    const { fs } = await loadNodeModules();
    let entries;
    try {
      entries = await fs.promises.readdir(directory, { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT') throw ioError('NotFound', `listModels: no directory ${directory}`, e);
      throw ioError('Failed', `listModels: cannot read ${directory}: ${e.message}`, e);
    }
    const out = [];
    for (const ent of entries) {
      if (!ent.isFile() || !ent.name.endsWith('.safetensors')) continue;
      const name = directory.replace(/\/+$/, '') + '/' + ent.name;
      const st = await fs.promises.stat(name);
      out.push({ name, size: st.size, savedAt: st.mtime });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const recs = await withStore('readonly', 'list the saved models', (store) => store.getAll());
  return recs.map((r) => ({ name: r.name, size: r.size, savedAt: new Date(r.savedAt) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Deletes the model saved under `name` (Node: the file); NotFound when there is none. */
export async function deleteModel(name) {
  checkName(name, 'deleteModel');
  if (useFiles()) {
    const { fs } = await loadNodeModules();
    try {
      await fs.promises.unlink(name);
    } catch (e) {
      if (e.code === 'ENOENT') throw ioError('NotFound', `deleteModel: no saved model at ${name}`, e);
      throw ioError('Failed', `deleteModel: cannot delete ${name}: ${e.message}`, e);
    }
    return;
  }
  const count = await withStore('readonly', `delete the model '${name}'`, (store) => store.count(name));
  if (!count) throw ioError('NotFound', `deleteModel: no saved model named '${name}'`);
  await withStore('readwrite', `delete the model '${name}'`, (store) => store.delete(name));
}

/**
 * Browser: offers the model as a file download (a Blob and an
 * <a download> click). Same as model.download(filename).
 */
export function downloadModel(model, filename = 'model.safetensors') {
  if (typeof filename !== 'string' || filename.length === 0 || /[/\\]/.test(filename) || filename.length > MAX_NAME_LENGTH) {
    throw new FastGRNNError('InvalidInput',
      `downloadModel: filename must be a non-empty file name without '/' or '\\', got ${describe(filename)}`);
  }
  if (typeof document === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') {
    throw ioError('Unavailable',
      'downloadModel: downloads need a browser page (document); in Node use saveModel(model, path) or model.save(path)');
  }
  const bytes = modelBytes(model, 'downloadModel');
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click starts the download; the URL can go once it has been read.
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}
