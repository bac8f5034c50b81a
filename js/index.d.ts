// Type declarations for fastgrnn-wasm (js/index.js).

/** Error codes of FastGRNNError. */
export type FastGRNNErrorCode =
  | 'InvalidInput'
  | 'SerializationError'
  | 'IoError'
  | 'Aborted'
  | 'Diverged'
  | 'OutOfMemory';

/** The one error type of the package; `message` names the offending argument and value. */
export class FastGRNNError extends Error {
  constructor(code: FastGRNNErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'FastGRNNError';
  code: FastGRNNErrorCode;
}

/** The package version (package.json's). moduleInfo().version is the loaded wasm module's own. */
export const VERSION: string;

/** Where a WebAssembly module comes from (init({ wasm }), TrainingWorker({ init })). */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | Response |
  PromiseLike<Response> | WebAssembly.Module;

export interface InitOptions {
  /**
   * Which build to load: 'auto' (default) picks SIMD128 when the engine
   * validates it. 'relaxed' opts in to the relaxed-SIMD build
   * (dist/fastgrnn-relaxed.wasm: fused multiply-add where the CPU has it;
   * deterministic on one engine and CPU, not across them); on an engine
   * without relaxed SIMD (relaxedSimdSupported() false) init rejects with
   * InvalidInput.
   */
  simd?: 'auto' | boolean | 'relaxed';
  /**
   * A module to use instead of the packaged one: a URL or path (fetched in
   * browsers, read from disk in Node), its bytes, a fetch `Response` (or a
   * promise of one; streamed when served as application/wasm) or a compiled
   * `WebAssembly.Module`. With `wasm`, `simd: true` tells that it is the SIMD
   * build (moduleInfo().simd).
   */
  wasm?: WasmSource;
}

export interface ModuleInfo {
  initialized: boolean;
  /** True when the SIMD128 build (or the relaxed-SIMD build) is in use. */
  simd: boolean;
  /** True when the relaxed-SIMD build is in use (init({ simd: 'relaxed' })). */
  relaxed: boolean;
  /** Current size of the module's linear memory in bytes. */
  memoryBytes: number;
  /** The loaded module's library version (VERSION before init()). */
  version: string;
}

/**
 * Loads and instantiates the WebAssembly module; await it once before
 * anything else. Calling it again with other options switches the module
 * that new objects are created in; existing objects keep theirs.
 */
export function init(options?: InitOptions): Promise<ModuleInfo>;
export function moduleInfo(): ModuleInfo;
/** True when this engine validates WebAssembly relaxed SIMD, i.e. init({ simd: 'relaxed' }) can load. */
export function relaxedSimdSupported(): boolean;

/** Model configuration (the specification's FastGRNNConfig, camelCase). */
export interface ModelConfig {
  /** D > 0 (default 5). */
  inputDim: number;
  /** H > 0 (default 8). */
  hiddenDim: number;
  /** O > 0: 1 = binary, > 1 = number of classes (default 1). */
  outputDim: number;
  /** Initial raw (pre-sigmoid) nu (default 1). */
  nu: number;
  /** Initial raw (pre-sigmoid) zeta (default 1). */
  zeta: number;
  /** Rank of W and U, or null for full rank (default 4). */
  rank: number | null;
  /** Overrides `rank` for W. */
  wRank: number | null;
  /** Overrides `rank` for U. */
  uRank: number | null;
  /** Initialisation seed (default 42). */
  seed: number;
}

/** Training configuration (the specification's TrainingConfig, camelCase). */
export interface TrainingConfig {
  learningRate: number;
  batchSize: number;
  epochs: number;
  validationSplit: number;
  /** null: never stop early. */
  earlyStoppingPatience: number | null;
  lrDecay: number;
  /** 0: never decay. */
  lrDecayStep: number;
  /** 0: no clipping. */
  gradClip: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  l2Reg: number;
  enableDistillation: boolean;
  distillationTemperature: number;
  distillationAlpha: number;
  /** Split and shuffle seed (default 42). */
  seed: number;
  shuffle: boolean;
  restoreBestWeights: boolean;
  /** Fraction of W (or W1, W2) entries held at zero by sparse training (default 0). */
  sparsityW: number;
  /** Fraction of U (or U1, U2) entries held at zero by sparse training (default 0). */
  sparsityU: number;
}

/** Metrics of one epoch. NaN values (no validation set) are null. */
export interface TrainingMetrics {
  /** 0-based. */
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  trainAccuracy: number;
  valAccuracy: number | null;
  learningRate: number;
}

export interface Normalization {
  means: Float32Array;
  stds: Float32Array;
}

/** Features: a flat array [N*T*D] or an array of rows (each T*D numbers). */
export type Features = Float32Array | ArrayLike<number> | ArrayLike<ArrayLike<number>>;
export type Floats = Float32Array | ArrayLike<number>;

export interface TimestepsOption {
  /** Steps per sample (default: 1 for flat input, row length / inputDim for rows). */
  timesteps?: number;
}

/** The specification's TrainingConfig::default() plus seed 42, shuffle, restoreBestWeights. */
export function defaultTrainingConfig(): TrainingConfig;
/** The specification's FastGRNNConfig::default(). */
export function defaultModelConfig(): ModelConfig;

export interface Owned {
  /** True once dispose() has run. */
  readonly disposed: boolean;
  /** Frees the wasm memory this object owns. Idempotent; later use throws InvalidInput. */
  dispose(): void;
}

export interface TensorInfo {
  name: string;
  shape: [number] | [number, number];
  /** Offset into the flat parameter buffer (elements). */
  offset: number;
  /** INT8 scale of a quantized tensor; 0 otherwise. */
  scale: number;
  /** A quantized tensor's int8 entries (its weights are int8 * scale). */
  int8?: Int8Array;
}

/** Why a training run stopped. */
export type StopReason =
  | 'completed'
  | 'early_stopping'
  | 'stopped_by_callback'
  | 'interrupted'
  | 'cancelled'
  | 'diverged';

/**
 * Whose weights the model holds after a run: the best epoch by validation
 * loss, by training loss (no validation set), or the weights as training
 * left them.
 */
export type KeptReason = 'best_validation_loss' | 'best_training_loss' | 'last_epoch';

/** Metrics of the kept epoch; null when not measured (no validation set) or not finite. */
export interface FinalMetrics {
  trainLoss: number | null;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
}

/** How a training run ended (Trainer#summary(), ModelCard.training). */
export interface TrainingSummary {
  /** Epochs completed. */
  epochsRun: number;
  /** The epoch whose weights the model holds; null when none (mid-epoch, or no epoch completed). */
  keptEpoch: number | null;
  keptReason: KeptReason;
  stopReason: StopReason;
  trainSamples: number;
  validationSamples: number;
  /** The kept epoch's metrics; null when keptEpoch is null. */
  final: FinalMetrics | null;
}

/** What a model says about itself; saved with it and validated on load. */
export interface ModelCard {
  /** The library version that last wrote the card. */
  libraryVersion: string;
  /** inputDim names. */
  featureNames?: string[];
  labelName?: string;
  /** 2 names for a binary model, else outputDim. */
  classNames?: string[];
  /** The timesteps the model was trained with. */
  timesteps?: number;
  /** The model's stored normalization (read-only here: set model.normalization). */
  normalization?: Normalization;
  /** The summary of the run that trained the model. */
  training?: TrainingSummary;
  /** Free strings about the data (e.g. source). */
  data?: Record<string, string>;
}

/** A partial card for updateCard: each key replaces the card's; null removes it. */
export interface ModelCardUpdate {
  featureNames?: string[] | null;
  labelName?: string | null;
  classNames?: string[] | null;
  timesteps?: number | null;
  training?: TrainingSummary | null;
  data?: Record<string, string> | null;
}

/** What predict() returns for one sample: P(class 1) for a binary model, class probabilities otherwise. */
export type Prediction = number | Float32Array;

/**
 * The prediction type of a model made with config C: `number` when
 * outputDim is absent or 1 (binary), `Float32Array` for a literal
 * outputDim > 1, and the union when it is not known statically.
 */
export type PredictionOf<C> =
  C extends { outputDim: infer O }
    ? (number extends O ? Prediction : [O] extends [1 | undefined] ? number : 1 extends O ? Prediction : Float32Array)
    : 'outputDim' extends keyof C ? Prediction : number;

/**
 * A FastGRNN model (cell + linear head). `P` is what predict() returns for
 * one sample: `number` for a binary model, `Float32Array` for a multi-class
 * one. `new FastGRNN({ ... })` infers it from `outputDim`;
 * `FastGRNN.load()` gives `FastGRNN<Prediction>`, narrowed by isBinary() /
 * isMultiClass().
 */
export interface FastGRNN<P extends Prediction = Prediction> extends Owned {
  /** A copy of the model config. */
  readonly config: ModelConfig;
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  /** Effective ranks of W and U (0: stored full rank). */
  readonly ranks: { w: number; u: number };
  /**
   * Browser: offers the safetensors file as a download (a Blob and an
   * `<a download>` click). Throws IoError (reason 'Unavailable') without a page.
   */
  download(filename?: string): void;
  /** safetensors bytes. */
  save(): Uint8Array;
  /** Writes the safetensors file (Node). */
  save(path: string): undefined;
  /** True for a binary model (outputDim 1); narrows predict() to `number`. */
  isBinary(): this is FastGRNN<number>;
  /** True for a multi-class model (outputDim > 1); narrows predict() to `Float32Array`. */
  isMultiClass(): this is FastGRNN<Float32Array>;
  /**
   * One sample of RAW features (T*D values, as in the data): the model's
   * stored normalization is applied, then the forward pass. P(class 1)
   * (binary) or the class probabilities.
   */
  predict(x: Floats, options?: TimestepsOption): P;
  /** Probabilities of RAW samples: [N] (binary) or [N*O] row-major. */
  predictBatch(x: Features, options?: TimestepsOption): Float32Array;
  /** Raw outputs W_o h_T + b_o of RAW samples: [N*O]. */
  predictLogits(x: Features, options?: TimestepsOption): Float32Array;
  /** The class index of one RAW sample (binary: 1 when p >= 0.5). */
  predictClass(x: Floats, options?: TimestepsOption): number;
  /** The class index of each RAW sample. */
  predictClassBatch(x: Features, options?: TimestepsOption): Int32Array;
  /** The class name of one RAW sample: from the model card's class names, else String(index). */
  predictLabel(x: Floats, options?: TimestepsOption): string;
  /** The class name of each RAW sample. */
  predictLabelBatch(x: Features, options?: TimestepsOption): string[];
  /**
   * Primitive: one sample of ALREADY-NORMALIZED features (T*D values); the
   * probability (binary) or class probabilities. Use predict() for raw data.
   */
  forward(x: Floats, options?: TimestepsOption): P;
  /** Primitive: probabilities of already-normalized samples: [N] (binary) or [N*O] row-major. */
  forwardBatch(x: Features, options?: TimestepsOption): Float32Array;
  /** Primitive: raw outputs W_o h_T + b_o of already-normalized samples: [N*O]. */
  logits(x: Features, options?: TimestepsOption): Float32Array;
  numParams(): number;
  sizeBytes(): number;
  /** All parameters in tensor-table order (a copy). */
  getParameters(): Float32Array;
  setParameters(values: Floats): void;
  tensors(): TensorInfo[];
  /** Magnitude-prune the cell matrices to `sparsity` in [0, 1); pruned entries stay 0 in later training. */
  prune(sparsity: number): void;
  /** Fraction of cell-matrix entries held at zero (0 when dense). */
  sparsity(): number;
  isSparse(): boolean;
  /** INT8 post-training quantization of the weight matrices; the model can no longer be trained. */
  quantize(): void;
  isQuantized(): boolean;
  /** 1 for kept parameters, 0 for pruned ones (numParams() values). */
  getMask(): Uint8Array;
  /** Self-contained C99 source with <prefix>_predict / <prefix>_logits. */
  exportC(prefix?: string): string;
  /** Writes the C source to a file (Node). */
  exportC(prefix: string, path: string): undefined;
  /**
   * The model as an ONNX file (bytes): normalization (optional), the cell in
   * a Scan over time (or unrolled for a fixed T), the head; outputs
   * `probabilities` and `logits` [batch, outputDim], input `input`
   * [batch, time, inputDim].
   */
  toONNX(options?: ONNXOptions): Uint8Array;
  /** Writes the ONNX file (Node) atomically. */
  toONNX(path: string, options?: ONNXOptions): undefined;
  /**
   * Normalization parameters carried with the model (saved with it), or
   * null. Applied by predict*() and evaluate(); not by forward / logits.
   */
  normalization: Normalization | null;
  /** The model card (a copy). */
  readonly card: ModelCard;
  /** Merges a partial card (null removes a key); every field is validated (InvalidInput naming it). */
  updateCard(partial: ModelCardUpdate): void;
  /** A deep copy (weights, config, normalization, card). */
  clone(): FastGRNN<P>;
  readonly disposed: boolean;
  dispose(): void;
}

export interface FastGRNNConstructor {
  /**
   * Absent keys take the defaults; unknown keys are InvalidInput. The
   * prediction type follows `outputDim` (absent or 1: binary, `number`).
   */
  new <const C extends Partial<ModelConfig> = {}>(config?: C): FastGRNN<PredictionOf<C>>;
  /** Loads safetensors bytes, or (Node) a file path. Narrow with isBinary() / isMultiClass(). */
  load(source: Uint8Array | ArrayBuffer | ArrayBufferView | string): FastGRNN;
  readonly prototype: FastGRNN;
}
export const FastGRNN: FastGRNNConstructor;

/** Options of FastGRNN#toONNX. */
export interface ONNXOptions {
  /** Opset, ONNX_MIN_OPSET (10, the default) to ONNX_MAX_OPSET (21). */
  opset?: number;
  /** One copy of the cell per step for a fixed `timesteps` instead of a Scan (default false). */
  unroll?: boolean;
  /** The fixed sequence length of an unrolled graph, 1 to ONNX_MAX_UNROLL; only with unroll. */
  timesteps?: number;
  /** Put the model's stored normalization into the graph (default: whether the model has one). */
  normalization?: boolean;
  /** int8 models: DequantizeLinear nodes instead of Cast + Mul (default false). */
  qdq?: boolean;
}

export const ONNX_MIN_OPSET: number;
export const ONNX_MAX_OPSET: number;
export const ONNX_DEFAULT_OPSET: number;
export const ONNX_MAX_UNROLL: number;

export interface DatasetOptions {
  /** D; required with flat features, else row length / timesteps. */
  inputDim?: number;
  /** T (default 1). */
  timesteps?: number;
  /** 1: binary labels in [0, 1]; O > 1: class indices (default 1). */
  outputDim?: number;
  /** inputDim names of the features (Trainer#train writes them into the model's card). */
  featureNames?: string[];
  /** Class names: 2 for binary, else outputDim. */
  classNames?: string[];
  /** The label's name. */
  labelName?: string;
}

/** Features [N, T, D], labels [N], optional soft targets; stored in wasm memory. */
export class TrainingDataset implements Owned {
  constructor(features: Features, labels: Floats, options?: DatasetOptions);
  /** Adds teacher soft targets ([N] binary, [N*O] multi-class); returns this. */
  withSoftTargets(softTargets: Floats): this;
  /** Seeded shuffle, then [train, val] with round(N * valRatio) samples in val. */
  split(valRatio: number, seed?: number | bigint): [TrainingDataset, TrainingDataset];
  /** z-score per input feature, in place. */
  normalize(): Normalization;
  applyNormalization(means: Floats, stds: Floats): void;
  len(): number;
  isEmpty(): boolean;
  readonly length: number;
  readonly inputDim: number;
  readonly timesteps: number;
  readonly outputDim: number;
  /** Copies. */
  readonly features: Float32Array;
  readonly labels: Float32Array;
  readonly softTargets: Float32Array | null;
  /** The names given at construction (copies), or null; kept by clone() and split(). */
  readonly featureNames: string[] | null;
  readonly classNames: string[] | null;
  readonly labelName: string | null;
  clone(): TrainingDataset;
  readonly disposed: boolean;
  dispose(): void;
  /** Reads a CSV (see readCSV) into a dataset with featureNames, classNames and labelName set. */
  static fromCSV(input: CSVInput, options?: CSVOptions): Promise<TrainingDataset>;
}

export type Batch = [features: Float32Array, labels: Float32Array, softTargets: Float32Array | null];

/**
 * One pass of mini-batches over a dataset (iterable once). The wasm side is
 * freed at the end of the pass, when a for-of loop is left, or by dispose().
 */
export class BatchIterator implements Iterable<Batch>, Iterator<Batch>, Owned {
  constructor(dataset: TrainingDataset, batchSize?: number, shuffle?: boolean, seed?: number | bigint);
  [Symbol.iterator](): this;
  next(): IteratorResult<Batch, undefined>;
  return(): IteratorResult<Batch, undefined>;
  readonly disposed: boolean;
  dispose(): void;
}

export interface TrainOptions extends ParallelOptions {
  /** Called after each epoch; returning false stops training normally. May return a promise. */
  onEpoch?: (metrics: TrainingMetrics) => void | boolean | Promise<void | boolean>;
  /** Aborting rejects with FastGRNNError 'Aborted' before the next batch; the weights stay as they are. */
  signal?: AbortSignal;
  /** Work between yields to the event loop, in ms (default 20). */
  sliceMs?: number;
}

/**
 * Data-parallel training of one model (a TrainingDataset or a data source):
 * the calling thread and `workers` - 1 worker threads (Node) or Web Workers
 * compute the chunks of each batch; the model ends with the same bytes for
 * every number of workers and transport, and as without workers.
 */
export interface ParallelOptions {
  /** Threads computing each batch, this one included: 1..64 (navigator.hardwareConcurrency: every core). */
  workers?: number;
  /** 'auto' (default): 'shared' where parallelTransport() says so, else 'message'. */
  transport?: 'auto' | ParallelTransport;
  /** A worker that does not answer for this long fails the run (default 60000). */
  workerTimeoutMs?: number;
  /** The worker script, when a bundler or server puts it elsewhere (default: the package's parallel-worker.js). */
  workerUrl?: string | URL;
}

/** How data-parallel workers exchange data: shared memory with Atomics, or copies by postMessage. */
export type ParallelTransport = 'shared' | 'message';
/** 'shared' in Node and in crossOriginIsolated pages, else 'message'. */
export function parallelTransport(): ParallelTransport;

// ---- streaming (data larger than memory) ---------------------------------

/** What a source holds, from its header or one reading pass. */
export interface SourceInfo {
  inputDim: number;
  timesteps: number;
  outputDim: number;
  featureNames: string[] | null;
  classNames: string[] | null;
  labelName: string;
  /** Rows in the source, when known (null for an iterable source). */
  rows: number | null;
}

/** A batch a source yields. */
export interface SourceBatch {
  n: number;
  features: Float32Array;
  labels: Float32Array;
  softTargets?: Float32Array;
}

/**
 * Where bytes come from, reopened for every pass: a file path (Node), an
 * http(s) URL, a Blob/File, bytes, or a function returning one of these or
 * a ReadableStream / async iterable of chunks (called for every pass; a
 * stream itself can be read only once).
 */
export type ByteInput =
  | string | URL | Blob | Uint8Array | ArrayBuffer
  | (() => string | URL | Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>
      | Promise<string | URL | Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>>)
  | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** A reopenable source of samples for streaming training. */
export class DataSource {
  readonly kind: 'csv' | 'jsonl' | 'binary' | 'iterable';
  readonly name: string;
  /** Dimensions, names and row count (a reading pass for CSV / JSON Lines, to see every label). */
  info(): Promise<SourceInfo>;
  /** The batches of one pass, from sample `start`. */
  pass(start: number): AsyncIterable<SourceBatch>;
}

export interface CSVSourceOptions extends Omit<CSVOptions, 'name'> {
  name?: string;
  /** Rows per batch read (default 4096). */
  batchSize?: number;
}
export function csvSource(input: ByteInput, options?: CSVSourceOptions): DataSource;

export interface JSONLSourceOptions {
  /** Feature fields in order (default: the first line's fields except the label). */
  features?: string[];
  /** The label field (default 'label'); numbers or class names. */
  label?: string;
  classNames?: string[];
  timesteps?: number;
  batchSize?: number;
  name?: string;
}
export function jsonlSource(input: ByteInput, options?: JSONLSourceOptions): DataSource;
/** The compact binary row format (encodeRowsHeader + encodeRows). */
export function binarySource(input: ByteInput, options?: { batchSize?: number; name?: string }): DataSource;
export interface IterableSourceOptions {
  inputDim: number;
  outputDim: number;
  timesteps?: number;
  featureNames?: string[];
  classNames?: string[];
  labelName?: string;
  name?: string;
}
/** Batches { features, labels, softTargets? } from factory() for every pass. */
export function iterableSource(
  factory: () => Iterable<{ features: Floats; labels: Floats; softTargets?: Floats }> | AsyncIterable<{ features: Floats; labels: Floats; softTargets?: Floats }>
    | Promise<Iterable<{ features: Floats; labels: Floats; softTargets?: Floats }> | AsyncIterable<{ features: Floats; labels: Floats; softTargets?: Floats }>>,
  options: IterableSourceOptions,
): DataSource;
/** The binary row format's header: "FGROWS1\n", its length, JSON; rows follow (encodeRows). */
export function encodeRowsHeader(h: {
  rows: number; inputDim: number; timesteps?: number; outputDim?: number;
  featureNames?: string[] | null; classNames?: string[] | null; labelName?: string;
}): Uint8Array;
/** Rows as float32 features then a float32 label each, little-endian. */
export function encodeRows(features: Floats, labels: Floats, inputDim: number, timesteps?: number): Uint8Array;
/** Per-feature means and stds over a source in one pass (Welford, in C). */
export function sourceNormalization(source: DataSource): Promise<{ means: Float32Array; stds: Float32Array }>;

export interface StreamProgress {
  epoch: number;
  phase: 'train' | 'validate';
  /** Rows read from the source in this phase. */
  rows: number;
  totalRows: number | null;
  /** Training phase: samples pushed to the trainer so far in this run (the hold-out left out). */
  trainedRows?: number;
  rowsPerSecond?: number;
}

export interface StreamTrainOptions extends TrainOptions {
  /** A second source for validation (default: a hash hold-out of validationSplit of the rows). */
  validation?: DataSource;
  /** Fraction of rows held out for validation by a hash of the row number (default: the config's validationSplit). */
  holdout?: number;
  /** Samples in the seeded shuffle buffer (default 10000; approximate shuffling). */
  shuffleBuffer?: number;
  /** Every few batches or epochs the run's whole state: atomically into dir (Node), or to save(bytes). */
  checkpoint?: { dir?: string; save?: (bytes: Uint8Array) => void | Promise<void>; everyBatches?: number; everyEpochs?: number };
  /** Batches carry soft targets (distillation). */
  softTargets?: boolean;
  onProgress?: (p: StreamProgress) => void;
}

/** Trains FastGRNN models: Adam, L2, clipping, step decay, early stopping, distillation. */
export class Trainer implements Owned {
  /** Absent training-config keys take the defaults. A FastGRNN is accepted for its config. */
  constructor(modelConfig: Partial<ModelConfig> | FastGRNN, trainingConfig?: Partial<TrainingConfig>);
  /** The full training config (a copy). */
  readonly config: TrainingConfig;
  /** The current learning rate (after decay). */
  readonly learningRate: number;
  /**
   * Trains; resolves to the metrics of every epoch of this run. The
   * dataset's names and timesteps go into the model's card first; the
   * run's summary when it ends normally (completed, early stopping,
   * onEpoch false, interrupt()).
   */
  train(model: FastGRNN, dataset: TrainingDataset, options?: TrainOptions): Promise<TrainingMetrics[]>;
  /**
   * Streaming training from a source that is reopened for every pass; the
   * data is never held whole (memory: the shuffle buffer and one batch).
   */
  train(model: FastGRNN, source: DataSource, options?: StreamTrainOptions): Promise<TrainingMetrics[]>;
  /**
   * Continues a streaming run from a checkpoint (bytes, or in Node a file or
   * the folder holding checkpoint.fgck) on the same source; ends with the
   * same model and metrics as the run that was not interrupted.
   */
  resume(checkpoint: Uint8Array | ArrayBuffer | string, source: DataSource, options?: StreamTrainOptions): Promise<{ model: FastGRNN; metrics: TrainingMetrics[] }>;
  /**
   * During train(): end the run at the next batch boundary as 'interrupted'
   * (best weights restored when restoreBestWeights); train() resolves
   * normally. Returns false (doing nothing) when no run is going on.
   */
  interrupt(): boolean;
  /** How the last run ended. InvalidInput while training or before any run ended. */
  summary(): TrainingSummary;
  /** One Adam step on one mini-batch; returns its mean data loss. */
  trainBatch(model: FastGRNN, features: Features, labels: Floats,
    softTargets?: Floats | null, options?: TimestepsOption): number;
  /** Mean data loss and accuracy (no distillation term). */
  evaluate(model: FastGRNN, dataset: TrainingDataset): { loss: number; accuracy: number };
  metricsHistory(): TrainingMetrics[];
  /** The history as JSON with the specification's snake_case keys. */
  metricsJSON(): string;
  /** Writes metricsJSON() to a file (Node). */
  saveMetrics(path: string): void;
  readonly disposed: boolean;
  dispose(): void;
}

/** One class of an evaluation report. null: undefined (0/0). */
export interface ClassReport {
  index: number;
  /** From the model card's class names (else the dataset's), else String(index). */
  className: string;
  /** TP / predicted as this class; null when nothing is predicted as it. */
  precision: number | null;
  /** TP / support; null when the class does not occur. */
  recall: number | null;
  /** 2 TP / (support + predicted); null when both are 0. */
  f1: number | null;
  /** Samples whose true class this is. */
  support: number;
}

/** The evaluation report computed in C (see evaluate()). */
export interface EvaluationReport {
  samples: number;
  /** Mean data loss, as Trainer#evaluate. */
  loss: number;
  accuracy: number;
  /** K: 2 for a binary model, else outputDim. */
  numClasses: number;
  /** [K][K]: rows are the true class, columns the predicted one. */
  confusionMatrix: number[][];
  classes: ClassReport[];
  /** Binary models: P(random positive scores above a random negative), ties 1/2; null otherwise or when a class is absent. */
  rocAuc: number | null;
}

export interface EvaluateOptions {
  /** true (default): the dataset holds raw features and the model's normalization is applied first. */
  raw?: boolean;
}

/**
 * Loss, accuracy, confusion matrix, per-class precision / recall / F1 /
 * support and ROC-AUC (binary) of model on dataset, computed in C.
 */
export function evaluate(model: FastGRNN, dataset: TrainingDataset, options?: EvaluateOptions): EvaluationReport;

/** Bounds of one numeric config key. */
export interface ConfigLimit {
  min: number;
  max: number;
  /** true: min itself is excluded. */
  minOpen: boolean;
  /** true: max itself is excluded. */
  maxOpen: boolean;
  /** Integers only. */
  integer: boolean;
  /** null ("none") is accepted too. */
  nullable: boolean;
}

export interface ConfigLimits {
  model: Record<'inputDim' | 'hiddenDim' | 'outputDim' | 'nu' | 'zeta' | 'rank' | 'wRank' | 'uRank' | 'seed', ConfigLimit>;
  training: Record<'learningRate' | 'batchSize' | 'epochs' | 'validationSplit' | 'earlyStoppingPatience' |
    'lrDecay' | 'lrDecayStep' | 'gradClip' | 'adamBeta1' | 'adamBeta2' | 'adamEpsilon' | 'l2Reg' |
    'distillationTemperature' | 'distillationAlpha' | 'seed' | 'sparsityW' | 'sparsityU', ConfigLimit>;
  /** The model's parameter count must not exceed this. */
  maxParameters: number;
}

/** Every numeric config key with its bounds: the table C validates against. */
export function configLimits(): ConfigLimits;
/** Train / validation sizes of a split of n samples (validation = round(n * validationSplit), as C computes it). */
export function splitSizes(n: number, validationSplit: number): { train: number; validation: number };
/** {"means":[...],"stds":[...]} as written by C. */
export function normalizationToJSON(normalization: { means: Floats; stds: Floats }): string;
/** Metrics records as the JSON C writes (snake_case keys, NaN / null as null). */
export function metricsToJSON(metrics: readonly TrainingMetrics[]): string;

/** -t log p - (1 - t) log(1 - p), p clamped to [1e-7, 1 - 1e-7]. */
export function binaryCrossEntropy(prediction: number, target: number): number;
/** sigmoid(logit / temperature). */
export function temperatureSoftmax(logit: number, temperature: number): number;
/** Soft targets: sigmoid(logit / T) ([N]) for binary, softmax(logits / T) ([N*O]) otherwise. */
export function generateTeacherPredictions(teacher: FastGRNN, features: Features,
  temperature: number, options?: TimestepsOption): Float32Array;

export const isNode: boolean;

/** mulberry32: a small seeded 32-bit generator; the function returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number;
/** similarity, recency, popularity, success_rate, complexity */
export const ROUTING_FEATURES: readonly string[];
/**
 * n samples of the specification's synthetic routing data: five features
 * ~ U(0, 1); label 1 when 0.4 similarity + 0.3 success_rate +
 * 0.3 (1 - complexity) + U(-0.1, 0.1) > 0.6.
 */
export function routingData(n: number, seed?: number):
  { features: Float32Array; labels: Float32Array; featureNames: string[] };

// ---- Reading CSV (js/csv.js) ----

/** A whole text, its UTF-8 bytes, a Blob/File, a stream, or chunks of text or bytes. */
export type CSVInput = string | Uint8Array | ArrayBuffer | ArrayBufferView | Blob |
  ReadableStream<Uint8Array | string> | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export interface CSVOptions {
  /** One character; default: the one of , ; TAB found most often in the header. */
  delimiter?: string;
  /** The label column's name (default: label, then target, then class; case-insensitive); false: no label column. */
  label?: string | false;
  /** Columns that are neither features nor the label (e.g. an id). */
  ignore?: string[];
  /** Missing cells (empty, NA, N/A, NaN, null): 'error' (default), 'skip' the row, or 'mean' of the feature. */
  missing?: 'error' | 'skip' | 'mean';
  /** Steps per row: each row holds timesteps * inputDim values, step-major (default 1). */
  timesteps?: number;
  /** Fixes the classes and their order (e.g. from a model card); labels are these names or their indices. */
  classNames?: string[] | null;
  /** Expects these feature columns (e.g. from a model card), in this order. */
  featureNames?: string[] | null;
  /** missing: 'mean' fills in these per-feature values instead of the file's means. */
  means?: ArrayLike<number> | null;
  /** The file name used in error messages (default "CSV"). */
  name?: string;
  /** readCSVRows: rows per batch (default 8192). */
  batchSize?: number;
}

export interface CSVData {
  /** [n * timesteps * inputDim], step-major rows. */
  features: Float32Array;
  /** [n]: 0/1 or values in [0, 1] (binary), class indices (multi-class). */
  labels: Float32Array;
  n: number;
  inputDim: number;
  timesteps: number;
  /** 1 for binary labels, K for K classes. */
  outputDim: number;
  /** The first step's feature column names (inputDim names). */
  featureNames: string[];
  labelName: string;
  /** The class names when labels are names (or options.classNames was given), else null. */
  classNames: string[] | null;
  /** Rows dropped by missing: 'skip'. */
  rowsSkipped: number;
}

/** readCSV with label: false: features only. */
export interface CSVFeatures extends Omit<CSVData, 'labels' | 'outputDim' | 'labelName' | 'classNames'> {
  labels: null;
  outputDim: null;
  labelName: null;
  classNames: null;
}

/** One batch of readCSVRows. */
export interface CSVRowBatch {
  n: number;
  features: Float32Array;
  /** As written in the file (numeric labels), or class indices (names); null with label: false. */
  labels: Float32Array | null;
  inputDim: number;
  timesteps: number;
  featureNames: string[];
  labelName: string | null;
  /** Names seen so far (in order of first appearance), or options.classNames; null for numeric labels. */
  classNames: string[] | null;
  /** Rows dropped so far. */
  rowsSkipped: number;
  /** The line of the batch's last row. */
  line: number;
  /** Characters of text read so far (for progress). */
  charsRead: number;
}

/** Reads a whole CSV; every bad input is a FastGRNNError naming file, line and column. */
export function readCSV(input: CSVInput, options: CSVOptions & { label: false }): Promise<CSVFeatures>;
export function readCSV(input: CSVInput, options?: CSVOptions): Promise<CSVData>;
/** Reads a CSV as batches of rows (streaming). */
export function readCSVRows(input: CSVInput, options?: CSVOptions): AsyncIterable<CSVRowBatch>;

// ------------------------------------------------------------------ search

/** A searched key: a list of values, or a numeric range (integers for integer keys). */
export type SearchDimension =
  | readonly (number | boolean | null)[]
  | { min: number; max: number; log?: boolean; /** grid points of the range (default gridSteps) */ steps?: number };

/**
 * The search space: any model or training config key (but inputDim,
 * outputDim, seed), plus 'prune' (fraction pruned after training) and
 * 'quantize' (INT8 after training).
 */
export type SearchSpace = {
  [K in Exclude<keyof ModelConfig | keyof TrainingConfig, 'inputDim' | 'outputDim' | 'seed'>]?: SearchDimension;
} & { prune?: SearchDimension; quantize?: readonly boolean[] };

export interface SearchData {
  features: Float32Array | ArrayLike<number> | readonly (ArrayLike<number>)[];
  labels: Float32Array | ArrayLike<number>;
  inputDim?: number;
  timesteps?: number;
  outputDim?: number;
  softTargets?: Float32Array | ArrayLike<number>;
  featureNames?: string[];
  classNames?: string[];
  labelName?: string;
}

export interface SearchOptions {
  space: SearchSpace;
  data: SearchData | TrainingDataset;
  /** Number of trials (required for 'random' and 'halving'; caps the grid). */
  trials?: number;
  /** Default 'random'. */
  strategy?: 'grid' | 'random' | 'halving';
  /** Pool size (default: hardware concurrency, at most 4). Results do not depend on it. */
  workers?: number;
  /** Default 'valLoss' (lower is better); 'valAccuracy' (higher is better). */
  objective?: 'valLoss' | 'valAccuracy';
  /** Bytes after compression (model.sizeBytes()); trials above it rank after those within. */
  sizeBudget?: number;
  signal?: AbortSignal;
  /** Called as each trial (each rung of a trial for 'halving') finishes, in finishing order. */
  onTrial?: (trial: SearchTrial) => void;
  /** Search seed (default 42): trial i's seed is trialSeed(seed, i). */
  seed?: number;
  /** Base model config every trial starts from. */
  model?: Partial<ModelConfig>;
  /** Base training config every trial starts from. */
  training?: Partial<TrainingConfig>;
  /** Fraction held out (split once with the search seed) that scores every trial; default 0.2. */
  validationSplit?: number;
  /** z-score with the training part's statistics (stored in each model); default true. */
  normalize?: boolean;
  /** Successive halving: rung r trains minEpochs * eta^r epochs (at most maxEpochs), keeps the best 1/eta. */
  halving?: { eta?: number; minEpochs?: number; maxEpochs?: number };
  /** Grid points of a range without `steps` (default 3). */
  gridSteps?: number;
  /** A trial (or a worker's setup) that takes longer fails; its worker is replaced. Default 600000. */
  trialTimeoutMs?: number;
  /** Another worker script speaking the search protocol (default: the package's search-worker.js). */
  workerUrl?: URL | string;
  /** Passed to init() in the main thread and in every worker. */
  init?: InitOptions;
}

export interface SearchTrial {
  index: number;
  /** 1-based rank in the result (null until the search ends). */
  rank: number | null;
  seed: number;
  params: Record<string, number | boolean | null>;
  status: 'ok' | 'failed';
  /** 'halving': the rung of this evaluation; else null. */
  rung: number | null;
  epochs: number;
  epochsRun: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  sizeBytes: number | null;
  withinBudget: boolean;
  pareto: boolean;
  error: { code: string; message: string } | null;
}

export class SearchResult {
  readonly strategy: 'grid' | 'random' | 'halving';
  readonly objective: 'valLoss' | 'valAccuracy';
  readonly seed: number;
  readonly sizeBudget: number | null;
  readonly paramKeys: string[];
  /** Every trial (its last evaluation), by index. */
  readonly trials: SearchTrial[];
  /** Every evaluation, by rung then index. */
  readonly evaluations: SearchTrial[];
  /** Best first; ties broken by index; failed trials last. */
  readonly ranked: SearchTrial[];
  /** Non-dominated trials on valAccuracy vs sizeBytes, smallest first. */
  readonly pareto: SearchTrial[];
  readonly best: SearchTrial | null;
  /** The best trial's model: safetensors bytes with its card. */
  readonly bestModel: Uint8Array | null;
  modelBytes(index: number): Uint8Array | null;
  toJSON(): {
    strategy: string; objective: string; seed: number; sizeBudget: number | null;
    best: number | null; pareto: number[]; trials: SearchTrial[];
  };
  toCSV(): string;
}

/** Hyperparameter search over a pool of workers. */
export function search(options: SearchOptions): Promise<SearchResult>;
/** The seed of trial `index` of a search seeded `seed`. */
export function trialSeed(seed: number, index: number): number;
/** The trials no other trial beats on both valAccuracy (higher) and sizeBytes (lower), smallest first. */
export function paretoFront<T extends Pick<SearchTrial, 'status' | 'valAccuracy' | 'sizeBytes' | 'index'>>(trials: readonly T[]): T[];
