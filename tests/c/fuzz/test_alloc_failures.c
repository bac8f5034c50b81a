/*
 * test_alloc_failures.c - every allocation of every call fails in turn.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=free, so the library's
 * own allocations (all of them go through error.c) pass through the
 * wrappers below, which can make the k-th one fail. For each scenario and
 * k = 0, 1, 2, ... until the call succeeds with no failure injected:
 *   - a call whose allocation failed returns FG_ERR_OUT_OF_MEMORY, records
 *     it, and says "out of memory" or "overflows";
 *   - the objects it was given are unchanged, its outputs untouched;
 *   - it leaks nothing (live allocations are counted).
 * It also checks that a training run allocates nothing after begin (the
 * design's "no hidden allocation in the training loop").
 * (cJSON's internal allocations happen inside the shared library and are not
 * injected; the library's handling of cJSON returning NULL is covered by
 * the same OUT_OF_MEMORY paths.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fastgrnn.h"

/* ---- the allocator wrappers -------------------------------------------------- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);

static long g_fail_at = -1; /* index of the allocation to fail, -1: none */
static long g_count;        /* allocations attempted since arm()        */
static int g_injected;      /* a failure was injected since arm()        */
static long g_live;         /* successful allocations not yet freed     */

static int should_fail(void) {
    long i = g_count++;
    if (g_fail_at >= 0 && i == g_fail_at) {
        g_injected = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size) {
    if (should_fail()) return NULL;
    void *p = __real_malloc(size);
    if (p) g_live++;
    return p;
}

void *__wrap_calloc(size_t n, size_t size) {
    if (should_fail()) return NULL;
    void *p = __real_calloc(n, size);
    if (p) g_live++;
    return p;
}

void __wrap_free(void *p) {
    if (p) g_live--;
    __real_free(p);
}

static void arm(long k) {
    g_fail_at = k;
    g_count = 0;
    g_injected = 0;
}

static void disarm(void) { g_fail_at = -1; }

/* ---- fixtures ---------------------------------------------------------------------- */

static fg_model *model_of(int32_t D, int32_t H, int32_t O, int32_t rank, float sparsity,
                          int quantize, int norm) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = D;
    c.hidden_dim = H;
    c.output_dim = O;
    c.rank = rank;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) exit(2);
    if (sparsity > 0 && fg_model_prune(m, sparsity) != FG_OK) exit(2);
    if (quantize && fg_model_quantize(m) != FG_OK) exit(2);
    if (norm) {
        float means[64], stds[64];
        for (int i = 0; i < D; i++) {
            means[i] = (float)i;
            stds[i] = 1.0f + (float)i;
        }
        if (fg_model_set_normalization(m, means, stds, D) != FG_OK) exit(2);
    }
    return m;
}

static fg_dataset *data_of(int32_t n, int32_t T, int32_t D, int32_t O, int soft) {
    size_t count = (size_t)n * T * D;
    float *x = alloc_floats(count), *y = alloc_floats((size_t)n);
    for (size_t i = 0; i < count; i++) x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
    for (int32_t i = 0; i < n; i++) y[i] = O == 1 ? (float)(i % 2) : (float)(i % O);
    fg_dataset *ds = NULL;
    if (fg_dataset_create(x, y, n, T, D, O, &ds) != FG_OK) exit(2);
    if (soft) {
        size_t w = (size_t)n * (O == 1 ? 1 : O);
        float *s = alloc_floats(w);
        for (size_t i = 0; i < w; i++) s[i] = O == 1 ? 0.25f : 1.0f / (float)O;
        if (fg_dataset_with_soft_targets(ds, s, w) != FG_OK) exit(2);
        free(s);
    }
    free(x);
    free(y);
    return ds;
}

static int model_bytes(const fg_model *m, uint8_t **b, size_t *n) {
    disarm();
    return fg_model_save(m, b, n) == FG_OK;
}

static int same_model(const fg_model *a, const uint8_t *bytes, size_t len) {
    uint8_t *b = NULL;
    size_t n = 0;
    int same = model_bytes(a, &b, &n) && n == len && memcmp(b, bytes, n) == 0;
    fg_free(b);
    return same;
}

static int same_dataset(const fg_dataset *a, const fg_dataset *b) {
    int32_t n = fg_dataset_len(a), O = fg_dataset_output_dim(a);
    size_t count = (size_t)n * fg_dataset_timesteps(a) * fg_dataset_input_dim(a);
    if (n != fg_dataset_len(b) ||
        !same_bits_f(fg_dataset_features(a), fg_dataset_features(b), count) ||
        !same_bits_f(fg_dataset_labels(a), fg_dataset_labels(b), (size_t)n))
        return 0;
    const float *sa = fg_dataset_soft_targets(a), *sb = fg_dataset_soft_targets(b);
    if ((sa == NULL) != (sb == NULL)) return 0;
    return !sa || same_bits_f(sa, sb, (size_t)n * (O == 1 ? 1 : O));
}

/* ---- scenarios ------------------------------------------------------------------------ */

/* setup() builds the fixture (no failures injected), call() makes the one
 * call under test, unchanged() says whether the fixture is as setup left it
 * (only asked after a failed call), teardown() frees everything, outputs
 * included. */
typedef struct scenario scenario;
struct scenario {
    const char *name;
    void (*setup)(scenario *);
    fg_status (*call)(scenario *);
    int (*unchanged)(scenario *);
    fg_model *m;
    fg_dataset *ds, *ds_copy;
    fg_trainer *tr;
    uint8_t *bytes; /* the model as setup saved it */
    size_t len;
    void *out, *out2; /* outputs of the call (fg_free'd, or objects) */
    int out_kind;     /* 0 fg_free, 1 model, 2 datasets */
    float sparsity;
    int quantize, distill;
    float *buf_x, *buf_y; /* fg_malloc'd buffers for fg_dataset_adopt */
};

static void teardown(scenario *s) {
    disarm();
    if (s->out_kind == 1) fg_model_destroy((fg_model *)s->out);
    else if (s->out_kind == 2) {
        fg_dataset_destroy((fg_dataset *)s->out);
        fg_dataset_destroy((fg_dataset *)s->out2);
    } else {
        fg_free(s->out);
        fg_free(s->out2);
    }
    fg_model_destroy(s->m);
    fg_dataset_destroy(s->ds);
    fg_dataset_destroy(s->ds_copy);
    fg_trainer_destroy(s->tr);
    fg_free(s->bytes);
    fg_free(s->buf_x);
    fg_free(s->buf_y);
    s->buf_x = s->buf_y = NULL;
    s->out = s->out2 = NULL;
    s->m = NULL;
    s->ds = s->ds_copy = NULL;
    s->tr = NULL;
    s->bytes = NULL;
}

static int model_same(scenario *s) { return s->out == NULL && same_model(s->m, s->bytes, s->len); }
static int ds_same(scenario *s) {
    return s->out == NULL && s->out2 == NULL && same_dataset(s->ds, s->ds_copy);
}
static int both_same(scenario *s) { return model_same(s) && ds_same(s); }

/* fixtures */
static void keep_model(scenario *s, fg_model *m) {
    s->m = m;
    if (!model_bytes(m, &s->bytes, &s->len)) exit(2);
}
static void keep_ds(scenario *s, fg_dataset *ds) {
    s->ds = ds;
    if (fg_dataset_clone(ds, &s->ds_copy) != FG_OK) exit(2);
}
static void su_dense(scenario *s) { keep_model(s, model_of(5, 8, 1, 4, 0, 0, 1)); }
static void su_sparse(scenario *s) { keep_model(s, model_of(5, 8, 3, FG_RANK_NONE, 0.5f, 0, 0)); }
static void su_quant(scenario *s) { keep_model(s, model_of(5, 16, 1, 8, 0.25f, 1, 1)); }
static void su_big_sparse(scenario *s) {
    keep_model(s, model_of(256, 257, 1, FG_RANK_NONE, 0.99f, 0, 0));
}
static const char CARD[] = "{\"feature_names\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"class_names\":["
                           "\"no\",\"yes\"],\"label_name\":\"y\","
                           "\"timesteps\":2,\"data\":{\"source\":\"test\"},\"training\":{\"epochs_"
                           "run\":3,\"kept_epoch\":1,"
                           "\"kept_reason\":\"best_validation_loss\",\"stop_reason\":\"early_"
                           "stopping\",\"train_samples\":8,"
                           "\"validation_samples\":2,\"final\":{\"train_loss\":0.5,\"train_"
                           "accuracy\":0.75,\"val_loss\":0.625,\"val_accuracy\":0.5}}}";
static void su_carded(scenario *s) {
    fg_model *m = model_of(5, 8, 1, 4, 0, 0, 1);
    if (fg_model_set_card(m, CARD, strlen(CARD)) != FG_OK) exit(2);
    keep_model(s, m);
}
static void su_ds(scenario *s) { keep_ds(s, data_of(10, 2, 3, 1, 1)); }
static void su_ds_multi(scenario *s) { keep_ds(s, data_of(9, 1, 2, 3, 0)); }
static void su_train(scenario *s) {
    keep_model(s, model_of(3, 4, 1, FG_RANK_NONE, 0, 0, 0));
    keep_ds(s, data_of(12, 2, 3, 1, 1));
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 6;
    tc.batch_size = 4;
    tc.learning_rate = 0.01f;
    tc.sparsity_w = s->sparsity;
    tc.sparsity_u = s->sparsity;
    tc.enable_distillation = s->distill;
    if (fg_trainer_create(fg_model_get_config(s->m), &tc, &s->tr) != FG_OK) exit(2);
}
static void su_train_multi(scenario *s) {
    keep_model(s, model_of(3, 6, 3, 2, 0, 0, 0));
    keep_ds(s, data_of(12, 1, 3, 3, 0));
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 6;
    tc.batch_size = 5;
    tc.sparsity_u = s->sparsity;
    if (fg_trainer_create(fg_model_get_config(s->m), &tc, &s->tr) != FG_OK) exit(2);
}

/* calls */
static fg_status c_create(scenario *s) {
    s->out_kind = 1;
    fg_model *m = NULL;
    fg_status st = fg_model_create(fg_model_get_config(s->m), &m);
    s->out = m;
    return st;
}
static fg_status c_clone(scenario *s) {
    s->out_kind = 1;
    fg_model *m = NULL;
    fg_status st = fg_model_clone(s->m, &m);
    s->out = m;
    return st;
}
static fg_status c_save(scenario *s) {
    uint8_t *b = NULL;
    size_t n = 0;
    fg_status st = fg_model_save(s->m, &b, &n);
    s->out = b;
    return st;
}
static fg_status c_set_card(scenario *s) {
    static const char update[] =
        "{\"label_name\":\"target\",\"data\":null,\"class_names\":[\"left\",\"right\"]}";
    return fg_model_set_card(s->m, update, strlen(update));
}
static fg_status c_get_card(scenario *s) {
    char *json = NULL;
    fg_status st = fg_model_get_card(s->m, &json);
    s->out = json;
    return st;
}
static fg_status c_summary_json(scenario *s) {
    (void)s;
    fg_training_summary sum = {4,  2, FG_KEPT_BEST_VALIDATION_LOSS,        FG_STOP_EARLY_STOPPING,
                               10, 3, {2, 0.5f, 0.25f, 0.75f, 0.5f, 0.01f}};
    char *json = NULL;
    fg_status st = fg_training_summary_to_json(&sum, &json);
    s->out = json;
    return st;
}
static fg_status c_load(scenario *s) {
    s->out_kind = 1;
    fg_model *m = NULL;
    fg_status st = fg_model_load(s->bytes, s->len, &m);
    s->out = m;
    return st;
}
static fg_status c_save_load_file(scenario *s) {
    s->out_kind = 1;
    char path[64];
    snprintf(path, sizeof path, "/tmp/fg_alloc_%d.safetensors", (int)getpid());
    fg_status st = fg_model_save_file(s->m, path);
    if (st == FG_OK) {
        fg_model *m = NULL;
        st = fg_model_load_file(path, &m);
        s->out = m;
    }
    remove(path);
    return st;
}
static fg_status c_prune(scenario *s) { return fg_model_prune(s->m, 0.5f); }
static fg_status c_quantize(scenario *s) { return fg_model_quantize(s->m); }
static fg_status c_forward(scenario *s) {
    const fg_model_config *c = fg_model_get_config(s->m);
    float x[3 * 4 * 5] = {0}, out[3 * 3];
    for (int i = 0; i < 3 * 4 * c->input_dim; i++) x[i] = 0.1f * (float)(i % 9);
    return fg_model_forward_batch(s->m, x, 3, 4, out);
}
static fg_status c_teacher(scenario *s) {
    float x[2 * 5] = {0.5f, -0.5f, 1, 0, 0.25f, 1, 1, 1, 1, 1}, out[2 * 3];
    return fg_generate_teacher_predictions(s->m, x, 2, 1, 2.0f, out);
}
static fg_status c_set_norm(scenario *s) {
    float means[5] = {1, 2, 3, 4, 5}, stds[5] = {1, 1, 1, 1, 1};
    return fg_model_set_normalization(s->m, means, stds, 5);
}
static fg_status c_config_json(scenario *s) {
    char *j = NULL;
    fg_status st = fg_model_config_to_json(fg_model_get_config(s->m), &j);
    if (st == FG_OK) {
        fg_model_config c;
        st = fg_model_config_from_json(j, strlen(j), &c);
    }
    fg_free(j);
    j = NULL;
    if (st != FG_OK) return st;
    fg_training_config tc = fg_training_config_default();
    st = fg_training_config_to_json(&tc, &j);
    if (st == FG_OK) st = fg_training_config_from_json(j, strlen(j), &tc);
    fg_free(j);
    return st;
}
static fg_status c_norm_json(scenario *s) {
    (void)s;
    float means[3] = {1, 2, 3}, stds[3] = {1, 2, 3}, *m2 = NULL, *s2 = NULL;
    int32_t dim = 0;
    char *j = NULL;
    fg_status st = fg_normalization_to_json(means, stds, 3, &j);
    if (st == FG_OK) st = fg_normalization_from_json(j, strlen(j), &m2, &s2, &dim);
    fg_free(j);
    fg_free(m2);
    fg_free(s2);
    return st;
}
static fg_status c_metrics_json(scenario *s) {
    (void)s;
    fg_training_metrics m[2] = {{0, 1, NAN, 0.5f, NAN, 0.1f}, {1, 0.5f, 0.6f, 0.75f, 0.5f, 0.1f}},
                        *back = NULL;
    size_t n = 0;
    char *j = NULL;
    fg_status st = fg_metrics_to_json(m, 2, &j);
    if (st == FG_OK) st = fg_metrics_from_json(j, strlen(j), &back, &n);
    fg_free(j);
    fg_free(back);
    return st;
}
static fg_status c_ds_create(scenario *s) {
    s->out_kind = 2;
    fg_dataset *d = NULL;
    fg_status st = fg_dataset_create(fg_dataset_features(s->ds), fg_dataset_labels(s->ds),
                                     fg_dataset_len(s->ds), fg_dataset_timesteps(s->ds),
                                     fg_dataset_input_dim(s->ds), fg_dataset_output_dim(s->ds), &d);
    s->out = d;
    return st;
}
static void su_ds_adopt(scenario *s) {
    su_ds(s);
    size_t nx =
        (size_t)fg_dataset_len(s->ds) * fg_dataset_timesteps(s->ds) * fg_dataset_input_dim(s->ds);
    s->buf_x = fg_malloc(nx * sizeof(float));
    s->buf_y = fg_malloc((size_t)fg_dataset_len(s->ds) * sizeof(float));
    if (!s->buf_x || !s->buf_y) exit(2);
    memcpy(s->buf_x, fg_dataset_features(s->ds), nx * sizeof(float));
    memcpy(s->buf_y, fg_dataset_labels(s->ds), (size_t)fg_dataset_len(s->ds) * sizeof(float));
}
static fg_status c_ds_adopt(scenario *s) {
    s->out_kind = 2;
    fg_dataset *d = NULL;
    fg_status st =
        fg_dataset_adopt(s->buf_x, s->buf_y, fg_dataset_len(s->ds), fg_dataset_timesteps(s->ds),
                         fg_dataset_input_dim(s->ds), fg_dataset_output_dim(s->ds), &d);
    if (st == FG_OK) s->buf_x = s->buf_y = NULL; /* the dataset owns them now */
    s->out = d;
    return st;
}
static int adopt_same(scenario *s) {
    size_t nx =
        (size_t)fg_dataset_len(s->ds) * fg_dataset_timesteps(s->ds) * fg_dataset_input_dim(s->ds);
    return ds_same(s) && s->buf_x && s->buf_y &&
           same_bits_f(s->buf_x, fg_dataset_features(s->ds), nx) &&
           same_bits_f(s->buf_y, fg_dataset_labels(s->ds), (size_t)fg_dataset_len(s->ds));
}
static fg_status c_ds_clone(scenario *s) {
    s->out_kind = 2;
    fg_dataset *d = NULL;
    fg_status st = fg_dataset_clone(s->ds, &d);
    s->out = d;
    return st;
}
static fg_status c_ds_split(scenario *s) {
    s->out_kind = 2;
    fg_dataset *a = NULL, *b = NULL;
    fg_status st = fg_dataset_split(s->ds, 0.3f, 7, &a, &b);
    s->out = a;
    s->out2 = b;
    return st;
}
static fg_status c_ds_normalize(scenario *s) {
    float means[3], stds[3];
    return fg_dataset_normalize(s->ds, means, stds);
}
static fg_status c_ds_soft(scenario *s) {
    float soft[9 * 3];
    for (int i = 0; i < 27; i++) soft[i] = 1.0f / 3.0f;
    return fg_dataset_with_soft_targets(s->ds, soft, 27);
}
static fg_status c_iter(scenario *s) {
    fg_batch_iter *it = NULL;
    fg_status st = fg_batch_iter_create(s->ds, 4, 1, 3, &it);
    if (st == FG_OK) {
        int32_t total = 0, nb;
        while ((nb = fg_batch_iter_next(it, NULL, NULL, NULL)) > 0) total += nb;
        if (total != fg_dataset_len(s->ds)) st = FG_ERR_INVALID_INPUT;
    }
    fg_batch_iter_destroy(it);
    return st;
}
static fg_status c_trainer_create(scenario *s) {
    fg_training_config tc = fg_training_config_default();
    fg_trainer *tr = NULL;
    fg_status st = fg_trainer_create(fg_model_get_config(s->m), &tc, &tr);
    fg_trainer_destroy(tr);
    return st;
}
static fg_status c_train(scenario *s) { return fg_trainer_train(s->tr, s->m, s->ds, NULL, NULL); }
static fg_status c_train_batch(scenario *s) {
    float loss;
    return fg_trainer_train_batch(s->tr, s->m, fg_dataset_features(s->ds), fg_dataset_labels(s->ds),
                                  fg_dataset_soft_targets(s->ds), 4, fg_dataset_timesteps(s->ds),
                                  &loss);
}
static fg_status c_evaluate(scenario *s) {
    float loss, acc;
    return fg_trainer_evaluate(s->tr, s->m, s->ds, &loss, &acc);
}

static scenario SCENARIOS[] = {
    {.name = "model_create", .setup = su_dense, .call = c_create, .unchanged = model_same},
    {.name = "model_clone (normalization)",
     .setup = su_dense,
     .call = c_clone,
     .unchanged = model_same},
    {.name = "model_clone (sparse)", .setup = su_sparse, .call = c_clone, .unchanged = model_same},
    {.name = "model_save (dense)", .setup = su_dense, .call = c_save, .unchanged = model_same},
    {.name = "model_save (sparse, quantized)",
     .setup = su_quant,
     .call = c_save,
     .unchanged = model_same},
    {.name = "model_load (dense, normalization)",
     .setup = su_dense,
     .call = c_load,
     .unchanged = model_same},
    {.name = "model_load (card)", .setup = su_carded, .call = c_load, .unchanged = model_same},
    {.name = "model_clone (card)", .setup = su_carded, .call = c_clone, .unchanged = model_same},
    {.name = "model_set_card", .setup = su_carded, .call = c_set_card, .unchanged = model_same},
    {.name = "model_get_card (normalization)",
     .setup = su_carded,
     .call = c_get_card,
     .unchanged = model_same},
    {.name = "training_summary_to_json",
     .setup = su_dense,
     .call = c_summary_json,
     .unchanged = model_same},
    {.name = "model_load (sparse)", .setup = su_sparse, .call = c_load, .unchanged = model_same},
    {.name = "model_load (sparse, quantized)",
     .setup = su_quant,
     .call = c_load,
     .unchanged = model_same},
    {.name = "model_load (U32 indices)",
     .setup = su_big_sparse,
     .call = c_load,
     .unchanged = model_same},
    {.name = "model_save_file + load_file",
     .setup = su_dense,
     .call = c_save_load_file,
     .unchanged = model_same},
    {.name = "model_prune", .setup = su_dense, .call = c_prune, .unchanged = model_same},
    {.name = "model_prune (pruned again)",
     .setup = su_sparse,
     .call = c_prune,
     .unchanged = model_same},
    {.name = "model_quantize", .setup = su_dense, .call = c_quantize, .unchanged = model_same},
    {.name = "model_forward_batch", .setup = su_dense, .call = c_forward, .unchanged = model_same},
    {.name = "model_forward_batch (quantized)",
     .setup = su_quant,
     .call = c_forward,
     .unchanged = model_same},
    {.name = "generate_teacher_predictions",
     .setup = su_sparse,
     .call = c_teacher,
     .unchanged = model_same},
    {.name = "model_set_normalization",
     .setup = su_dense,
     .call = c_set_norm,
     .unchanged = model_same},
    {.name = "config JSON both ways",
     .setup = su_dense,
     .call = c_config_json,
     .unchanged = model_same},
    {.name = "normalization JSON both ways",
     .setup = su_dense,
     .call = c_norm_json,
     .unchanged = model_same},
    {.name = "metrics JSON both ways",
     .setup = su_dense,
     .call = c_metrics_json,
     .unchanged = model_same},
    {.name = "dataset_create", .setup = su_ds, .call = c_ds_create, .unchanged = ds_same},
    {.name = "dataset_adopt", .setup = su_ds_adopt, .call = c_ds_adopt, .unchanged = adopt_same},
    {.name = "dataset_clone (soft targets)",
     .setup = su_ds,
     .call = c_ds_clone,
     .unchanged = ds_same},
    {.name = "dataset_split", .setup = su_ds, .call = c_ds_split, .unchanged = ds_same},
    {.name = "dataset_normalize", .setup = su_ds, .call = c_ds_normalize, .unchanged = ds_same},
    {.name = "dataset_with_soft_targets",
     .setup = su_ds_multi,
     .call = c_ds_soft,
     .unchanged = ds_same},
    {.name = "batch_iter_create", .setup = su_ds, .call = c_iter, .unchanged = ds_same},
    {.name = "trainer_create",
     .setup = su_dense,
     .call = c_trainer_create,
     .unchanged = model_same},
    {.name = "trainer_train", .setup = su_train, .call = c_train, .unchanged = both_same},
    {.name = "trainer_train (distillation)",
     .setup = su_train,
     .call = c_train,
     .unchanged = both_same,
     .distill = 1},
    {.name = "trainer_train (sparse, multi-class)",
     .setup = su_train_multi,
     .call = c_train,
     .unchanged = both_same,
     .sparsity = 0.5f},
    {.name = "trainer_train_batch",
     .setup = su_train,
     .call = c_train_batch,
     .unchanged = both_same},
    {.name = "trainer_evaluate",
     .setup = su_train_multi,
     .call = c_evaluate,
     .unchanged = both_same},
};

static void run_scenario(scenario *s) {
    check_section(s->name);
    int ok = 1;
    long k;
    for (k = 0; k < 10000; k++) {
        long base = g_live;
        s->setup(s);
        s->out = s->out2 = NULL;
        s->out_kind = 0;
        arm(k);
        fg_status st = s->call(s);
        int injected = g_injected;
        disarm();
        if (!injected) {
            ok &= CHECK(st == FG_OK, "  %s succeeds with no failure injected (%ld allocations) %s",
                        s->name, k, st ? fg_last_error() : "");
            teardown(s);
            ok &= CHECK(g_live == base, "  no leak after success (%ld live)", g_live - base);
            break;
        }
        if (st != FG_ERR_OUT_OF_MEMORY || fg_last_status() != st ||
            (!contains_ci(fg_last_error(), "out of memory") &&
             !contains_ci(fg_last_error(), "overflows"))) {
            ok &= CHECK(0, "  allocation %ld failed: %s \"%s\" (expected OutOfMemory)", k,
                        fg_status_name(st), fg_last_error());
        }
        if (!s->unchanged(s)) ok &= CHECK(0, "  allocation %ld failed and the inputs changed", k);
        teardown(s);
        if (g_live != base)
            ok &= CHECK(0, "  allocation %ld failed and %ld allocations leaked", k, g_live - base);
    }
    CHECK(ok,
          "%s: each of its %ld allocations fails cleanly (OutOfMemory, inputs unchanged, no leak)",
          s->name, k);
}

/* A training run allocates everything in begin: its steps allocate nothing. */
static void no_allocation_in_steps(float sparsity, int distill) {
    scenario s = {0};
    s.sparsity = sparsity;
    s.distill = distill;
    su_train(&s);
    if (fg_trainer_begin(s.tr, s.m, s.ds) != FG_OK) exit(2);
    arm(-1);
    int32_t ev = 0;
    int steps = 0;
    while (ev != FG_EVENT_DONE && steps < 10000) {
        if (fg_trainer_step(s.tr, 1, &ev) != FG_OK) break;
        steps++;
    }
    fg_status st = fg_trainer_finish(s.tr);
    long count = g_count;
    disarm();
    CHECK(ev == FG_EVENT_DONE && st == FG_OK && count == 0,
          "training steps and finish allocate nothing (sparsity %g, "
          "distillation %d): %ld allocations in %d steps",
          (double)sparsity, distill, count, steps);
    teardown(&s);
}

/* Interrupting (and writing the summary into the card) allocates nothing. */
static void no_allocation_in_interrupt(void) {
    scenario s = {0};
    su_train(&s);
    if (fg_trainer_begin(s.tr, s.m, s.ds) != FG_OK) exit(2);
    arm(-1);
    int32_t ev = 0;
    for (int i = 0; i < 7; i++) fg_trainer_step(s.tr, 1, &ev);
    fg_status st = fg_trainer_interrupt(s.tr);
    long count = g_count;
    disarm();
    char *card = NULL;
    if (fg_model_get_card(s.m, &card) != FG_OK) exit(2);
    CHECK(st == FG_OK && count == 0 && strstr(card, "\"stop_reason\":\"interrupted\"") != NULL,
          "steps and interrupt allocate nothing and the card says interrupted (%ld allocations)",
          count);
    fg_free(card);
    teardown(&s);
}

int main(void) {
    for (size_t i = 0; i < sizeof SCENARIOS / sizeof SCENARIOS[0]; i++) run_scenario(&SCENARIOS[i]);
    check_section("training loop");
    no_allocation_in_steps(0.0f, 0);
    no_allocation_in_steps(0.0f, 1);
    no_allocation_in_steps(0.5f, 0);
    no_allocation_in_interrupt();
    return check_summary();
}
