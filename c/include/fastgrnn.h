/*
 * fastgrnn.h - the public C API of fastgrnn-wasm.
 *
 * A FastGRNN (Kusupati et al., NeurIPS 2018) trainer: model, datasets, batch
 * iteration, a trainer with Adam / L2 / clipping / step decay / early
 * stopping / distillation, and safetensors + JSON serialization.
 *
 * Conventions
 *  - Every fallible call returns fg_status. FG_OK is 0. On failure nothing
 *    the call was given is changed, and fg_last_error() returns a message
 *    naming the offending argument and its value.
 *  - Objects are opaque; create them with fg_*_create / fg_*_load and free
 *    them with the matching fg_*_destroy (NULL is accepted and ignored).
 *  - Buffers returned through `uint8_t **` / `char **` / `float **` out
 *    arguments are owned by the caller and released with fg_free().
 *  - Features are row-major float32 [N, T, D] (T = 1 is a plain feature
 *    vector). Binary models (output_dim 1) take labels in [0, 1]; multi-class
 *    models (output_dim O > 1) take integer class indices in [0, O).
 *  - Probabilities out of a binary model are [N]; of a multi-class model
 *    [N, O] row-major.
 *  - Not thread-safe across calls on the same object; distinct objects may be
 *    used from distinct threads (the error message is thread-local natively).
 */
#ifndef FASTGRNN_H
#define FASTGRNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FG_VERSION "0.2.0"

/* FG_VERSION of the library actually linked (the wasm module's, from JS). */
const char *fg_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes: the specification's error kinds plus ours.                 */

typedef enum {
    FG_OK = 0,
    FG_ERR_INVALID_INPUT = 1, /* InvalidInput: bad argument, data or config */
    FG_ERR_SERIALIZATION = 2, /* SerializationError: malformed bytes / JSON */
    FG_ERR_IO = 3,            /* IoError: file could not be read / written  */
    FG_ERR_ABORTED = 4,       /* Aborted: training cancelled by the caller  */
    FG_ERR_DIVERGED = 5,      /* Diverged: the loss became non-finite       */
    FG_ERR_OUT_OF_MEMORY = 6  /* OutOfMemory: an allocation failed          */
} fg_status;

/* "InvalidInput", "SerializationError", ... ("Ok" for FG_OK). */
const char *fg_status_name(fg_status status);
/* Message of the last failed call on this thread ("" if none). */
const char *fg_last_error(void);
/* Status of the last failed call on this thread (FG_OK if none). */
fg_status fg_last_status(void);

void *fg_malloc(size_t size);
void fg_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

#define FG_RANK_NONE     (-1) /* rank not set: full rank                    */
#define FG_PATIENCE_NONE (-1) /* early_stopping_patience = None             */

typedef struct {
    int32_t input_dim;  /* D > 0                                          */
    int32_t hidden_dim; /* H > 0                                          */
    int32_t output_dim; /* O > 0: 1 = binary, > 1 = classes               */
    float nu;           /* initial raw (pre-sigmoid) nu                   */
    float zeta;         /* initial raw (pre-sigmoid) zeta                 */
    int32_t rank;       /* rank of W and U, or FG_RANK_NONE               */
    int32_t w_rank;     /* overrides rank for W, or FG_RANK_NONE          */
    int32_t u_rank;     /* overrides rank for U, or FG_RANK_NONE          */
    uint64_t seed;      /* initialisation seed, [0, 2^53] (exact in JSON/JS) */
} fg_model_config;

/* The specification's FastGRNNConfig::default(): D 5, H 8, O 1, nu 1, zeta 1,
 * rank 4, seed 42. */
fg_model_config fg_model_config_default(void);
/* Checks every field; FG_ERR_INVALID_INPUT with a message on the first bad one. */
fg_status fg_model_config_validate(const fg_model_config *cfg);

typedef struct {
    float learning_rate;             /* 0.001  (> 0)                          */
    int32_t batch_size;              /* 32     (> 0)                          */
    int32_t epochs;                  /* 100    (>= 0)                         */
    float validation_split;          /* 0.2    ([0, 1))                       */
    int32_t early_stopping_patience; /* 10     (>= 1, or FG_PATIENCE_NONE)    */
    float lr_decay;                  /* 0.5    ((0, 1])                       */
    int32_t lr_decay_step;           /* 20     (>= 1; 0 = never decay)        */
    float grad_clip;                 /* 5.0    (>= 0; 0 = no clipping)        */
    float adam_beta1;                /* 0.9    ([0, 1))                       */
    float adam_beta2;                /* 0.999  ([0, 1))                       */
    float adam_epsilon;              /* 1e-8   (> 0)                          */
    float l2_reg;                    /* 1e-5   (>= 0)                         */
    int32_t enable_distillation;     /* 0                                     */
    float distillation_temperature;  /* 3.0    (> 0)                          */
    float distillation_alpha;        /* 0.5    ([0, 1])                       */
    uint64_t seed;                   /* 42: split/shuffle seed, [0, 2^53]     */
    int32_t shuffle;                 /* 1: shuffle mini-batches every epoch   */
    int32_t restore_best_weights;    /* 1: restore best-by-val-loss at end    */
    float sparsity_w;                /* 0: fraction of W (or W1, W2) entries  */
    float sparsity_u;                /* 0: ... of U (or U1, U2) held at zero  */
} fg_training_config;
/* Sparse training (sparsity_w or sparsity_u > 0) follows the FastGRNN paper's
 * three phases over the epochs: [0, E/3) dense; [E/3, 2E/3) iterative hard
 * thresholding (after every step each cell matrix keeps only its largest
 * entries by magnitude); [2E/3, E) the support is fixed (gradients and Adam
 * moments masked). Early stopping and best-weight restore only consider the
 * fixed-support phase, so the result is always sparse. */

/* The specification's TrainingConfig::default() plus seed 42, shuffle 1,
 * restore_best_weights 1. */
fg_training_config fg_training_config_default(void);
fg_status fg_training_config_validate(const fg_training_config *cfg);

/* ---- limits ----
 * Every numeric config key with its bounds, the very table the validators
 * check against:
 *   {"model": {"input_dim": {"min": 1, "max": 16777216, "min_open": false,
 *     "max_open": false, "integer": true, "nullable": false}, ...},
 *    "training": {"learning_rate": {"min": 0, "min_open": true, ...}, ...},
 *    "max_parameters": 268435456}
 * An open bound is excluded; nullable keys also take null ("none"); float
 * keys bounded by +-3.4028234663852886e38 (FLT_MAX) need only be finite. The
 * model's parameter count must also stay <= max_parameters. */
fg_status fg_config_limits_json(char **json_out);

/* Configs as JSON objects with snake_case keys. Parsing starts from the
 * defaults, so absent keys keep their default; unknown keys, wrong types and
 * out-of-range values are FG_ERR_INVALID_INPUT (FG_ERR_SERIALIZATION when the
 * text is not a JSON object). `rank`/`w_rank`/`u_rank`/`early_stopping_patience`
 * take null for "none". */
fg_status fg_model_config_from_json(const char *json, size_t len, fg_model_config *out);
fg_status fg_model_config_to_json(const fg_model_config *cfg, char **json_out);
fg_status fg_training_config_from_json(const char *json, size_t len, fg_training_config *out);
fg_status fg_training_config_to_json(const fg_training_config *cfg, char **json_out);

/* ------------------------------------------------------------------------ */
/* Model                                                                    */

typedef struct fg_model fg_model;

fg_status fg_model_create(const fg_model_config *cfg, fg_model **out);
void fg_model_destroy(fg_model *model);
/* A deep copy (weights, config, normalization, card). */
fg_status fg_model_clone(const fg_model *model, fg_model **out);
/* The model's config. Ranks are as given at creation. */
const fg_model_config *fg_model_get_config(const fg_model *model);
/* Effective ranks: 0 means the matrix is stored full rank. */
int32_t fg_model_w_rank(const fg_model *model);
int32_t fg_model_u_rank(const fg_model *model);
size_t fg_model_num_params(const fg_model *model);
/* Bytes of the stored tensors, exactly the data section fg_model_save
 * writes: 4 per float, 1 per int8 entry + 4 per scale, and for sparse
 * matrices values plus indices (U16 when the matrix has <= 65536 entries,
 * else U32) of the kept entries only. */
size_t fg_model_size_bytes(const fg_model *model);

/* probs_out: O floats for one sequence x of `timesteps` x D floats. */
fg_status fg_model_forward(const fg_model *model, const float *x, int32_t timesteps,
                           float *probs_out);
/* x: [n, timesteps, D]; probs_out: [n] (binary) or [n, O]. */
fg_status fg_model_forward_batch(const fg_model *model, const float *x, int32_t n,
                                 int32_t timesteps, float *probs_out);
/* Raw outputs y = W_o h_T + b_o: [n, O]. */
fg_status fg_model_logits_batch(const fg_model *model, const float *x, int32_t n, int32_t timesteps,
                                float *logits_out);

/* Normalization parameters carried with the model (saved in the safetensors
 * metadata). forward / forward_batch / logits_batch do NOT apply them (they
 * take already-normalized features); the predict functions below do. */
fg_status fg_model_set_normalization(fg_model *model, const float *means, const float *stds,
                                     int32_t dim);
/* Returns 1 and fills pointers into the model (valid until the next change)
 * if the model has normalization parameters, else 0. */
int fg_model_get_normalization(const fg_model *model, const float **means, const float **stds);

/* ---- prediction on raw inputs ----
 * The model's stored normalization, when it has one, is applied first:
 * (x - mean) / std per feature in float32, the arithmetic of
 * fg_dataset_apply_normalization, so predict(x) equals
 * forward(apply_normalization(x)) bit for bit; without stored normalization
 * predict equals forward. Shapes as for forward. FG_ERR_INVALID_INPUT when x
 * or a normalized value is not finite. */
fg_status fg_model_predict(const fg_model *model, const float *x, int32_t timesteps,
                           float *probs_out); /* O floats          */
fg_status fg_model_predict_batch(const fg_model *model, const float *x, int32_t n,
                                 int32_t timesteps, float *probs_out); /* [n] or [n, O] */
fg_status fg_model_predict_logits_batch(const fg_model *model, const float *x, int32_t n,
                                        int32_t timesteps, float *logits_out); /* [n, O] */
/* The predicted class of each of n raw samples (classes_out: n values):
 * binary: 1 when the logit >= 0 (P(class 1) >= 0.5), else 0; multi-class:
 * the first index of the largest logit. The same rule as the accuracy of
 * training and of fg_model_evaluate. */
fg_status fg_model_predict_class_batch(const fg_model *model, const float *x, int32_t n,
                                       int32_t timesteps, int32_t *classes_out);

/* Parameter access (flat buffer in tensor-table order; float copy). */
fg_status fg_model_get_params(const fg_model *model, float *out, size_t count);
fg_status fg_model_set_params(fg_model *model, const float *in, size_t count);
/* Tensor table: name, shape (up to 2 dims; dims[1] = 0 for a vector),
 * offset into the flat parameter buffer. Returns the number of tensors. */
int fg_model_num_tensors(const fg_model *model);
fg_status fg_model_tensor_info(const fg_model *model, int index, const char **name, int32_t *rows,
                               int32_t *cols, size_t *offset);

/* ---- compression ----
 * Magnitude pruning of the cell matrices (W, U or their low-rank factors;
 * not the head): in each, the fraction `sparsity` in [0, 1) of entries with
 * the smallest magnitude (ties broken by index) become 0 and are masked, so
 * later training keeps them at 0 and the model saves sparse (values +
 * indices). Pruning a pruned model prunes further from the current support. */
fg_status fg_model_prune(fg_model *model, float sparsity);
/* Fraction of cell-matrix entries held at zero by the mask (0 when dense). */
float fg_model_sparsity(const fg_model *model);
int fg_model_is_sparse(const fg_model *model);
/* INT8 post-training quantization: every weight matrix (cell and head) gets a
 * per-tensor symmetric scale s = max|w| / 127 and entries q = round(w / s) in
 * [-127, 127]; the model then computes with w = q * s (float accumulation).
 * Biases, zeta and nu stay float. A quantized model can no longer be trained
 * (FG_ERR_INVALID_INPUT). Quantizing twice is a no-op. */
fg_status fg_model_quantize(fg_model *model);
int fg_model_is_quantized(const fg_model *model);
/* Scale of tensor `index` of the table (0 when it is not quantized). */
float fg_model_tensor_scale(const fg_model *model, int index);
/* The int8 entries q of quantized tensor `index` (its weights are q * scale);
 * count must be the tensor's size. FG_ERR_INVALID_INPUT for a tensor that is
 * not quantized. */
fg_status fg_model_tensor_int8(const fg_model *model, int index, int8_t *out, size_t count);
/* 1 for kept entries, 0 for pruned ones (all 1 when dense): num_params values. */
fg_status fg_model_get_mask(const fg_model *model, uint8_t *out, size_t count);
/* A self-contained C source (header-style, C99) with the weights (float or
 * int8 + scales, sparse or dense as stored) and a function
 *   void <prefix>_predict(const float *x, int timesteps, float *probs)
 *   void <prefix>_logits(const float *x, int timesteps, float *logits)
 * computing the same bits as this library's forward (compile with
 * -ffp-contract=off). prefix: a C identifier, at most 32 characters. */
fg_status fg_model_export_c(const fg_model *model, const char *prefix, char **source_out);
fg_status fg_model_export_c_file(const fg_model *model, const char *prefix, const char *path);
/* safetensors (docs/design.md, "Files"). */
fg_status fg_model_save(const fg_model *model, uint8_t **bytes_out, size_t *len_out);
fg_status fg_model_load(const uint8_t *bytes, size_t len, fg_model **out);
fg_status fg_model_save_file(const fg_model *model, const char *path);
fg_status fg_model_load_file(const char *path, fg_model **out);

/* ------------------------------------------------------------------------ */
/* Dataset                                                                  */

typedef struct fg_dataset fg_dataset;

/* features: [n, timesteps, input_dim]; labels: [n]. Copies both. n must be
 * > 0 (the specification: "error if dataset is empty"). */
fg_status fg_dataset_create(const float *features, const float *labels, int32_t n,
                            int32_t timesteps, int32_t input_dim, int32_t output_dim,
                            fg_dataset **out);
/* The same checks, but on success the dataset takes ownership of features
 * and labels (both allocated with fg_malloc) instead of copying them, so
 * the data is held once; on failure the caller still owns them. */
fg_status fg_dataset_adopt(float *features, float *labels, int32_t n, int32_t timesteps,
                           int32_t input_dim, int32_t output_dim, fg_dataset **out);
void fg_dataset_destroy(fg_dataset *ds);
fg_status fg_dataset_clone(const fg_dataset *ds, fg_dataset **out);
/* soft: [n] (binary) or [n, O] (each row a distribution). count must equal
 * that length; values finite and in [0, 1]. Replaces any earlier ones. */
fg_status fg_dataset_with_soft_targets(fg_dataset *ds, const float *soft, size_t count);
/* The sizes fg_dataset_split and the trainer use for n samples: val =
 * round(n * val_ratio) (halves up, computed in double), train = n - val.
 * n >= 0, val_ratio in [0, 1]. */
fg_status fg_split_sizes(int32_t n, float val_ratio, int32_t *train_out, int32_t *val_out);
/* Seeded shuffle, then the last round(n * val_ratio) samples go to val.
 * val_ratio in [0, 1]. Either part may be empty. */
fg_status fg_dataset_split(const fg_dataset *ds, float val_ratio, uint64_t seed,
                           fg_dataset **train_out, fg_dataset **val_out);
/* z-score per input feature over all samples and timesteps; std < 1e-8
 * becomes 1. means_out/stds_out: input_dim floats each (may be NULL). */
fg_status fg_dataset_normalize(fg_dataset *ds, float *means_out, float *stds_out);
/* (x - mean) / std with given parameters; dim must equal input_dim, stds > 0. */
fg_status fg_dataset_apply_normalization(fg_dataset *ds, const float *means, const float *stds,
                                         int32_t dim);
int32_t fg_dataset_len(const fg_dataset *ds);
int fg_dataset_is_empty(const fg_dataset *ds);
int32_t fg_dataset_timesteps(const fg_dataset *ds);
int32_t fg_dataset_input_dim(const fg_dataset *ds);
int32_t fg_dataset_output_dim(const fg_dataset *ds);
const float *fg_dataset_features(const fg_dataset *ds);
const float *fg_dataset_labels(const fg_dataset *ds);
/* NULL when the dataset has no soft targets. */
const float *fg_dataset_soft_targets(const fg_dataset *ds);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */

/* A report of model on ds as a JSON object (snake_case):
 *   {"samples": n, "loss": f, "accuracy": f, "num_classes": K (2 if binary),
 *    "confusion_matrix": [[K ints] x K] (rows: true class, cols: predicted),
 *    "classes": [{"index", "precision", "recall", "f1", "support"} x K],
 *    "roc_auc": f | null}
 * True class: binary label >= 0.5, else the label. Predicted class: as
 * fg_model_predict_class_batch. loss and accuracy equal fg_trainer_evaluate's on the
 * features the model sees (normalized ones when raw != 0).
 * precision = TP / predicted (null when nothing is predicted as the class),
 * recall = TP / support (null when support is 0), f1 = 2 TP / (support +
 * predicted) (null when both are 0). roc_auc (binary only; null when a class
 * is absent): P(score of a random positive > score of a random negative),
 * ties counted 1/2, on the probabilities predict returns.
 * raw != 0: ds holds raw features and the model's stored normalization is
 * applied first (as predict); raw = 0: ds is already normalized. ds must have
 * the model's input_dim and output_dim and n > 0. */
fg_status fg_model_evaluate(const fg_model *model, const fg_dataset *ds, int raw,
                            char **report_json_out);

/* ------------------------------------------------------------------------ */
/* Batch iterator                                                           */

typedef struct fg_batch_iter fg_batch_iter;

/* Holds a reference to ds: ds must outlive the iterator. */
fg_status fg_batch_iter_create(const fg_dataset *ds, int32_t batch_size, int shuffle, uint64_t seed,
                               fg_batch_iter **out);
void fg_batch_iter_destroy(fg_batch_iter *it);
/* Returns the number of samples in the next batch (the last may be partial)
 * and points features/labels/soft (soft NULL without soft targets) at
 * internal buffers valid until the next call; 0 at the end. */
int32_t fg_batch_iter_next(fg_batch_iter *it, const float **features, const float **labels,
                           const float **soft);
/* Starts a new pass (reshuffled when shuffling). */
void fg_batch_iter_reset(fg_batch_iter *it);

/* ------------------------------------------------------------------------ */
/* Trainer                                                                  */

typedef struct {
    int32_t epoch;        /* 0-based                                      */
    float train_loss;     /* mean data loss over the epoch's samples, each
                              * measured by its batch's forward pass        */
    float val_loss;       /* NaN when there is no validation set          */
    float train_accuracy; /* measured the same way, during the pass       */
    float val_accuracy;   /* NaN when there is no validation set          */
    float learning_rate;  /* the rate used in this epoch                  */
} fg_training_metrics;

typedef struct fg_trainer fg_trainer;

/* Return non-zero to request a stop (training then ends normally). */
typedef int (*fg_epoch_callback)(const fg_training_metrics *metrics, void *user_data);

fg_status fg_trainer_create(const fg_model_config *model_cfg, const fg_training_config *cfg,
                            fg_trainer **out);
void fg_trainer_destroy(fg_trainer *tr);
const fg_training_config *fg_trainer_get_config(const fg_trainer *tr);

/* The whole run: split, epochs, callback after each epoch, early stopping,
 * best-weight restore. Replaces the trainer's metrics history. On
 * FG_ERR_DIVERGED the model keeps the last finite weights. */
fg_status fg_trainer_train(fg_trainer *tr, fg_model *model, const fg_dataset *ds,
                           fg_epoch_callback on_epoch, void *user_data);

/* The same run, stepwise, for callers that must yield (JS event loop).
 * begin validates and prepares; each step runs at most max_batches
 * mini-batches (and the epoch-end evaluation when an epoch completes) and
 * reports an event. finish ends normally (restores best weights when so
 * configured); cancel ends now and keeps the current weights. The model and
 * dataset must stay alive and unchanged between begin and finish/cancel. */
typedef enum {
    FG_EVENT_NONE = 0,      /* more batches of the current epoch remain      */
    FG_EVENT_EPOCH_END = 1, /* an epoch finished; its metrics are appended   */
    FG_EVENT_DONE = 2,      /* all epochs ran or early stopping triggered    */
    FG_EVENT_BATCH = 3      /* data-parallel run: a batch waits for its
                             * chunks' gradients (fg_trainer_apply_chunks) */
} fg_train_event;

fg_status fg_trainer_begin(fg_trainer *tr, fg_model *model, const fg_dataset *ds);
fg_status fg_trainer_step(fg_trainer *tr, int32_t max_batches, int32_t *event_out);
fg_status fg_trainer_finish(fg_trainer *tr);
void fg_trainer_cancel(fg_trainer *tr);
/* 1 between begin and finish/cancel. */
int fg_trainer_is_running(const fg_trainer *tr);

/* One Adam step on one mini-batch (custom loops). x: [n, T, D], labels [n],
 * soft NULL or [n] / [n, O]. loss_out: the batch's mean data loss (may be
 * NULL). Uses the trainer's learning rate and moment state. */
fg_status fg_trainer_train_batch(fg_trainer *tr, fg_model *model, const float *x,
                                 const float *labels, const float *soft, int32_t n,
                                 int32_t timesteps, float *loss_out);
/* Mean data loss and accuracy of model on ds (no distillation term). */
fg_status fg_trainer_evaluate(fg_trainer *tr, const fg_model *model, const fg_dataset *ds,
                              float *loss_out, float *accuracy_out);
/* Current learning rate (after decay). */
float fg_trainer_learning_rate(const fg_trainer *tr);
size_t fg_trainer_metrics_count(const fg_trainer *tr);
const fg_training_metrics *fg_trainer_metrics(const fg_trainer *tr);

/* ---- training summary ----
 * How the last run of a trainer ended and which weights the model holds.
 * Recorded by every end of a run: fg_trainer_finish (completed, early
 * stopping, or stopped by the caller / epoch callback), fg_trainer_interrupt,
 * fg_trainer_cancel, and fg_trainer_step / fg_trainer_train failing with
 * FG_ERR_DIVERGED. A run that ends normally (finish, interrupt, and so
 * fg_trainer_train) also writes it into the model's card ("training", with
 * the run's "timesteps"), in room fg_trainer_begin reserved: ending a run
 * allocates nothing. A cancelled or diverged run leaves the card as it was.
 * An epoch callback of fg_trainer_train may call fg_trainer_interrupt (train
 * then returns FG_OK) or fg_trainer_cancel (FG_ERR_ABORTED). */
typedef enum {
    FG_STOP_COMPLETED = 0,      /* every configured epoch ran                */
    FG_STOP_EARLY_STOPPING = 1, /* patience ran out                          */
    FG_STOP_CALLBACK = 2,       /* the epoch callback / caller finished early */
    FG_STOP_INTERRUPTED = 3,    /* fg_trainer_interrupt                      */
    FG_STOP_CANCELLED = 4,      /* fg_trainer_cancel                         */
    FG_STOP_DIVERGED = 5        /* the loss or the weights became non-finite */
} fg_stop_reason;

typedef enum {
    FG_KEPT_BEST_VALIDATION_LOSS = 0, /* restored: best epoch by validation loss */
    FG_KEPT_BEST_TRAINING_LOSS = 1,   /* restored: best by training loss (no validation set) */
    FG_KEPT_LAST_EPOCH = 2            /* the weights as training left them      */
} fg_kept_reason;

typedef struct {
    int32_t epochs_run;  /* epochs completed                          */
    int32_t kept_epoch;  /* epoch whose weights the model holds; -1 when
                                  * none (no epoch completed, or the run ended
                                  * mid-epoch without restoring)              */
    int32_t kept_reason; /* fg_kept_reason                            */
    int32_t stop_reason; /* fg_stop_reason                            */
    int32_t train_samples;
    int32_t validation_samples;
    fg_training_metrics kept; /* metrics of kept_epoch (epoch -1 and NaN
                                  * everywhere when there is none)            */
} fg_training_summary;

/* The summary of the trainer's last ended run (FG_ERR_INVALID_INPUT while a
 * run is going on or before any run ended). */
fg_status fg_trainer_summary(const fg_trainer *tr, fg_training_summary *out);
/* {"epochs_run", "kept_epoch" (null when -1), "kept_reason":
 * "best_validation_loss" | "best_training_loss" | "last_epoch", "stop_reason":
 * "completed" | "early_stopping" | "stopped_by_callback" | "interrupted" |
 * "cancelled" | "diverged", "train_samples", "validation_samples", "final":
 * {"train_loss", "train_accuracy", "val_loss", "val_accuracy"} (null when
 * kept_epoch is; NaN values null)}. A summary that breaks a card rule (see
 * "Model card") is FG_ERR_INVALID_INPUT. */
fg_status fg_training_summary_to_json(const fg_training_summary *s, char **json_out);
/* Ends a running stepwise run now as "interrupted": the best weights are
 * restored as fg_trainer_finish would (when restore_best_weights), the
 * summary recorded and written into the model's card. */
fg_status fg_trainer_interrupt(fg_trainer *tr);

/* ------------------------------------------------------------------------ */
/* Data-parallel training                                                   */

/* Every training step splits its batch of n samples into chunks of
 * FG_GRAD_CHUNK samples (chunk c: samples [c*G, min(n, (c+1)*G))), computes
 * each chunk's gradient on its own and adds them in chunk order. The chunks
 * may be computed by K workers, each holding a copy of the weights; the run
 * then ends with the same bytes for every K, and as fg_trainer_train's.
 *
 * The coordinator holds the run:
 *   fg_trainer_set_data_parallel(tr, 1)               before begin
 *   fg_trainer_begin(tr, model, ds)
 *   fg_trainer_step(tr, ..., &event)                  event FG_EVENT_BATCH:
 *     fg_trainer_pending_batch(tr, &x, &rows, &y, &soft, &n, &chunks)
 *     each worker, for its chunks c (fg_model_set_params with the model's
 *     weights first): fg_trainer_chunk_gradient(wtr, wmodel, x, rows, y,
 *       soft, n, T, c, grad, stats)
 *     copy chunk c's grad to fg_trainer_chunk_grads(tr) + c * num_params and
 *     its stats to fg_trainer_chunk_stats(tr) + c * FG_CHUNK_STATS_COUNT
 *     fg_trainer_apply_chunks(tr)                     the step itself
 *   ... until FG_EVENT_DONE, then fg_trainer_finish as usual.
 * Workers' trainers are created with the run's configs and stay idle. */
#define FG_GRAD_CHUNK        16
#define FG_CHUNK_STATS_COUNT 3 /* sums of the chunk: loss, data loss, correct */
/* Chunks of a batch of n samples (0 for n <= 0). */
int32_t fg_grad_chunks(int32_t n);
/* Samples in chunk `chunk` of a batch of n (0 when there is no such chunk);
 * *start_out (may be NULL) gets its first sample. */
int32_t fg_grad_chunk_span(int32_t n, int32_t chunk, int32_t *start_out);
fg_status fg_trainer_set_data_parallel(fg_trainer *tr, int on);
int fg_trainer_is_data_parallel(const fg_trainer *tr);
/* The waiting batch of n samples: their rows are x[rows[b]] (rows: n
 * indices into the dataset's features x, an in-memory run) or x [n, T, D]
 * (rows NULL, a streaming run); labels y [n], soft NULL or [n, 1 or O];
 * pointers into the trainer and its dataset, valid until the next call. */
fg_status fg_trainer_pending_batch(const fg_trainer *tr, const float **x, const int32_t **rows,
                                   const float **y, const float **soft, int32_t *n,
                                   int32_t *chunks);
/* [chunks of a full batch, num_params] and [chunks, FG_CHUNK_STATS_COUNT],
 * allocated by begin of a data-parallel run (NULL otherwise). */
float *fg_trainer_chunk_grads(fg_trainer *tr);
double *fg_trainer_chunk_stats(fg_trainer *tr);
/* Reduces the waiting batch's chunks in chunk order and takes the step.
 * FG_ERR_DIVERGED ends the run as fg_trainer_step would. */
fg_status fg_trainer_apply_chunks(fg_trainer *tr);
/* A worker's part: chunk `chunk` of the batch (x, rows, y, soft, n as
 * fg_trainer_pending_batch gives them) with model's weights. grad_out:
 * num_params floats; stats_out: FG_CHUNK_STATS_COUNT. */
fg_status fg_trainer_chunk_gradient(fg_trainer *tr, const fg_model *model, const float *x,
                                    const int32_t *rows, const float *y, const float *soft,
                                    int32_t n, int32_t timesteps, int32_t chunk, float *grad_out,
                                    double *stats_out);

/* ------------------------------------------------------------------------ */
/* Streaming training                                                       */

/* A run whose samples arrive from the caller in pieces (a file or a network
 * stream read chunk by chunk), so the data is never held whole. It has the
 * semantics of fg_trainer_train: per epoch the step decay, Adam steps on
 * mini-batches, validation, one metrics record, early stopping, the sparsity
 * phases, and at the end best-weight restore and the summary.
 *
 *   fg_trainer_stream_begin(tr, model, timesteps, shuffle_buffer, flags)
 *   for each epoch:
 *     fg_trainer_stream_push(tr, x, y, soft, n)      training samples; a step
 *                                                    runs whenever a batch fills
 *     fg_trainer_stream_validate(tr, x, y, n)        validation samples
 *     fg_trainer_stream_end_epoch(tr, &event)        closes the epoch
 *   fg_trainer_finish / fg_trainer_interrupt / fg_trainer_cancel
 *
 * Shuffling (config shuffle = 1) is approximate: a seeded buffer of
 * shuffle_buffer samples; each pushed sample replaces a uniformly drawn one
 * of a full buffer, which joins the batch; at the epoch's end the buffer is
 * drained in random order. shuffle_buffer <= 1 or shuffle = 0 keeps the
 * order of the stream, which then trains exactly as fg_trainer_train on the
 * same samples in the same order. Memory: shuffle_buffer + batch_size
 * samples, never the stream. validation_split is not used: validation
 * samples come from the caller (a second source, or fg_holdout_rows), after
 * the epoch's training samples: the first fg_trainer_stream_validate of an
 * epoch trains on what the buffer and the partial batch still hold, and
 * pushing training samples is then refused until the epoch ends. */
#define FG_STREAM_SOFT_TARGETS 1 /* samples carry soft targets (distillation)   */
#define FG_STREAM_RAW_INPUTS                                                                       \
    2 /* samples are raw: the model's stored
                                  * normalization is applied as they arrive     */
fg_status fg_trainer_stream_begin(fg_trainer *tr, fg_model *model, int32_t timesteps,
                                  int32_t shuffle_buffer, int32_t flags);
/* x: [n, timesteps, D]; y: [n]; soft: NULL or [n] / [n, O] (required when
 * the run was begun with FG_STREAM_SOFT_TARGETS). Checked first: on a bad
 * value nothing is consumed. */
fg_status fg_trainer_stream_push(fg_trainer *tr, const float *x, const float *y, const float *soft,
                                 int32_t n);
/* Data-parallel streaming runs (fg_trainer_set_data_parallel before
 * begin): push with feed, which stops after the sample that fills a batch
 * (*taken_out samples consumed, *event_out FG_EVENT_BATCH: apply the batch,
 * then feed the rest); before validating or ending the epoch, call
 * close_training until *event_out is FG_EVENT_NONE (each FG_EVENT_BATCH: a
 * batch of the drained buffer to apply). In other runs feed consumes all n
 * and close_training trains what is held at once. */
fg_status fg_trainer_stream_feed(fg_trainer *tr, const float *x, const float *y, const float *soft,
                                 int32_t n, int32_t *taken_out, int32_t *event_out);
fg_status fg_trainer_stream_close_training(fg_trainer *tr, int32_t *event_out);
fg_status fg_trainer_stream_validate(fg_trainer *tr, const float *x, const float *y, int32_t n);
/* Trains on what the buffer and the last partial batch hold, closes the
 * epoch; *event_out FG_EVENT_EPOCH_END or FG_EVENT_DONE. An epoch without
 * training samples is FG_ERR_INVALID_INPUT. */
fg_status fg_trainer_stream_end_epoch(fg_trainer *tr, int32_t *event_out);
/* Training samples pushed in the current epoch (the position in the source
 * that a checkpoint records). */
int64_t fg_trainer_stream_position(const fg_trainer *tr);
/* Timesteps per sample of the running streaming run (0 when none): what a
 * resumed run expects its samples to hold. */
int32_t fg_trainer_stream_timesteps(const fg_trainer *tr);
/* out[i] = 1 when sample number first_row + i (0-based, in the source's
 * order) belongs to the validation hold-out of fraction ratio in [0, 1) for
 * seed, else 0: a hash of (seed, row), so the same rows are held out in
 * every epoch without storing anything. */
fg_status fg_holdout_rows(uint64_t first_row, int32_t n, uint64_t seed, float ratio, uint8_t *out);

/* ---- normalization statistics in one pass ----
 * Welford's running mean and variance per feature (double precision);
 * statistics of two parts merge (Chan et al.) into those of the whole.
 * fg_stats_finish gives the means and population standard deviations as
 * fg_dataset_normalize would (std < 1e-8 becomes 1). */
typedef struct fg_stats fg_stats;
fg_status fg_stats_create(int32_t dim, fg_stats **out);
void fg_stats_destroy(fg_stats *st);
/* rows: [n, dim] (a sample of T steps is T rows). Non-finite values are
 * FG_ERR_INVALID_INPUT and leave the statistics unchanged. */
fg_status fg_stats_update(fg_stats *st, const float *rows, int64_t n);
fg_status fg_stats_merge(fg_stats *into, const fg_stats *other);
int64_t fg_stats_count(const fg_stats *st);
fg_status fg_stats_finish(const fg_stats *st, float *means_out, float *stds_out);

/* ---- checkpoints ----
 * The whole state of a running streaming run between two pushes: the model
 * (weights, mask, card), Adam moments and step, learning rate, epoch,
 * metrics so far, best weights and early-stopping state, the generator, the
 * shuffle buffer and partial batch, and the caller's `source` text (e.g. the
 * position in the source as JSON, at most 64 KiB). A safetensors file
 * (format "fastgrnn-wasm-checkpoint/1"). A run resumed from it and fed the
 * rest of the stream ends with the same bytes as the uninterrupted run. */
fg_status fg_trainer_checkpoint(const fg_trainer *tr, const char *source, uint8_t **bytes_out,
                                size_t *len_out);
/* Restores a checkpoint into tr (not running; its configs must equal the
 * checkpoint's): *model_out is the model being trained, owned by the
 * caller, who must keep it alive until the run ends; *source_out the
 * caller's text (fg_free). The run continues with fg_trainer_stream_push.
 * Every byte is checked: FG_ERR_SERIALIZATION (malformed, truncated,
 * foreign) or FG_ERR_INVALID_INPUT (another config), nothing changed. */
fg_status fg_trainer_resume(fg_trainer *tr, const uint8_t *bytes, size_t len, fg_model **model_out,
                            char **source_out);

/* ------------------------------------------------------------------------ */
/* Model card                                                               */

/* A model describes itself with a card, a JSON object (snake_case keys):
 *   "library_version"  the version that last wrote the card (read-only)
 *   "feature_names"    input_dim names                          (optional)
 *   "label_name"       the label column's name                  (optional)
 *   "class_names"      2 names (output_dim 1) or output_dim ones (optional)
 *   "timesteps"        T >= 1 the model was trained with, T * input_dim <= 2^31
 *   "normalization"    {"means", "stds"}: the model's stored normalization
 *                      (read-only here; fg_model_set_normalization)
 *   "training"         a training summary (fg_training_summary_to_json)
 *   "data"             {"key": "value", ...}: free strings about the data
 * Names are non-empty UTF-8 without control characters, at most
 * FG_CARD_NAME_MAX bytes, distinct within a list; "data" has at most
 * FG_CARD_DATA_MAX entries, keys of at most FG_CARD_NAME_MAX bytes and values of
 * at most FG_CARD_VALUE_MAX. The card rides in the safetensors metadata
 * ("card") and is validated on load like the rest of it
 * (FG_ERR_SERIALIZATION naming the field); a file without one loads with
 * an empty card. */
#define FG_CARD_NAME_MAX  256
#define FG_CARD_VALUE_MAX 4096
#define FG_CARD_DATA_MAX  64

/* Merges a JSON object into the card: each key replaces the card's (null
 * removes it). Every field is validated (FG_ERR_INVALID_INPUT naming it;
 * FG_ERR_SERIALIZATION when the text is not a JSON object); nothing changes
 * on failure. */
fg_status fg_model_set_card(fg_model *model, const char *json, size_t len);
/* The card as a JSON object, always with "library_version" (this library's
 * when the card has none) and, when the model has one, "normalization". */
fg_status fg_model_get_card(const fg_model *model, char **json_out);
/* Validates a card object for a model of the given dims without a model
 * (the same rules and messages as fg_model_set_card). */
fg_status fg_card_validate(const char *json, size_t len, int32_t input_dim, int32_t output_dim);

/* ------------------------------------------------------------------------ */
/* JSON files                                                               */

/* A JSON array of {epoch, train_loss, val_loss, train_accuracy, val_accuracy,
 * learning_rate}; NaN is written as null and read back as NaN. */
fg_status fg_metrics_to_json(const fg_training_metrics *m, size_t count, char **json_out);
fg_status fg_metrics_from_json(const char *json, size_t len, fg_training_metrics **out,
                               size_t *count_out);
fg_status fg_trainer_save_metrics(const fg_trainer *tr, const char *path);

/* {"means": [...], "stds": [...]} */
fg_status fg_normalization_to_json(const float *means, const float *stds, int32_t dim,
                                   char **json_out);
fg_status fg_normalization_from_json(const char *json, size_t len, float **means_out,
                                     float **stds_out, int32_t *dim_out);
fg_status fg_save_normalization(const char *path, const float *means, const float *stds,
                                int32_t dim);

/* ------------------------------------------------------------------------ */
/* Loss helpers                                                             */

/* -t log p - (1 - t) log(1 - p), p clamped to [1e-7, 1 - 1e-7]. */
float fg_binary_cross_entropy(float prediction, float target);
/* sigmoid(logit / temperature). */
float fg_temperature_softmax(float logit, float temperature);
/* Soft targets from a teacher: sigmoid(logit / T) for binary ([n]), softmax
 * of logits / T for multi-class ([n, O]). */
fg_status fg_generate_teacher_predictions(const fg_model *teacher, const float *x, int32_t n,
                                          int32_t timesteps, float temperature, float *soft_out);

#ifdef __cplusplus
}
#endif
#endif /* FASTGRNN_H */
