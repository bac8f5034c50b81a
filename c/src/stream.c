/*
 * stream.c - streaming training runs, the hash hold-out, and one-pass
 * normalization statistics (docs/design.md, "Streaming").
 *
 * A streaming run is fg_trainer_train with the data loop turned inside out:
 * the caller pushes samples as it reads them and the trainer keeps only a
 * shuffle buffer [K, T*D] and the batch being filled [B, T*D]. Everything
 * else - step decay, Adam, clipping, the sparsity phases, validation
 * metrics, early stopping, best weights, the summary - is the trainer's own
 * code in train.c (fg_train_*).
 *
 * Epoch states (tr->epoch_open): 0 not begun, 1 training (pushes accepted),
 * 2 validating (the training part is over).
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define BAD(...) return fg_fail(FG_ERR_INVALID_INPUT, __VA_ARGS__)

/* At most 2^24 samples in the shuffle buffer and 2^30 floats in it. */
#define MAX_SHUFFLE_BUFFER (1 << 24)
#define MAX_BUFFER_FLOATS  ((int64_t)1 << 30)

fg_status fg_trainer_stream_begin(fg_trainer *tr, fg_model *model, int32_t timesteps,
                                  int32_t shuffle_buffer, int32_t flags) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (tr->running) BAD("trainer is already running");
    if ((s = fg_train_check_model(tr, model))) return s;
    if (timesteps <= 0) BAD("timesteps must be > 0, got %d", timesteps);
    if (shuffle_buffer < 0 || shuffle_buffer > MAX_SHUFFLE_BUFFER)
        BAD("shuffle_buffer must be in [0, %d], got %d", MAX_SHUFFLE_BUFFER, shuffle_buffer);
    if (flags & ~(FG_STREAM_SOFT_TARGETS | FG_STREAM_RAW_INPUTS))
        BAD("flags has unknown bits: %d", flags);
    int with_soft_targets = (flags & FG_STREAM_SOFT_TARGETS) != 0;
    if (tr->cfg.enable_distillation && !with_soft_targets)
        BAD("enable_distillation is true but the stream has no soft targets");
    int64_t row = (int64_t)timesteps * model->D;
    int32_t batch = tr->cfg.batch_size;
    int32_t cap = tr->cfg.shuffle && shuffle_buffer > 1 ? shuffle_buffer : 0;
    if (row > MAX_BUFFER_FLOATS || (int64_t)batch * row > MAX_BUFFER_FLOATS ||
        (int64_t)cap * row > MAX_BUFFER_FLOATS)
        BAD("timesteps %d x input_dim %d with batch_size %d and shuffle_buffer %d needs more than "
            "2^30 floats of buffer",
            timesteps, model->D, batch, cap);
    int32_t sw = model->O == 1 ? 1 : model->O;
    float *bat_x = fg_alloc((size_t)(batch + 1) * (size_t)row * sizeof(float), "stream batch");
    float *buf_x = NULL, *buf_y = NULL, *buf_soft = NULL;
    if (bat_x && cap > 0) {
        buf_x = fg_alloc((size_t)cap * (size_t)row * sizeof(float), "shuffle buffer");
        buf_y = buf_x ? fg_alloc((size_t)cap * sizeof(float), "shuffle buffer") : NULL;
        buf_soft = buf_y && with_soft_targets
                       ? fg_alloc((size_t)cap * sw * sizeof(float), "shuffle buffer")
                       : NULL;
    }
    if (!bat_x || (cap > 0 && (!buf_y || (with_soft_targets && !buf_soft))) ||
        (s = fg_train_prepare(tr, model, batch, timesteps))) {
        fg_free(bat_x);
        fg_free(buf_x);
        fg_free(buf_y);
        fg_free(buf_soft);
        return s ? s : FG_ERR_OUT_OF_MEMORY;
    }
    tr->streaming = 1;
    tr->row = (int32_t)row;
    tr->sw = sw;
    tr->has_soft = with_soft_targets;
    tr->raw = (flags & FG_STREAM_RAW_INPUTS) != 0;
    tr->bat_x = bat_x;
    tr->bat_n = 0;
    tr->buf_x = buf_x;
    tr->buf_y = buf_y;
    tr->buf_soft = buf_soft;
    tr->buf_cap = cap;
    tr->buf_n = 0;
    tr->epoch_open = 0;
    tr->rows_in = 0;
    tr->val_rows = 0;
    tr->val_loss_sum = 0;
    tr->val_correct = 0;
    tr->ntrain = 0;
    tr->nval = 0;
    return FG_OK;
}

static fg_status check_streaming(const fg_trainer *tr) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running || !tr->streaming)
        BAD("trainer is not running a streaming run: call fg_trainer_stream_begin first");
    if (tr->epoch >= tr->cfg.epochs)
        BAD("the run is over (all %d epochs ran): call fg_trainer_finish", tr->cfg.epochs);
    if (tr->pending) BAD("a batch waits for its chunks' gradients: call fg_trainer_apply_chunks");
    return FG_OK;
}

/* Samples x [n, row], y [n], soft [n, sw] are valid for the run's model. */
static fg_status check_samples(const fg_trainer *tr, const float *x, const float *y,
                               const float *soft, int32_t n, int want_soft) {
    fg_status s;
    if (n < 0) BAD("n must be >= 0, got %d", n);
    if (n == 0) return FG_OK;
    if (!x) BAD("features is NULL");
    if (!y) BAD("labels is NULL");
    size_t count = (size_t)n * (size_t)tr->row;
    if (tr->raw) {
        /* finite before and after the model's normalization */
        if ((s = fg_model_normalize_rows(tr->model, x, count / (size_t)tr->model->D, NULL)))
            return s;
    } else {
        for (size_t i = 0; i < count; i++)
            if (!isfinite(x[i])) BAD("features[%zu] must be finite, got %g", i, (double)x[i]);
    }
    for (int32_t i = 0; i < n; i++)
        if ((s = fg_check_label(y[i], tr->model->O, "labels", i))) return s;
    if (want_soft) {
        if (!soft) BAD("soft_targets is NULL but the run was begun with soft targets");
        for (size_t i = 0; i < (size_t)n * tr->sw; i++)
            if (!isfinite(soft[i]) || soft[i] < 0 || soft[i] > 1)
                BAD("soft_targets[%zu] must be finite and in [0, 1], got %g", i, (double)soft[i]);
    }
    return FG_OK;
}

/* One optimizer step on the batch held in bat_x / by / bsoft. */
static fg_status train_held_batch(fg_trainer *tr) {
    int32_t nb = tr->bat_n;
    double dl;
    int32_t correct;
    fg_status s = fg_train_optimize(tr, tr->model, tr->bat_x, NULL, nb, tr->by,
                                    tr->has_soft ? tr->bsoft : NULL, &dl, &correct);
    if (s) {
        fg_train_end_run(tr, FG_STOP_DIVERGED, 0, 0);
        return s;
    }
    fg_train_count_batch(tr, nb, dl, correct);
    return FG_OK;
}

/* The held batch trains, or in a data-parallel run waits for its chunks'
 * gradients (fg_trainer_apply_chunks then counts it and empties it). */
static fg_status batch_full(fg_trainer *tr) {
    if (!tr->parallel) return train_held_batch(tr);
    tr->pending = tr->bat_n;
    return FG_OK;
}

/* Appends one sample to the batch; trains when the batch is full. */
static fg_status emit(fg_trainer *tr, const float *x, float y, const float *soft) {
    int32_t b = tr->bat_n;
    memcpy(tr->bat_x + (size_t)b * tr->row, x, (size_t)tr->row * sizeof(float));
    tr->by[b] = y;
    if (tr->has_soft) memcpy(tr->bsoft + (size_t)b * tr->sw, soft, (size_t)tr->sw * sizeof(float));
    tr->bat_n = b + 1;
    return tr->bat_n == tr->ws->max_batch ? batch_full(tr) : FG_OK;
}

/* Buffer slot j <- the sample (x, y, soft). */
static void buffer_put(fg_trainer *tr, int32_t j, const float *x, float y, const float *soft) {
    memcpy(tr->buf_x + (size_t)j * tr->row, x, (size_t)tr->row * sizeof(float));
    tr->buf_y[j] = y;
    if (tr->has_soft)
        memcpy(tr->buf_soft + (size_t)j * tr->sw, soft, (size_t)tr->sw * sizeof(float));
}

static const float *soft_of(const fg_trainer *tr, const float *soft, size_t i) {
    return tr->has_soft ? (soft ? soft : tr->buf_soft) + i * tr->sw : NULL;
}

/* dst[row] = (x - mean) / std feature by feature (row = T * D), as
 * fg_model_normalize_rows computes it; x was checked by check_samples. */
static void normalize_sample(const fg_model *m, const float *x, int32_t row, float *dst) {
    const float *mu = m->norm_means, *sd = m->norm_stds;
    for (int32_t i = 0, d = 0; i < row; i++) {
        dst[i] = (x[i] - mu[d]) / sd[d];
        if (++d == m->D) d = 0;
    }
}

fg_status fg_trainer_stream_feed(fg_trainer *tr, const float *x, const float *y, const float *soft,
                                 int32_t n, int32_t *taken_out, int32_t *event_out) {
    fg_status s;
    if (taken_out) *taken_out = 0;
    if (event_out) *event_out = FG_EVENT_NONE;
    if ((s = check_streaming(tr))) return s;
    if (tr->epoch_open == 2)
        BAD("this epoch's validation has begun: end the epoch (fg_trainer_stream_end_epoch) before "
            "pushing training samples");
    if ((s = check_samples(tr, x, y, soft, n, tr->has_soft))) return s;
    if (tr->epoch_open == 0) {
        fg_train_epoch_start(tr);
        tr->epoch_open = 1;
    }
    float *spare = tr->bat_x + (size_t)tr->ws->max_batch * tr->row;
    for (int32_t i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * tr->row;
        const float *si = tr->has_soft ? soft + (size_t)i * tr->sw : NULL;
        if (tr->raw && tr->model->norm_means) { /* checked above: all finite */
            normalize_sample(tr->model, xi, tr->row, spare);
            xi = spare;
        }
        if (tr->buf_cap == 0) {
            s = emit(tr, xi, y[i], si);
        } else if (tr->buf_n < tr->buf_cap) {
            buffer_put(tr, tr->buf_n++, xi, y[i], si);
            s = FG_OK;
        } else {
            /* a full buffer: a uniformly drawn sample leaves for the batch,
             * the new one takes its slot */
            int32_t j = (int32_t)fg_rng_below(&tr->rng, (uint32_t)tr->buf_cap);
            s = emit(tr, tr->buf_x + (size_t)j * tr->row, tr->buf_y[j],
                     soft_of(tr, NULL, (size_t)j));
            if (!s) buffer_put(tr, j, xi, y[i], si);
        }
        tr->rows_in++;
        if (s) return s;   /* diverged: the run has ended */
        if (tr->pending) { /* data-parallel: the caller computes the batch */
            n = i + 1;
            if (event_out) *event_out = FG_EVENT_BATCH;
        }
    }
    tr->pos = tr->rows_in > INT32_MAX ? INT32_MAX : (int32_t)tr->rows_in;
    if (taken_out) *taken_out = n;
    return FG_OK;
}

fg_status fg_trainer_stream_push(fg_trainer *tr, const float *x, const float *y, const float *soft,
                                 int32_t n) {
    if (tr && tr->parallel)
        BAD("a data-parallel run stops at each batch: push samples with fg_trainer_stream_feed");
    return fg_trainer_stream_feed(tr, x, y, soft, n, NULL, NULL);
}

/* End of the training part of an epoch: the buffer drains in random order,
 * the last partial batch trains. A data-parallel run stops at each batch
 * (tr->pending) and is called again once it is applied. */
static fg_status close_training(fg_trainer *tr) {
    fg_status s;
    while (tr->buf_n > 0) {
        int32_t j = (int32_t)fg_rng_below(&tr->rng, (uint32_t)tr->buf_n);
        if ((s = emit(tr, tr->buf_x + (size_t)j * tr->row, tr->buf_y[j],
                      soft_of(tr, NULL, (size_t)j))))
            return s;
        int32_t last = --tr->buf_n;
        if (j != last)
            buffer_put(tr, j, tr->buf_x + (size_t)last * tr->row, tr->buf_y[last],
                       soft_of(tr, NULL, (size_t)last));
        if (tr->pending) return FG_OK;
    }
    if (tr->bat_n > 0 && (s = batch_full(tr))) return s;
    if (tr->pending) return FG_OK;
    tr->epoch_open = 2;
    return FG_OK;
}

fg_status fg_trainer_stream_close_training(fg_trainer *tr, int32_t *event_out) {
    fg_status s;
    if ((s = check_streaming(tr))) return s;
    if (!event_out) BAD("event_out is NULL");
    *event_out = FG_EVENT_NONE;
    if (tr->epoch_open == 2) return FG_OK;
    if (tr->rows_in == 0) BAD("epoch %d has no training samples", tr->epoch);
    if ((s = close_training(tr))) return s;
    if (tr->pending) *event_out = FG_EVENT_BATCH;
    return FG_OK;
}

/* validate and end_epoch close the training part themselves, except in a
 * data-parallel run, whose batches the caller computes. */
static fg_status close_training_here(fg_trainer *tr) {
    if (tr->parallel)
        BAD("a data-parallel run: end the epoch's training part with "
            "fg_trainer_stream_close_training first");
    return close_training(tr);
}

fg_status fg_trainer_stream_validate(fg_trainer *tr, const float *x, const float *y, int32_t n) {
    fg_status s;
    if ((s = check_streaming(tr))) return s;
    if ((s = check_samples(tr, x, y, NULL, n, 0))) return s;
    if (tr->epoch_open != 2) {
        if (tr->rows_in == 0) BAD("validation before any training sample of this epoch");
        if ((s = close_training_here(tr))) return s;
    }
    fg_workspace *ws = tr->ws;
    for (int32_t start = 0; start < n; start += ws->max_batch) {
        int32_t nb = n - start < ws->max_batch ? n - start : ws->max_batch;
        double dl;
        int32_t c;
        const float *xs = x + (size_t)start * tr->row;
        if (tr->raw) { /* the batch buffer is free once the training part is over */
            fg_model_normalize_rows(tr->model, xs, (size_t)nb * tr->T, tr->bat_x);
            xs = tr->bat_x;
        }
        fg_workspace_gather(ws, xs, NULL, nb);
        fg_batch_loss_and_grad(tr->model, ws, nb, y + start, NULL, &tr->cfg, 0, NULL, &dl, &c);
        tr->val_loss_sum += dl * nb;
        tr->val_correct += c;
    }
    tr->val_rows += n;
    return FG_OK;
}

fg_status fg_trainer_stream_end_epoch(fg_trainer *tr, int32_t *event_out) {
    fg_status s;
    if ((s = check_streaming(tr))) return s;
    if (!event_out) BAD("event_out is NULL");
    if (tr->rows_in == 0) BAD("epoch %d has no training samples", tr->epoch);
    if (tr->epoch_open != 2 && (s = close_training_here(tr))) return s;
    int have_val = tr->val_rows > 0;
    double vl = have_val ? tr->val_loss_sum / (double)tr->val_rows : 0;
    double va = have_val ? (double)tr->val_correct / (double)tr->val_rows : 0;
    tr->ntrain = tr->rows_in > INT32_MAX ? INT32_MAX : (int32_t)tr->rows_in;
    tr->nval = tr->val_rows > INT32_MAX ? INT32_MAX : (int32_t)tr->val_rows;
    int done = fg_train_close_epoch(tr, have_val, vl, va);
    tr->epoch_open = 0;
    tr->rows_in = 0;
    tr->val_rows = 0;
    tr->val_loss_sum = 0;
    tr->val_correct = 0;
    *event_out = done ? FG_EVENT_DONE : FG_EVENT_EPOCH_END;
    return FG_OK;
}

int64_t fg_trainer_stream_position(const fg_trainer *tr) {
    return tr && tr->running && tr->streaming ? tr->rows_in : 0;
}

int32_t fg_trainer_stream_timesteps(const fg_trainer *tr) {
    return tr && tr->running && tr->streaming ? tr->T : 0;
}

/* ------------------------------------------------------------------------ */
/* Hash hold-out                                                            */

/* splitmix64's finalizer: a bijection of 64-bit words that mixes every bit. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

fg_status fg_holdout_rows(uint64_t first_row, int32_t n, uint64_t seed, float ratio, uint8_t *out) {
    if (!(ratio >= 0.0f && ratio < 1.0f)) BAD("ratio must be in [0, 1), got %g", (double)ratio);
    if (n < 0) BAD("n must be >= 0, got %d", n);
    if (n > 0 && !out) BAD("out is NULL");
    uint64_t key = mix64(seed ^ 0x243F6A8885A308D3ULL);
    for (int32_t i = 0; i < n; i++) {
        double u = (double)(mix64(key + (first_row + (uint64_t)i) * 0x9E3779B97F4A7C15ULL) >> 11) *
                   (1.0 / 9007199254740992.0);
        out[i] = u < (double)ratio;
    }
    return FG_OK;
}

/* ------------------------------------------------------------------------ */
/* Normalization statistics (Welford; Chan et al. for merging)              */

struct fg_stats {
    int32_t dim;
    int64_t count; /* rows seen                                          */
    double *mean;  /* [dim]                                              */
    double *m2;    /* [dim] sum of squared deviations from the mean      */
};

fg_status fg_stats_create(int32_t dim, fg_stats **out) {
    if (!out) BAD("out is NULL");
    if (dim <= 0 || dim > (1 << 24)) BAD("dim must be in [1, 2^24], got %d", dim);
    fg_stats *st = fg_alloc_zero(1, sizeof *st, "statistics");
    double *buf = st ? fg_alloc_zero((size_t)dim * 2, sizeof(double), "statistics") : NULL;
    if (!buf) {
        fg_free(st);
        return FG_ERR_OUT_OF_MEMORY;
    }
    st->dim = dim;
    st->mean = buf;
    st->m2 = buf + dim;
    *out = st;
    return FG_OK;
}

void fg_stats_destroy(fg_stats *st) {
    if (!st) return;
    fg_free(st->mean);
    fg_free(st);
}

fg_status fg_stats_update(fg_stats *st, const float *rows, int64_t n) {
    if (!st) BAD("statistics is NULL");
    if (n < 0) BAD("n must be >= 0, got %lld", (long long)n);
    if (n > 0 && !rows) BAD("rows is NULL");
    size_t count = (size_t)n * (size_t)st->dim;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(rows[i])) BAD("rows[%zu] must be finite, got %g", i, (double)rows[i]);
    for (int64_t r = 0; r < n; r++) {
        const float *x = rows + (size_t)r * st->dim;
        double k = (double)(st->count + 1);
        for (int32_t d = 0; d < st->dim; d++) {
            double delta = (double)x[d] - st->mean[d];
            st->mean[d] += delta / k;
            st->m2[d] += delta * ((double)x[d] - st->mean[d]);
        }
        st->count++;
    }
    return FG_OK;
}

fg_status fg_stats_merge(fg_stats *a, const fg_stats *b) {
    if (!a || !b) BAD("statistics is NULL");
    if (a->dim != b->dim) BAD("cannot merge statistics of dim %d into dim %d", b->dim, a->dim);
    if (b->count == 0) return FG_OK;
    double na = (double)a->count, nb = (double)b->count, n = na + nb;
    for (int32_t d = 0; d < a->dim; d++) {
        double delta = b->mean[d] - a->mean[d];
        a->mean[d] += delta * nb / n;
        a->m2[d] += b->m2[d] + delta * delta * na * nb / n;
    }
    a->count += b->count;
    return FG_OK;
}

int64_t fg_stats_count(const fg_stats *st) { return st ? st->count : 0; }

fg_status fg_stats_finish(const fg_stats *st, float *means_out, float *stds_out) {
    if (!st) BAD("statistics is NULL");
    if (st->count == 0) BAD("no rows were seen: the statistics are empty");
    for (int32_t d = 0; d < st->dim; d++) {
        double sd = sqrt(st->m2[d] / (double)st->count);
        if (means_out) means_out[d] = (float)st->mean[d];
        if (stds_out) stds_out[d] = sd < 1e-8 ? 1.0f : (float)sd;
    }
    return FG_OK;
}
