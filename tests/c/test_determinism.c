/*
 * test_determinism.c - same seeds, same data: byte-identical saved models.
 *
 *  - two full fg_trainer_train runs (model seed 42, trainer seed 42) give
 *    byte-identical fg_model_save output and bitwise-identical metrics
 *  - the stepwise API (begin / step / finish, a few batches per step) gives
 *    the same bytes and metrics as fg_trainer_train
 *  - a different trainer seed, or a different model seed, gives different bytes
 *  - train_batch sequences are deterministic too
 * Configurations: binary T 3 low rank; 4-class T 1 full rank.
 */
#include "check.h"

typedef struct {
    float *x, *y;
    int32_t n, T, D, O;
} data;

static data gen(int32_t n, int32_t T, int32_t D, int32_t O, uint64_t seed) {
    data d = {alloc_floats((size_t)n * T * D), alloc_floats((size_t)n), n, T, D, O};
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
    }
    return d;
}

typedef struct {
    uint8_t *bytes;
    size_t len;
    fg_training_metrics *metrics;
    size_t nm;
    fg_status status;
} run_result;

static void free_run(run_result *r) {
    fg_free(r->bytes);
    free(r->metrics);
    memset(r, 0, sizeof *r);
}

/* mode 0: fg_trainer_train; mode k > 0: begin / step(k batches) / finish. */
static run_result run(const data *d, uint64_t model_seed, uint64_t train_seed, int mode) {
    run_result res = {NULL, 0, NULL, 0, FG_OK};
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = d->D;
    mc.hidden_dim = 12;
    mc.output_dim = d->O;
    mc.rank = d->O == 1 ? 4 : FG_RANK_NONE;
    mc.seed = model_seed;
    fg_training_config tc = fg_training_config_default();
    tc.learning_rate = 0.01f;
    tc.epochs = 6;
    tc.batch_size = 16;
    tc.lr_decay_step = 2;
    tc.seed = train_seed;
    fg_dataset *ds = NULL;
    fg_model *model = NULL;
    fg_trainer *tr = NULL;
    if ((res.status = fg_dataset_create(d->x, d->y, d->n, d->T, d->D, d->O, &ds)) != FG_OK)
        goto out;
    if ((res.status = fg_model_create(&mc, &model)) != FG_OK) goto out;
    if ((res.status = fg_trainer_create(&mc, &tc, &tr)) != FG_OK) goto out;
    if (mode == 0) {
        res.status = fg_trainer_train(tr, model, ds, NULL, NULL);
    } else {
        res.status = fg_trainer_begin(tr, model, ds);
        int guard = 0;
        while (res.status == FG_OK && guard++ < 100000) {
            int32_t ev = FG_EVENT_NONE;
            res.status = fg_trainer_step(tr, mode, &ev);
            if (ev == FG_EVENT_DONE) break;
        }
        if (res.status == FG_OK) res.status = fg_trainer_finish(tr);
        else fg_trainer_cancel(tr);
    }
    if (res.status != FG_OK) goto out;
    res.nm = fg_trainer_metrics_count(tr);
    res.metrics = (fg_training_metrics *)malloc((res.nm ? res.nm : 1) * sizeof *res.metrics);
    if (res.nm) memcpy(res.metrics, fg_trainer_metrics(tr), res.nm * sizeof *res.metrics);
    res.status = fg_model_save(model, &res.bytes, &res.len);
out:
    if (res.status != FG_OK)
        printf("     run failed: %s: %s\n", fg_status_name(res.status), fg_last_error());
    fg_trainer_destroy(tr);
    fg_model_destroy(model);
    fg_dataset_destroy(ds);
    return res;
}

static int same_bytes(const run_result *a, const run_result *b) {
    return a->status == FG_OK && b->status == FG_OK && a->len == b->len &&
           memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int same_metrics(const run_result *a, const run_result *b) {
    return a->nm == b->nm && a->nm > 0 &&
           memcmp(a->metrics, b->metrics, a->nm * sizeof *a->metrics) == 0;
}

static void test_config(const char *name, const data *d) {
    check_section(name);
    run_result a = run(d, 42, 42, 0), b = run(d, 42, 42, 0);
    CHECK(a.status == FG_OK && b.status == FG_OK, "two runs succeed (%zu bytes, %zu epochs)", a.len,
          a.nm);
    CHECK(same_bytes(&a, &b), "same seeds: byte-identical safetensors");
    CHECK(same_metrics(&a, &b), "same seeds: bitwise-identical metrics");

    run_result s1 = run(d, 42, 42, 1), s3 = run(d, 42, 42, 3), s1000 = run(d, 42, 42, 1000);
    CHECK(same_bytes(&a, &s1) && same_metrics(&a, &s1),
          "stepwise, 1 batch per step: same bytes and metrics as train()");
    CHECK(same_bytes(&a, &s3) && same_metrics(&a, &s3),
          "stepwise, 3 batches per step: same bytes and metrics as train()");
    CHECK(same_bytes(&a, &s1000) && same_metrics(&a, &s1000),
          "stepwise, 1000 batches per step: same bytes and metrics as train()");

    run_result c = run(d, 42, 43, 0), m = run(d, 43, 42, 0);
    CHECK(c.status == FG_OK && !same_bytes(&a, &c), "different trainer seed: different bytes");
    CHECK(m.status == FG_OK && !same_bytes(&a, &m), "different model seed: different bytes");
    free_run(&a);
    free_run(&b);
    free_run(&s1);
    free_run(&s3);
    free_run(&s1000);
    free_run(&c);
    free_run(&m);
}

static void test_train_batch(void) {
    check_section("train_batch sequence determinism");
    data d = gen(64, 2, 3, 1, 77);
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = 3;
    mc.hidden_dim = 6;
    mc.rank = FG_RANK_NONE;
    fg_training_config tc = fg_training_config_default();
    uint8_t *bytes[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    float losses[2][8];
    for (int rep = 0; rep < 2; rep++) {
        fg_model *m = NULL;
        fg_trainer *tr = NULL;
        if (fg_model_create(&mc, &m) == FG_OK && fg_trainer_create(&mc, &tc, &tr) == FG_OK) {
            for (int b = 0; b < 8; b++)
                fg_trainer_train_batch(tr, m, d.x + (size_t)b * 8 * 2 * 3, d.y + b * 8, NULL, 8, 2,
                                       &losses[rep][b]);
            fg_model_save(m, &bytes[rep], &len[rep]);
        }
        fg_trainer_destroy(tr);
        fg_model_destroy(m);
    }
    CHECK(bytes[0] && bytes[1] && len[0] == len[1] && memcmp(bytes[0], bytes[1], len[0]) == 0 &&
              memcmp(losses[0], losses[1], sizeof losses[0]) == 0,
          "8 train_batch steps twice: identical bytes and losses");
    fg_free(bytes[0]);
    fg_free(bytes[1]);
    free(d.x);
    free(d.y);
}

int main(void) {
    data bin = gen(300, 3, 5, 1, 1234);
    data multi = gen(300, 1, 4, 4, 5678);
    test_config("binary, T 3, D 5, H 12, rank 4", &bin);
    test_config("4-class, T 1, D 4, H 12, full rank", &multi);
    test_train_batch();
    free(bin.x);
    free(bin.y);
    free(multi.x);
    free(multi.y);
    return check_summary();
}
