/*
 * test_stream.c - streaming runs, checkpoints and resume, the hash hold-out
 * and one-pass statistics.
 *
 *  - a stream in the order fg_trainer_train visits the samples (shuffle off,
 *    the split's order, validation pushed after the training part) gives
 *    the same model bytes and metrics as fg_trainer_train, however the
 *    samples are chunked
 *  - with a shuffle buffer, sparsity and distillation on, a run checkpointed
 *    and resumed (into a new trainer) at many points ends with the same
 *    bytes and metrics as the uninterrupted run
 *  - truncated, bit-flipped and foreign checkpoints are refused with a typed
 *    error, and a trainer of another config refuses with InvalidInput
 *  - Welford statistics equal fg_dataset_normalize's; merged halves equal
 *    the whole; the hold-out is deterministic and near its ratio
 */
#include "check.h"

typedef struct {
    float *x, *y, *soft;
    int32_t n, T, D, O;
} data;

static data gen(int32_t n, int32_t T, int32_t D, int32_t O, uint64_t seed) {
    data d = {alloc_floats((size_t)n * T * D), alloc_floats((size_t)n), NULL, n, T, D, O};
    int32_t sw = O == 1 ? 1 : O;
    d.soft = alloc_floats((size_t)n * sw);
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        float *s = d.x + (size_t)i * T * D;
        double acc = 0;
        for (int32_t k = 0; k < T * D; k++) {
            s[k] = (float)trng_normal(&r);
            acc += (k % 2 ? 0.5 : -0.3) * s[k];
        }
        if (O == 1) d.y[i] = acc + 0.3 * trng_normal(&r) > 0 ? 1.0f : 0.0f;
        else d.y[i] = (float)((int)(fabs(acc) * 2 + trng_uniform(&r)) % O);
        double sum = 0;
        for (int32_t k = 0; k < sw; k++)
            sum += (d.soft[(size_t)i * sw + k] = (float)(0.1 + trng_uniform(&r)));
        if (O > 1)
            for (int32_t k = 0; k < sw; k++)
                d.soft[(size_t)i * sw + k] = (float)(d.soft[(size_t)i * sw + k] / sum);
        else d.soft[i] = d.soft[i] > 1 ? 1 : d.soft[i];
    }
    return d;
}

static void free_data(data *d) {
    free(d->x);
    free(d->y);
    free(d->soft);
}

static fg_model_config model_cfg(const data *d) {
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = d->D;
    mc.hidden_dim = 10;
    mc.output_dim = d->O;
    mc.rank = 3;
    mc.seed = 7;
    return mc;
}

static int same_metrics(const fg_trainer *a, const fg_trainer *b) {
    size_t n = fg_trainer_metrics_count(a);
    return n == fg_trainer_metrics_count(b) && n > 0 &&
           memcmp(fg_trainer_metrics(a), fg_trainer_metrics(b), n * sizeof(fg_training_metrics)) ==
               0;
}

/* ---- stream == train on the same order --------------------------------- */

static void test_equals_train(int32_t T, int32_t O, float val_split, int32_t chunk) {
    data d = gen(203, T, 3, O, 11 + (uint64_t)O);
    fg_model_config mc = model_cfg(&d);
    fg_training_config tc = fg_training_config_default();
    tc.shuffle = 0;
    tc.batch_size = 16;
    tc.epochs = 6;
    tc.learning_rate = 0.01f;
    tc.lr_decay_step = 2;
    tc.validation_split = val_split;
    tc.early_stopping_patience = 3;

    fg_dataset *ds = NULL, *tr_part = NULL, *va_part = NULL;
    fg_model *m1 = NULL, *m2 = NULL;
    fg_trainer *t1 = NULL, *t2 = NULL;
    fg_dataset_create(d.x, d.y, d.n, T, d.D, O, &ds);
    fg_model_create(&mc, &m1);
    fg_model_create(&mc, &m2);
    fg_trainer_create(&mc, &tc, &t1);
    fg_trainer_create(&mc, &tc, &t2);
    CHECK_STATUS(fg_trainer_train(t1, m1, ds, NULL, NULL), FG_OK, "in-memory run");
    /* the trainer's split order: the same seed and ratio */
    fg_dataset_split(ds, val_split, tc.seed, &tr_part, &va_part);
    int32_t ntr = fg_dataset_len(tr_part), nva = fg_dataset_len(va_part);
    size_t row = (size_t)T * d.D;

    CHECK_STATUS(fg_trainer_stream_begin(t2, m2, T, 64, 0), FG_OK, "stream begin");
    int32_t ev = FG_EVENT_NONE;
    while (ev != FG_EVENT_DONE) {
        for (int32_t i = 0; i < ntr; i += chunk) {
            int32_t k = ntr - i < chunk ? ntr - i : chunk;
            if (fg_trainer_stream_push(t2, fg_dataset_features(tr_part) + i * row,
                                       fg_dataset_labels(tr_part) + i, NULL, k))
                break;
        }
        for (int32_t i = 0; i < nva; i += chunk) {
            int32_t k = nva - i < chunk ? nva - i : chunk;
            fg_trainer_stream_validate(t2, fg_dataset_features(va_part) + i * row,
                                       fg_dataset_labels(va_part) + i, k);
        }
        if (fg_trainer_stream_end_epoch(t2, &ev)) break;
    }
    CHECK_STATUS(fg_trainer_finish(t2), FG_OK, "stream finish");
    CHECK(same_model_bytes(m1, m2),
          "T %d O %d val %g chunks of %d: streamed model == fg_trainer_train's, byte for byte", T,
          O, (double)val_split, chunk);
    CHECK(same_metrics(t1, t2), "... and the same metrics (%zu epochs)",
          fg_trainer_metrics_count(t2));
    fg_training_summary s1, s2;
    fg_trainer_summary(t1, &s1);
    fg_trainer_summary(t2, &s2);
    CHECK(s1.kept_epoch == s2.kept_epoch && s1.stop_reason == s2.stop_reason &&
              s1.train_samples == s2.train_samples &&
              s1.validation_samples == s2.validation_samples,
          "... and the same summary (kept %d, stop %d, %d + %d samples)", s2.kept_epoch,
          s2.stop_reason, s2.train_samples, s2.validation_samples);
    fg_dataset_destroy(ds);
    fg_dataset_destroy(tr_part);
    fg_dataset_destroy(va_part);
    fg_model_destroy(m1);
    fg_model_destroy(m2);
    fg_trainer_destroy(t1);
    fg_trainer_destroy(t2);
    free_data(&d);
}

/* ---- raw inputs: the model's normalization applied on arrival ---------- */

static void test_raw_inputs(void) {
    data d = gen(90, 2, 3, 1, 31);
    for (size_t i = 0; i < (size_t)d.n * 6; i++) d.x[i] = d.x[i] * 4.0f + 10.0f;
    fg_model_config mc = model_cfg(&d);
    fg_training_config tc = fg_training_config_default();
    tc.shuffle = 0;
    tc.validation_split = 0;
    tc.epochs = 3;
    tc.batch_size = 10;
    fg_dataset *ds = NULL;
    fg_dataset_create(d.x, d.y, d.n, 2, 3, 1, &ds);
    float mu[3], sd[3];
    fg_dataset_normalize(ds, mu, sd); /* ds now normalized */
    fg_dataset *tr_part = NULL, *va_part = NULL, *raw = NULL;
    fg_dataset_create(d.x, d.y, d.n, 2, 3, 1, &raw);
    fg_dataset_split(raw, 0, tc.seed, &tr_part, &va_part);
    fg_model *m1 = NULL, *m2 = NULL;
    fg_trainer *t1 = NULL, *t2 = NULL;
    fg_model_create(&mc, &m1);
    fg_model_create(&mc, &m2);
    fg_model_set_normalization(m1, mu, sd, 3);
    fg_model_set_normalization(m2, mu, sd, 3);
    fg_trainer_create(&mc, &tc, &t1);
    fg_trainer_create(&mc, &tc, &t2);
    fg_trainer_train(t1, m1, ds, NULL, NULL);
    fg_trainer_stream_begin(t2, m2, 2, 0, FG_STREAM_RAW_INPUTS);
    int32_t ev = FG_EVENT_NONE;
    while (ev != FG_EVENT_DONE) {
        fg_trainer_stream_push(t2, fg_dataset_features(tr_part), fg_dataset_labels(tr_part), NULL,
                               d.n);
        fg_trainer_stream_validate(t2, fg_dataset_features(raw), fg_dataset_labels(raw), 5);
        if (fg_trainer_stream_end_epoch(t2, &ev)) break;
    }
    fg_trainer_finish(t2);
    const fg_training_metrics *a = fg_trainer_metrics(t1), *b = fg_trainer_metrics(t2);
    CHECK(fg_trainer_metrics_count(t2) == 3 && a[2].train_loss == b[2].train_loss,
          "raw samples normalized on arrival train exactly as a normalized dataset (loss %g)",
          (double)b[2].train_loss);
    float big[6] = {3e38f, 0, 0, 0, 0, 0}, y = 1;
    fg_model_set_normalization(m1, mu, sd, 3);
    fg_trainer *t3 = NULL;
    fg_trainer_create(&mc, &tc, &t3);
    fg_trainer_stream_begin(t3, m1, 2, 0, FG_STREAM_RAW_INPUTS);
    sd[0] = 1e-30f;
    fg_model_set_normalization(m2, mu, sd, 3); /* m2 is idle now: a tiny std */
    fg_trainer *t4 = NULL;
    fg_trainer_create(&mc, &tc, &t4);
    fg_trainer_stream_begin(t4, m2, 2, 0, FG_STREAM_RAW_INPUTS);
    CHECK_STATUS(fg_trainer_stream_push(t4, big, &y, NULL, 1), FG_ERR_INVALID_INPUT,
                 "a value that normalizes to infinity");
    CHECK_STATUS(fg_trainer_stream_begin(t3, m1, 2, 0, 4), FG_ERR_INVALID_INPUT,
                 "unknown flag bits");
    fg_trainer_destroy(t1);
    fg_trainer_destroy(t2);
    fg_trainer_destroy(t3);
    fg_trainer_destroy(t4);
    fg_model_destroy(m1);
    fg_model_destroy(m2);
    fg_dataset_destroy(ds);
    fg_dataset_destroy(raw);
    fg_dataset_destroy(tr_part);
    fg_dataset_destroy(va_part);
    free_data(&d);
}

/* ---- checkpoint and resume --------------------------------------------- */

typedef struct {
    fg_trainer *tr;
    fg_model *model;
    int64_t pos; /* training samples of the current epoch pushed     */
    int val_done;
} run_state;

static fg_training_config sparse_cfg(void) {
    fg_training_config tc = fg_training_config_default();
    tc.batch_size = 8;
    tc.epochs = 6;
    tc.learning_rate = 0.02f;
    tc.lr_decay_step = 2;
    tc.sparsity_w = 0.5f;
    tc.sparsity_u = 0.3f;
    tc.enable_distillation = 1;
    tc.early_stopping_patience = FG_PATIENCE_NONE;
    return tc;
}

/* Runs to the end, pushing chunks of 5; before chunk number `stop_at`
 * (counted over the whole run) checkpoints, throws the trainer and model
 * away and resumes from the bytes (stop_at < 0: never). Returns the model's
 * saved bytes; *nm the metrics count. */
static uint8_t *run_with_resume(const data *d, int32_t ntr, int64_t stop_at, size_t *len,
                                fg_training_metrics *metrics, size_t *nm, int *resumed) {
    fg_model_config mc = model_cfg(d);
    fg_training_config tc = sparse_cfg();
    size_t row = (size_t)d->T * d->D;
    int32_t sw = d->O == 1 ? 1 : d->O;
    run_state r = {NULL, NULL, 0, 0};
    fg_model_create(&mc, &r.model);
    fg_trainer_create(&mc, &tc, &r.tr);
    fg_trainer_stream_begin(r.tr, r.model, d->T, 37, FG_STREAM_SOFT_TARGETS);
    int64_t chunk_no = 0;
    int32_t ev = FG_EVENT_NONE;
    *resumed = 0;
    while (ev != FG_EVENT_DONE) {
        /* training part: rows [pos, ntr); then validation rows [ntr, n) in one piece */
        for (;;) {
            if (chunk_no++ == stop_at) {
                uint8_t *ck = NULL;
                size_t cklen = 0;
                char src[64];
                snprintf(src, sizeof src, "{\"pos\":%lld,\"val\":%d}", (long long)r.pos,
                         r.val_done);
                if (fg_trainer_checkpoint(r.tr, src, &ck, &cklen)) {
                    printf("checkpoint failed: %s\n", fg_last_error());
                    break;
                }
                fg_trainer_destroy(r.tr);
                fg_model_destroy(r.model);
                fg_trainer_create(&mc, &tc, &r.tr);
                char *back = NULL;
                if (fg_trainer_resume(r.tr, ck, cklen, &r.model, &back)) {
                    printf("resume failed: %s\n", fg_last_error());
                    fg_free(ck);
                    break;
                }
                long long pos = -1;
                int val = -1;
                sscanf(back, "{\"pos\":%lld,\"val\":%d}", &pos, &val);
                *resumed =
                    pos == r.pos && val == r.val_done && fg_trainer_stream_position(r.tr) == r.pos;
                fg_free(back);
                fg_free(ck);
            }
            if (r.pos < ntr) {
                int32_t k = ntr - r.pos < 5 ? (int32_t)(ntr - r.pos) : 5;
                fg_trainer_stream_push(r.tr, d->x + r.pos * row, d->y + r.pos, d->soft + r.pos * sw,
                                       k);
                r.pos += k;
            } else if (!r.val_done) {
                fg_trainer_stream_validate(r.tr, d->x + (size_t)ntr * row, d->y + ntr, d->n - ntr);
                r.val_done = 1;
            } else {
                break;
            }
        }
        if (fg_trainer_stream_end_epoch(r.tr, &ev)) break;
        r.pos = 0;
        r.val_done = 0;
    }
    fg_trainer_finish(r.tr);
    *nm = fg_trainer_metrics_count(r.tr);
    memcpy(metrics, fg_trainer_metrics(r.tr), *nm * sizeof *metrics);
    uint8_t *bytes = NULL;
    fg_model_save(r.model, &bytes, len);
    fg_trainer_destroy(r.tr);
    fg_model_destroy(r.model);
    return bytes;
}

static void test_resume(void) {
    data d = gen(120, 4, 2, 3, 5);
    int32_t ntr = 100;
    size_t len0, nm0;
    fg_training_metrics m0[16];
    int resumed;
    uint8_t *ref = run_with_resume(&d, ntr, -1, &len0, m0, &nm0, &resumed);
    CHECK(ref != NULL && nm0 == 6,
          "uninterrupted sparse + distillation + shuffle-buffer run: %zu epochs", nm0);
    /* 22 chunks per epoch (20 pushes, validation, the end): stop in every phase */
    const int64_t stops[] = {0, 1, 3, 7, 19, 20, 21, 22, 23, 45, 50, 66, 67, 88, 100, 131};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        size_t len, nm;
        fg_training_metrics mm[16];
        uint8_t *b = run_with_resume(&d, ntr, stops[i], &len, mm, &nm, &resumed);
        CHECK(resumed && b && len == len0 && memcmp(b, ref, len) == 0 && nm == nm0 &&
                  memcmp(mm, m0, nm * sizeof *mm) == 0,
              "checkpoint before chunk %lld, resumed in a new trainer: the same model bytes and "
              "metrics",
              (long long)stops[i]);
        fg_free(b);
    }
    fg_free(ref);
    free_data(&d);
}

/* ---- bad checkpoints ----------------------------------------------------- */

static void test_bad_checkpoints(void) {
    data d = gen(60, 2, 2, 1, 9);
    fg_model_config mc = model_cfg(&d);
    fg_training_config tc = sparse_cfg();
    tc.enable_distillation = 0;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    fg_trainer_stream_begin(tr, m, 2, 16, 0);
    fg_trainer_stream_push(tr, d.x, d.y, NULL, 45);
    uint8_t *ck = NULL;
    size_t len = 0;
    CHECK_STATUS(fg_trainer_checkpoint(tr, "{\"pos\":45}", &ck, &len), FG_OK,
                 "checkpoint mid-epoch");

    fg_trainer *fresh = NULL;
    fg_trainer_create(&mc, &tc, &fresh);
    fg_model *out = NULL;
    char *src = NULL;
    int all_refused = 1, crashed_none = 1;
    for (size_t cut = 0; cut < len; cut += (cut < 200 ? 1 : 97)) {
        fg_status s = fg_trainer_resume(fresh, ck, cut, &out, &src);
        if (s != FG_ERR_SERIALIZATION) {
            all_refused = 0;
            printf("  cut %zu -> %s\n", cut, fg_status_name(s));
        }
        if (fg_trainer_is_running(fresh)) {
            crashed_none = 0;
            fg_trainer_cancel(fresh);
        }
    }
    CHECK(all_refused && crashed_none,
          "every truncation is SerializationError and leaves the trainer idle");
    /* bit flips: refused, or (a flip in a float that stays valid) accepted */
    test_rng r = {3};
    int typed = 1;
    for (int k = 0; k < 400; k++) {
        uint8_t *mut = malloc(len);
        memcpy(mut, ck, len);
        size_t at = (size_t)(trng_uniform(&r) * (double)len);
        mut[at] ^= (uint8_t)(1u << (k % 8));
        fg_status s = fg_trainer_resume(fresh, mut, len, &out, &src);
        if (s == FG_OK) {
            fg_trainer_cancel(fresh);
            fg_model_destroy(out);
            fg_free(src);
        } else if (s != FG_ERR_SERIALIZATION && s != FG_ERR_INVALID_INPUT) {
            typed = 0;
        }
        free(mut);
    }
    CHECK(typed, "400 bit flips: each resumes or is a typed error");
    /* a model file is not a checkpoint */
    uint8_t *mb = NULL;
    size_t ml = 0;
    fg_model_save(m, &mb, &ml);
    fg_status s = fg_trainer_resume(fresh, mb, ml, &out, &src);
    CHECK(s == FG_ERR_SERIALIZATION && contains_ci(fg_last_error(), "not a checkpoint"),
          "a model file is refused: %s", fg_last_error());
    fg_free(mb);
    /* another config */
    fg_training_config other = tc;
    other.learning_rate = 0.5f;
    fg_trainer *diff = NULL;
    fg_trainer_create(&mc, &other, &diff);
    s = fg_trainer_resume(diff, ck, len, &out, &src);
    CHECK(s == FG_ERR_INVALID_INPUT && contains_ci(fg_last_error(), "training config") &&
              !fg_trainer_is_running(diff),
          "a trainer with another training config refuses: %s", fg_last_error());
    /* the good one still resumes */
    s = fg_trainer_resume(fresh, ck, len, &out, &src);
    CHECK(s == FG_OK && fg_trainer_stream_position(fresh) == 45 && strcmp(src, "{\"pos\":45}") == 0,
          "the intact checkpoint resumes at position 45 with the caller's source text");
    if (s == FG_OK) {
        fg_trainer_cancel(fresh);
        fg_model_destroy(out);
        fg_free(src);
    }
    CHECK_STATUS(fg_trainer_checkpoint(fresh, NULL, &mb, &ml), FG_ERR_INVALID_INPUT,
                 "checkpoint of an idle trainer");
    fg_trainer_destroy(diff);
    fg_trainer_destroy(fresh);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_free(ck);
    free_data(&d);
}

/* ---- the streaming state machine's bad calls ----------------------------- */

static void test_stream_bad_calls(void) {
    data d = gen(30, 1, 2, 1, 4);
    fg_model_config mc = model_cfg(&d);
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 2;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    int32_t ev;
    CHECK_STATUS(fg_trainer_stream_push(tr, d.x, d.y, NULL, 3), FG_ERR_INVALID_INPUT,
                 "push before begin");
    CHECK_STATUS(fg_trainer_stream_begin(tr, m, 0, 8, 0), FG_ERR_INVALID_INPUT, "timesteps 0");
    CHECK_STATUS(fg_trainer_stream_begin(tr, m, 1, -1, 0), FG_ERR_INVALID_INPUT,
                 "shuffle_buffer -1");
    CHECK_STATUS(fg_trainer_stream_begin(tr, m, 1, 8, 0), FG_OK, "begin");
    CHECK_STATUS(fg_trainer_stream_end_epoch(tr, &ev), FG_ERR_INVALID_INPUT,
                 "an epoch without samples");
    float bad[2] = {NAN, 0};
    CHECK_STATUS(fg_trainer_stream_push(tr, bad, d.y, NULL, 1), FG_ERR_INVALID_INPUT,
                 "a NaN feature");
    CHECK(fg_trainer_stream_position(tr) == 0, "... consumed nothing");
    float y2 = 2;
    CHECK_STATUS(fg_trainer_stream_push(tr, d.x, &y2, NULL, 1), FG_ERR_INVALID_INPUT,
                 "label 2 for a binary model");
    CHECK_STATUS(fg_trainer_stream_push(tr, d.x, d.y, NULL, 20), FG_OK, "20 samples");
    CHECK_STATUS(fg_trainer_stream_validate(tr, d.x + 40, d.y + 20, 10), FG_OK, "validation");
    CHECK_STATUS(fg_trainer_stream_push(tr, d.x, d.y, NULL, 1), FG_ERR_INVALID_INPUT,
                 "training after validation began");
    CHECK_STATUS(fg_trainer_step(tr, 1, &ev), FG_ERR_INVALID_INPUT,
                 "fg_trainer_step on a streaming run");
    CHECK_STATUS(fg_trainer_stream_end_epoch(tr, &ev), FG_OK, "end of epoch 0");
    CHECK(ev == FG_EVENT_EPOCH_END && fg_trainer_metrics_count(tr) == 1 &&
              !isnan(fg_trainer_metrics(tr)[0].val_loss),
          "one metrics record with a validation loss");
    fg_trainer_stream_push(tr, d.x, d.y, NULL, 20);
    CHECK_STATUS(fg_trainer_stream_end_epoch(tr, &ev), FG_OK, "end of epoch 1");
    CHECK(ev == FG_EVENT_DONE, "the last epoch says done");
    CHECK_STATUS(fg_trainer_stream_push(tr, d.x, d.y, NULL, 1), FG_ERR_INVALID_INPUT,
                 "push after the last epoch");
    CHECK_STATUS(fg_trainer_finish(tr), FG_OK, "finish");
    fg_training_summary s;
    fg_trainer_summary(tr, &s);
    CHECK(s.epochs_run == 2 && s.train_samples == 20 && s.validation_samples == 0 &&
              s.kept_reason == FG_KEPT_BEST_TRAINING_LOSS,
          "summary: 2 epochs, 20 training samples, no validation in the last epoch");
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    free_data(&d);
}

/* ---- statistics and hold-out ------------------------------------------- */

static void test_stats_holdout(void) {
    data d = gen(500, 3, 4, 1, 21);
    for (size_t i = 0; i < (size_t)d.n * 12; i++) d.x[i] = d.x[i] * 3.0f + (float)(i % 4);
    fg_dataset *ds = NULL;
    fg_dataset_create(d.x, d.y, d.n, 3, 4, 1, &ds);
    float mu[4], sd[4], wmu[4], wsd[4], hmu[4], hsd[4];
    fg_dataset_normalize(ds, mu, sd);
    fg_stats *all = NULL, *a = NULL, *b = NULL;
    fg_stats_create(4, &all);
    fg_stats_create(4, &a);
    fg_stats_create(4, &b);
    CHECK_STATUS(fg_stats_update(all, d.x, 1500), FG_OK, "Welford over 1500 rows");
    fg_stats_update(a, d.x, 700);
    fg_stats_update(b, d.x + 700 * 4, 800);
    CHECK_STATUS(fg_stats_merge(a, b), FG_OK, "merge");
    fg_stats_finish(all, wmu, wsd);
    fg_stats_finish(a, hmu, hsd);
    double worst = 0, worst_merge = 0;
    for (int k = 0; k < 4; k++) {
        worst = fmax(worst, fmax(fabs(wmu[k] - mu[k]), fabs(wsd[k] - sd[k]) / sd[k]));
        worst_merge =
            fmax(worst_merge, fmax(fabs(hmu[k] - wmu[k]), fabs(hsd[k] - wsd[k]) / wsd[k]));
    }
    CHECK(worst < 1e-6, "one-pass means and stds equal fg_dataset_normalize's (worst %.3g)", worst);
    CHECK(worst_merge < 1e-6 && fg_stats_count(a) == 1500,
          "merged halves equal the whole (worst %.3g)", worst_merge);
    float nan_row[4] = {0, NAN, 0, 0};
    CHECK_STATUS(fg_stats_update(all, nan_row, 1), FG_ERR_INVALID_INPUT, "a NaN row");
    CHECK(fg_stats_count(all) == 1500, "... leaves the statistics unchanged");
    fg_stats *other = NULL;
    fg_stats_create(3, &other);
    CHECK_STATUS(fg_stats_merge(all, other), FG_ERR_INVALID_INPUT,
                 "merging statistics of another dim");
    fg_stats *empty = NULL;
    fg_stats_create(4, &empty);
    CHECK_STATUS(fg_stats_finish(empty, wmu, wsd), FG_ERR_INVALID_INPUT,
                 "finishing empty statistics");
    fg_stats_destroy(all);
    fg_stats_destroy(a);
    fg_stats_destroy(b);
    fg_stats_destroy(other);
    fg_stats_destroy(empty);
    fg_dataset_destroy(ds);

    enum { N = 20000 };
    static uint8_t h1[N], h2[N], h3[N];
    fg_holdout_rows(0, N, 42, 0.2f, h1);
    fg_holdout_rows(0, 7000, 42, 0.2f, h2);
    fg_holdout_rows(7000, N - 7000, 42, 0.2f, h2 + 7000);
    fg_holdout_rows(0, N, 43, 0.2f, h3);
    int held = 0, differ = 0;
    for (int i = 0; i < N; i++) {
        held += h1[i];
        differ += h1[i] != h3[i];
    }
    CHECK(memcmp(h1, h2, N) == 0, "hold-out of a row depends on the row, not on the chunking");
    CHECK(fabs(held / (double)N - 0.2) < 0.01, "hold-out fraction %.4f for ratio 0.2",
          held / (double)N);
    CHECK(differ > N / 10, "another seed holds out other rows (%d differ)", differ);
    CHECK_STATUS(fg_holdout_rows(0, 1, 1, 1.0f, h1), FG_ERR_INVALID_INPUT, "hold-out ratio 1");
    free_data(&d);
}

int main(void) {
    test_equals_train(1, 1, 0.0f, 7);
    test_equals_train(3, 1, 0.2f, 64);
    test_equals_train(2, 4, 0.25f, 1);
    test_raw_inputs();
    test_resume();
    test_bad_checkpoints();
    test_stream_bad_calls();
    test_stats_holdout();
    return check_summary();
}
