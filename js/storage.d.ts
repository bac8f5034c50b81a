// Type declarations for fastgrnn-wasm/storage (js/storage.js).
import type { FastGRNN } from './index.js';

/** IndexedDB database and object store that hold the models (browsers). */
export const DB_NAME: 'fastgrnn-wasm';
export const STORE_NAME: 'models';

export interface SavedModelInfo {
  /** The name (Node: the file path). */
  name: string;
  /** Size of the safetensors bytes. */
  size: number;
  savedAt: Date;
}

/**
 * Saves a model under `name`: IndexedDB in browsers (replaces a model of the
 * same name), the file path `name` in Node. Errors: FastGRNNError
 * InvalidInput (bad name/model) or IoError with `reason` 'Unavailable',
 * 'QuotaExceeded' or 'Failed'.
 */
export function saveModel(model: FastGRNN | Uint8Array, name: string): Promise<SavedModelInfo>;
/** Loads the model saved under `name` (IoError reason 'NotFound' when absent). init() first. */
export function loadModel(name: string): Promise<FastGRNN>;
/** The saved models sorted by name (Node: the .safetensors files in `directory`, default '.'). */
export function listModels(directory?: string): Promise<SavedModelInfo[]>;
/** Deletes the model saved under `name` (IoError reason 'NotFound' when absent). */
export function deleteModel(name: string): Promise<void>;
/** Browser: offers the model as a file download; same as model.download(filename). */
export function downloadModel(model: FastGRNN | Uint8Array, filename?: string): void;

/** The `reason` an IoError from this module carries. */
export type StorageErrorReason = 'NotFound' | 'Unavailable' | 'QuotaExceeded' | 'Failed';
