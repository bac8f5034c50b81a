/*
 * test_parallel.c - data-parallel training (c/src/parallel.c).
 *
 *  - a data-parallel run whose chunks are computed by K = 1, 2, 3 workers
 *    (each with its own trainer and copy of the model, the workers taken in
 *    reverse order to show the order of arrival does not matter) ends with
 *    the same model bytes and metrics as fg_trainer_train, on a T > 1
 *    multi-class task with sparsity and distillation on
 *  - a streaming run (shuffle buffer, sparsity, distillation) fed to K
 *    workers ends with the bytes and metrics of the one-thread stream
 *  - the chunks' gradients sum to the whole batch's gradient
 *  - the coordinator's and the workers' calls refuse misuse with
 *    InvalidInput naming the problem, and change nothing
 */
#include "check.h"

enum { N = 230, T = 5, D = 3, O = 4, SW = O };

static float X[N * T * D], Y[N], SOFT[N * SW];

static void gen(void) {
    test_rng r = {2024};
    for (int i = 0; i < N; i++) {
        double acc = 0;
        for (int k = 0; k < T * D; k++) {
            X[i * T * D + k] = (float)trng_normal(&r);
            acc += (k % 3 ? 0.4 : -0.7) * X[i * T * D + k];
        }
        Y[i] = (float)((int)(fabs(acc) * 1.5 + 0.5 * trng_uniform(&r)) % O);
        double sum = 0;
        for (int k = 0; k < SW; k++) sum += (SOFT[i * SW + k] = (float)(0.1 + trng_uniform(&r)));
        for (int k = 0; k < SW; k++) SOFT[i * SW + k] = (float)(SOFT[i * SW + k] / sum);
    }
}

static fg_model_config mcfg(void) {
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = D;
    mc.hidden_dim = 10;
    mc.output_dim = O;
    mc.seed = 3;
    return mc;
}

static fg_training_config tcfg(void) {
    fg_training_config tc = fg_training_config_default();
    tc.batch_size = 40; /* chunks of 16, 16, 8 */
    tc.epochs = 9;
    tc.learning_rate = 0.02f;
    tc.lr_decay_step = 4;
    tc.early_stopping_patience = 2;
    tc.enable_distillation = 1;
    tc.sparsity_w = 0.5f;
    tc.sparsity_u = 0.3f;
    return tc;
}

/* K simulated workers, each with its own trainer and copy of the model. */
typedef struct {
    int K;
    fg_trainer *tr[3];
    fg_model *m[3];
    float *w, *g;
} workers;

static workers workers_new(int K, size_t np) {
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    workers ws = {K, {0}, {0}, alloc_floats(np), alloc_floats(np)};
    for (int k = 0; k < K; k++) {
        fg_trainer_create(&mc, &tc, &ws.tr[k]);
        fg_model_create(&mc, &ws.m[k]);
    }
    return ws;
}

static void workers_free(workers *ws) {
    for (int k = 0; k < ws->K; k++) {
        fg_trainer_destroy(ws->tr[k]);
        fg_model_destroy(ws->m[k]);
    }
    free(ws->w);
    free(ws->g);
}

/* The waiting batch of tr: the workers (in reverse order, to show the
 * order of arrival does not matter) compute chunks c = k, k + K, ...; then
 * the step. */
static fg_status compute_pending(fg_trainer *tr, const fg_model *m, workers *ws, int32_t T_) {
    const float *x, *y, *soft;
    const int32_t *rows;
    int32_t n, chunks;
    size_t np = fg_model_num_params(m);
    fg_status s = fg_trainer_pending_batch(tr, &x, &rows, &y, &soft, &n, &chunks);
    if (s) return s;
    fg_model_get_params(m, ws->w, np);
    for (int k = ws->K - 1; k >= 0; k--) {
        fg_model_set_params(ws->m[k], ws->w, np);
        for (int32_t c = k; c < chunks; c += ws->K) {
            double st[FG_CHUNK_STATS_COUNT];
            s = fg_trainer_chunk_gradient(ws->tr[k], ws->m[k], x, rows, y, soft, n, T_, c, ws->g,
                                          st);
            if (s) return s;
            memcpy(fg_trainer_chunk_grads(tr) + (size_t)c * np, ws->g, np * sizeof(float));
            memcpy(fg_trainer_chunk_stats(tr) + (size_t)c * FG_CHUNK_STATS_COUNT, st, sizeof st);
        }
    }
    return fg_trainer_apply_chunks(tr);
}

/* Runs the coordinator's loop with K simulated workers. */
static fg_status run_parallel(fg_trainer *tr, fg_model *m, const fg_dataset *ds, int K) {
    workers ws = workers_new(K, fg_model_num_params(m));
    fg_status s = fg_trainer_set_data_parallel(tr, 1);
    if (!s) s = fg_trainer_begin(tr, m, ds);
    int32_t ev = FG_EVENT_NONE;
    while (!s && ev != FG_EVENT_DONE) {
        if ((s = fg_trainer_step(tr, 1000, &ev))) break;
        if (ev == FG_EVENT_BATCH) {
            s = compute_pending(tr, m, &ws, T);
            ev = FG_EVENT_NONE;
        }
    }
    if (!s) s = fg_trainer_finish(tr);
    workers_free(&ws);
    return s;
}

/* A streaming run over the first NT samples (pieces of 50), validation on
 * the rest; K = 0: no workers (push), else feed with K workers. */
enum { NT = 180 };
static fg_status run_stream(fg_trainer *tr, fg_model *m, int K) {
    workers ws = workers_new(K, fg_model_num_params(m));
    fg_status s = K ? fg_trainer_set_data_parallel(tr, 1) : FG_OK;
    if (!s) s = fg_trainer_stream_begin(tr, m, T, 64, FG_STREAM_SOFT_TARGETS);
    int32_t ev = FG_EVENT_NONE;
    while (!s && ev != FG_EVENT_DONE) {
        for (int32_t i = 0; !s && i < NT; i += 50) {
            int32_t k = NT - i < 50 ? NT - i : 50;
            const float *x = X + (size_t)i * T * D, *y = Y + i, *so = SOFT + (size_t)i * SW;
            if (!K) {
                s = fg_trainer_stream_push(tr, x, y, so, k);
                continue;
            }
            while (!s && k > 0) {
                int32_t taken, e;
                s = fg_trainer_stream_feed(tr, x, y, so, k, &taken, &e);
                if (!s && e == FG_EVENT_BATCH) s = compute_pending(tr, m, &ws, T);
                x += (size_t)taken * T * D;
                y += taken;
                so += (size_t)taken * SW;
                k -= taken;
            }
        }
        for (int32_t e = FG_EVENT_BATCH; !s && K && e == FG_EVENT_BATCH;) {
            s = fg_trainer_stream_close_training(tr, &e);
            if (!s && e == FG_EVENT_BATCH) s = compute_pending(tr, m, &ws, T);
        }
        if (!s) s = fg_trainer_stream_validate(tr, X + (size_t)NT * T * D, Y + NT, N - NT);
        if (!s) s = fg_trainer_stream_end_epoch(tr, &ev);
    }
    if (!s) s = fg_trainer_finish(tr);
    workers_free(&ws);
    return s;
}

static void test_stream(void) {
    check_section("streaming: K workers, the same bytes as one thread");
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    fg_model *ref = NULL;
    fg_trainer *rt = NULL;
    fg_model_create(&mc, &ref);
    fg_trainer_create(&mc, &tc, &rt);
    CHECK_STATUS(run_stream(rt, ref, 0), FG_OK, "streaming run, one thread");
    size_t ne = fg_trainer_metrics_count(rt);
    for (int K = 1; K <= 3; K++) {
        fg_model *m = NULL;
        fg_trainer *tr = NULL;
        fg_model_create(&mc, &m);
        fg_trainer_create(&mc, &tc, &tr);
        CHECK_STATUS(run_stream(tr, m, K), FG_OK, "data-parallel streaming run");
        CHECK(same_model_bytes(ref, m), "K = %d: streamed model bytes equal the one-thread run's",
              K);
        CHECK(fg_trainer_metrics_count(tr) == ne &&
                  memcmp(fg_trainer_metrics(tr), fg_trainer_metrics(rt),
                         ne * sizeof(fg_training_metrics)) == 0,
              "K = %d: the same %zu metrics records", K, ne);
        fg_trainer_destroy(tr);
        fg_model_destroy(m);
    }
    /* misuse of a data-parallel stream */
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    fg_trainer_set_data_parallel(tr, 1);
    fg_trainer_stream_begin(tr, m, T, 0, FG_STREAM_SOFT_TARGETS);
    CHECK_STATUS(fg_trainer_stream_push(tr, X, Y, SOFT, 10), FG_ERR_INVALID_INPUT,
                 "push in a data-parallel run");
    CHECK(strstr(fg_last_error(), "fg_trainer_stream_feed") != NULL, "it says what to call: %s",
          fg_last_error());
    int32_t taken = -1, e = -1;
    CHECK_STATUS(fg_trainer_stream_feed(tr, X, Y, SOFT, 10, &taken, &e), FG_OK, "feed 10");
    CHECK(taken == 10 && e == FG_EVENT_NONE, "10 samples fill no batch (%d taken, event %d)", taken,
          e);
    CHECK_STATUS(fg_trainer_stream_validate(tr, X, Y, 5), FG_ERR_INVALID_INPUT,
                 "validate before close_training");
    CHECK(strstr(fg_last_error(), "fg_trainer_stream_close_training") != NULL,
          "it says what to call: %s", fg_last_error());
    CHECK_STATUS(fg_trainer_stream_end_epoch(tr, &e), FG_ERR_INVALID_INPUT,
                 "end_epoch before close_training");
    CHECK_STATUS(fg_trainer_stream_feed(tr, X, Y, SOFT, 100, &taken, &e), FG_OK, "feed");
    const float *sx = NULL;
    const int32_t *srows = (const int32_t *)1;
    fg_trainer_pending_batch(tr, &sx, &srows, NULL, NULL, NULL, NULL);
    CHECK(sx != NULL && srows == NULL, "a streamed batch is given as its rows (no indices)");
    CHECK(taken == 30 && e == FG_EVENT_BATCH,
          "feed stops after the batch's last sample (%d, event %d)", taken, e);
    CHECK_STATUS(fg_trainer_stream_feed(tr, X, Y, SOFT, 10, &taken, &e), FG_ERR_INVALID_INPUT,
                 "feed with a batch waiting");
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_STATUS(fg_trainer_checkpoint(tr, "", &bytes, &len), FG_ERR_INVALID_INPUT,
                 "checkpoint with a batch waiting");
    fg_trainer_cancel(tr);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_trainer_destroy(rt);
    fg_model_destroy(ref);
}

static void test_same_model_bytes(void) {
    check_section("K workers: the same bytes as fg_trainer_train");
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    fg_dataset *ds = NULL;
    fg_dataset_create(X, Y, N, T, D, O, &ds);
    fg_dataset_with_soft_targets(ds, SOFT, (size_t)N * SW);
    fg_model *ref = NULL;
    fg_trainer *rt = NULL;
    fg_model_create(&mc, &ref);
    fg_trainer_create(&mc, &tc, &rt);
    CHECK_STATUS(fg_trainer_train(rt, ref, ds, NULL, NULL), FG_OK, "single-process run");
    size_t ne = fg_trainer_metrics_count(rt);
    CHECK(ne >= 4, "the reference run trained %zu epochs (sparsity phases reached)", ne);
    for (int K = 1; K <= 3; K++) {
        fg_model *m = NULL;
        fg_trainer *tr = NULL;
        fg_model_create(&mc, &m);
        fg_trainer_create(&mc, &tc, &tr);
        CHECK_STATUS(run_parallel(tr, m, ds, K), FG_OK, "data-parallel run");
        CHECK(same_model_bytes(ref, m), "K = %d: model bytes equal the single-process run's", K);
        CHECK(fg_trainer_metrics_count(tr) == ne &&
                  memcmp(fg_trainer_metrics(tr), fg_trainer_metrics(rt),
                         ne * sizeof(fg_training_metrics)) == 0,
              "K = %d: the same %zu metrics records", K, ne);
        fg_training_summary a, b;
        fg_trainer_summary(rt, &a);
        fg_trainer_summary(tr, &b);
        CHECK(a.kept_epoch == b.kept_epoch && a.stop_reason == b.stop_reason,
              "K = %d: the same summary (kept epoch %d, stop reason %d)", K, b.kept_epoch,
              b.stop_reason);
        fg_trainer_destroy(tr);
        fg_model_destroy(m);
    }
    fg_trainer_destroy(rt);
    fg_model_destroy(ref);
    fg_dataset_destroy(ds);
}

static void test_chunks_sum(void) {
    check_section("the chunks' gradients sum to the batch's");
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    tc.enable_distillation = 0;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    size_t np = fg_model_num_params(m);
    int32_t n = 37, chunks = fg_grad_chunks(n);
    CHECK(chunks == 3 && fg_grad_chunks(16) == 1 && fg_grad_chunks(17) == 2 &&
              fg_grad_chunks(0) == 0,
          "chunks of %d samples: 37 -> %d, 16 -> 1, 17 -> 2, 0 -> 0", FG_GRAD_CHUNK, chunks);
    double *sum = calloc(np, sizeof(double));
    float *g = alloc_floats(np);
    double st[FG_CHUNK_STATS_COUNT], loss = 0;
    for (int32_t c = 0; c < chunks; c++) {
        CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, NULL, Y, NULL, n, T, c, g, st), FG_OK,
                     "chunk gradient");
        for (size_t i = 0; i < np; i++) sum[i] += g[i];
        loss += st[1];
    }
    /* the batch's gradient by finite differences would be slow; compare
     * with one custom-loop step instead: Adam's first step moves every
     * weight by -lr * sign(g) (|g| >> eps), so the signs must agree */
    fg_model *m2 = NULL;
    fg_model_create(&mc, &m2);
    float *before = alloc_floats(np), *after = alloc_floats(np);
    fg_model_get_params(m2, before, np);
    float batch_loss;
    tc.l2_reg = 0;
    tc.grad_clip = 1e9f;
    fg_trainer *t2 = NULL;
    fg_trainer_create(&mc, &tc, &t2);
    fg_trainer_train_batch(t2, m2, X, Y, NULL, n, T, &batch_loss);
    fg_model_get_params(m2, after, np);
    size_t agree = 0, moved = 0;
    for (size_t i = 0; i < np; i++) {
        if (fabs(sum[i]) < 1e-5) continue;
        moved++;
        agree += (after[i] - before[i] < 0) == (sum[i] > 0);
    }
    CHECK(moved > np / 2 && agree == moved,
          "%zu of %zu moved weights step against the summed chunk "
          "gradient",
          agree, moved);
    CHECK(fabs(loss / n - batch_loss) < 1e-5 * (1 + batch_loss),
          "the chunks' data losses sum to the batch's: %g vs %g", loss / n, (double)batch_loss);
    free(sum);
    free(g);
    free(before);
    free(after);
    fg_trainer_destroy(t2);
    fg_model_destroy(m2);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
}

static void test_misuse(void) {
    check_section("misuse");
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    tc.enable_distillation = 0;
    fg_dataset *ds = NULL;
    fg_dataset_create(X, Y, N, T, D, O, &ds);
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    size_t np = fg_model_num_params(m);
    float *g = alloc_floats(np);
    double st[FG_CHUNK_STATS_COUNT];
    CHECK_STATUS(fg_trainer_set_data_parallel(tr, 2), FG_ERR_INVALID_INPUT, "data_parallel 2");
    CHECK(mentions(fg_last_error(), "data_parallel"), "the message names it: %s", fg_last_error());
    CHECK_STATUS(fg_trainer_apply_chunks(tr), FG_ERR_INVALID_INPUT, "apply before begin");
    CHECK(fg_trainer_chunk_grads(tr) == NULL, "no chunk buffers outside a data-parallel run");
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, NULL, Y, NULL, 40, T, 3, g, st),
                 FG_ERR_INVALID_INPUT, "chunk 3 of a batch of 40");
    CHECK(mentions(fg_last_error(), "chunk") && strstr(fg_last_error(), "got 3"),
          "the message names the chunk and the value: %s", fg_last_error());
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, NULL, Y, NULL, 40, T, -1, g, st),
                 FG_ERR_INVALID_INPUT, "chunk -1");
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, NULL, Y, NULL, 0, T, 0, g, st),
                 FG_ERR_INVALID_INPUT, "a batch of 0");
    fg_trainer_set_data_parallel(tr, 1);
    CHECK(fg_trainer_is_data_parallel(tr) == 1, "data_parallel is on");
    CHECK_STATUS(fg_trainer_begin(tr, m, ds), FG_OK, "begin");
    CHECK_STATUS(fg_trainer_set_data_parallel(tr, 0), FG_ERR_INVALID_INPUT, "switch while running");
    CHECK_STATUS(fg_trainer_apply_chunks(tr), FG_ERR_INVALID_INPUT, "apply with no batch waiting");
    int32_t ev = 0;
    CHECK_STATUS(fg_trainer_step(tr, 5, &ev), FG_OK, "step");
    CHECK(ev == FG_EVENT_BATCH, "the step stops at the first batch (event %d)", ev);
    CHECK_STATUS(fg_trainer_step(tr, 5, &ev), FG_ERR_INVALID_INPUT, "step with a batch waiting");
    CHECK(strstr(fg_last_error(), "fg_trainer_apply_chunks") != NULL, "it says what to call: %s",
          fg_last_error());
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, NULL, Y, NULL, 40, T, 0, g, st),
                 FG_ERR_INVALID_INPUT, "a running trainer as a worker");
    int32_t n = 0, chunks = 0;
    CHECK_STATUS(fg_trainer_pending_batch(tr, NULL, NULL, NULL, NULL, &n, &chunks), FG_OK,
                 "pending");
    CHECK(n == 40 && chunks == 3, "the waiting batch: %d samples in %d chunks", n, chunks);
    const float *bx = NULL;
    const int32_t *brows = NULL;
    fg_trainer_pending_batch(tr, &bx, &brows, NULL, NULL, NULL, NULL);
    CHECK(bx == fg_dataset_features(ds) && brows != NULL && brows[0] >= 0 && brows[0] < N,
          "an in-memory batch is given as rows of the dataset's features (first row %d)",
          brows ? brows[0] : -1);
    fg_trainer_cancel(tr);
    CHECK_STATUS(fg_trainer_pending_batch(tr, NULL, NULL, NULL, NULL, &n, &chunks),
                 FG_ERR_INVALID_INPUT, "pending after cancel");
    free(g);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
}

int main(void) {
    gen();
    test_same_model_bytes();
    test_stream();
    test_chunks_sum();
    test_misuse();
    return check_summary();
}
