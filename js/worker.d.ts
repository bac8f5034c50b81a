// Type declarations for fastgrnn-wasm/worker (js/worker.js).
import type {
  FastGRNN, ModelConfig, TrainingConfig, TrainingMetrics, Normalization, Features, Floats,
} from './index.js';

/** The name a browser Worker running js/worker.js is started with. */
export const WORKER_NAME: 'fastgrnn-train';
/** True when this module instance runs as the training side of a worker. */
export const startedAsWorker: boolean;

export interface WorkerJob {
  /** Starting weights: a model (saved and sent) or its safetensors bytes. */
  model?: FastGRNN | Uint8Array;
  /** A new model from this config when `model` is absent. */
  modelConfig?: Partial<ModelConfig>;
  trainingConfig?: Partial<TrainingConfig>;
  features: Features;
  labels: Floats;
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
  /** URL of worker.js (default: next to this module). */
  url?: URL | string;
  simd?: 'auto' | boolean;
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
