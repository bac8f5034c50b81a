/*
 * test_parallel.c - data-parallel training (c/src/parallel.c).
 *
 *  - a data-parallel run whose chunks are computed by K = 1, 2, 3 workers
 *    (each with its own trainer and copy of the model, the workers taken in
 *    reverse order to show the order of arrival does not matter) ends with
 *    the same model bytes and metrics as fg_trainer_train, on a T > 1
 *    multi-class task with sparsity and distillation on
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

static int same_bytes(const fg_model *a, const fg_model *b) {
    uint8_t *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    if (fg_model_save(a, &pa, &la) || fg_model_save(b, &pb, &lb)) return 0;
    int same = la == lb && memcmp(pa, pb, la) == 0;
    fg_free(pa);
    fg_free(pb);
    return same;
}

/* Runs the coordinator's loop with K simulated workers. */
static fg_status run_parallel(fg_trainer *tr, fg_model *m, const fg_dataset *ds, int K) {
    fg_model_config mc = mcfg();
    fg_training_config tc = tcfg();
    fg_trainer *wt[3];
    fg_model *wm[3];
    for (int k = 0; k < K; k++) {
        fg_trainer_create(&mc, &tc, &wt[k]);
        fg_model_create(&mc, &wm[k]);
    }
    size_t np = fg_model_num_params(m);
    float *w = alloc_floats(np), *g = alloc_floats(np);
    fg_status s = fg_trainer_set_data_parallel(tr, 1);
    if (!s) s = fg_trainer_begin(tr, m, ds);
    int32_t ev = FG_EVENT_NONE;
    while (!s && ev != FG_EVENT_DONE) {
        if ((s = fg_trainer_step(tr, 1000, &ev))) break;
        if (ev != FG_EVENT_BATCH) continue;
        const float *x, *y, *soft;
        int32_t n, chunks;
        fg_trainer_pending_batch(tr, &x, &y, &soft, &n, &chunks);
        fg_model_get_params(m, w, np);
        for (int k = K - 1; k >= 0; k--) { /* workers in any order */
            fg_model_set_params(wm[k], w, np);
            for (int32_t c = k; c < chunks; c += K) {
                double st[FG_CHUNK_STATS_COUNT];
                if ((s = fg_trainer_chunk_gradient(wt[k], wm[k], x, y, soft, n, T, c, g, st)))
                    break;
                memcpy(fg_trainer_chunk_grads(tr) + (size_t)c * np, g, np * sizeof(float));
                memcpy(fg_trainer_chunk_stats(tr) + (size_t)c * FG_CHUNK_STATS_COUNT, st,
                       sizeof st);
            }
        }
        if (!s) s = fg_trainer_apply_chunks(tr);
        ev = FG_EVENT_NONE;
    }
    if (!s) s = fg_trainer_finish(tr);
    for (int k = 0; k < K; k++) {
        fg_trainer_destroy(wt[k]);
        fg_model_destroy(wm[k]);
    }
    free(w);
    free(g);
    return s;
}

static void test_same_bytes(void) {
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
        CHECK(same_bytes(ref, m), "K = %d: model bytes equal the single-process run's", K);
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
        CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, Y, NULL, n, T, c, g, st), FG_OK,
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
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, Y, NULL, 40, T, 3, g, st),
                 FG_ERR_INVALID_INPUT, "chunk 3 of a batch of 40");
    CHECK(mentions(fg_last_error(), "chunk") && strstr(fg_last_error(), "got 3"),
          "the message names the chunk and the value: %s", fg_last_error());
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, Y, NULL, 40, T, -1, g, st),
                 FG_ERR_INVALID_INPUT, "chunk -1");
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, Y, NULL, 0, T, 0, g, st), FG_ERR_INVALID_INPUT,
                 "a batch of 0");
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
    CHECK_STATUS(fg_trainer_chunk_gradient(tr, m, X, Y, NULL, 40, T, 0, g, st),
                 FG_ERR_INVALID_INPUT, "a running trainer as a worker");
    int32_t n = 0, chunks = 0;
    CHECK_STATUS(fg_trainer_pending_batch(tr, NULL, NULL, NULL, &n, &chunks), FG_OK, "pending");
    CHECK(n == 40 && chunks == 3, "the waiting batch: %d samples in %d chunks", n, chunks);
    fg_trainer_cancel(tr);
    CHECK_STATUS(fg_trainer_pending_batch(tr, NULL, NULL, NULL, &n, &chunks), FG_ERR_INVALID_INPUT,
                 "pending after cancel");
    free(g);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
}

int main(void) {
    gen();
    test_same_bytes();
    test_chunks_sum();
    test_misuse();
    return check_summary();
}
