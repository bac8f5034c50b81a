/*
 * train.c - the training configuration and the trainer.
 *
 * train(model, dataset): split by validation_split (seeded), then per epoch:
 * step decay of the learning rate, one pass of shuffled mini-batches (Adam on
 * the data loss + L2, gradients clipped by global norm), evaluation of the
 * validation set, one metrics record, the callback, early stopping on the
 * validation loss (the training loss without a validation set). At the end
 * the best weights are restored. The same run is exposed stepwise
 * (begin/step/finish) for callers that must yield between batches.
 *
 * Every end of a run (finish, interrupt, cancel, divergence) goes through
 * end_run: it records the training summary (why the run stopped, which
 * epoch's weights the model holds and why); finish and interrupt also write
 * it into the model's card, into room reserved at begin. Everything a run
 * needs is allocated by begin: steps and the end of the run allocate nothing.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

fg_training_config fg_training_config_default(void) {
    fg_training_config c;
    c.learning_rate = 0.001f;
    c.batch_size = 32;
    c.epochs = 100;
    c.validation_split = 0.2f;
    c.early_stopping_patience = 10;
    c.lr_decay = 0.5f;
    c.lr_decay_step = 20;
    c.grad_clip = 5.0f;
    c.adam_beta1 = 0.9f;
    c.adam_beta2 = 0.999f;
    c.adam_epsilon = 1e-8f;
    c.l2_reg = 1e-5f;
    c.enable_distillation = 0;
    c.distillation_temperature = 3.0f;
    c.distillation_alpha = 0.5f;
    c.seed = 42;
    c.shuffle = 1;
    c.restore_best_weights = 1;
    c.sparsity_w = 0.0f;
    c.sparsity_u = 0.0f;
    return c;
}

#define BAD(...) return fg_fail(FG_ERR_INVALID_INPUT, __VA_ARGS__)

/* A numeric field against its limit (limits.c). */
#define LIMIT(id, v)                                                                               \
    do {                                                                                           \
        fg_status s_ = fg_limit_check(&fg_training_limits[id], (double)(v));                       \
        if (s_) return s_;                                                                         \
    } while (0)

fg_status fg_training_config_validate(const fg_training_config *c) {
    if (!c) BAD("training config is NULL");
    LIMIT(FG_LIM_LEARNING_RATE, c->learning_rate);
    LIMIT(FG_LIM_BATCH_SIZE, c->batch_size);
    LIMIT(FG_LIM_EPOCHS, c->epochs);
    LIMIT(FG_LIM_VALIDATION_SPLIT, c->validation_split);
    if (c->early_stopping_patience != FG_PATIENCE_NONE)
        LIMIT(FG_LIM_EARLY_STOPPING_PATIENCE, c->early_stopping_patience);
    LIMIT(FG_LIM_LR_DECAY, c->lr_decay);
    LIMIT(FG_LIM_LR_DECAY_STEP, c->lr_decay_step);
    LIMIT(FG_LIM_GRAD_CLIP, c->grad_clip);
    LIMIT(FG_LIM_ADAM_BETA1, c->adam_beta1);
    LIMIT(FG_LIM_ADAM_BETA2, c->adam_beta2);
    LIMIT(FG_LIM_ADAM_EPSILON, c->adam_epsilon);
    LIMIT(FG_LIM_L2_REG, c->l2_reg);
    if (c->enable_distillation != 0 && c->enable_distillation != 1)
        BAD("enable_distillation must be 0 or 1, got %d", c->enable_distillation);
    LIMIT(FG_LIM_DISTILLATION_TEMPERATURE, c->distillation_temperature);
    LIMIT(FG_LIM_DISTILLATION_ALPHA, c->distillation_alpha);
    fg_status s = fg_limit_check_u64(&fg_training_limits[FG_LIM_TRAINING_SEED], c->seed);
    if (s) return s;
    LIMIT(FG_LIM_SPARSITY_W, c->sparsity_w);
    LIMIT(FG_LIM_SPARSITY_U, c->sparsity_u);
    if (c->shuffle != 0 && c->shuffle != 1) BAD("shuffle must be 0 or 1, got %d", c->shuffle);
    if (c->restore_best_weights != 0 && c->restore_best_weights != 1)
        BAD("restore_best_weights must be 0 or 1, got %d", c->restore_best_weights);
    return FG_OK;
}
#undef LIMIT

int fg_sparse_training(const fg_training_config *c) {
    return c->sparsity_w > 0 || c->sparsity_u > 0;
}

/* The configured sparsity of a cell matrix (W or its factors: sparsity_w). */
static float target_sparsity(const fg_training_config *c, const fg_tensor *t) {
    if (!fg_tensor_is_cell_matrix(t)) return 0;
    return t->name[5] == 'W' ? c->sparsity_w : c->sparsity_u;
}

/* Keeps the largest entries of every cell matrix with a target sparsity and
 * zeroes the rest; with mask_out, also records the support there. */
static void hard_threshold(fg_trainer *tr, fg_model *m, uint8_t *mask_out) {
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        float s = target_sparsity(&tr->cfg, t);
        if (s <= 0) continue;
        /* (1 + 2^-23) absorbs float's representation error: 0.7f * 80 prunes 56 */
        double pruned = floor((double)s * (double)t->size * (1.0 + 0x1p-23));
        size_t k = pruned >= (double)t->size ? 0 : t->size - (size_t)pruned;
        fg_real *w = m->params + t->offset;
        fg_top_k_mask(w, t->size, k, tr->keep, tr->sort_scratch);
        for (size_t j = 0; j < t->size; j++) {
            if (!tr->keep[j]) w[j] = 0;
            if (mask_out) mask_out[t->offset + j] &= tr->keep[j];
        }
    }
}

/* Start of the fixed-support phase: threshold once more, then the support
 * becomes the model's mask and the moments of pruned entries are cleared. */
static void fix_support(fg_trainer *tr, fg_model *m) {
    uint8_t *mask = tr->new_mask;
    if (m->mask) memcpy(mask, m->mask, m->num_params);
    else memset(mask, 1, m->num_params);
    hard_threshold(tr, m, mask);
    fg_free(m->mask);
    m->mask = mask;
    tr->new_mask = NULL;
    for (size_t i = 0; i < m->num_params; i++)
        if (!mask[i]) {
            tr->m1[i] = 0;
            tr->m2[i] = 0;
            m->params[i] = 0;
        }
    tr->best_loss = INFINITY;
    tr->bad_epochs = 0;
    tr->have_best = 0;
}

fg_status fg_trainer_create(const fg_model_config *model_cfg, const fg_training_config *cfg,
                            fg_trainer **out) {
    fg_status s;
    if (!out) BAD("out is NULL");
    if ((s = fg_model_config_validate(model_cfg))) return s;
    if ((s = fg_training_config_validate(cfg))) return s;
    fg_trainer *tr = fg_alloc_zero(1, sizeof *tr, "trainer");
    if (!tr) return FG_ERR_OUT_OF_MEMORY;
    tr->mcfg = *model_cfg;
    tr->cfg = *cfg;
    tr->lr = cfg->learning_rate;
    tr->beta1_t = tr->beta2_t = 1.0;
    *out = tr;
    return FG_OK;
}

void fg_train_run_free(fg_trainer *tr) {
    fg_free(tr->keep);
    fg_free(tr->sort_scratch);
    fg_free(tr->new_mask);
    tr->keep = NULL;
    tr->sort_scratch = NULL;
    tr->new_mask = NULL;
    fg_free(tr->buf_x);
    fg_free(tr->buf_y);
    fg_free(tr->buf_soft);
    fg_free(tr->bat_x);
    tr->buf_x = tr->buf_y = tr->buf_soft = tr->bat_x = NULL;
    tr->buf_cap = tr->buf_n = tr->bat_n = 0;
    fg_free(tr->chunk_grads);
    fg_free(tr->chunk_stats);
    tr->chunk_grads = NULL;
    tr->chunk_stats = NULL;
    tr->pending = 0;
    tr->streaming = 0;
    tr->epoch_open = 0;
    fg_free(tr->split);
    fg_free(tr->order);
    tr->split = tr->order = NULL;
    tr->data = NULL;
    tr->model = NULL;
    tr->running = 0;
}

static void state_free(fg_trainer *tr) {
    fg_free(tr->grad);
    fg_free(tr->m1);
    fg_free(tr->m2);
    fg_free(tr->backup);
    fg_free(tr->best);
    fg_free(tr->cgrad);
    tr->grad = tr->m1 = tr->m2 = tr->backup = tr->best = tr->cgrad = NULL;
    tr->np = 0;
}

void fg_trainer_destroy(fg_trainer *tr) {
    if (!tr) return;
    fg_train_run_free(tr);
    state_free(tr);
    fg_workspace_destroy(tr->ws);
    fg_free(tr->by);
    fg_free(tr->bsoft);
    fg_free(tr->hist);
    fg_free(tr);
}

const fg_training_config *fg_trainer_get_config(const fg_trainer *tr) {
    return tr ? &tr->cfg : NULL;
}
float fg_trainer_learning_rate(const fg_trainer *tr) { return tr ? tr->lr : 0.0f; }
size_t fg_trainer_metrics_count(const fg_trainer *tr) { return tr ? tr->nhist : 0; }
const fg_training_metrics *fg_trainer_metrics(const fg_trainer *tr) { return tr ? tr->hist : NULL; }
int fg_trainer_is_running(const fg_trainer *tr) { return tr && tr->running; }

/* Adam moments for a model of np parameters (fresh zeros when it changes). */
static fg_status ensure_state(fg_trainer *tr, size_t np) {
    if (tr->np == np) return FG_OK;
    fg_real *b[6];
    for (int i = 0; i < 6; i++) {
        b[i] = fg_alloc_zero(np, sizeof(fg_real), "optimizer state");
        if (!b[i]) {
            while (i--) fg_free(b[i]);
            return FG_ERR_OUT_OF_MEMORY;
        }
    }
    state_free(tr);
    tr->grad = b[0];
    tr->m1 = b[1];
    tr->m2 = b[2];
    tr->backup = b[3];
    tr->best = b[4];
    tr->cgrad = b[5];
    tr->np = np;
    tr->step = 0;
    tr->beta1_t = tr->beta2_t = 1.0;
    return FG_OK;
}

/* Scratch for batches of up to `batch` sequences of T steps of model m. */
static fg_status ensure_ws(fg_trainer *tr, const fg_model *m, int32_t batch, int32_t T) {
    fg_workspace *ws = tr->ws;
    if (ws && ws->max_batch >= batch && ws->T == T && ws->D == m->D && ws->H == m->H &&
        ws->O == m->O && ws->wr == m->wr && ws->ur == m->ur)
        return FG_OK;
    fg_workspace *nws;
    fg_status s = fg_workspace_create(m, batch, T, &nws);
    if (s) return s;
    int32_t sw = m->O == 1 ? 1 : m->O;
    float *by = fg_alloc_zero((size_t)batch, sizeof(float), "batch labels");
    float *bs = by ? fg_alloc_zero((size_t)batch * sw, sizeof(float), "batch soft targets") : NULL;
    if (!bs) {
        fg_free(by);
        fg_workspace_destroy(nws);
        return FG_ERR_OUT_OF_MEMORY;
    }
    fg_workspace_destroy(tr->ws);
    fg_free(tr->by);
    fg_free(tr->bsoft);
    tr->ws = nws;
    tr->by = by;
    tr->bsoft = bs;
    tr->bcap = batch;
    return FG_OK;
}

fg_status fg_train_scratch(fg_trainer *tr, const fg_model *m, int32_t batch, int32_t T) {
    fg_status s = ensure_state(tr, m->num_params);
    return s ? s : ensure_ws(tr, m, batch, T);
}

fg_status fg_train_check_model(const fg_trainer *tr, const fg_model *m) {
    if (!m) BAD("model is NULL");
    if (m->quantized) BAD("model is quantized (int8): train the float model, then quantize it");
    if (m->D != tr->mcfg.input_dim || m->H != tr->mcfg.hidden_dim || m->O != tr->mcfg.output_dim)
        BAD("model dims (input_dim %d, hidden_dim %d, output_dim %d) differ from the trainer's "
            "model "
            "config (%d, %d, %d)",
            m->D, m->H, m->O, tr->mcfg.input_dim, tr->mcfg.hidden_dim, tr->mcfg.output_dim);
    return FG_OK;
}

static fg_status check_dataset(const fg_trainer *tr, const fg_model *m, const fg_dataset *ds) {
    if (!ds) BAD("dataset is NULL");
    if (ds->D != m->D)
        BAD("dataset input_dim %d differs from the model's input_dim %d", ds->D, m->D);
    if (ds->O != m->O)
        BAD("dataset output_dim %d differs from the model's output_dim %d", ds->O, m->O);
    if (tr->cfg.enable_distillation && !ds->soft)
        BAD("enable_distillation is true but the dataset has no soft targets");
    return FG_OK;
}

int32_t fg_train_chunk(fg_trainer *tr, const fg_model *m, const float *x, const int32_t *rows,
                       int32_t n, int32_t chunk, const float *y, const float *soft, fg_real *grad,
                       double stats[FG_CHUNK_STATS]) {
    int32_t start, nc = fg_grad_chunk_span(n, chunk, &start);
    if (nc == 0) return 0;
    size_t row = (size_t)tr->ws->T * m->D, sw = m->O == 1 ? 1 : (size_t)m->O;
    if (rows) fg_workspace_gather(tr->ws, x, rows + start, nc);
    else fg_workspace_gather(tr->ws, x + (size_t)start * row, NULL, nc);
    fg_chunk_loss_and_grad(m, tr->ws, nc, n, y + start, soft ? soft + (size_t)start * sw : NULL,
                           &tr->cfg, grad, stats);
    return nc;
}

/* One batch's chunks, computed here one after another (docs/design.md,
 * "Data-parallel training"): chunk 0's gradient goes to tr->grad, every
 * later chunk's is added to it, in chunk order, as fg_trainer_apply_chunks
 * adds the chunks of workers. */
static void batch_chunks(fg_trainer *tr, const fg_model *m, const float *x, const int32_t *idx,
                         int32_t n, const float *y, const float *soft,
                         double stats[FG_CHUNK_STATS]) {
    for (int k = 0; k < FG_CHUNK_STATS; k++) stats[k] = 0;
    double cs[FG_CHUNK_STATS];
    for (int32_t c = 0, chunks = fg_grad_chunks(n); c < chunks; c++) {
        fg_train_chunk(tr, m, x, idx, n, c, y, soft, c == 0 ? tr->grad : tr->cgrad, cs);
        if (c > 0)
            for (size_t i = 0; i < m->num_params; i++) tr->grad[i] += tr->cgrad[i];
        for (int k = 0; k < FG_CHUNK_STATS; k++) stats[k] += cs[k];
    }
}

fg_status fg_train_optimize(fg_trainer *tr, fg_model *m, const float *x, const int32_t *idx,
                            int32_t n, const float *y, const float *soft, double *data_loss,
                            int32_t *correct) {
    double stats[FG_CHUNK_STATS];
    batch_chunks(tr, m, x, idx, n, y, soft, stats);
    return fg_train_apply(tr, m, n, stats, data_loss, correct);
}

/* The step after a batch's gradient is in tr->grad (stats: the chunks'
 * summed FG_CHUNK_STATS): L2, the mask, clipping, Adam, hard thresholding.
 * Non-finite loss, gradient or updated weights: FG_ERR_DIVERGED with the
 * weights as they were before the step. */
fg_status fg_train_apply(fg_trainer *tr, fg_model *m, int32_t n, const double stats[FG_CHUNK_STATS],
                         double *data_loss, int32_t *correct) {
    const fg_training_config *c = &tr->cfg;
    double loss = stats[0] / n + fg_l2_loss_and_grad(m, c, tr->grad);
    *data_loss = stats[1] / n;
    *correct = (int32_t)stats[2];
    if (!isfinite(loss) || !isfinite(*data_loss))
        return fg_fail(FG_ERR_DIVERGED,
                       "loss became non-finite (%s) at step %lld with learning_rate %g",
                       isnan(loss) || isnan(*data_loss) ? "NaN" : "infinite",
                       (long long)tr->step + 1, (double)tr->lr);
    if (m->mask) /* pruned entries stay at zero: no gradient, so Adam never moves them */
        for (size_t i = 0; i < m->num_params; i++)
            if (!m->mask[i]) tr->grad[i] = 0;
    double norm = fg_clip_grad(tr->grad, m->num_params, (double)c->grad_clip);
    if (!isfinite(norm))
        return fg_fail(FG_ERR_DIVERGED, "gradient norm became non-finite at step %lld",
                       (long long)tr->step + 1);
    memcpy(tr->backup, m->params, m->num_params * sizeof(fg_real));
    double b1t = tr->beta1_t * (double)c->adam_beta1, b2t = tr->beta2_t * (double)c->adam_beta2;
    fg_adam_update(m->params, tr->grad, tr->m1, tr->m2, m->num_params, (double)tr->lr,
                   (double)c->adam_beta1, (double)c->adam_beta2, (double)c->adam_epsilon, b1t, b2t);
    for (size_t i = 0; i < m->num_params; i++)
        if (!isfinite(m->params[i])) {
            memcpy(m->params, tr->backup, m->num_params * sizeof(fg_real));
            return fg_fail(FG_ERR_DIVERGED,
                           "weights became non-finite at step %lld with learning_rate %g",
                           (long long)tr->step + 1, (double)tr->lr);
        }
    tr->beta1_t = b1t;
    tr->beta2_t = b2t;
    tr->step++;
    if (tr->running && fg_sparse_training(c) && tr->epoch >= tr->phase2 && tr->epoch < tr->phase3)
        hard_threshold(tr, m, NULL);
    return FG_OK;
}

fg_status fg_trainer_train_batch(fg_trainer *tr, fg_model *model, const float *x,
                                 const float *labels, const float *soft, int32_t n,
                                 int32_t timesteps, float *loss_out) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (tr->running) BAD("trainer is running a train() call; train_batch is for custom loops");
    if ((s = fg_train_check_model(tr, model))) return s;
    if (!x) BAD("features is NULL");
    if (!labels) BAD("labels is NULL");
    if (n <= 0) BAD("batch size n must be > 0, got %d", n);
    if (timesteps <= 0) BAD("timesteps must be > 0, got %d", timesteps);
    if ((uint64_t)n * (uint64_t)timesteps * (uint64_t)model->D > ((uint64_t)1 << 31))
        BAD("n %d x timesteps %d x input_dim %d is too large", n, timesteps, model->D);
    size_t count = (size_t)n * timesteps * model->D;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(x[i])) BAD("features[%zu] must be finite, got %g", i, (double)x[i]);
    for (int32_t i = 0; i < n; i++)
        if ((s = fg_check_label(labels[i], model->O, "labels", i))) return s;
    int32_t sw = model->O == 1 ? 1 : model->O;
    if (tr->cfg.enable_distillation && !soft)
        BAD("enable_distillation is true but soft_targets is NULL");
    if (soft)
        for (size_t i = 0; i < (size_t)n * sw; i++)
            if (!isfinite(soft[i]) || soft[i] < 0 || soft[i] > 1)
                BAD("soft_targets[%zu] must be finite and in [0, 1], got %g", i, (double)soft[i]);
    if ((s = ensure_state(tr, model->num_params))) return s;
    if ((s = ensure_ws(tr, model, n, timesteps))) return s;
    double data_loss;
    int32_t correct;
    if ((s = fg_train_optimize(tr, model, x, NULL, n, labels, soft, &data_loss, &correct)))
        return s;
    if (loss_out) *loss_out = (float)data_loss;
    return FG_OK;
}

/* Mean data loss and accuracy over the n samples idx[0..n) of ds (idx NULL:
 * all of ds), in chunks of the workspace's batch; idx_buf: max_batch ints
 * for the chunk's labels. */
static void evaluate_ws(fg_trainer *tr, const fg_model *m, fg_workspace *ws, const fg_dataset *ds,
                        const int32_t *idx, int32_t n, float *y_buf, double *loss, double *acc) {
    double sum = 0;
    int64_t correct = 0;
    size_t row = (size_t)ds->T * ds->D;
    for (int32_t start = 0; start < n; start += ws->max_batch) {
        int32_t nb = n - start < ws->max_batch ? n - start : ws->max_batch;
        const float *y = ds->y + start;
        if (idx) {
            fg_workspace_gather(ws, ds->x, idx + start, nb);
            for (int32_t b = 0; b < nb; b++) y_buf[b] = ds->y[idx[start + b]];
            y = y_buf;
        } else {
            fg_workspace_gather(ws, ds->x + (size_t)start * row, NULL, nb);
        }
        double dl;
        int32_t c;
        fg_batch_loss_and_grad(m, ws, nb, y, NULL, &tr->cfg, 0, NULL, &dl, &c);
        sum += dl * nb;
        correct += c;
    }
    *loss = sum / n;
    *acc = (double)correct / n;
}

fg_status fg_trainer_evaluate(fg_trainer *tr, const fg_model *model, const fg_dataset *ds,
                              float *loss_out, float *accuracy_out) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (!model) BAD("model is NULL");
    if (!ds) BAD("dataset is NULL");
    if (ds->D != model->D)
        BAD("dataset input_dim %d differs from the model's input_dim %d", ds->D, model->D);
    if (ds->O != model->O)
        BAD("dataset output_dim %d differs from the model's output_dim %d", ds->O, model->O);
    if (ds->n == 0) BAD("cannot evaluate on an empty dataset");
    int32_t chunk = ds->n < 256 ? ds->n : 256;
    fg_workspace *ws;
    if ((s = fg_workspace_create(model, chunk, ds->T, &ws))) return s;
    double loss, acc;
    evaluate_ws(tr, model, ws, ds, NULL, ds->n, NULL, &loss, &acc);
    fg_workspace_destroy(ws);
    if (loss_out) *loss_out = (float)loss;
    if (accuracy_out) *accuracy_out = (float)acc;
    return FG_OK;
}

fg_status fg_train_prepare(fg_trainer *tr, fg_model *model, int32_t batch, int32_t T) {
    const fg_training_config *c = &tr->cfg;
    fg_status s;
    size_t cap = (size_t)c->epochs;
    fg_training_metrics *hist = fg_alloc_zero(cap ? cap : 1, sizeof *hist, "metrics history");
    if (!hist) return FG_ERR_OUT_OF_MEMORY;
    if ((s = ensure_ws(tr, model, batch, T)) || (s = ensure_state(tr, model->num_params)) ||
        (s = fg_card_reserve(model, T))) {
        fg_free(hist);
        return s;
    }
    /* a fresh Adam state for every run */
    memset(tr->m1, 0, tr->np * sizeof(fg_real));
    memset(tr->m2, 0, tr->np * sizeof(fg_real));
    tr->step = 0;
    tr->beta1_t = tr->beta2_t = 1.0;
    if (fg_sparse_training(c)) {
        size_t biggest = 1;
        for (int i = 0; i < model->num_tensors; i++)
            if (fg_tensor_is_cell_matrix(&model->tensors[i]) && model->tensors[i].size > biggest)
                biggest = model->tensors[i].size;
        tr->keep = fg_alloc(biggest, "sparsity scratch");
        tr->sort_scratch =
            tr->keep ? fg_alloc(biggest * sizeof(fg_real), "sparsity scratch") : NULL;
        tr->new_mask = tr->sort_scratch ? fg_alloc(model->num_params, "model mask") : NULL;
        if (!tr->new_mask) {
            fg_train_run_free(tr);
            fg_card_release(model);
            fg_free(hist);
            return FG_ERR_OUT_OF_MEMORY;
        }
    }
    if (tr->parallel && (s = fg_train_parallel_alloc(tr, model, batch))) {
        fg_train_run_free(tr);
        fg_card_release(model);
        fg_free(hist);
        return s;
    }
    tr->phase2 = c->epochs / 3;
    tr->phase3 = 2 * c->epochs / 3;
    fg_free(tr->hist);
    tr->hist = hist;
    tr->cap = cap;
    tr->nhist = 0;
    tr->model = model;
    tr->T = T;
    fg_rng_seed(&tr->rng, c->seed ^ 0x5DEECE66DULL);
    tr->lr = c->learning_rate;
    tr->epoch = 0;
    tr->pos = 0;
    tr->loss_sum = 0;
    tr->seen = 0;
    tr->correct = 0;
    tr->best_loss = INFINITY;
    tr->bad_epochs = 0;
    tr->have_best = 0;
    tr->best_epoch = -1;
    tr->ended = -1;
    tr->have_summary = 0;
    tr->running = 1;
    return FG_OK;
}

fg_status fg_trainer_begin(fg_trainer *tr, fg_model *model, const fg_dataset *ds) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (tr->running) BAD("trainer is already running");
    if ((s = fg_train_check_model(tr, model))) return s;
    if ((s = check_dataset(tr, model, ds))) return s;
    if (ds->n == 0) BAD("dataset is empty");
    const fg_training_config *c = &tr->cfg;
    int32_t n = ds->n, nval;
    int32_t *split = fg_alloc_zero((size_t)n, sizeof(int32_t), "validation split");
    if (!split) return FG_ERR_OUT_OF_MEMORY;
    fg_split_indices(n, c->validation_split, c->seed, split, &nval);
    int32_t ntrain = n - nval;
    if (ntrain == 0) {
        fg_free(split);
        BAD("validation_split %g leaves no training samples out of %d", (double)c->validation_split,
            n);
    }
    int32_t batch = c->batch_size < ntrain ? c->batch_size : ntrain;
    int32_t *order = fg_alloc_zero((size_t)ntrain, sizeof(int32_t), "batch order");
    if (!order || (s = fg_train_prepare(tr, model, batch, ds->T))) {
        fg_free(split);
        fg_free(order);
        return order ? s : FG_ERR_OUT_OF_MEMORY;
    }
    tr->data = ds;
    tr->split = split;
    tr->ntrain = ntrain;
    tr->nval = nval;
    tr->order = order;
    return FG_OK;
}

/* Closes an epoch: validation, then the common close. Returns 1 when
 * training is over. */
static int end_epoch(fg_trainer *tr) {
    double vl = 0, va = 0;
    if (tr->nval > 0)
        evaluate_ws(tr, tr->model, tr->ws, tr->data, tr->split + tr->ntrain, tr->nval, tr->by, &vl,
                    &va);
    return fg_train_close_epoch(tr, tr->nval > 0, vl, va);
}

int fg_train_close_epoch(fg_trainer *tr, int have_val, double vl, double va) {
    fg_model *m = tr->model;
    fg_training_metrics r;
    r.epoch = tr->epoch;
    r.train_loss = (float)(tr->loss_sum / (double)tr->seen);
    r.train_accuracy = (float)((double)tr->correct / (double)tr->seen);
    r.learning_rate = tr->lr;
    double monitored = tr->loss_sum / (double)tr->seen;
    if (have_val) {
        r.val_loss = (float)vl;
        r.val_accuracy = (float)va;
        monitored = vl;
    } else {
        r.val_loss = NAN;
        r.val_accuracy = NAN;
    }
    tr->hist[tr->nhist++] = r;
    if (fg_sparse_training(&tr->cfg) && tr->epoch < tr->phase3) {
        /* dense and IHT phases: no checkpoint, no early stopping */
    } else if (monitored < tr->best_loss) {
        tr->best_loss = monitored;
        tr->bad_epochs = 0;
        tr->have_best = 1;
        tr->best_epoch = tr->epoch;
        memcpy(tr->best, m->params, m->num_params * sizeof(fg_real));
    } else {
        tr->bad_epochs++;
    }
    tr->epoch++;
    tr->pos = 0;
    tr->loss_sum = 0;
    tr->seen = 0;
    tr->correct = 0;
    if (tr->epoch >= tr->cfg.epochs) {
        tr->ended = FG_STOP_COMPLETED;
        return 1;
    }
    if (tr->cfg.early_stopping_patience != FG_PATIENCE_NONE &&
        tr->bad_epochs >= tr->cfg.early_stopping_patience) {
        tr->ended = FG_STOP_EARLY_STOPPING;
        return 1;
    }
    return 0;
}

void fg_train_count_batch(fg_trainer *tr, int32_t n, double data_loss, int32_t correct) {
    tr->loss_sum += data_loss * n;
    tr->seen += n;
    tr->correct += correct;
    if (tr->streaming) tr->bat_n = 0;
    else tr->pos += n;
}

void fg_train_epoch_start(fg_trainer *tr) {
    const fg_training_config *c = &tr->cfg;
    if (tr->epoch > 0 && c->lr_decay_step > 0 && tr->epoch % c->lr_decay_step == 0)
        tr->lr *= c->lr_decay;
    if (fg_sparse_training(c) && tr->epoch == tr->phase3 && tr->new_mask)
        fix_support(tr, tr->model);
}

/* Ends the run as `reason`: restores the best weights when restore is set
 * (and configured, and there are some), records the summary and, with
 * write_card, writes it into the model's card (else the card stays as it
 * was). */
void fg_train_end_run(fg_trainer *tr, int32_t reason, int restore, int write_card) {
    fg_model *m = tr->model;
    fg_training_summary s;
    memset(&s, 0, sizeof s);
    restore = restore && tr->cfg.restore_best_weights && tr->have_best;
    s.epochs_run = tr->epoch;
    s.stop_reason = reason;
    /* a streaming run stopped in its first epoch: the samples it took */
    s.train_samples = tr->streaming && tr->ntrain == 0 && tr->rows_in <= INT32_MAX
                          ? (int32_t)tr->rows_in
                          : tr->ntrain;
    s.validation_samples = tr->nval;
    if (restore) {
        s.kept_epoch = tr->best_epoch;
        s.kept_reason = tr->nval > 0 ? FG_KEPT_BEST_VALIDATION_LOSS : FG_KEPT_BEST_TRAINING_LOSS;
    } else {
        /* the weights as they are: an epoch's only at an epoch boundary */
        s.kept_epoch = tr->pos == 0 && tr->epoch > 0 ? tr->epoch - 1 : -1;
        s.kept_reason = FG_KEPT_LAST_EPOCH;
    }
    if (s.kept_epoch >= 0) {
        s.kept = tr->hist[s.kept_epoch];
    } else {
        s.kept.epoch = -1;
        s.kept.train_loss = s.kept.val_loss = s.kept.train_accuracy = s.kept.val_accuracy = NAN;
        s.kept.learning_rate = NAN;
    }
    if (write_card) fg_card_commit(m, &s);
    else fg_card_release(m);
    if (restore) memcpy(m->params, tr->best, m->num_params * sizeof(fg_real));
    tr->summary = s;
    tr->have_summary = 1;
    fg_train_run_free(tr);
}

fg_status fg_trainer_step(fg_trainer *tr, int32_t max_batches, int32_t *event_out) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running) BAD("trainer is not running: call begin first");
    if (tr->streaming)
        BAD("trainer is running a streaming run: push samples with fg_trainer_stream_push");
    if (tr->pending) BAD("a batch waits for its chunks' gradients: call fg_trainer_apply_chunks");
    if (max_batches <= 0) BAD("max_batches must be > 0, got %d", max_batches);
    const fg_training_config *c = &tr->cfg;
    fg_model *m = tr->model;
    const fg_dataset *d = tr->data;
    int32_t ntrain = tr->ntrain;
    if (event_out) *event_out = FG_EVENT_NONE;
    if (tr->epoch >= c->epochs) {
        tr->ended = FG_STOP_COMPLETED;
        if (event_out) *event_out = FG_EVENT_DONE;
        return FG_OK;
    }
    if (tr->pos == 0) { /* epoch start: step decay, fixed support, reshuffle */
        fg_train_epoch_start(tr);
        /* the training part of the split, shuffled in place (sequential
         * reads of the indices; only the rows themselves are random) */
        memcpy(tr->order, tr->split, (size_t)ntrain * sizeof(int32_t));
        if (c->shuffle) fg_rng_shuffle(&tr->rng, tr->order, ntrain);
    }
    int32_t sw = d->O == 1 ? 1 : d->O;
    for (int32_t k = 0; k < max_batches && tr->pos < ntrain; k++) {
        int32_t nb = ntrain - tr->pos < tr->ws->max_batch ? ntrain - tr->pos : tr->ws->max_batch;
        const int32_t *idx = tr->order + tr->pos;
        for (int32_t b = 0; b < nb; b++) {
            tr->by[b] = d->y[idx[b]];
            if (d->soft)
                memcpy(tr->bsoft + (size_t)b * sw, d->soft + (size_t)idx[b] * sw,
                       sw * sizeof(float));
        }
        if (tr->parallel) { /* workers compute it; fg_trainer_apply_chunks ends the step */
            tr->pending_rows = idx;
            tr->pending = nb;
            if (event_out) *event_out = FG_EVENT_BATCH;
            return FG_OK;
        }
        double dl;
        int32_t correct;
        fg_status s = fg_train_optimize(tr, m, d->x, idx, nb, tr->by, d->soft ? tr->bsoft : NULL,
                                        &dl, &correct);
        if (s) {
            fg_train_end_run(tr, FG_STOP_DIVERGED, 0, 0);
            return s;
        }
        fg_train_count_batch(tr, nb, dl, correct);
    }
    if (tr->pos < ntrain) return FG_OK;
    int done = end_epoch(tr);
    if (event_out) *event_out = done ? FG_EVENT_DONE : FG_EVENT_EPOCH_END;
    return FG_OK;
}

fg_status fg_trainer_finish(fg_trainer *tr) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running) BAD("trainer is not running");
    fg_train_end_run(tr, tr->ended >= 0 ? tr->ended : FG_STOP_CALLBACK, 1, 1);
    return FG_OK;
}

fg_status fg_trainer_interrupt(fg_trainer *tr) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running) BAD("trainer is not running: nothing to interrupt");
    fg_train_end_run(tr, FG_STOP_INTERRUPTED, 1, 1);
    return FG_OK;
}

void fg_trainer_cancel(fg_trainer *tr) {
    if (tr && tr->running) fg_train_end_run(tr, FG_STOP_CANCELLED, 0, 0);
}

fg_status fg_trainer_summary(const fg_trainer *tr, fg_training_summary *out) {
    if (!tr) BAD("trainer is NULL");
    if (!out) BAD("summary: out is NULL");
    if (tr->running) BAD("trainer is running: the summary is recorded when the run ends");
    if (!tr->have_summary)
        BAD("no training run has ended yet: the summary is recorded when one does");
    *out = tr->summary;
    return FG_OK;
}

fg_status fg_trainer_train(fg_trainer *tr, fg_model *model, const fg_dataset *ds,
                           fg_epoch_callback on_epoch, void *user_data) {
    fg_status s = fg_trainer_begin(tr, model, ds);
    if (s) return s;
    for (;;) {
        int32_t ev;
        size_t before = tr->nhist;
        if ((s = fg_trainer_step(tr, INT32_MAX, &ev))) return s;
        int stop = 0;
        if (tr->nhist > before && on_epoch) stop = on_epoch(&tr->hist[tr->nhist - 1], user_data);
        if (!tr->running) { /* the callback interrupted or cancelled the run */
            if (tr->summary.stop_reason == FG_STOP_CANCELLED)
                return fg_fail(FG_ERR_ABORTED,
                               "training cancelled by the epoch callback after %d epochs",
                               tr->summary.epochs_run);
            return FG_OK;
        }
        if (ev == FG_EVENT_DONE || stop) break;
    }
    return fg_trainer_finish(tr);
}
