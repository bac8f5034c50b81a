/*
 * parallel.c - data-parallel training: a batch's chunks computed elsewhere
 * (docs/design.md, "Data-parallel training").
 *
 * Every training step splits its batch of n samples into chunks of
 * G = FG_GRAD_CHUNK samples; chunk c holds samples [c*G, min(n, (c+1)*G)).
 * A chunk's gradient depends only on the weights and its own samples, and
 * the batch's gradient is chunk 0's plus chunk 1's plus ... in chunk order.
 * The single-process trainer computes the chunks one after another
 * (batch_chunks in train.c). A data-parallel run lets K workers compute them
 * instead, each with a copy of the weights, and reduces them here in the
 * same order, so the model's bytes are the same for every K.
 *
 * The coordinator holds the run (fg_trainer_set_data_parallel before begin):
 * fg_trainer_step stops at each batch with FG_EVENT_BATCH; the batch is
 * read with fg_trainer_pending_batch (an in-memory run's as row indices into
 * its dataset, a streaming run's as the rows themselves); workers call
 * fg_trainer_chunk_gradient for each chunk and the caller copies every
 * chunk's gradient and statistics into fg_trainer_chunk_grads /
 * fg_trainer_chunk_stats; fg_trainer_apply_chunks reduces them and ends the
 * step (L2, mask, clipping, Adam, thresholding: fg_train_apply).
 */
#include <string.h>

#include "internal.h"

#define BAD(...) return fg_fail(FG_ERR_INVALID_INPUT, __VA_ARGS__)

int32_t fg_grad_chunks(int32_t n) { return n <= 0 ? 0 : (n - 1) / FG_GRAD_CHUNK + 1; }

int32_t fg_grad_chunk_span(int32_t n, int32_t chunk, int32_t *start_out) {
    if (chunk < 0 || chunk >= fg_grad_chunks(n)) return 0;
    int32_t start = chunk * FG_GRAD_CHUNK;
    if (start_out) *start_out = start;
    return n - start < FG_GRAD_CHUNK ? n - start : FG_GRAD_CHUNK;
}

fg_status fg_trainer_set_data_parallel(fg_trainer *tr, int on) {
    if (!tr) BAD("trainer is NULL");
    if (on != 0 && on != 1) BAD("data_parallel must be 0 or 1, got %d", on);
    if (tr->running) BAD("trainer is running: set data_parallel before begin");
    tr->parallel = on;
    return FG_OK;
}

int fg_trainer_is_data_parallel(const fg_trainer *tr) { return tr && tr->parallel; }

fg_status fg_train_parallel_alloc(fg_trainer *tr, const fg_model *m, int32_t batch) {
    int32_t k = fg_grad_chunks(batch);
    size_t floats;
    if (!fg_mul_ok((size_t)k, m->num_params, &floats))
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "chunk gradients: %d x %zu floats overflow", k,
                       m->num_params);
    tr->chunk_grads = fg_alloc_zero(floats, sizeof(float), "chunk gradients");
    tr->chunk_stats = tr->chunk_grads
                          ? fg_alloc_zero((size_t)k * FG_CHUNK_STATS, sizeof(double), "chunk stats")
                          : NULL;
    if (!tr->chunk_stats) return FG_ERR_OUT_OF_MEMORY;
    tr->max_chunks = k;
    tr->pending = 0;
    return FG_OK;
}

fg_status fg_trainer_pending_batch(const fg_trainer *tr, const float **x, const int32_t **rows,
                                   const float **y, const float **soft, int32_t *n,
                                   int32_t *chunks) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running || !tr->pending) BAD("no batch is waiting for its gradients");
    int has_soft = tr->streaming ? tr->has_soft : tr->data->soft != NULL;
    /* a streaming run holds the batch's rows; an in-memory run points into its dataset */
    if (x) *x = tr->streaming ? tr->bat_x : tr->data->x;
    if (rows) *rows = tr->streaming ? NULL : tr->pending_rows;
    if (y) *y = tr->by;
    if (soft) *soft = has_soft ? tr->bsoft : NULL;
    if (n) *n = tr->pending;
    if (chunks) *chunks = fg_grad_chunks(tr->pending);
    return FG_OK;
}

float *fg_trainer_chunk_grads(fg_trainer *tr) { return tr ? tr->chunk_grads : NULL; }
double *fg_trainer_chunk_stats(fg_trainer *tr) { return tr ? tr->chunk_stats : NULL; }

/* grad = chunk 0, then += chunk c for c = 1, 2, ...: the order batch_chunks
 * (train.c) adds them in. */
fg_status fg_trainer_apply_chunks(fg_trainer *tr) {
    if (!tr) BAD("trainer is NULL");
    if (!tr->running || !tr->pending) BAD("no batch is waiting for its gradients");
    fg_model *m = tr->model;
    int32_t n = tr->pending, k = fg_grad_chunks(n);
    size_t np = m->num_params;
    double stats[FG_CHUNK_STATS] = {0};
    for (int32_t c = 0; c < k; c++) {
        const float *g = tr->chunk_grads + (size_t)c * np;
        if (c == 0)
            for (size_t i = 0; i < np; i++) tr->grad[i] = (fg_real)g[i];
        else
            for (size_t i = 0; i < np; i++) tr->grad[i] += (fg_real)g[i];
        for (int s = 0; s < FG_CHUNK_STATS; s++)
            stats[s] += tr->chunk_stats[c * FG_CHUNK_STATS + s];
    }
    tr->pending = 0;
    double dl;
    int32_t correct;
    fg_status s = fg_train_apply(tr, m, n, stats, &dl, &correct);
    if (s) {
        fg_train_end_run(tr, FG_STOP_DIVERGED, 0, 0);
        return s;
    }
    fg_train_count_batch(tr, n, dl, correct);
    return FG_OK;
}

/* A worker's part: chunk `chunk` of the batch of n samples whose rows are
 * x [n, T, D] (rows NULL) or x[rows[b]] (rows: n indices), labels y [n],
 * soft NULL or [n, sw], with model's weights; tr only lends its config and
 * scratch. */
fg_status fg_trainer_chunk_gradient(fg_trainer *tr, const fg_model *model, const float *x,
                                    const int32_t *rows, const float *y, const float *soft,
                                    int32_t n, int32_t timesteps, int32_t chunk, float *grad_out,
                                    double *stats_out) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (tr->running) BAD("trainer is running a train() call; chunk gradients need an idle one");
    if ((s = fg_train_check_model(tr, model))) return s;
    if (!x || !y || !grad_out || !stats_out) BAD("x, y, grad_out and stats_out must not be NULL");
    if (n <= 0) BAD("batch size n must be > 0, got %d", n);
    if (timesteps <= 0) BAD("timesteps must be > 0, got %d", timesteps);
    if (chunk < 0 || chunk >= fg_grad_chunks(n))
        BAD("chunk must be in [0, %d) for a batch of %d, got %d", fg_grad_chunks(n), n, chunk);
    if (tr->cfg.enable_distillation && !soft)
        BAD("enable_distillation is true but soft_targets is NULL");
    if ((s = fg_train_scratch(tr, model, FG_GRAD_CHUNK, timesteps))) return s;
    fg_train_chunk(tr, model, x, rows, n, chunk, y, soft, tr->cgrad, stats_out);
    for (size_t i = 0; i < model->num_params; i++) grad_out[i] = (float)tr->cgrad[i];
    return FG_OK;
}
