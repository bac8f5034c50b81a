/*
 * test_learning.c - the trainer learns real tasks.
 *
 * 1. The routing task of the specification's examples: 5 uniform features
 *    (similarity, recency, popularity, success_rate, complexity); label =
 *    0.4 sim + 0.3 success + 0.3 (1 - complexity) + U(-0.1, 0.1) > 0.6.
 *    5,000 samples, default TrainingConfig with learning_rate 0.01 and 50
 *    epochs, model D 5, H 16, rank 8, seed 42. Accuracy >= 0.88 on a fresh
 *    held-out set from the same distribution and in the best epoch's record.
 * 2. A memory task, T = 12, D = 2: label = [x_0[0] + x_1[0] > 0]; feature 0
 *    is zero after t = 1 and feature 1 is N(0, 1) noise at every step, so the
 *    model must carry what it saw at the start through ten noisy steps.
 *    Held-out accuracy >= 0.95.
 * 3. A 4-class task (the quadrant of two informative features, two noise
 *    features): held-out accuracy >= 0.75 (chance 0.25).
 */
#include "check.h"

typedef struct {
    float *x, *y;
    int32_t n, T, D;
} data;

static void free_data(data *d) {
    free(d->x);
    free(d->y);
}

/* ---- generators ----------------------------------------------------------- */

static data gen_routing(int32_t n, uint64_t seed) {
    data d = {alloc_floats((size_t)n * 5), alloc_floats((size_t)n), n, 1, 5};
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        float *f = d.x + (size_t)i * 5;
        for (int k = 0; k < 5; k++) f[k] = (float)trng_uniform(&r);
        double score = 0.4 * f[0] + 0.3 * f[3] + 0.3 * (1.0 - f[4]) + trng_range(&r, -0.1, 0.1);
        d.y[i] = score > 0.6 ? 1.0f : 0.0f;
    }
    return d;
}

/* Accuracy of the noiseless rule on routing data (the best any model can do
 * is about this). */
static double routing_rule_accuracy(const data *d) {
    int32_t ok = 0;
    for (int32_t i = 0; i < d->n; i++) {
        const float *f = d->x + (size_t)i * 5;
        double s = 0.4 * f[0] + 0.3 * f[3] + 0.3 * (1.0 - f[4]);
        ok += (s > 0.6) == (d->y[i] > 0.5f);
    }
    return (double)ok / d->n;
}

static data gen_memory(int32_t n, uint64_t seed) {
    enum { T = 12, DD = 2 };
    data d = {alloc_floats((size_t)n * T * DD), alloc_floats((size_t)n), n, T, DD};
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        float *s = d.x + (size_t)i * T * DD;
        for (int t = 0; t < T; t++) {
            s[t * DD + 0] = t < 2 ? (float)trng_range(&r, -1, 1) : 0.0f;
            s[t * DD + 1] = (float)trng_normal(&r);
        }
        d.y[i] = s[0] + s[DD] > 0 ? 1.0f : 0.0f;
    }
    return d;
}

static data gen_quadrant(int32_t n, uint64_t seed) {
    data d = {alloc_floats((size_t)n * 4), alloc_floats((size_t)n), n, 1, 4};
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        float *f = d.x + (size_t)i * 4;
        for (int k = 0; k < 4; k++) f[k] = (float)trng_range(&r, -1, 1);
        d.y[i] = (float)(2 * (f[0] > 0) + (f[1] > 0));
    }
    return d;
}

/* ---- the run ------------------------------------------------------------- */

typedef struct {
    int last_epoch;
    int in_order;
} cb_state;

static int on_epoch(const fg_training_metrics *m, void *user) {
    cb_state *s = (cb_state *)user;
    if (m->epoch != s->last_epoch + 1) s->in_order = 0;
    s->last_epoch = m->epoch;
    return 0;
}

/* Trains on `train` (normalized in place, the held-out set with the same
 * parameters), returns the held-out accuracy, and reports the metrics. */
static double train_and_test(const char *name, const fg_model_config *mc,
                             const fg_training_config *tc, data *train, data *test, int32_t O,
                             double min_acc, int check_best_record) {
    fg_dataset *ds = NULL, *ts = NULL;
    fg_model *model = NULL;
    fg_trainer *tr = NULL;
    double acc = -1;
    float means[16], stds[16];

    check_section(name);
    if (!CHECK_STATUS(fg_dataset_create(train->x, train->y, train->n, train->T, train->D, O, &ds),
                      FG_OK, "train dataset"))
        goto out;
    if (!CHECK_STATUS(fg_dataset_create(test->x, test->y, test->n, test->T, test->D, O, &ts), FG_OK,
                      "held-out dataset"))
        goto out;
    CHECK_STATUS(fg_dataset_normalize(ds, means, stds), FG_OK, "normalize");
    CHECK_STATUS(fg_dataset_apply_normalization(ts, means, stds, train->D), FG_OK,
                 "apply normalization to held-out set");
    if (!CHECK_STATUS(fg_model_create(mc, &model), FG_OK, "model_create")) goto out;
    if (!CHECK_STATUS(fg_trainer_create(mc, tc, &tr), FG_OK, "trainer_create")) goto out;

    cb_state cs = {-1, 1};
    if (!CHECK_STATUS(fg_trainer_train(tr, model, ds, on_epoch, &cs), FG_OK, "train")) goto out;

    size_t nm = fg_trainer_metrics_count(tr);
    const fg_training_metrics *ms = fg_trainer_metrics(tr);
    CHECK(nm >= 1 && nm <= (size_t)tc->epochs, "%zu epochs recorded (max %d)", nm, tc->epochs);
    CHECK(cs.in_order && cs.last_epoch == (int)nm - 1, "callback saw epochs 0..%d in order",
          (int)nm - 1);
    if (nm == 0) goto out;
    size_t best = 0;
    for (size_t e = 0; e < nm; e++)
        if (ms[e].val_loss < ms[best].val_loss) best = e;
    const fg_training_metrics *f = &ms[0], *l = &ms[nm - 1], *b = &ms[best];
    printf("     epoch %3d: train_loss %.4f val_loss %.4f train_acc %.4f val_acc %.4f lr %g\n",
           f->epoch, f->train_loss, f->val_loss, f->train_accuracy, f->val_accuracy,
           f->learning_rate);
    printf(
        "     epoch %3d: train_loss %.4f val_loss %.4f train_acc %.4f val_acc %.4f lr %g (last)\n",
        l->epoch, l->train_loss, l->val_loss, l->train_accuracy, l->val_accuracy, l->learning_rate);
    printf(
        "     epoch %3d: train_loss %.4f val_loss %.4f train_acc %.4f val_acc %.4f lr %g (best)\n",
        b->epoch, b->train_loss, b->val_loss, b->train_accuracy, b->val_accuracy, b->learning_rate);
    CHECK(l->train_loss < f->train_loss, "train loss decreased: %.4f -> %.4f", f->train_loss,
          l->train_loss);

    float loss = NAN, accf = NAN;
    if (CHECK_STATUS(fg_trainer_evaluate(tr, model, ts, &loss, &accf), FG_OK,
                     "evaluate held-out")) {
        acc = accf;
        CHECK(acc >= min_acc, "held-out accuracy %.4f >= %.2f (loss %.4f, %d samples)", acc,
              min_acc, loss, test->n);
    }
    if (check_best_record)
        CHECK(b->val_accuracy >= min_acc, "best epoch's val_accuracy %.4f >= %.2f", b->val_accuracy,
              min_acc);

out:
    fg_trainer_destroy(tr);
    fg_model_destroy(model);
    fg_dataset_destroy(ts);
    fg_dataset_destroy(ds);
    return acc;
}

int main(void) {
    /* 1. routing */
    {
        data train = gen_routing(5000, 1001), test = gen_routing(2000, 2002);
        printf("     noiseless rule accuracy: train %.4f, held-out %.4f\n",
               routing_rule_accuracy(&train), routing_rule_accuracy(&test));
        fg_model_config mc = fg_model_config_default();
        mc.input_dim = 5;
        mc.hidden_dim = 16;
        mc.output_dim = 1;
        mc.rank = 8;
        mc.seed = 42;
        fg_training_config tc = fg_training_config_default();
        tc.learning_rate = 0.01f;
        tc.epochs = 50;
        train_and_test("routing (5000 samples, D5 H16 rank 8)", &mc, &tc, &train, &test, 1, 0.88,
                       1);
        free_data(&train);
        free_data(&test);
    }
    /* 2. memory over 12 steps */
    {
        data train = gen_memory(2000, 3003), test = gen_memory(1000, 4004);
        fg_model_config mc = fg_model_config_default();
        mc.input_dim = 2;
        mc.hidden_dim = 16;
        mc.output_dim = 1;
        mc.rank = FG_RANK_NONE;
        mc.seed = 42;
        fg_training_config tc = fg_training_config_default();
        tc.learning_rate = 0.01f;
        tc.epochs = 60;
        tc.lr_decay_step = 30;
        train_and_test("memory task (T 12, D 2, H 16, 2000 samples)", &mc, &tc, &train, &test, 1,
                       0.95, 0);
        free_data(&train);
        free_data(&test);
    }
    /* 3. four classes */
    {
        data train = gen_quadrant(2000, 5005), test = gen_quadrant(1000, 6006);
        fg_model_config mc = fg_model_config_default();
        mc.input_dim = 4;
        mc.hidden_dim = 16;
        mc.output_dim = 4;
        mc.rank = FG_RANK_NONE;
        mc.seed = 42;
        fg_training_config tc = fg_training_config_default();
        tc.learning_rate = 0.01f;
        tc.epochs = 40;
        train_and_test("4-class quadrants (D 4, H 16, 2000 samples)", &mc, &tc, &train, &test, 4,
                       0.75, 0);
        free_data(&train);
        free_data(&test);
    }
    return check_summary();
}
