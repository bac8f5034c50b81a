/*
 * internal.h - shared internals of the C core (not installed).
 *
 * fg_real is the scalar type of parameters, gradients and activations: float
 * in every shipped build; double when compiled with -DFG_DOUBLE (used only by
 * the gradient-check test, so finite differences are not drowned by float
 * rounding). Datasets and the public API stay float32 either way.
 */
#ifndef FG_INTERNAL_H
#define FG_INTERNAL_H

#include "fastgrnn.h"

#ifdef FG_DOUBLE
typedef double fg_real;
#else
typedef float fg_real;
#endif

/* ---- errors (error.c) -------------------------------------------------- */
/* Records status + printf-style message; returns status. */
fg_status fg_fail(fg_status status, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Clears the last error (called by nothing automatically; tests use it). */
void fg_clear_error(void);
/* fg_malloc/fg_calloc that record FG_ERR_OUT_OF_MEMORY naming `what`. */
void *fg_alloc(size_t size, const char *what);
void *fg_alloc_zero(size_t count, size_t size, const char *what);
/* a * b without overflow into *out; 0 on overflow. */
int fg_mul_ok(size_t a, size_t b, size_t *out);
/* 64-bit little-endian words, whatever the host's byte order (the length
 * prefix of safetensors files and checkpoints). */
static inline void fg_put_u64_le(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t fg_get_u64_le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- random numbers (rng.c) -------------------------------------------- */
typedef struct {
    uint64_t s;
} fg_rng;
void fg_rng_seed(fg_rng *r, uint64_t seed);
uint64_t fg_rng_next(fg_rng *r);                             /* splitmix64                    */
double fg_rng_uniform(fg_rng *r);                            /* [0, 1) with 53 bits           */
uint32_t fg_rng_below(fg_rng *r, uint32_t n);                /* uniform in [0, n), unbiased */
double fg_rng_normal(fg_rng *r);                             /* N(0, 1), Box-Muller, own log/cos */
void fg_rng_permutation(fg_rng *r, int32_t *idx, int32_t n); /* Fisher-Yates */
/* The same swaps applied to idx as it is: shuffling a copy of a[] gives
 * a[p[i]] for the permutation p that fg_rng_permutation would return. */
void fg_rng_shuffle(fg_rng *r, int32_t *idx, int32_t n);

/* ---- elementary functions (mathfn.c): same bits everywhere ------------- */
double fg_exp(double x);
double fg_log(double x); /* x > 0 */
float fg_expf(float x);
float fg_logf(float x); /* x > 0 */
float fg_expm1f(float x);
/* exp and log in fg_real (the float or the double versions above) */
fg_real fg_exp_real(fg_real x);
fg_real fg_log_real(fg_real x);
fg_real fg_sigmoid(fg_real x);
fg_real fg_tanh(fg_real x);

/* ---- the model (model.c) ----------------------------------------------- */
#define FG_MAX_TENSORS     12
#define FG_TENSOR_NAME_MAX 24

typedef struct {
    char name[FG_TENSOR_NAME_MAX];
    int32_t rows, cols; /* cols = 0: a vector of `rows` values            */
    size_t offset;      /* into the flat parameter buffer, in elements    */
    size_t size;        /* rows * max(cols, 1)                            */
    int is_weight;      /* 1 for weight matrices (L2 applies)             */
} fg_tensor;

/* Named views into one flat buffer laid out by the tensor table: works for
 * params, grads and Adam moments alike. Unused factors are NULL. */
typedef struct {
    fg_real *W, *W1, *W2; /* [H,D] or [H,rw] + [rw,D]                       */
    fg_real *U, *U1, *U2; /* [H,H] or [H,ru] + [ru,H]                       */
    fg_real *bz, *bh;     /* [H] bias_gate, bias_update                     */
    fg_real *zeta, *nu;   /* [1] raw                                        */
    fg_real *Wo, *bo;     /* [O,H], [O]                                     */
} fg_views;

/* The card a running training run will leave (card.c): text is the card
 * without "training", which goes in at byte `at`; its buffer has room for
 * FG_SUMMARY_TEXT_MAX more bytes. text NULL: no run is reserving. */
#define FG_SUMMARY_TEXT_MAX 512
typedef struct {
    char *text;
    size_t len, at;
    int32_t timesteps;
} fg_card_reservation;

struct fg_model {
    fg_model_config cfg; /* as given                                   */
    int32_t D, H, O;
    int32_t wr, ur; /* effective ranks, 0 = full                  */
    int num_tensors;
    fg_tensor tensors[FG_MAX_TENSORS];
    size_t num_params;
    fg_real *params;
    fg_views p;                    /* views into params                          */
    float *norm_means, *norm_stds; /* NULL or input_dim each                */
    int32_t norm_dim;
    uint8_t *mask;                /* NULL (dense) or [num_params]: 0 = pruned   */
    int quantized;                /* weight matrices hold q * scale exactly     */
    float scale[FG_MAX_TENSORS];  /* per-tensor int8 scale when quantized    */
    char *card;                   /* NULL, or the card as validated compact JSON,
                               * without "normalization" (card.c)           */
    fg_card_reservation run_card; /* during a training run (card.c)         */
};

/* ---- the model card (card.c) ------------------------------------------- */
/* Validates the text of a file's "card" metadata for m's dims and stores it
 * (FG_ERR_SERIALIZATION naming the field). */
fg_status fg_card_load(fg_model *m, const char *text, size_t len);
/* A training run writes its summary into the card without allocating: at
 * begin, reserve builds the card the run will leave (the current one with
 * the run's timesteps, "training" to be filled in) with room for the
 * summary; fg_model_set_card keeps the reservation up to date; at the end,
 * commit fills in the summary and makes it the model's card, or release
 * drops it (the card then stays as it was). */
fg_status fg_card_reserve(fg_model *m, int32_t timesteps);
void fg_card_commit(fg_model *m, const fg_training_summary *s);
void fg_card_release(fg_model *m);

/* ---- compression (compress.c) ------------------------------------------ */
/* 1 for the cell matrices that pruning and sparse training act on. */
int fg_tensor_is_cell_matrix(const fg_tensor *t);
/* keep[i] = 1 for the k entries of w[0..n) largest in magnitude (ties: lower
 * index first), 0 for the rest; scratch: n values. */
void fg_top_k_mask(const fg_real *w, size_t n, size_t k, uint8_t *keep, fg_real *scratch);
/* Number of kept entries of tensor t under the model's mask. */
size_t fg_tensor_nnz(const fg_model *m, const fg_tensor *t);
/* The int8 value q of a quantized weight v, with (float)q * scale == v; 0
 * when v is no such multiple (then *q_out is untouched). */
int fg_int8_of(float v, float scale, int8_t *q_out);
/* Bytes of the index dtype of a sparse tensor of `size` entries (2 or 4). */
int fg_sparse_index_bytes(size_t size);

/* Effective rank: 0 when rank is unset or not below min(rows, cols). */
int32_t fg_effective_rank(int32_t rank, int32_t rows, int32_t cols);
/* Validates cfg, lays out the tensor table and allocates zeroed params
 * (no initialisation). */
fg_status fg_model_alloc(const fg_model_config *cfg, fg_model **out);
void fg_model_views_of(const fg_model *m, fg_real *base, fg_views *out);
/* The views v of buffer `base`, moved to another buffer of the same layout. */
void fg_views_rebase(const fg_views *v, const fg_real *base, fg_real *new_base, fg_views *out);
const fg_tensor *fg_model_find_tensor(const fg_model *m, const char *name);

/* ---- datasets (dataset.c) ---------------------------------------------- */
struct fg_dataset {
    int32_t n, T, D, O;
    float *x;           /* [n, T, D]                                             */
    float *y;           /* [n]                                                   */
    float *soft;        /* NULL, or [n * soft_width]                             */
    int32_t soft_width; /* 1 (binary) or O                                  */
};
/* The split of fg_dataset_split: perm (n) gets a seeded permutation whose
 * first n - n_val entries are the training samples, the rest validation. */
void fg_split_indices(int32_t n, float val_ratio, uint64_t seed, int32_t *perm, int32_t *n_val_out);
/* Validates one label for output_dim O; names `what` and index i in errors. */
fg_status fg_check_label(float y, int32_t O, const char *what, int64_t i);

/* ---- kernels (kernels.c): batch-major products, SIMD128 when built so --- */
/* C[M,N] (+)= A[M,K] . B[K,N]   (accumulate: 0 overwrite, 1 add)            */
void fg_gemm_nn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B, fg_real *C,
                int accumulate);
/* C[M,N] += A[K,M]^T . B[K,N]                                               */
void fg_gemm_tn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B, fg_real *C);
/* out[cols, rows] = in[rows, cols]^T                                        */
void fg_transpose(int32_t rows, int32_t cols, const fg_real *in, fg_real *out);
/* FastGRNN gate, elementwise over n = B*H values (bz, bh broadcast per row of
 * width H): z = sigmoid(a + bz), c = tanh(a + bh),
 * h = z * hprev + (zeta * (1 - z) + nu) * c; hprev NULL means zeros. */
void fg_gate_forward(int32_t B, int32_t H, const fg_real *a, const fg_real *bz, const fg_real *bh,
                     fg_real zeta, fg_real nu, const fg_real *hprev, fg_real *z, fg_real *c,
                     fg_real *h);
/* Backward of the gate for one step (see kernels.c for the formulas). */
void fg_gate_backward(int32_t B, int32_t H, const fg_real *dh, const fg_real *z, const fg_real *c,
                      const fg_real *hprev, fg_real zeta, fg_real nu, fg_real *da, fg_real *dh_prev,
                      fg_real *gbz, fg_real *gbh, fg_real *szeta, fg_real *snu);

/* ---- forward and backward of the model (model.c) ----------------------- */
/* Scratch for forward/backward over up to max_batch sequences of T steps.
 * Time-major: index [t][b][...]. Allocated once per (batch, T); the
 * training step allocates nothing. */
typedef struct fg_workspace {
    int32_t max_batch, T;
    int32_t D, H, O, wr, ur;
    size_t num_params;
    fg_real *wt;          /* [num_params] weight matrices transposed, same table  */
    fg_views t;           /* views into wt: t.W is W^T [D,H], t.U is U^T, ...     */
    fg_real *x;           /* [T, B, D]  inputs, gathered and converted           */
    fg_real *a;           /* [T, B, H]  pre-activations; dA in backward          */
    fg_real *p;           /* [T, B, wr] W2 x (low-rank W); dP in backward        */
    fg_real *s;           /* [T, B, ur] U2 h_{t-1} (low-rank U)                  */
    fg_real *z, *c, *h;   /* [T, B, H] gate, candidate, state                */
    fg_real *logits;      /* [B, O]                                          */
    fg_real *dlogits;     /* [B, O]                                          */
    fg_real *dh, *dh2;    /* [B, H]                                          */
    fg_real *ds;          /* [B, ur]                                         */
    fg_real *szeta, *snu; /* [H] column sums for the zeta / nu gradients   */
} fg_workspace;

fg_status fg_workspace_create(const fg_model *m, int32_t max_batch, int32_t T, fg_workspace **out);
void fg_workspace_destroy(fg_workspace *ws);
/* x: n sequences [n, T, D] float32 (rows addressed through idx when idx is
 * non-NULL: sample b is x[idx[b]]) gathered into ws->x time-major. */
void fg_workspace_gather(fg_workspace *ws, const float *x, const int32_t *idx, int32_t n);
/* Forward over ws->x for n <= max_batch samples: fills activations and
 * ws->logits [n, O]. */
void fg_model_forward_ws(const fg_model *m, fg_workspace *ws, int32_t n);
/* Given ws->dlogits [n, O] (d loss / d logits), accumulates nothing: writes
 * d loss / d params into grad (num_params, overwritten) by BPTT. */
void fg_model_backward_ws(const fg_model *m, fg_workspace *ws, int32_t n, fg_real *grad);
/* Runs the model over x [n, T, D] (validated) in chunks: mode 0 writes
 * logits [n, O]; mode 1 probabilities at temperature temp (sigmoid of y/temp
 * for O = 1, softmax of y/temp otherwise). */
fg_status fg_model_run(const fg_model *m, const float *x, int32_t n, int32_t T, int mode,
                       double temp, float *out);

/* ---- config limits (limits.c): every numeric config key's bounds -------- */
typedef struct {
    const char *key;        /* snake_case config key                          */
    double min, max;        /* bounds; +-FLT_MAX / INT32_MAX: unbounded       */
    int min_open, max_open; /* 1: the bound itself is excluded                */
    int integer;            /* 1: integers only                               */
    int nullable;           /* 1: null ("none") is also accepted              */
} fg_limit;

typedef enum {
    FG_LIM_INPUT_DIM,
    FG_LIM_HIDDEN_DIM,
    FG_LIM_OUTPUT_DIM,
    FG_LIM_NU,
    FG_LIM_ZETA,
    FG_LIM_RANK,
    FG_LIM_W_RANK,
    FG_LIM_U_RANK,
    FG_LIM_MODEL_SEED,
    FG_NUM_MODEL_LIMITS
} fg_model_limit_id;

typedef enum {
    FG_LIM_LEARNING_RATE,
    FG_LIM_BATCH_SIZE,
    FG_LIM_EPOCHS,
    FG_LIM_VALIDATION_SPLIT,
    FG_LIM_EARLY_STOPPING_PATIENCE,
    FG_LIM_LR_DECAY,
    FG_LIM_LR_DECAY_STEP,
    FG_LIM_GRAD_CLIP,
    FG_LIM_ADAM_BETA1,
    FG_LIM_ADAM_BETA2,
    FG_LIM_ADAM_EPSILON,
    FG_LIM_L2_REG,
    FG_LIM_DISTILLATION_TEMPERATURE,
    FG_LIM_DISTILLATION_ALPHA,
    FG_LIM_TRAINING_SEED,
    FG_LIM_SPARSITY_W,
    FG_LIM_SPARSITY_U,
    FG_NUM_TRAINING_LIMITS
} fg_training_limit_id;

extern const fg_limit fg_model_limits[FG_NUM_MODEL_LIMITS];
extern const fg_limit fg_training_limits[FG_NUM_TRAINING_LIMITS];
/* At most 2^28 parameters (1 GiB of float32): beyond any model this library
 * is for, and safely below every size_t and wasm32 limit. */
#define FG_MAX_PARAMS ((uint64_t)1 << 28)

/* 1 when v lies within l (NaN never does). */
int fg_limit_holds(const fg_limit *l, double v);
/* FG_OK, or FG_ERR_INVALID_INPUT "<key> must be <rule>, got <v>". */
fg_status fg_limit_check(const fg_limit *l, double v);
fg_status fg_limit_check_u64(const fg_limit *l, uint64_t v);
/* Records "<key> must be <rule>, got <value_text>"; returns FG_ERR_INVALID_INPUT. */
fg_status fg_limit_fail(const fg_limit *l, const char *value_text);

/* ---- prediction and evaluation (predict.c, evaluate.c) ----------------- */
/* The class one sample's logits [O] decide: binary (O = 1) 1 when the logit
 * >= 0 (p >= 0.5), else 0; classes: the first index of the largest logit.
 * Accuracy in training and evaluation, and predict_class, all use it. */
int32_t fg_decide_class(const fg_real *logits, int32_t O);
/* The true class of a label: binary 1 when y >= 0.5, else 0; classes: y. */
int32_t fg_label_class(float y, int32_t O);
/* Probabilities of one sample's logits [O] at temperature temp: sigmoid of
 * y / temp for O = 1, softmax of y / temp otherwise (model.c). */
void fg_probs_from_logits(const fg_real *y, int32_t O, double temp, float *dst);
/* dst[rows, D] = (src - mean) / std per feature with the model's stored
 * normalization (a plain copy when it has none), in float32 as
 * fg_dataset_apply_normalization computes it. FG_ERR_INVALID_INPUT naming
 * the index when src or a result is not finite; dst may then be partly
 * written. dst NULL: only the checks. */
fg_status fg_model_normalize_rows(const fg_model *m, const float *src, size_t rows, float *dst);

/* The evaluation report of fg_model_evaluate, written by json.c. */
typedef struct {
    int32_t samples, num_classes; /* n; K (2 for a binary model)           */
    float loss, accuracy;
    const int64_t *confusion;             /* [K, K]: rows true class, cols predicted */
    const int64_t *support;               /* [K] samples per true class            */
    const float *precision, *recall, *f1; /* [K]; NaN when undefined (null)  */
    float roc_auc;                        /* NaN when undefined (null)             */
} fg_evaluation;
fg_status fg_evaluation_to_json(const fg_evaluation *e, char **json_out);

/* ---- losses and training (loss.c, train.c) ----------------------------- */
/* Loss over ws->logits for n samples, and d loss / d logits into
 * ws->dlogits when want_grad. The loss of a sample is its data loss, or with
 * distillation (soft != NULL and cfg->enable_distillation)
 * (1 - alpha) CE(label) + alpha T^2 CE(soft at temperature T). Returns the
 * sum of the n samples' losses (double); *data_sum_out gets the sum of their
 * plain data losses, *correct_out the number of correct predictions. The
 * gradient is that of the mean over batch_n samples (the whole batch the n
 * samples are part of: n itself, or more for one chunk of a batch). */
double fg_head_loss(const fg_workspace *ws, int32_t n, int32_t batch_n, const float *y,
                    const float *soft, const fg_training_config *cfg, int want_grad,
                    double *data_sum_out, int32_t *correct_out);

/* Mean loss over x [n,T,D] (see fg_head_loss) plus, when include_l2,
 * 0.5 * l2_reg * sum of squared weight-matrix entries. When grad != NULL
 * (num_params values) it receives d(loss)/d(params), overwritten. n <= the
 * workspace's max_batch; T equals the workspace's. */
double fg_loss_and_grad(const fg_model *m, fg_workspace *ws, const float *x, const float *y,
                        const float *soft, int32_t n, int32_t T, const fg_training_config *cfg,
                        int include_l2, fg_real *grad, double *data_loss_out, int32_t *correct_out);
/* The same over a batch already gathered into ws->x. */
double fg_batch_loss_and_grad(const fg_model *m, fg_workspace *ws, int32_t n, const float *y,
                              const float *soft, const fg_training_config *cfg, int include_l2,
                              fg_real *grad, double *data_loss_out, int32_t *correct_out);
/* 0.5 * l2_reg * sum of squared weight-matrix entries (0 without cfg or
 * l2_reg); with grad, adds l2_reg * w to it. */
double fg_l2_loss_and_grad(const fg_model *m, const fg_training_config *cfg, fg_real *grad);
/* One chunk of a training batch (docs/design.md, "Data-parallel training"):
 * forward and backward over the n samples gathered into ws, which are part
 * of a batch of batch_n. grad (num_params, overwritten) gets d/d params of
 * the batch's mean loss restricted to these samples, so the chunks' grads
 * sum to the batch's; stats gets the sums of FG_CHUNK_STATS: the loss, the
 * data loss, the number correct. No L2 (added once per batch). */
#define FG_CHUNK_STATS FG_CHUNK_STATS_COUNT
void fg_chunk_loss_and_grad(const fg_model *m, fg_workspace *ws, int32_t n, int32_t batch_n,
                            const float *y, const float *soft, const fg_training_config *cfg,
                            fg_real *grad, double stats[FG_CHUNK_STATS]);
/* Scales grad to global L2 norm max_norm if it is larger (max_norm > 0);
 * returns the norm before clipping. */
double fg_clip_grad(fg_real *grad, size_t n, double max_norm);
/* One Adam step with bias correction; beta1_t = beta1^t, beta2_t = beta2^t
 * for the 1-based step t of this update. */
void fg_adam_update(fg_real *params, const fg_real *grad, fg_real *m1, fg_real *m2, size_t n,
                    double lr, double beta1, double beta2, double eps, double beta1_t,
                    double beta2_t);

/* ---- the trainer (train.c; streaming runs: stream.c; checkpoints:
 *      checkpoint.c) ------------------------------------------------------ */
struct fg_trainer {
    fg_model_config mcfg;
    fg_training_config cfg;
    float lr; /* current learning rate                   */

    /* optimizer state: flat buffers laid out like the model's params */
    size_t np;
    fg_real *grad, *m1, *m2, *backup, *best;
    fg_real *cgrad; /* one chunk's gradient, added to grad          */
    int64_t step;
    double beta1_t, beta2_t;

    fg_workspace *ws;  /* forward/backward scratch                */
    float *by, *bsoft; /* gathered batch labels / soft targets    */
    int32_t bcap;      /* capacity of by (samples)                */

    /* the run between begin and finish/cancel */
    int running;
    fg_model *model;
    const fg_dataset *data; /* the caller's, never copied              */
    int32_t *split;         /* [n]: training indices, then validation  */
    int32_t ntrain, nval;
    int32_t *order; /* [ntrain]: this epoch's sample indices   */
    fg_rng rng;
    int32_t epoch, pos;
    double loss_sum;
    int64_t seen, correct;
    double best_loss;
    int32_t bad_epochs;
    int have_best;
    int32_t best_epoch; /* epoch of the weights in best              */
    int32_t ended;      /* fg_stop_reason once the epochs say stop, else -1 */

    fg_training_summary summary; /* of the last ended run                    */
    int have_summary;

    fg_training_metrics *hist;
    size_t nhist, cap;

    /* sparse training (iterative hard thresholding) */
    int32_t phase2, phase3; /* first epoch of IHT / of the fixed support */
    uint8_t *keep;          /* [largest cell matrix]                    */
    fg_real *sort_scratch;  /* [largest cell matrix]                    */
    uint8_t *new_mask;      /* [num_params], handed to the model        */

    /* streaming runs (stream.c): samples pushed by the caller */
    int streaming;
    int32_t T;                       /* timesteps of the run                     */
    int32_t row;                     /* floats per sample: T * D                 */
    int32_t sw;                      /* soft-target floats per sample (1 or O)   */
    int epoch_open;                  /* 1 once the current epoch has begun       */
    int32_t buf_cap, buf_n;          /* shuffle buffer: capacity, samples held   */
    float *buf_x, *buf_y, *buf_soft; /* [buf_cap, row], [buf_cap], [buf_cap, sw] */
    float *bat_x;                    /* [batch + 1, row] the batch being filled,
                                  * then one spare row for normalizing       */
    int32_t bat_n;                   /* samples in it; labels in by, soft in bsoft */
    int has_soft;                    /* 1: samples carry soft targets            */
    int raw;                         /* 1: normalize pushed samples (model's)    */
    int64_t rows_in;                 /* training samples pushed this epoch       */
    int64_t val_rows;                /* validation samples this epoch            */
    double val_loss_sum;
    int64_t val_correct;

    /* data-parallel runs (parallel.c): a batch's chunks computed elsewhere */
    int parallel;                /* 1: steps stop at each batch (FG_EVENT_BATCH)     */
    int32_t pending;             /* samples of the batch waiting for its gradients   */
    const int32_t *pending_rows; /* an in-memory run: their rows in the dataset */
    int32_t max_chunks;          /* chunks of a full batch                           */
    float *chunk_grads;          /* [max_chunks, np] filled by the caller            */
    double *chunk_stats;         /* [max_chunks, FG_CHUNK_STATS]                     */
};

int fg_sparse_training(const fg_training_config *c);
/* The model can be trained by tr (not quantized, dims of the trainer's config). */
fg_status fg_train_check_model(const fg_trainer *tr, const fg_model *m);
/* One optimizer step on a batch of n samples: x its rows [n, T, D] (with
 * idx: rows x[idx[b]]), y and soft its labels and soft targets. The
 * gradient is computed in chunks (batch_chunks in train.c). FG_ERR_DIVERGED
 * with the weights as they were before the step. */
fg_status fg_train_optimize(fg_trainer *tr, fg_model *m, const float *x, const int32_t *idx,
                            int32_t n, const float *y, const float *soft, double *data_loss,
                            int32_t *correct);
/* Chunk `chunk` of a batch of n samples (rows x[rows[b]], or x [n, T, D]
 * when rows is NULL; labels y, soft targets soft) through tr's workspace:
 * its gradient into grad (overwritten), its statistics into stats. Returns
 * the chunk's samples, 0 when the batch has no such chunk. */
int32_t fg_train_chunk(fg_trainer *tr, const fg_model *m, const float *x, const int32_t *rows,
                       int32_t n, int32_t chunk, const float *y, const float *soft, fg_real *grad,
                       double stats[FG_CHUNK_STATS]);
/* The rest of the step once tr->grad holds the batch's reduced gradient and
 * stats the chunks' summed statistics. */
fg_status fg_train_apply(fg_trainer *tr, fg_model *m, int32_t n, const double stats[FG_CHUNK_STATS],
                         double *data_loss, int32_t *correct);
/* Adds a trained batch to the epoch's sums and moves past it. */
void fg_train_count_batch(fg_trainer *tr, int32_t n, double data_loss, int32_t correct);
/* Gradient buffers and a workspace for batches of up to `batch` samples of
 * T steps of model m (kept when big enough). */
fg_status fg_train_scratch(fg_trainer *tr, const fg_model *m, int32_t batch, int32_t T);
/* The chunk buffers of a data-parallel run with batches of up to `batch`. */
fg_status fg_train_parallel_alloc(fg_trainer *tr, const fg_model *m, int32_t batch);
/* Allocates and resets what a run needs (workspace for `batch` samples of
 * T steps, Adam state, sparsity scratch, history, card reservation) and
 * starts it: epoch 0, rng seeded, counters zero. */
fg_status fg_train_prepare(fg_trainer *tr, fg_model *model, int32_t batch, int32_t T);
/* Epoch start: step decay of the learning rate, the fixed-support switch. */
void fg_train_epoch_start(fg_trainer *tr);
/* Epoch end given the epoch's validation (have_val 0: none): metrics
 * record, best weights, early stopping. Returns 1 when the run is over. */
int fg_train_close_epoch(fg_trainer *tr, int have_val, double val_loss, double val_acc);
void fg_train_end_run(fg_trainer *tr, int32_t reason, int restore, int write_card);
void fg_train_run_free(fg_trainer *tr);

#endif
