/*
 * test_validation.c - every validation error of the public API.
 *
 * Each case asserts the status, that fg_last_error() is non-empty and names
 * the offending argument (snake_case or camelCase, as a word; alternatives
 * separated by '|'), and that nothing the call was given changed: out
 * pointers keep their sentinel value, output buffers their contents,
 * datasets their features / labels / soft targets, models their parameters
 * and normalization, trainers their metrics and Adam state.
 */
#include "check.h"
#include "internal.h"

#include <float.h>
#include <limits.h>

static char sentinel_storage[4];
#define SENT(type) ((type *)(void *)sentinel_storage)

/* Does msg mention one of the '|'-separated names? */
static int mentions_any(const char *msg, const char *names) {
    char buf[256];
    const char *p = names;
    while (*p) {
        size_t k = strcspn(p, "|");
        if (k >= sizeof buf) k = sizeof buf - 1;
        memcpy(buf, p, k);
        buf[k] = '\0';
        if (mentions(msg, buf)) return 1;
        p += k;
        if (*p == '|') p++;
    }
    return 0;
}

static int expect_(fg_status got, fg_status want, const char *names, const char *what,
                   const char *file, int line) {
    const char *msg = fg_last_error();
    int ok = check_report_(got == want, file, line, "%s -> %s (expected %s)", what,
                           fg_status_name(got), fg_status_name(want));
    if (want != FG_OK && got != FG_OK) {
        ok &= check_report_(msg[0] != '\0' && (!names || mentions_any(msg, names)), file, line,
                            "  message names %s: \"%s\"", names ? names : "(anything)", msg);
        ok &= check_report_(fg_last_status() == got, file, line, "  fg_last_status() = %s",
                            fg_status_name(fg_last_status()));
    }
    return ok;
}
/* Clears the error, evaluates the call, checks status and message. */
#define EXPECT(call, want, names, what)                                                            \
    (fg_clear_error(), expect_((call), (want), (names), (what), __FILE__, __LINE__))

/* ---- snapshots of datasets and models ------------------------------------ */

typedef struct {
    int32_t n, T, D, O;
    float *x, *y, *soft;
} ds_snap;

static ds_snap snap_ds(const fg_dataset *ds) {
    ds_snap s;
    s.n = fg_dataset_len(ds);
    s.T = fg_dataset_timesteps(ds);
    s.D = fg_dataset_input_dim(ds);
    s.O = fg_dataset_output_dim(ds);
    size_t nx = (size_t)s.n * s.T * s.D;
    s.x = copy_floats(fg_dataset_features(ds), nx);
    s.y = copy_floats(fg_dataset_labels(ds), (size_t)s.n);
    s.soft = fg_dataset_soft_targets(ds)
                 ? copy_floats(fg_dataset_soft_targets(ds), (size_t)s.n * (s.O == 1 ? 1 : s.O))
                 : NULL;
    return s;
}

static int same_ds(const fg_dataset *ds, const ds_snap *s) {
    if (fg_dataset_len(ds) != s->n || fg_dataset_timesteps(ds) != s->T ||
        fg_dataset_input_dim(ds) != s->D || fg_dataset_output_dim(ds) != s->O)
        return 0;
    if (!same_bits_f(fg_dataset_features(ds), s->x, (size_t)s->n * s->T * s->D)) return 0;
    if (!same_bits_f(fg_dataset_labels(ds), s->y, (size_t)s->n)) return 0;
    const float *soft = fg_dataset_soft_targets(ds);
    if ((soft == NULL) != (s->soft == NULL)) return 0;
    return !soft || same_bits_f(soft, s->soft, (size_t)s->n * (s->O == 1 ? 1 : s->O));
}

static void free_ds_snap(ds_snap *s) {
    free(s->x);
    free(s->y);
    free(s->soft);
}

typedef struct {
    uint8_t *bytes; /* the saved model: params, config and normalization */
    size_t len;
} model_snap;

static model_snap snap_model(const fg_model *m) {
    model_snap s = {NULL, 0};
    if (fg_model_save(m, &s.bytes, &s.len) != FG_OK)
        printf("     save failed: %s\n", fg_last_error());
    return s;
}

static int same_model(const fg_model *m, const model_snap *s) {
    model_snap now = snap_model(m);
    int ok = now.bytes && s->bytes && now.len == s->len && memcmp(now.bytes, s->bytes, s->len) == 0;
    fg_free(now.bytes);
    return ok;
}

static fg_model_config small_model_cfg(int32_t D, int32_t O) {
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = D;
    mc.hidden_dim = 5;
    mc.output_dim = O;
    mc.rank = FG_RANK_NONE;
    return mc;
}

/* ---- datasets -------------------------------------------------------------- */

enum { N = 6, T = 2, D = 3 };

static float X[N * T * D];
static float Y[N] = {0, 1, 0.3f, 1, 0, 0.75f};
static float Y4[N] = {0, 1, 2, 3, 2, 1};

static void fill_x(void) {
    test_rng r = {3};
    for (int i = 0; i < N * T * D; i++) X[i] = (float)trng_normal(&r);
}

static void test_dataset_create(void) {
    check_section("fg_dataset_create");
    fg_dataset *out = SENT(fg_dataset);
    float x[N * T * D], y[N];
#define DS_BAD(call, names, what)                                                                  \
    do {                                                                                           \
        out = SENT(fg_dataset);                                                                    \
        EXPECT(call, FG_ERR_INVALID_INPUT, names, what);                                           \
        CHECK(out == SENT(fg_dataset), "  out pointer untouched");                                 \
        if (out != SENT(fg_dataset)) fg_dataset_destroy(out);                                      \
    } while (0)

    DS_BAD(fg_dataset_create(X, Y, 0, T, D, 1, &out), "n|empty", "n = 0 (empty)");
    DS_BAD(fg_dataset_create(X, Y, -1, T, D, 1, &out), "n", "n = -1");
    DS_BAD(fg_dataset_create(NULL, Y, N, T, D, 1, &out), "features", "features NULL");
    DS_BAD(fg_dataset_create(X, NULL, N, T, D, 1, &out), "labels", "labels NULL");
    DS_BAD(fg_dataset_create(X, Y, N, 0, D, 1, &out), "timesteps", "timesteps 0");
    DS_BAD(fg_dataset_create(X, Y, N, -2, D, 1, &out), "timesteps", "timesteps -2");
    DS_BAD(fg_dataset_create(X, Y, N, T, 0, 1, &out), "input_dim", "input_dim 0");
    DS_BAD(fg_dataset_create(X, Y, N, T, -3, 1, &out), "input_dim", "input_dim -3");
    DS_BAD(fg_dataset_create(X, Y, N, T, D, 0, &out), "output_dim", "output_dim 0");
    DS_BAD(fg_dataset_create(X, Y, N, T, D, -1, &out), "output_dim", "output_dim -1");
    DS_BAD(fg_dataset_create(X, Y, INT32_MAX, INT32_MAX, INT32_MAX, 1, &out),
           "n|timesteps|input_dim|overflow|overflows|size|large",
           "n * timesteps * input_dim overflows");
    /* Each factor modest, the product 2^32 values: rejected before any read
     * (on wasm32 the byte count would wrap). */
    DS_BAD(fg_dataset_create(X, Y, 1 << 20, 1 << 10, 4, 1, &out),
           "n|timesteps|input_dim|overflow|overflows|size|large",
           "n 2^20 * timesteps 2^10 * input_dim 4 = 2^32 values");
    EXPECT(fg_dataset_create(X, Y, N, T, D, 1, NULL), FG_ERR_INVALID_INPUT, "out", "out NULL");

    const float bad_values[3] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++) {
        char what[96];
        memcpy(x, X, sizeof x);
        x[7] = bad_values[b];
        snprintf(what, sizeof what, "features[7] = %g", (double)bad_values[b]);
        DS_BAD(fg_dataset_create(x, Y, N, T, D, 1, &out), "features", what);
    }
    const float bad_bin[] = {NAN, INFINITY, 1.5f, -0.5f, -FLT_MIN};
    for (size_t b = 0; b < sizeof bad_bin / sizeof bad_bin[0]; b++) {
        char what[96];
        memcpy(y, Y, sizeof y);
        y[4] = bad_bin[b];
        snprintf(what, sizeof what, "binary label %g", (double)bad_bin[b]);
        DS_BAD(fg_dataset_create(X, y, N, T, D, 1, &out), "labels|label", what);
    }
    const float bad_cls[] = {1.5f, -1.0f, 2.5f, 4.0f, NAN, 1e9f};
    for (size_t b = 0; b < sizeof bad_cls / sizeof bad_cls[0]; b++) {
        char what[96];
        memcpy(y, Y4, sizeof y);
        y[2] = bad_cls[b];
        snprintf(what, sizeof what, "class label %g for output_dim 4", (double)bad_cls[b]);
        DS_BAD(fg_dataset_create(X, y, N, T, D, 4, &out), "labels|label", what);
    }
#undef DS_BAD

    /* Accepted: fractional binary labels, class indices 0..O-1. */
    out = NULL;
    if (EXPECT(fg_dataset_create(X, Y, N, T, D, 1, &out), FG_OK, NULL, "binary labels in [0, 1]"))
        CHECK(out && fg_dataset_len(out) == N &&
                  same_bits_f(fg_dataset_features(out), X, N * T * D) &&
                  same_bits_f(fg_dataset_labels(out), Y, N) &&
                  fg_dataset_soft_targets(out) == NULL && !fg_dataset_is_empty(out),
              "  dataset holds copies of the inputs, no soft targets");
    fg_dataset_destroy(out);
    out = NULL;
    EXPECT(fg_dataset_create(X, Y4, N, T, D, 4, &out), FG_OK, NULL, "class indices 0..3");
    fg_dataset_destroy(out);
}

static void test_soft_targets(void) {
    check_section("fg_dataset_with_soft_targets");
    fg_dataset *ds = NULL, *ds4 = NULL;
    if (fg_dataset_create(X, Y, N, T, D, 1, &ds) != FG_OK ||
        fg_dataset_create(X, Y4, N, T, D, 4, &ds4) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    float soft[N] = {0.1f, 0.9f, 0.5f, 0.7f, 0.2f, 0.6f}, s2[N];
    ds_snap before = snap_ds(ds);
    /* Without soft targets yet. */
    EXPECT(fg_dataset_with_soft_targets(ds, soft, N - 1), FG_ERR_INVALID_INPUT,
           "count|soft|soft_targets", "count n - 1 (no soft targets yet)");
    CHECK(same_ds(ds, &before), "  dataset unchanged (still no soft targets)");
    free_ds_snap(&before);

    EXPECT(fg_dataset_with_soft_targets(ds, soft, N), FG_OK, NULL, "valid soft targets");
    before = snap_ds(ds);
    CHECK(before.soft && same_bits_f(before.soft, soft, N), "  soft targets stored");
    struct {
        size_t count;
        int idx;
        float v;
        const char *what;
    } cases[] = {
        {N - 1, -1, 0, "count n - 1"},
        {N + 1, -1, 0, "count n + 1"},
        {0, -1, 0, "count 0"},
        {N, 3, NAN, "soft[3] = NaN"},
        {N, 0, INFINITY, "soft[0] = inf"},
        {N, 5, 1.5f, "soft[5] = 1.5"},
        {N, 1, -0.1f, "soft[1] = -0.1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(s2, soft, sizeof s2);
        for (int i = 0; i < N; i++) s2[i] = 1.0f - s2[i];
        if (cases[c].idx >= 0) s2[cases[c].idx] = cases[c].v;
        EXPECT(fg_dataset_with_soft_targets(ds, s2, cases[c].count), FG_ERR_INVALID_INPUT,
               cases[c].idx >= 0 ? "soft|soft_targets" : "count|soft|soft_targets", cases[c].what);
        CHECK(same_ds(ds, &before), "  dataset unchanged (earlier soft targets kept)");
    }
    EXPECT(fg_dataset_with_soft_targets(ds, NULL, N), FG_ERR_INVALID_INPUT, "soft|soft_targets",
           "soft NULL");
    CHECK(same_ds(ds, &before), "  dataset unchanged");
    free_ds_snap(&before);

    /* Multi-class: [n, O]. */
    float soft4[N * 4];
    for (int i = 0; i < N * 4; i++) soft4[i] = 0.25f;
    before = snap_ds(ds4);
    EXPECT(fg_dataset_with_soft_targets(ds4, soft4, N), FG_ERR_INVALID_INPUT,
           "count|soft|soft_targets", "4 classes: count n instead of n * 4");
    CHECK(same_ds(ds4, &before), "  dataset unchanged");
    soft4[9] = NAN;
    EXPECT(fg_dataset_with_soft_targets(ds4, soft4, N * 4), FG_ERR_INVALID_INPUT,
           "soft|soft_targets", "4 classes: a NaN soft target");
    CHECK(same_ds(ds4, &before), "  dataset unchanged");
    soft4[9] = 0.25f;
    EXPECT(fg_dataset_with_soft_targets(ds4, soft4, N * 4), FG_OK, NULL, "4 classes: count n * 4");
    free_ds_snap(&before);
out:
    fg_dataset_destroy(ds);
    fg_dataset_destroy(ds4);
}

static void test_split(void) {
    check_section("fg_dataset_split");
    fg_dataset *ds = NULL, *a = SENT(fg_dataset), *b = SENT(fg_dataset);
    if (fg_dataset_create(X, Y, N, T, D, 1, &ds) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        return;
    }
    ds_snap before = snap_ds(ds);
    const float bad[] = {-0.1f, 1.5f, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "val_ratio %g", (double)bad[i]);
        a = b = SENT(fg_dataset);
        EXPECT(fg_dataset_split(ds, bad[i], 1, &a, &b), FG_ERR_INVALID_INPUT, "val_ratio", what);
        CHECK(a == SENT(fg_dataset) && b == SENT(fg_dataset) && same_ds(ds, &before),
              "  outputs untouched, dataset unchanged");
    }
    struct {
        float r;
        int32_t ntrain, nval;
    } ok[] = {{0.0f, N, 0}, {1.0f, 0, N}, {0.5f, 3, 3}, {0.2f, 5, 1}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "val_ratio %g", (double)ok[i].r);
        a = b = NULL;
        if (EXPECT(fg_dataset_split(ds, ok[i].r, 1, &a, &b), FG_OK, NULL, what))
            CHECK(a && b && fg_dataset_len(a) == ok[i].ntrain && fg_dataset_len(b) == ok[i].nval &&
                      fg_dataset_is_empty(a) == (ok[i].ntrain == 0),
                  "  train %d, val %d", a ? fg_dataset_len(a) : -1, b ? fg_dataset_len(b) : -1);
        fg_dataset_destroy(a);
        fg_dataset_destroy(b);
    }
    free_ds_snap(&before);
    fg_dataset_destroy(ds);
}

static void test_normalization_args(void) {
    check_section("normalization arguments");
    fg_dataset *ds = NULL;
    fg_model *m = NULL;
    fg_model_config mc = small_model_cfg(D, 1);
    if (fg_dataset_create(X, Y, N, T, D, 1, &ds) != FG_OK || fg_model_create(&mc, &m) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    const float mu[D] = {0.5f, -1, 2}, sd[D] = {1, 2, 0.5f};
    float bad_sd[D] = {1, 0, 1}, neg_sd[D] = {1, -2, 1}, nan_sd[D] = {1, NAN, 1},
          nan_mu[D] = {0, NAN, 0};
    ds_snap before = snap_ds(ds);
    EXPECT(fg_dataset_apply_normalization(ds, mu, sd, D + 1), FG_ERR_INVALID_INPUT, "dim|input_dim",
           "apply_normalization dim input_dim + 1");
    CHECK(same_ds(ds, &before), "  features unchanged");
    EXPECT(fg_dataset_apply_normalization(ds, mu, bad_sd, D), FG_ERR_INVALID_INPUT, "stds|std",
           "apply_normalization std 0");
    CHECK(same_ds(ds, &before), "  features unchanged");
    EXPECT(fg_dataset_apply_normalization(ds, mu, neg_sd, D), FG_ERR_INVALID_INPUT, "stds|std",
           "apply_normalization std -2");
    EXPECT(fg_dataset_apply_normalization(ds, mu, nan_sd, D), FG_ERR_INVALID_INPUT, "stds|std",
           "apply_normalization std NaN");
    EXPECT(fg_dataset_apply_normalization(ds, nan_mu, sd, D), FG_ERR_INVALID_INPUT, "means|mean",
           "apply_normalization mean NaN");
    EXPECT(fg_dataset_apply_normalization(ds, NULL, sd, D), FG_ERR_INVALID_INPUT, "means|mean",
           "apply_normalization means NULL");
    CHECK(same_ds(ds, &before), "  features unchanged");
    free_ds_snap(&before);

    model_snap ms = snap_model(m);
    EXPECT(fg_model_set_normalization(m, mu, sd, D - 1), FG_ERR_INVALID_INPUT, "dim|input_dim",
           "set_normalization dim input_dim - 1");
    EXPECT(fg_model_set_normalization(m, mu, bad_sd, D), FG_ERR_INVALID_INPUT, "stds|std",
           "set_normalization std 0");
    EXPECT(fg_model_set_normalization(m, nan_mu, sd, D), FG_ERR_INVALID_INPUT, "means|mean",
           "set_normalization mean NaN");
    CHECK(same_model(m, &ms) && fg_model_get_normalization(m, NULL, NULL) == 0,
          "  model unchanged, still without normalization");
    fg_free(ms.bytes);
    EXPECT(fg_model_set_normalization(m, mu, sd, D), FG_OK, NULL, "set_normalization valid");
    ms = snap_model(m);
    EXPECT(fg_model_set_normalization(m, mu, nan_sd, D), FG_ERR_INVALID_INPUT, "stds|std",
           "set_normalization std NaN over existing ones");
    CHECK(same_model(m, &ms), "  model unchanged, earlier normalization kept");
    fg_free(ms.bytes);
out:
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
}

static void test_batch_iter(void) {
    check_section("fg_batch_iter_create");
    fg_dataset *ds = NULL;
    fg_batch_iter *it = SENT(fg_batch_iter);
    if (fg_dataset_create(X, Y, N, T, D, 1, &ds) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        return;
    }
    EXPECT(fg_batch_iter_create(ds, 0, 1, 1, &it), FG_ERR_INVALID_INPUT, "batch_size",
           "batch_size 0");
    CHECK(it == SENT(fg_batch_iter), "  out untouched");
    EXPECT(fg_batch_iter_create(ds, -4, 0, 1, &it), FG_ERR_INVALID_INPUT, "batch_size",
           "batch_size -4");
    CHECK(it == SENT(fg_batch_iter), "  out untouched");
    it = NULL;
    if (EXPECT(fg_batch_iter_create(ds, 4, 1, 1, &it), FG_OK, NULL, "batch_size 4")) {
        const float *f, *l, *s;
        int32_t k1 = fg_batch_iter_next(it, &f, &l, &s), k2 = fg_batch_iter_next(it, &f, &l, &s),
                k3 = fg_batch_iter_next(it, &f, &l, &s);
        CHECK(k1 == 4 && k2 == 2 && k3 == 0, "  batches of 4, 2, then end (%d, %d, %d)", k1, k2,
              k3);
    }
    fg_batch_iter_destroy(it);
    fg_dataset_destroy(ds);
}

/* ---- configs ----------------------------------------------------------------- */

static void bad_model_cfg(const fg_model_config *mc, const char *names, const char *what) {
    fg_model *m = SENT(fg_model);
    fg_trainer *tr = SENT(fg_trainer);
    fg_training_config tc = fg_training_config_default();
    EXPECT(fg_model_config_validate(mc), FG_ERR_INVALID_INPUT, names, what);
    EXPECT(fg_model_create(mc, &m), FG_ERR_INVALID_INPUT, names, "  fg_model_create");
    CHECK(m == SENT(fg_model), "  model out untouched");
    EXPECT(fg_trainer_create(mc, &tc, &tr), FG_ERR_INVALID_INPUT, names, "  fg_trainer_create");
    CHECK(tr == SENT(fg_trainer), "  trainer out untouched");
    if (m != SENT(fg_model)) fg_model_destroy(m);
    if (tr != SENT(fg_trainer)) fg_trainer_destroy(tr);
}

static void test_model_config(void) {
    check_section("model config");
    fg_model_config base = fg_model_config_default(), c;
    EXPECT(fg_model_config_validate(&base), FG_OK, NULL, "default model config");
#define MBAD(field, value, names)                                                                  \
    do {                                                                                           \
        c = base;                                                                                  \
        c.field = (value);                                                                         \
        bad_model_cfg(&c, names, #field " = " #value);                                             \
    } while (0)
    MBAD(input_dim, 0, "input_dim");
    MBAD(input_dim, -1, "input_dim");
    MBAD(hidden_dim, 0, "hidden_dim");
    MBAD(hidden_dim, -8, "hidden_dim");
    MBAD(output_dim, 0, "output_dim");
    MBAD(rank, 0, "rank");
    MBAD(rank, -2, "rank");
    MBAD(w_rank, 0, "w_rank");
    MBAD(u_rank, 0, "u_rank");
    MBAD(u_rank, -5, "u_rank");
    MBAD(nu, NAN, "nu");
    MBAD(nu, INFINITY, "nu");
    MBAD(zeta, NAN, "zeta");
    MBAD(zeta, -INFINITY, "zeta");
#undef MBAD
    c = base;
    c.input_dim = INT32_MAX;
    c.hidden_dim = INT32_MAX;
    c.output_dim = INT32_MAX;
    bad_model_cfg(&c, "input_dim|hidden_dim|output_dim|overflow|overflows|size|large|parameters",
                  "input_dim = hidden_dim = output_dim = INT32_MAX (parameter count overflows)");

    c = base;
    c.input_dim = 1 << 24;
    c.hidden_dim = 1 << 24;
    c.output_dim = 1 << 24;
    c.rank = FG_RANK_NONE;
    bad_model_cfg(&c, "input_dim|hidden_dim|output_dim|overflow|overflows|size|large|parameters",
                  "input_dim = hidden_dim = output_dim = 2^24 (each in range, 2^49 parameters)");

    /* A rank not below min(rows, cols) is stored full rank: valid. */
    c = base;
    c.input_dim = 5;
    c.hidden_dim = 8;
    c.rank = 100;
    fg_model *m = NULL;
    if (EXPECT(fg_model_create(&c, &m), FG_OK, NULL, "rank 100 for D 5, H 8"))
        CHECK(fg_model_w_rank(m) == 0 && fg_model_u_rank(m) == 0, "  stored full rank");
    fg_model_destroy(m);
}

static void bad_training_cfg(const fg_training_config *tc, const char *names, const char *what) {
    fg_model_config mc = fg_model_config_default();
    fg_trainer *tr = SENT(fg_trainer);
    EXPECT(fg_training_config_validate(tc), FG_ERR_INVALID_INPUT, names, what);
    EXPECT(fg_trainer_create(&mc, tc, &tr), FG_ERR_INVALID_INPUT, names, "  fg_trainer_create");
    CHECK(tr == SENT(fg_trainer), "  trainer out untouched");
    if (tr != SENT(fg_trainer)) fg_trainer_destroy(tr);
}

static void test_training_config(void) {
    check_section("training config");
    fg_training_config base = fg_training_config_default(), c;
    EXPECT(fg_training_config_validate(&base), FG_OK, NULL, "default training config");
#define TBAD(field, value)                                                                         \
    do {                                                                                           \
        c = base;                                                                                  \
        c.field = (value);                                                                         \
        bad_training_cfg(&c, #field, #field " = " #value);                                         \
    } while (0)
    TBAD(learning_rate, -1.0f);
    TBAD(learning_rate, 0.0f);
    TBAD(learning_rate, NAN);
    TBAD(learning_rate, INFINITY);
    TBAD(batch_size, 0);
    TBAD(batch_size, -1);
    TBAD(epochs, -1);
    TBAD(validation_split, -0.1f);
    TBAD(validation_split, 1.0f);
    TBAD(validation_split, 1.5f);
    TBAD(validation_split, NAN);
    TBAD(early_stopping_patience, 0);
    TBAD(early_stopping_patience, -2);
    TBAD(lr_decay, 0.0f);
    TBAD(lr_decay, -0.5f);
    TBAD(lr_decay, 1.5f);
    TBAD(lr_decay, NAN);
    TBAD(lr_decay_step, -1);
    TBAD(grad_clip, -1.0f);
    TBAD(grad_clip, NAN);
    TBAD(grad_clip, INFINITY);
    TBAD(adam_beta1, -0.1f);
    TBAD(adam_beta1, 1.0f);
    TBAD(adam_beta1, NAN);
    TBAD(adam_beta2, 1.0f);
    TBAD(adam_beta2, -0.1f);
    TBAD(adam_epsilon, 0.0f);
    TBAD(adam_epsilon, -1e-8f);
    TBAD(adam_epsilon, NAN);
    TBAD(l2_reg, -1.0f);
    TBAD(l2_reg, NAN);
    TBAD(l2_reg, INFINITY);
    TBAD(distillation_temperature, 0.0f);
    TBAD(distillation_temperature, -1.0f);
    TBAD(distillation_temperature, NAN);
    TBAD(distillation_temperature, INFINITY);
    TBAD(distillation_alpha, 1.5f);
    TBAD(distillation_alpha, -0.1f);
    TBAD(distillation_alpha, NAN);
#undef TBAD
    /* Boundary values that are valid. */
    c = base;
    c.validation_split = 0.0f;
    c.epochs = 0;
    c.early_stopping_patience = FG_PATIENCE_NONE;
    c.lr_decay = 1.0f;
    c.lr_decay_step = 0;
    c.grad_clip = 0.0f;
    c.adam_beta1 = 0.0f;
    c.adam_beta2 = 0.0f;
    c.l2_reg = 0.0f;
    c.distillation_alpha = 0.0f;
    EXPECT(fg_training_config_validate(&c), FG_OK, NULL,
           "boundaries: validation_split 0, epochs 0, patience none, lr_decay 1, step 0, clip 0, "
           "betas 0, l2 0, alpha 0");
    c.distillation_alpha = 1.0f;
    c.early_stopping_patience = 1;
    EXPECT(fg_training_config_validate(&c), FG_OK, NULL, "alpha 1, patience 1");
}

/* ---- the trainer ------------------------------------------------------------- */

static void test_trainer_dims(void) {
    check_section("trainer: dataset / model mismatches, empty data, stepwise misuse");
    fg_model_config mc = small_model_cfg(D, 1);
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 2;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_dataset *ok = NULL, *wrong_d = NULL, *wrong_o = NULL, *empty = NULL, *full = NULL;
    float x4[N * T * 4];
    test_rng r = {9};
    for (int i = 0; i < N * T * 4; i++) x4[i] = (float)trng_normal(&r);
    if (fg_model_create(&mc, &m) != FG_OK || fg_trainer_create(&mc, &tc, &tr) != FG_OK ||
        fg_dataset_create(X, Y, N, T, D, 1, &ok) != FG_OK ||
        fg_dataset_create(x4, Y, N, T, 4, 1, &wrong_d) != FG_OK ||
        fg_dataset_create(X, Y4, N, T, D, 4, &wrong_o) != FG_OK ||
        fg_dataset_split(ok, 1.0f, 1, &empty, &full) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    /* A first run, so there is a history to keep. */
    EXPECT(fg_trainer_train(tr, m, ok, NULL, NULL), FG_OK, NULL, "a valid run");
    size_t nm = fg_trainer_metrics_count(tr);
    fg_training_metrics hist[8];
    memcpy(hist, fg_trainer_metrics(tr), (nm < 8 ? nm : 8) * sizeof hist[0]);
    model_snap ms = snap_model(m);

#define KEPT(what)                                                                                 \
    CHECK(same_model(m, &ms) && fg_trainer_metrics_count(tr) == nm &&                              \
              memcmp(fg_trainer_metrics(tr), hist, nm * sizeof hist[0]) == 0 &&                    \
              !fg_trainer_is_running(tr),                                                          \
          "  %s: model and metrics history unchanged, not running", what)
    EXPECT(fg_trainer_train(tr, m, wrong_d, NULL, NULL), FG_ERR_INVALID_INPUT, "input_dim",
           "train: dataset input_dim 4, model 3");
    KEPT("train");
    EXPECT(fg_trainer_train(tr, m, wrong_o, NULL, NULL), FG_ERR_INVALID_INPUT, "output_dim",
           "train: dataset output_dim 4, model 1");
    KEPT("train");
    EXPECT(fg_trainer_train(tr, m, empty, NULL, NULL), FG_ERR_INVALID_INPUT, "dataset|empty|n",
           "train: empty dataset");
    KEPT("train");
    EXPECT(fg_trainer_begin(tr, m, wrong_d), FG_ERR_INVALID_INPUT, "input_dim",
           "begin: dataset input_dim 4, model 3");
    KEPT("begin");
    EXPECT(fg_trainer_train(tr, NULL, ok, NULL, NULL), FG_ERR_INVALID_INPUT, "model",
           "train: model NULL");
    EXPECT(fg_trainer_train(tr, m, NULL, NULL, NULL), FG_ERR_INVALID_INPUT, "dataset|ds",
           "train: dataset NULL");
    KEPT("train");

    float loss = -123.0f, acc = -456.0f;
    EXPECT(fg_trainer_evaluate(tr, m, wrong_d, &loss, &acc), FG_ERR_INVALID_INPUT, "input_dim",
           "evaluate: dataset input_dim 4, model 3");
    CHECK(loss == -123.0f && acc == -456.0f, "  loss_out / accuracy_out untouched");
    EXPECT(fg_trainer_evaluate(tr, m, wrong_o, &loss, &acc), FG_ERR_INVALID_INPUT, "output_dim",
           "evaluate: dataset output_dim 4, model 1");
    CHECK(loss == -123.0f && acc == -456.0f, "  loss_out / accuracy_out untouched");
    EXPECT(fg_trainer_evaluate(tr, m, empty, &loss, &acc), FG_ERR_INVALID_INPUT, "dataset|empty|n",
           "evaluate: empty dataset");
    CHECK(loss == -123.0f && acc == -456.0f, "  loss_out / accuracy_out untouched");

    int32_t ev = 77;
    EXPECT(fg_trainer_step(tr, 1, &ev), FG_ERR_INVALID_INPUT, NULL, "step without begin");
    CHECK(ev == 77, "  event_out untouched");
    EXPECT(fg_trainer_finish(tr), FG_ERR_INVALID_INPUT, NULL, "finish without begin");
    KEPT("step/finish without begin");
    fg_free(ms.bytes);
#undef KEPT
out:
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ok);
    fg_dataset_destroy(wrong_d);
    fg_dataset_destroy(wrong_o);
    fg_dataset_destroy(empty);
    fg_dataset_destroy(full);
}

static void test_train_batch(void) {
    check_section("fg_trainer_train_batch");
    fg_model_config mc = small_model_cfg(D, 1);
    fg_training_config tc = fg_training_config_default();
    fg_model *m = NULL, *fresh = NULL;
    fg_trainer *tr = NULL, *tr2 = NULL;
    float x[N * T * D], y[N], soft[N] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    if (fg_model_create(&mc, &m) != FG_OK || fg_model_create(&mc, &fresh) != FG_OK ||
        fg_trainer_create(&mc, &tc, &tr) != FG_OK || fg_trainer_create(&mc, &tc, &tr2) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    model_snap ms = snap_model(m);
    float loss = -123.0f;
#define UNCHANGED() CHECK(same_model(m, &ms) && loss == -123.0f, "  model and loss_out untouched")
    EXPECT(fg_trainer_train_batch(tr, m, X, Y, NULL, N, 0, &loss), FG_ERR_INVALID_INPUT,
           "timesteps", "timesteps 0");
    UNCHANGED();
    EXPECT(fg_trainer_train_batch(tr, m, X, Y, NULL, -1, T, &loss), FG_ERR_INVALID_INPUT, "n",
           "n -1");
    UNCHANGED();
    EXPECT(fg_trainer_train_batch(tr, m, NULL, Y, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
           "x|features", "x NULL");
    UNCHANGED();
    EXPECT(fg_trainer_train_batch(tr, m, X, NULL, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
           "labels|y", "labels NULL");
    UNCHANGED();
    memcpy(y, Y, sizeof y);
    y[3] = 1.5f;
    EXPECT(fg_trainer_train_batch(tr, m, X, y, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
           "labels|label", "binary label 1.5");
    UNCHANGED();
    y[3] = NAN;
    EXPECT(fg_trainer_train_batch(tr, m, X, y, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
           "labels|label", "label NaN");
    UNCHANGED();
    memcpy(x, X, sizeof x);
    x[5] = NAN;
    EXPECT(fg_trainer_train_batch(tr, m, x, Y, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
           "x|features", "a NaN feature");
    UNCHANGED();
    soft[2] = NAN;
    EXPECT(fg_trainer_train_batch(tr, m, X, Y, soft, N, T, &loss), FG_ERR_INVALID_INPUT,
           "soft|soft_targets", "a NaN soft target");
    UNCHANGED();
    {
        fg_model_config other = small_model_cfg(D + 1, 1);
        fg_model *m2 = NULL;
        if (fg_model_create(&other, &m2) == FG_OK) {
            model_snap s2 = snap_model(m2);
            EXPECT(fg_trainer_train_batch(tr, m2, X, Y, NULL, N, T, &loss), FG_ERR_INVALID_INPUT,
                   "input_dim|model", "model input_dim differs from the trainer's model config");
            CHECK(same_model(m2, &s2) && loss == -123.0f, "  model and loss_out untouched");
            fg_free(s2.bytes);
        }
        fg_model_destroy(m2);
    }
#undef UNCHANGED
    /* The failed calls did not advance Adam: the next good step equals a
     * fresh trainer's first step on a fresh model. */
    float l1 = 0, l2 = 0;
    EXPECT(fg_trainer_train_batch(tr, m, X, Y, NULL, N, T, &l1), FG_OK, NULL, "a valid step");
    EXPECT(fg_trainer_train_batch(tr2, fresh, X, Y, NULL, N, T, &l2), FG_OK, NULL,
           "the same step on a fresh trainer and model");
    model_snap a = snap_model(m), b = snap_model(fresh);
    CHECK(a.len == b.len && a.bytes && b.bytes && memcmp(a.bytes, b.bytes, a.len) == 0 && l1 == l2,
          "  failed calls left no trace in the optimizer state");
    fg_free(a.bytes);
    fg_free(b.bytes);
    fg_free(ms.bytes);
out:
    fg_trainer_destroy(tr);
    fg_trainer_destroy(tr2);
    fg_model_destroy(m);
    fg_model_destroy(fresh);
}

/* ---- model calls -------------------------------------------------------------- */

static void test_model_calls(void) {
    check_section("model calls");
    fg_model_config mc = small_model_cfg(D, 1);
    fg_model *m = NULL;
    if (fg_model_create(&mc, &m) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        return;
    }
    model_snap ms = snap_model(m);
    float out[N * 4], ref[N * 4];
    for (int i = 0; i < N * 4; i++) ref[i] = out[i] = -7.0f - (float)i;
#define OUT_KEPT() CHECK(same_bits_f(out, ref, N * 4), "  output buffer untouched")
    EXPECT(fg_model_forward(m, X, 0, out), FG_ERR_INVALID_INPUT, "timesteps",
           "forward timesteps 0");
    OUT_KEPT();
    EXPECT(fg_model_forward(m, X, -3, out), FG_ERR_INVALID_INPUT, "timesteps",
           "forward timesteps -3");
    OUT_KEPT();
    EXPECT(fg_model_forward(m, NULL, T, out), FG_ERR_INVALID_INPUT, "x|features", "forward x NULL");
    EXPECT(fg_model_forward(m, X, T, NULL), FG_ERR_INVALID_INPUT, "probs_out|out|output",
           "forward out NULL");
    EXPECT(fg_model_forward_batch(m, X, -1, T, out), FG_ERR_INVALID_INPUT, "n",
           "forward_batch n -1");
    OUT_KEPT();
    EXPECT(fg_model_forward_batch(m, X, N, 0, out), FG_ERR_INVALID_INPUT, "timesteps",
           "forward_batch timesteps 0");
    OUT_KEPT();
    EXPECT(fg_model_logits_batch(m, X, N, -1, out), FG_ERR_INVALID_INPUT, "timesteps",
           "logits_batch timesteps -1");
    OUT_KEPT();
    const float bad_t[] = {0.0f, -1.0f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_t / sizeof bad_t[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "generate_teacher_predictions temperature %g",
                 (double)bad_t[i]);
        EXPECT(fg_generate_teacher_predictions(m, X, N, T, bad_t[i], out), FG_ERR_INVALID_INPUT,
               "temperature", what);
        OUT_KEPT();
    }
    EXPECT(fg_generate_teacher_predictions(m, X, N, 0, 2.0f, out), FG_ERR_INVALID_INPUT,
           "timesteps", "generate_teacher_predictions timesteps 0");
    OUT_KEPT();
#undef OUT_KEPT

    size_t P = fg_model_num_params(m);
    float *p = alloc_floats(P + 1), *q = alloc_floats(P + 1);
    for (size_t i = 0; i <= P; i++) q[i] = p[i] = 0.25f;
    EXPECT(fg_model_set_params(m, p, P - 1), FG_ERR_INVALID_INPUT, "count",
           "set_params count P - 1");
    EXPECT(fg_model_set_params(m, p, P + 1), FG_ERR_INVALID_INPUT, "count",
           "set_params count P + 1");
    p[P / 2] = NAN;
    EXPECT(fg_model_set_params(m, p, P), FG_ERR_INVALID_INPUT, "params|in|parameters|value",
           "set_params with a NaN value");
    p[P / 2] = INFINITY;
    EXPECT(fg_model_set_params(m, p, P), FG_ERR_INVALID_INPUT, "params|in|parameters|value",
           "set_params with an inf value");
    CHECK(same_model(m, &ms), "  model unchanged");
    EXPECT(fg_model_get_params(m, q, P - 1), FG_ERR_INVALID_INPUT, "count",
           "get_params count P - 1");
    int untouched = 1;
    for (size_t i = 0; i <= P; i++) untouched &= q[i] == 0.25f;
    CHECK(untouched, "  out buffer untouched");

    const char *name = "sentinel";
    int32_t rows = -9, cols = -9;
    size_t off = 999;
    EXPECT(fg_model_tensor_info(m, -1, &name, &rows, &cols, &off), FG_ERR_INVALID_INPUT, "index",
           "tensor_info index -1");
    EXPECT(fg_model_tensor_info(m, fg_model_num_tensors(m), &name, &rows, &cols, &off),
           FG_ERR_INVALID_INPUT, "index", "tensor_info index num_tensors");
    CHECK(strcmp(name, "sentinel") == 0 && rows == -9 && cols == -9 && off == 999,
          "  outputs untouched");
    free(p);
    free(q);
    fg_free(ms.bytes);
    fg_model_destroy(m);
}

/* ---- JSON and files ---------------------------------------------------------- */

static void test_json_and_files(void) {
    check_section("JSON parsing and files");
    fg_model_config mc, mref;
    memset(&mc, 0x5A, sizeof mc);
    mref = mc;
    struct {
        const char *json;
        fg_status st;
        const char *names;
    } mcases[] = {
        {"{\"hidden_dim\": 0}", FG_ERR_INVALID_INPUT, "hidden_dim"},
        {"{\"input_dim\": -4}", FG_ERR_INVALID_INPUT, "input_dim"},
        {"{\"hidden_dim\": 1.5}", FG_ERR_INVALID_INPUT, "hidden_dim"},
        {"{\"hidden_dim\": \"16\"}", FG_ERR_INVALID_INPUT, "hidden_dim"},
        {"{\"rank\": 0}", FG_ERR_INVALID_INPUT, "rank"},
        {"{\"hiden_dim\": 16}", FG_ERR_INVALID_INPUT, "hiden_dim"},
        {"{\"hidden_dim\": 16", FG_ERR_SERIALIZATION, NULL},
        {"[16]", FG_ERR_SERIALIZATION, NULL},
        {"not json", FG_ERR_SERIALIZATION, NULL},
        {"", FG_ERR_SERIALIZATION, NULL},
    };
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "model_config_from_json '%s'", mcases[i].json);
        EXPECT(fg_model_config_from_json(mcases[i].json, strlen(mcases[i].json), &mc), mcases[i].st,
               mcases[i].names, what);
        CHECK(memcmp(&mc, &mref, sizeof mc) == 0, "  out struct untouched");
    }
    fg_training_config tc, tref;
    memset(&tc, 0x5A, sizeof tc);
    tref = tc;
    struct {
        const char *json;
        fg_status st;
        const char *names;
    } tcases[] = {
        {"{\"learning_rate\": -1}", FG_ERR_INVALID_INPUT, "learning_rate"},
        {"{\"batch_size\": 0}", FG_ERR_INVALID_INPUT, "batch_size"},
        {"{\"distillation_alpha\": 1.5}", FG_ERR_INVALID_INPUT, "distillation_alpha"},
        {"{\"enable_distillation\": \"yes\"}", FG_ERR_INVALID_INPUT, "enable_distillation"},
        {"{\"learning_rat\": 0.1}", FG_ERR_INVALID_INPUT, "learning_rat"},
        {"{\"early_stopping_patience\": 0}", FG_ERR_INVALID_INPUT, "early_stopping_patience"},
        {"{", FG_ERR_SERIALIZATION, NULL},
    };
    for (size_t i = 0; i < sizeof tcases / sizeof tcases[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "training_config_from_json '%s'", tcases[i].json);
        EXPECT(fg_training_config_from_json(tcases[i].json, strlen(tcases[i].json), &tc),
               tcases[i].st, tcases[i].names, what);
        CHECK(memcmp(&tc, &tref, sizeof tc) == 0, "  out struct untouched");
    }

    fg_training_metrics *mo = SENT(fg_training_metrics);
    size_t cnt = 12345;
    const char *badm[] = {"{", "{\"epoch\": 1}", "[{\"epoch\": \"x\"}]"};
    for (size_t i = 0; i < sizeof badm / sizeof badm[0]; i++) {
        char what[96];
        fg_clear_error();
        fg_status s = fg_metrics_from_json(badm[i], strlen(badm[i]), &mo, &cnt);
        snprintf(what, sizeof what, "metrics_from_json '%s' -> %s", badm[i], fg_status_name(s));
        CHECK((s == FG_ERR_SERIALIZATION || s == FG_ERR_INVALID_INPUT) && fg_last_error()[0] &&
                  mo == SENT(fg_training_metrics) && cnt == 12345,
              "%s: an error, outputs untouched", what);
    }
    float *means = SENT(float), *stds = SENT(float);
    int32_t dim = -5;
    const char *badn[] = {"{\"means\": [1, 2], \"stds\": [1, 2, 3]}", "{\"means\": [1]}",
                          "{\"means\": [0], \"stds\": [0]}", "{\"means\": [\"a\"], \"stds\": [1]}",
                          "nope"};
    for (size_t i = 0; i < sizeof badn / sizeof badn[0]; i++) {
        char what[128];
        fg_clear_error();
        fg_status s = fg_normalization_from_json(badn[i], strlen(badn[i]), &means, &stds, &dim);
        snprintf(what, sizeof what, "normalization_from_json '%s' -> %s", badn[i],
                 fg_status_name(s));
        CHECK((s == FG_ERR_SERIALIZATION || s == FG_ERR_INVALID_INPUT) && fg_last_error()[0] &&
                  means == SENT(float) && stds == SENT(float) && dim == -5,
              "%s: an error, outputs untouched", what);
    }

    fg_model *m = SENT(fg_model);
    EXPECT(fg_model_load_file("/nonexistent-dir-fg/model.safetensors", &m), FG_ERR_IO,
           "path|/nonexistent-dir-fg/model.safetensors|model.safetensors",
           "load_file of a missing file");
    CHECK(m == SENT(fg_model), "  out untouched");
    static const uint8_t junk[16] = {8,   0,   0,   0,   0,   0,   0,   0,
                                     'n', 'o', 't', ' ', 'j', 's', 'o', 'n'};
    EXPECT(fg_model_load(junk, sizeof junk, &m), FG_ERR_SERIALIZATION, NULL, "load of junk bytes");
    CHECK(m == SENT(fg_model), "  out untouched");
    EXPECT(fg_model_load(junk, 3, &m), FG_ERR_SERIALIZATION, NULL, "load of 3 bytes");
    CHECK(m == SENT(fg_model), "  out untouched");
    fg_model_config c = small_model_cfg(D, 1);
    fg_model *good = NULL;
    if (fg_model_create(&c, &good) == FG_OK)
        EXPECT(fg_model_save_file(good, "/nonexistent-dir-fg/out.safetensors"), FG_ERR_IO,
               "path|/nonexistent-dir-fg/out.safetensors|out.safetensors",
               "save_file into a missing directory");
    fg_model_destroy(good);
}

static void test_status_names(void) {
    check_section("status names");
    CHECK(strcmp(fg_status_name(FG_OK), "Ok") == 0, "FG_OK -> Ok");
    CHECK(strcmp(fg_status_name(FG_ERR_INVALID_INPUT), "InvalidInput") == 0, "InvalidInput");
    CHECK(strcmp(fg_status_name(FG_ERR_SERIALIZATION), "SerializationError") == 0,
          "SerializationError");
    CHECK(strcmp(fg_status_name(FG_ERR_IO), "IoError") == 0, "IoError");
    CHECK(strcmp(fg_status_name(FG_ERR_ABORTED), "Aborted") == 0, "Aborted");
    CHECK(strcmp(fg_status_name(FG_ERR_DIVERGED), "Diverged") == 0, "Diverged");
    CHECK(strcmp(fg_status_name(FG_ERR_OUT_OF_MEMORY), "OutOfMemory") == 0, "OutOfMemory");
    fg_clear_error();
    CHECK(fg_last_error()[0] == '\0' && fg_last_status() == FG_OK,
          "after fg_clear_error: empty message, FG_OK");
}

int main(void) {
    fill_x();
    test_status_names();
    test_dataset_create();
    test_soft_targets();
    test_split();
    test_normalization_args();
    test_batch_iter();
    test_model_config();
    test_training_config();
    test_trainer_dims();
    test_train_batch();
    test_model_calls();
    test_json_and_files();
    return check_summary();
}
