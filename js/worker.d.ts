// Type declarations for fastgrnn-wasm/worker (js/worker.js).
import type {
  FastGRNN, ModelConfig, TrainingConfig, TrainingMetrics, Normalization, Features, Floats,
  TrainingDataset, WasmSource,
} from './index.js';

/** The name the browser Worker (js/training-worker.js) is started with. */
export const WORKER_NAME: 'fastgrnn-train';

/** Data with its dimensions, e.g. a TrainingDataset or what readCSV returns. */
export interface DatasetLike {
  features: Features;
  labels: Floats;
  inputDim?: number;
  timesteps?: number;
  outputDim?: number;
  softTargets?: Floats | null;
  featureNames?: string[] | null;
  classNames?: string[] | null;
  labelName?: string | null;
}

export interface WorkerJob {
  /** Starting weights: a model (saved and sent) or its safetensors bytes. */
  model?: FastGRNN | Uint8Array;
  /** A new model from this config when `model` is absent. */
  modelConfig?: Partial<ModelConfig>;
  trainingConfig?: Partial<TrainingConfig>;
  /**
   * The data, one of: `features` + `labels` (rows give inputDim = row length
   * / timesteps; flat arrays need inputDim, else modelConfig.inputDim or the
   * model's is used), `dataset` (a TrainingDataset or a DatasetLike), or
   * `csv` (text, bytes or a Blob, read in the worker by readCSV with
   * `csvOptions`). A new model takes inputDim/outputDim from the data unless
   * modelConfig sets them.
   */
  features?: Features;
  labels?: Floats;
  dataset?: TrainingDataset | DatasetLike;
  csv?: string | ArrayBuffer | ArrayBufferView | Blob;
  csvOptions?: Record<string, unknown>;
  softTargets?: Floats;
  inputDim?: number;
  timesteps?: number;
  outputDim?: number;
  /** z-score the data in the worker and store the parameters in the model. */
  normalize?: boolean;
  /** Every k-th epoch (k > 0), the metrics passed to onEpoch also carry
   *  `snapshot`: the model's safetensors bytes at that point. 0: never. */
  snapshotEvery?: number;
  /** Called on the main thread after each epoch; returning false stops after it. */
  onEpoch?: (metrics: TrainingMetrics & { snapshot?: Uint8Array }) => void | boolean;
  /** Aborting rejects train() with FastGRNNError 'Aborted'. */
  signal?: AbortSignal;
}

export interface WorkerResult {
  metrics: TrainingMetrics[];
  /** The trained model's safetensors bytes: FastGRNN.load(result.model). */
  model: Uint8Array;
  normalization: Normalization | null;
  simd: boolean;
}

export interface TrainingWorkerOptions {
  /** URL of the worker script (default: training-worker.js next to this module). */
  url?: URL | string;
  /** Which build the worker loads (same as init's `simd`). */
  simd?: 'auto' | boolean | 'relaxed';
  /** Passed to init() in the worker: a wasm URL, bytes, Response or compiled Module. */
  init?: { wasm?: WasmSource; simd?: 'auto' | boolean | 'relaxed' };
  /** Node only: worker_threads resource limits (exceeding them rejects with OutOfMemory). */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number;
    codeRangeSizeMb?: number; stackSizeMb?: number;
  };
}

/** Trains in a Web Worker (browser) or a worker_threads Worker (Node). */
export class TrainingWorker {
  constructor(options?: TrainingWorkerOptions);
  train(job: WorkerJob): Promise<WorkerResult>;
  /** Ends training after the current epoch; train() resolves normally. */
  stop(): void;
  /** Ends training now; train() rejects with 'Aborted'. */
  abort(): void;
  /** Stops the worker; a pending train() rejects with 'Aborted'. */
  terminate(): void;
}

/** Starts a worker, trains, terminates it. */
export function trainInWorker(job: WorkerJob, options?: TrainingWorkerOptions): Promise<WorkerResult>;
