/*
 * test_bad_inputs.c - the C rows of docs/bad-inputs.md.
 *
 * Every row makes one bad call and asserts: the status (error kind), that
 * fg_last_status() records it, that the message contains the documented
 * text, and that the objects the call was given are unchanged afterwards
 * (a model saves to the very same bytes, a dataset holds the very same
 * features/labels/soft targets, a trainer steps afterwards exactly as an
 * untouched twin does, an output pointer keeps its value).
 *
 *   test_bad_inputs                 run every row (ctest)
 *   test_bad_inputs --markdown F    also write the rows, with the messages
 *                                   users actually get, as a Markdown table
 *
 * Registered by tests/c/fuzz/CMakeLists.txt (with the fuzz replays).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fastgrnn.h"

/* ---- the call under test ---------------------------------------------------- */

static fg_status g_st;
static fg_status g_recorded;
static char g_msg[512];

/* Evaluates a bad call once and captures its status and message at once. */
#define CALL(expr)                                                                                 \
    do {                                                                                           \
        g_st = (expr);                                                                             \
        g_recorded = fg_last_status();                                                             \
        snprintf(g_msg, sizeof g_msg, "%s", g_st ? fg_last_error() : "");                          \
    } while (0)

/* ---- fixtures ------------------------------------------------------------------- */

static fg_model *mk_model(int32_t D, int32_t H, int32_t O) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = D;
    c.hidden_dim = H;
    c.output_dim = O;
    c.rank = FG_RANK_NONE;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) {
        fprintf(stderr, "fixture model: %s\n", fg_last_error());
        exit(2);
    }
    return m;
}

/* n samples of T x D values in [-1, 1]; labels 0/1 (O = 1) or i % O. */
static fg_dataset *mk_ds(int32_t n, int32_t T, int32_t D, int32_t O) {
    size_t count = (size_t)n * T * D;
    float *x = alloc_floats(count), *y = alloc_floats((size_t)n);
    for (size_t i = 0; i < count; i++) x[i] = (float)((i * 37) % 17) / 8.0f - 1.0f;
    for (int32_t i = 0; i < n; i++) y[i] = O == 1 ? (float)(i % 2) : (float)(i % O);
    fg_dataset *ds = NULL;
    if (fg_dataset_create(x, y, n, T, D, O, &ds) != FG_OK) {
        fprintf(stderr, "fixture dataset: %s\n", fg_last_error());
        exit(2);
    }
    free(x);
    free(y);
    return ds;
}

static fg_trainer *mk_trainer(const fg_model *m, float lr) {
    fg_training_config tc = fg_training_config_default();
    tc.learning_rate = lr;
    tc.epochs = 3;
    tc.batch_size = 4;
    fg_trainer *tr = NULL;
    if (fg_trainer_create(fg_model_get_config(m), &tc, &tr) != FG_OK) {
        fprintf(stderr, "fixture trainer: %s\n", fg_last_error());
        exit(2);
    }
    return tr;
}

/* ---- "unchanged" ------------------------------------------------------------------ */

typedef struct {
    uint8_t *bytes;
    size_t len;
} snap;

static snap model_snap(const fg_model *m) {
    snap s = {NULL, 0};
    if (fg_model_save(m, &s.bytes, &s.len) != FG_OK) {
        fprintf(stderr, "snapshot: %s\n", fg_last_error());
        exit(2);
    }
    return s;
}

/* Checks that m still saves to the snapshot's bytes; frees the snapshot. */
static void model_unchanged(const fg_model *m, snap s) {
    snap now = model_snap(m);
    CHECK(now.len == s.len && memcmp(now.bytes, s.bytes, s.len) == 0, "  model unchanged");
    fg_free(now.bytes);
    fg_free(s.bytes);
}

static fg_dataset *ds_snap(const fg_dataset *ds) {
    fg_dataset *c = NULL;
    if (fg_dataset_clone(ds, &c) != FG_OK) exit(2);
    return c;
}

static void ds_unchanged(const fg_dataset *ds, fg_dataset *s) {
    int32_t n = fg_dataset_len(ds), O = fg_dataset_output_dim(ds);
    size_t count = (size_t)n * fg_dataset_timesteps(ds) * fg_dataset_input_dim(ds);
    int same = n == fg_dataset_len(s) && fg_dataset_timesteps(ds) == fg_dataset_timesteps(s) &&
               fg_dataset_input_dim(ds) == fg_dataset_input_dim(s) &&
               O == fg_dataset_output_dim(s) &&
               same_bits_f(fg_dataset_features(ds), fg_dataset_features(s), count) &&
               same_bits_f(fg_dataset_labels(ds), fg_dataset_labels(s), (size_t)n);
    const float *a = fg_dataset_soft_targets(ds), *b = fg_dataset_soft_targets(s);
    if ((a == NULL) != (b == NULL)) same = 0;
    else if (a) same = same && same_bits_f(a, b, (size_t)n * (O == 1 ? 1 : O));
    CHECK(same, "  dataset unchanged");
    fg_dataset_destroy(s);
}

/* A trainer (with its model) is unchanged by a failed call when one good
 * train_batch afterwards gives the same loss and weights as the same step
 * on an untouched twin (same config, same model). */
static void trainer_unchanged(fg_trainer *tr, fg_model *m, fg_trainer *twin, fg_model *twin_m) {
    CHECK(!fg_trainer_is_running(tr), "  trainer not running");
    CHECK(fg_trainer_metrics_count(tr) == fg_trainer_metrics_count(twin),
          "  metrics history unchanged");
    CHECK(fg_trainer_learning_rate(tr) == fg_trainer_learning_rate(twin),
          "  learning rate unchanged");
    const fg_model_config *c = fg_model_get_config(m);
    fg_dataset *ds = mk_ds(4, 1, c->input_dim, c->output_dim);
    float l1 = -1, l2 = -2;
    fg_status s1 = fg_trainer_train_batch(tr, m, fg_dataset_features(ds), fg_dataset_labels(ds),
                                          NULL, 4, 1, &l1);
    fg_status s2 = fg_trainer_train_batch(twin, twin_m, fg_dataset_features(ds),
                                          fg_dataset_labels(ds), NULL, 4, 1, &l2);
    snap a = model_snap(m), b = model_snap(twin_m);
    CHECK(s1 == FG_OK && s2 == FG_OK && l1 == l2 && a.len == b.len &&
              memcmp(a.bytes, b.bytes, a.len) == 0,
          "  trainer unchanged (next step identical to an untouched twin's)");
    fg_free(a.bytes);
    fg_free(b.bytes);
    fg_dataset_destroy(ds);
}

/* ---- safetensors bytes --------------------------------------------------------------- */

/* The 1x1x1 model (D = H = O = 1, full rank) as a file whose header is
 * "{" + entries + "}" (padded) and whose data section is data_len bytes. */
#define E(name, shape, b, e)                                                                       \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"
#define TINY_W    E("cell.W", "[1,1]", 0, 4)
#define TINY_U    E("cell.U", "[1,1]", 4, 8)
#define TINY_BIAS E("cell.bias_gate", "[1]", 8, 12) "," E("cell.bias_update", "[1]", 12, 16)
#define TINY_ZN   E("cell.zeta", "[1]", 16, 20) "," E("cell.nu", "[1]", 20, 24)
#define TINY_HEAD E("head.weight", "[1,1]", 24, 28) "," E("head.bias", "[1]", 28, 32)
#define TINY      TINY_W "," TINY_U "," TINY_BIAS "," TINY_ZN "," TINY_HEAD

static uint8_t *file_of(const char *entries, const uint8_t *data, size_t data_len,
                        size_t *len_out) {
    size_t h = strlen(entries) + 2, padded = (h + 7) & ~(size_t)7;
    size_t len = 8 + padded + data_len;
    uint8_t *b = malloc(len);
    if (!b) exit(2);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    b[8] = '{';
    memcpy(b + 9, entries, h - 2);
    b[8 + h - 1] = '}';
    memset(b + 8 + h, ' ', padded - h);
    for (size_t i = 0; i < data_len; i++)
        b[8 + padded + i] = data ? data[i] : (i % 4 == 3 ? 0x3f : 0);
    *len_out = len;
    return b;
}

/* Loads bytes; the row is the load call. *out must stay NULL. */
static void load_row(const uint8_t *bytes, size_t len) {
    fg_model *m = NULL;
    CALL(fg_model_load(bytes, len, &m));
    CHECK(m == NULL, "  *out untouched");
    fg_model_destroy(m);
}

static void load_entries(const char *entries, size_t data_len) {
    size_t len;
    uint8_t *b = file_of(entries, NULL, data_len, &len);
    load_row(b, len);
    free(b);
}

/* A saved default model (D5 H8 O1 rank 4) with `from` replaced by `to` in
 * its header (the data section kept). */
static void load_edited(const char *from, const char *to) {
    fg_model_config c = fg_model_config_default();
    fg_model *m = NULL;
    fg_model_create(&c, &m);
    snap s = model_snap(m);
    fg_model_destroy(m);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)s.bytes[i] << (8 * i);
    char *h = malloc(n + 1);
    memcpy(h, s.bytes + 8, n);
    h[n] = '\0';
    while (n > 0 && h[n - 1] == ' ') h[--n] = '\0';
    char *at = strstr(h, from);
    if (!at) {
        fprintf(stderr, "load_edited: \"%s\" not in the header\n", from);
        exit(2);
    }
    size_t nh = strlen(h) - strlen(from) + strlen(to);
    char *e = malloc(nh + 1);
    size_t a = (size_t)(at - h);
    memcpy(e, h, a);
    strcpy(e + a, to);
    strcat(e, at + strlen(from));
    uint64_t header_len = 0;
    for (int i = 0; i < 8; i++) header_len |= (uint64_t)s.bytes[i] << (8 * i);
    size_t data_len = s.len - 8 - (size_t)header_len, len;
    /* file_of adds the braces: strip them from the edited header */
    e[strlen(e) - 1] = '\0';
    uint8_t *b = file_of(e + 1, s.bytes + 8 + header_len, data_len, &len);
    load_row(b, len);
    free(b);
    free(e);
    free(h);
    fg_free(s.bytes);
}

/* ---- the rows ---------------------------------------------------------------------- */

/* Model and config */

static void r_model_hidden_zero(void) {
    fg_model_config c = fg_model_config_default();
    c.hidden_dim = 0;
    fg_model *m = NULL;
    CALL(fg_model_create(&c, &m));
    CHECK(m == NULL, "  *out untouched");
}

static void r_model_rank_negative(void) {
    fg_model_config c = fg_model_config_default();
    c.rank = -5;
    fg_model *m = NULL;
    CALL(fg_model_create(&c, &m));
    CHECK(m == NULL, "  *out untouched");
}

static void r_model_nu_nan(void) {
    fg_model_config c = fg_model_config_default();
    c.nu = NAN;
    fg_model *m = NULL;
    CALL(fg_model_create(&c, &m));
    CHECK(m == NULL, "  *out untouched");
}

static void r_model_too_large(void) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = 100000;
    c.hidden_dim = 100000;
    c.rank = FG_RANK_NONE;
    fg_model *m = NULL;
    CALL(fg_model_create(&c, &m));
    CHECK(m == NULL, "  *out untouched");
}

static void r_model_seed_range(void) {
    fg_model_config c = fg_model_config_default();
    c.seed = ((uint64_t)1 << 53) + 2;
    fg_model *m = NULL;
    CALL(fg_model_create(&c, &m));
    CHECK(m == NULL, "  *out untouched");
}

static void model_json_row(const char *json) {
    fg_model_config out = fg_model_config_default(), before = out;
    out.hidden_dim = 77;
    before = out;
    CALL(fg_model_config_from_json(json, strlen(json), &out));
    CHECK(memcmp(&out, &before, sizeof out) == 0, "  *out untouched");
}

static void r_json_unknown_key(void) { model_json_row("{\"hidden\":8}"); }
static void r_json_wrong_type(void) { model_json_row("{\"hidden_dim\":\"8\"}"); }
static void r_json_fraction(void) { model_json_row("{\"input_dim\":2.5}"); }
static void r_json_not_object(void) { model_json_row("[1]"); }
static void r_json_truncated(void) { model_json_row("{\"input_dim\":"); }

static void training_json_row(const char *json) {
    fg_training_config out = fg_training_config_default(), before;
    out.epochs = 77;
    before = out;
    CALL(fg_training_config_from_json(json, strlen(json), &out));
    CHECK(memcmp(&out, &before, sizeof out) == 0, "  *out untouched");
}

static void r_json_duplicate(void) { training_json_row("{\"epochs\":1,\"epochs\":2}"); }
static void r_json_bool_as_number(void) { training_json_row("{\"shuffle\":1}"); }
static void r_json_seed_unsafe(void) { training_json_row("{\"seed\":9007199254740994}"); }

static void trainer_cfg_row(void (*edit)(fg_training_config *)) {
    fg_model_config mc = fg_model_config_default();
    fg_training_config tc = fg_training_config_default();
    edit(&tc);
    fg_trainer *tr = NULL;
    CALL(fg_trainer_create(&mc, &tc, &tr));
    CHECK(tr == NULL, "  *out untouched");
}
static void e_lr_zero(fg_training_config *c) { c->learning_rate = 0; }
static void e_split_one(fg_training_config *c) { c->validation_split = 1; }
static void e_epochs_negative(fg_training_config *c) { c->epochs = -1; }
static void e_patience_zero(fg_training_config *c) { c->early_stopping_patience = 0; }
static void e_beta_one(fg_training_config *c) { c->adam_beta2 = 1; }
static void e_sparsity_one(fg_training_config *c) { c->sparsity_w = 1; }
static void r_lr_zero(void) { trainer_cfg_row(e_lr_zero); }
static void r_split_one(void) { trainer_cfg_row(e_split_one); }
static void r_epochs_negative(void) { trainer_cfg_row(e_epochs_negative); }
static void r_patience_zero(void) { trainer_cfg_row(e_patience_zero); }
static void r_beta_one(void) { trainer_cfg_row(e_beta_one); }
static void r_sparsity_one(void) { trainer_cfg_row(e_sparsity_one); }

/* Inference and parameters */

static void r_forward_nan(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float x[6] = {0.1f, 0.2f, 0.3f, NAN, 0.5f, 0.6f}, out[2] = {-7, -7};
    CALL(fg_model_forward_batch(m, x, 2, 1, out));
    CHECK(out[0] == -7 && out[1] == -7, "  output untouched");
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_forward_n_zero(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float x[3] = {0}, out[1] = {-7};
    CALL(fg_model_forward_batch(m, x, 0, 1, out));
    CHECK(out[0] == -7, "  output untouched");
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_forward_timesteps_zero(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float x[3] = {0}, out[1] = {-7};
    CALL(fg_model_forward(m, x, 0, out));
    CHECK(out[0] == -7, "  output untouched");
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_set_params_count(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float p[8] = {0};
    CALL(fg_model_set_params(m, p, 8));
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_set_params_inf(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    size_t n = fg_model_num_params(m);
    float *p = alloc_floats(n);
    p[2] = INFINITY;
    CALL(fg_model_set_params(m, p, n));
    model_unchanged(m, s);
    free(p);
    fg_model_destroy(m);
}

static void r_set_norm_std_zero(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float means[3] = {0, 0, 0}, stds[3] = {1, 0, 1};
    CALL(fg_model_set_normalization(m, means, stds, 3));
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_set_norm_dim(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float means[2] = {0, 0}, stds[2] = {1, 1};
    CALL(fg_model_set_normalization(m, means, stds, 2));
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_teacher_temperature(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    float x[3] = {0.1f, 0.2f, 0.3f}, out[1] = {-7};
    CALL(fg_generate_teacher_predictions(m, x, 1, 1, 0.0f, out));
    CHECK(out[0] == -7, "  output untouched");
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_tensor_index(void) {
    fg_model *m = mk_model(3, 4, 1);
    const char *name = "untouched";
    CALL(fg_model_tensor_info(m, 99, &name, NULL, NULL, NULL));
    CHECK(strcmp(name, "untouched") == 0, "  outputs untouched");
    fg_model_destroy(m);
}

static void r_prune_one(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    CALL(fg_model_prune(m, 1.0f));
    CHECK(!fg_model_is_sparse(m), "  still dense");
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_train_quantized(void) {
    fg_model *m = mk_model(3, 4, 1);
    if (fg_model_quantize(m) != FG_OK) exit(2);
    snap s = model_snap(m);
    fg_trainer *tr = mk_trainer(m, 0.01f);
    fg_dataset *ds = mk_ds(8, 1, 3, 1);
    fg_dataset *d0 = ds_snap(ds);
    CALL(fg_trainer_train(tr, m, ds, NULL, NULL));
    model_unchanged(m, s);
    ds_unchanged(ds, d0);
    fg_trainer_destroy(tr);
    fg_dataset_destroy(ds);
    fg_model_destroy(m);
}

/* Datasets */

static void create_row(const float *x, const float *y, int32_t n, int32_t T, int32_t D, int32_t O) {
    fg_dataset *ds = NULL;
    CALL(fg_dataset_create(x, y, n, T, D, O, &ds));
    CHECK(ds == NULL, "  *out untouched");
}

static void r_ds_empty(void) {
    float x[1] = {0}, y[1] = {0};
    create_row(x, y, 0, 1, 1, 1);
}

static void r_ds_nan_feature(void) {
    float x[8] = {0, 1, 2, 3, 4, NAN, 6, 7}, y[4] = {0, 1, 0, 1};
    create_row(x, y, 4, 1, 2, 1);
}

static void r_ds_inf_feature(void) {
    float x[4] = {0, -INFINITY, 2, 3}, y[2] = {0, 1};
    create_row(x, y, 2, 1, 2, 1);
}

static void r_ds_binary_label(void) {
    float x[3] = {0, 1, 2}, y[3] = {0, 1, 1.5f};
    create_row(x, y, 3, 1, 1, 1);
}

static void r_ds_class_label(void) {
    float x[3] = {0, 1, 2}, y[3] = {0, 3, 1};
    create_row(x, y, 3, 1, 1, 3);
}

static void r_ds_fraction_label(void) {
    float x[3] = {0, 1, 2}, y[3] = {0, 1, 0.5f};
    create_row(x, y, 3, 1, 1, 3);
}

static void r_ds_overflow(void) {
    float x[1] = {0}, y[1] = {0};
    create_row(x, y, 65536, 1024, 1024, 1);
}

static void r_ds_timesteps_negative(void) {
    float x[1] = {0}, y[1] = {0};
    create_row(x, y, 1, -1, 1, 1);
}

static void r_ds_adopt_nan(void) {
    /* fg_dataset_adopt: on failure the caller still owns (and frees) the buffers */
    float *x = fg_malloc(4 * sizeof(float)), *y = fg_malloc(2 * sizeof(float));
    const float x0[4] = {0, 1, NAN, 3}, y0[2] = {0, 1};
    memcpy(x, x0, sizeof x0);
    memcpy(y, y0, sizeof y0);
    fg_dataset *ds = NULL;
    CALL(fg_dataset_adopt(x, y, 2, 1, 2, 1, &ds));
    CHECK(ds == NULL, "  *out untouched");
    CHECK(memcmp(x, x0, sizeof x0) == 0 && memcmp(y, y0, sizeof y0) == 0, "  buffers unchanged");
    fg_free(x); /* a double free here if the failed call had taken them */
    fg_free(y);
}

static void r_ds_soft_length(void) {
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    float soft[3] = {0.1f, 0.2f, 0.3f};
    CALL(fg_dataset_with_soft_targets(ds, soft, 3));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_ds_soft_range(void) {
    fg_dataset *ds = mk_ds(2, 1, 2, 1), *s = ds_snap(ds);
    float soft[2] = {1.2f, 0.5f};
    CALL(fg_dataset_with_soft_targets(ds, soft, 2));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_ds_split_ratio(void) {
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    fg_dataset *a = NULL, *b = NULL;
    CALL(fg_dataset_split(ds, 1.5f, 42, &a, &b));
    CHECK(a == NULL && b == NULL, "  outputs untouched");
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_ds_apply_norm_std(void) {
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    float means[2] = {0, 0}, stds[2] = {-1, 1};
    CALL(fg_dataset_apply_normalization(ds, means, stds, 2));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_ds_apply_norm_overflow(void) {
    float x[4] = {3e38f, 0, 1, 2}, y[2] = {0, 1};
    fg_dataset *ds = NULL;
    if (fg_dataset_create(x, y, 2, 1, 2, 1, &ds) != FG_OK) exit(2);
    fg_dataset *s = ds_snap(ds);
    float means[2] = {-3e38f, 0}, stds[2] = {0.5f, 1};
    CALL(fg_dataset_apply_normalization(ds, means, stds, 2));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_ds_apply_norm_dim(void) {
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    float means[3] = {0, 0, 0}, stds[3] = {1, 1, 1};
    CALL(fg_dataset_apply_normalization(ds, means, stds, 3));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

static void r_iter_batch_zero(void) {
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    fg_batch_iter *it = NULL;
    CALL(fg_batch_iter_create(ds, 0, 1, 42, &it));
    CHECK(it == NULL, "  *out untouched");
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
}

/* Trainer */

typedef struct {
    fg_model *m, *twin_m;
    fg_trainer *tr, *twin;
    snap s;
} trainer_fx;

static trainer_fx fx_make(int32_t D, int32_t H, int32_t O) {
    trainer_fx f;
    f.m = mk_model(D, H, O);
    f.twin_m = mk_model(D, H, O);
    f.tr = mk_trainer(f.m, 0.01f);
    f.twin = mk_trainer(f.twin_m, 0.01f);
    f.s = model_snap(f.m);
    return f;
}

static void fx_done(trainer_fx *f) {
    model_unchanged(f->m, f->s);
    trainer_unchanged(f->tr, f->m, f->twin, f->twin_m);
    fg_trainer_destroy(f->tr);
    fg_trainer_destroy(f->twin);
    fg_model_destroy(f->m);
    fg_model_destroy(f->twin_m);
}

static void r_train_model_dims(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_model *other = mk_model(3, 5, 1);
    snap so = model_snap(other);
    fg_dataset *ds = mk_ds(8, 1, 3, 1), *s = ds_snap(ds);
    CALL(fg_trainer_train(f.tr, other, ds, NULL, NULL));
    model_unchanged(other, so);
    ds_unchanged(ds, s);
    fg_model_destroy(other);
    fg_dataset_destroy(ds);
    fx_done(&f);
}

static void r_train_dataset_dims(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_dataset *ds = mk_ds(8, 1, 4, 1), *s = ds_snap(ds);
    CALL(fg_trainer_train(f.tr, f.m, ds, NULL, NULL));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    fx_done(&f);
}

static void r_train_dataset_classes(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_dataset *ds = mk_ds(8, 1, 3, 2), *s = ds_snap(ds);
    CALL(fg_trainer_train(f.tr, f.m, ds, NULL, NULL));
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    fx_done(&f);
}

static void r_train_distill_no_soft(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap sm = model_snap(m);
    fg_training_config tc = fg_training_config_default();
    tc.enable_distillation = 1;
    fg_trainer *tr = NULL;
    if (fg_trainer_create(fg_model_get_config(m), &tc, &tr) != FG_OK) exit(2);
    fg_dataset *ds = mk_ds(8, 1, 3, 1), *s = ds_snap(ds);
    CALL(fg_trainer_train(tr, m, ds, NULL, NULL));
    CHECK(!fg_trainer_is_running(tr) && fg_trainer_metrics_count(tr) == 0,
          "  trainer idle, no metrics");
    model_unchanged(m, sm);
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
}

static void r_train_split_empty(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap sm = model_snap(m);
    fg_training_config tc = fg_training_config_default();
    tc.validation_split = 0.6f;
    fg_trainer *tr = NULL;
    if (fg_trainer_create(fg_model_get_config(m), &tc, &tr) != FG_OK) exit(2);
    fg_dataset *ds = mk_ds(1, 1, 3, 1), *s = ds_snap(ds);
    CALL(fg_trainer_train(tr, m, ds, NULL, NULL));
    CHECK(!fg_trainer_is_running(tr) && fg_trainer_metrics_count(tr) == 0,
          "  trainer idle, no metrics");
    model_unchanged(m, sm);
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
}

static void r_batch_label_nan(void) {
    trainer_fx f = fx_make(3, 4, 1);
    float x[6] = {0, 1, 2, 3, 4, 5}, y[2] = {NAN, 1};
    float loss = -7;
    CALL(fg_trainer_train_batch(f.tr, f.m, x, y, NULL, 2, 1, &loss));
    CHECK(loss == -7, "  loss untouched");
    fx_done(&f);
}

static void r_batch_feature_nan(void) {
    trainer_fx f = fx_make(3, 4, 1);
    float x[6] = {0, 1, 2, 3, NAN, 5}, y[2] = {0, 1};
    CALL(fg_trainer_train_batch(f.tr, f.m, x, y, NULL, 2, 1, NULL));
    fx_done(&f);
}

static void r_batch_soft_range(void) {
    trainer_fx f = fx_make(3, 4, 1);
    float x[6] = {0, 1, 2, 3, 4, 5}, y[2] = {0, 1}, soft[2] = {0.5f, -0.5f};
    CALL(fg_trainer_train_batch(f.tr, f.m, x, y, soft, 2, 1, NULL));
    fx_done(&f);
}

static void r_step_not_running(void) {
    trainer_fx f = fx_make(3, 4, 1);
    int32_t ev = 77;
    CALL(fg_trainer_step(f.tr, 1, &ev));
    CHECK(ev == 77, "  event untouched");
    fx_done(&f);
}

static void r_begin_twice(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_dataset *ds = mk_ds(8, 1, 3, 1), *s = ds_snap(ds);
    if (fg_trainer_begin(f.twin, f.twin_m, ds) != FG_OK || fg_trainer_begin(f.tr, f.m, ds) != FG_OK)
        exit(2);
    CALL(fg_trainer_begin(f.tr, f.m, ds));
    CHECK(fg_trainer_is_running(f.tr), "  the first run goes on");
    /* both runs continue identically */
    int32_t e1 = 0, e2 = 0;
    fg_trainer_step(f.tr, 2, &e1);
    fg_trainer_step(f.twin, 2, &e2);
    fg_trainer_cancel(f.tr);
    fg_trainer_cancel(f.twin);
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    f.s.len = 0;
    fg_free(f.s.bytes);
    f.s = model_snap(f.twin_m); /* the model moved with the run, like its twin */
    fx_done(&f);
}

static void r_batch_while_running(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_dataset *ds = mk_ds(8, 1, 3, 1);
    if (fg_trainer_begin(f.tr, f.m, ds) != FG_OK) exit(2);
    CALL(fg_trainer_train_batch(f.tr, f.m, fg_dataset_features(ds), fg_dataset_labels(ds), NULL, 2,
                                1, NULL));
    fg_trainer_cancel(f.tr);
    fg_dataset_destroy(ds);
    fx_done(&f);
}

static void r_diverged(void) {
    /* Stepwise, one batch per step, keeping the weights before each step:
     * the failing step must leave exactly those (finite) weights. */
    fg_model *m = mk_model(3, 4, 1);
    fg_training_config tc = fg_training_config_default();
    tc.learning_rate = 1e38f;
    tc.grad_clip = 0;
    tc.batch_size = 2;
    tc.epochs = 50;
    tc.validation_split = 0;
    fg_trainer *tr = NULL;
    if (fg_trainer_create(fg_model_get_config(m), &tc, &tr) != FG_OK) exit(2);
    fg_dataset *ds = mk_ds(8, 1, 3, 1), *s = ds_snap(ds);
    size_t np = fg_model_num_params(m);
    float *before = alloc_floats(np), *after = alloc_floats(np);
    if (fg_trainer_begin(tr, m, ds) != FG_OK) exit(2);
    int steps = 0;
    fg_status st = FG_OK;
    while (steps < 1000) {
        fg_model_get_params(m, before, np);
        int32_t ev = 0;
        st = fg_trainer_step(tr, 1, &ev);
        steps++;
        if (st != FG_OK || ev == FG_EVENT_DONE) break;
    }
    g_st = st;
    g_recorded = fg_last_status();
    snprintf(g_msg, sizeof g_msg, "%s", st ? fg_last_error() : "");
    fg_model_get_params(m, after, np);
    CHECK(all_finite_f(after, np), "  weights finite after %d steps", steps);
    CHECK(same_bits_f(before, after, np),
          "  weights are the last finite ones (before the failing step)");
    CHECK(!fg_trainer_is_running(tr), "  the run has ended");
    float x[3] = {0.1f, 0.2f, 0.3f}, p = -1;
    CHECK(fg_model_forward(m, x, 1, &p) == FG_OK && p >= 0 && p <= 1,
          "  the model still predicts (%g)", (double)p);
    snap sv = model_snap(m);
    fg_model *back = NULL;
    CHECK(fg_model_load(sv.bytes, sv.len, &back) == FG_OK, "  and saves/loads");
    fg_model_destroy(back);
    fg_free(sv.bytes);
    ds_unchanged(ds, s);
    free(before);
    free(after);
    fg_dataset_destroy(ds);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
}

static void r_evaluate_dims(void) {
    trainer_fx f = fx_make(3, 4, 1);
    fg_dataset *ds = mk_ds(4, 1, 2, 1), *s = ds_snap(ds);
    float loss = -7, acc = -7;
    CALL(fg_trainer_evaluate(f.tr, f.m, ds, &loss, &acc));
    CHECK(loss == -7 && acc == -7, "  outputs untouched");
    ds_unchanged(ds, s);
    fg_dataset_destroy(ds);
    fx_done(&f);
}

/* Files and JSON */

static void r_st_short(void) {
    uint8_t b[7] = {1, 2, 3, 4, 5, 6, 7};
    load_row(b, sizeof b);
}

static void r_st_header_beyond(void) {
    size_t len;
    uint8_t *b = file_of(TINY, NULL, 32, &len);
    b[0] = 0xff;
    b[1] = 0xff;
    b[2] = 0xff;
    b[3] = 0;
    b[4] = 0;
    load_row(b, len);
    free(b);
}

static void r_st_header_limit(void) {
    size_t len;
    uint8_t *b = file_of(TINY, NULL, 32, &len);
    b[0] = 0;
    b[1] = 0;
    b[2] = 0;
    b[3] = 0;
    b[4] = 1; /* 2^32 */
    load_row(b, len);
    free(b);
}

static void r_st_not_brace(void) {
    size_t len;
    uint8_t *b = file_of(TINY, NULL, 32, &len);
    b[8] = '[';
    load_row(b, len);
    free(b);
}

static void r_st_invalid_json(void) { load_entries("\"cell.W\":{\"dtype\":F32}", 0); }
static void r_st_dtype(void) { load_edited("\"dtype\":\"F32\"", "\"dtype\":\"F16\""); }
static void r_st_shape_overflow(void) {
    load_entries(E("cell.W", "[9007199254740992,9007199254740992]", 0, 4) "," TINY_U "," TINY_BIAS
                                                                          "," TINY_ZN "," TINY_HEAD,
                 32);
}
static void r_st_shape_span(void) {
    load_entries(E("cell.W", "[1,2]", 0, 4) "," TINY_U "," TINY_BIAS "," TINY_ZN "," TINY_HEAD, 32);
}
static void r_st_offsets_beyond(void) {
    load_entries(TINY_W "," TINY_U "," TINY_BIAS "," TINY_ZN
                        "," E("head.weight", "[1,1]", 24, 28) "," E("head.bias", "[1]", 400, 404),
                 32);
}
static void r_st_offsets_reversed(void) {
    load_entries(E("cell.W", "[1,1]", 4, 0) "," TINY_U "," TINY_BIAS "," TINY_ZN "," TINY_HEAD, 32);
}
static void r_st_overlap(void) {
    load_entries(TINY_W "," E("cell.U", "[1,1]", 0, 4) "," TINY_BIAS "," TINY_ZN "," TINY_HEAD, 32);
}
static void r_st_gap(void) {
    load_entries(TINY_W
                 "," E("cell.U", "[1,1]", 8, 12) "," E("cell.bias_gate", "[1]", 12, 16) "," E(
                     "cell.bias_update", "[1]", 16,
                     20) "," E("cell.zeta", "[1]", 20,
                               24) "," E("cell.nu", "[1]", 24, 28) "," E("head.weight", "[1,1]", 28,
                                                                         32) "," E("head.bias",
                                                                                   "[1]", 32, 36),
                 36);
}
static void r_st_trailing(void) { load_entries(TINY, 33); }
static void r_st_missing(void) {
    load_entries(TINY_W "," TINY_U "," TINY_BIAS "," E("cell.zeta", "[1]", 16, 20) "," E(
                     "head.weight", "[1,1]", 20, 24) "," E("head.bias", "[1]", 24, 28),
                 28);
}
static void r_st_extra(void) { load_entries(TINY "," E("cell.extra", "[1]", 32, 36), 36); }
static void r_st_duplicate(void) { load_entries(TINY "," E("cell.nu", "[1]", 32, 36), 36); }
static void r_st_both_forms(void) { load_entries(TINY "," E("cell.W1", "[1,1]", 32, 36), 36); }
static void r_st_nan(void) {
    uint8_t d[32] = {0};
    d[16] = 0;
    d[17] = 0;
    d[18] = 0xc0;
    d[19] = 0x7f; /* cell.zeta = NaN */
    size_t len;
    uint8_t *b = file_of(TINY, d, 32, &len);
    load_row(b, len);
    free(b);
}
static void r_st_meta_number(void) { load_entries("\"__metadata__\":{\"format\":1}," TINY, 32); }
static void r_st_meta_array(void) { load_entries("\"__metadata__\":[\"x\"]," TINY, 32); }
static void r_st_config_disagrees(void) {
    load_edited("\\\"hidden_dim\\\":8", "\\\"hidden_dim\\\":9");
}
static void r_st_format(void) {
    load_entries("\"__metadata__\":{\"format\":\"fastgrnn-wasm/9\"}," TINY, 32);
}

static void r_load_file_missing(void) {
    fg_model *m = NULL;
    CALL(fg_model_load_file("/nonexistent-dir/model.safetensors", &m));
    CHECK(m == NULL, "  *out untouched");
}

static void r_save_file_dir(void) {
    fg_model *m = mk_model(3, 4, 1);
    snap s = model_snap(m);
    CALL(fg_model_save_file(m, "/nonexistent-dir/model.safetensors"));
    model_unchanged(m, s);
    fg_model_destroy(m);
}

static void r_metrics_missing_key(void) {
    const char *j = "[{\"epoch\":0,\"train_loss\":1,\"val_loss\":null,\"train_accuracy\":1,\"val_"
                    "accuracy\":null}]";
    fg_training_metrics *recs = NULL;
    size_t n = 77;
    CALL(fg_metrics_from_json(j, strlen(j), &recs, &n));
    CHECK(recs == NULL && n == 77, "  outputs untouched");
}

static void r_metrics_epoch(void) {
    const char *j = "[{\"epoch\":-1,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,\"val_"
                    "accuracy\":1,\"learning_rate\":1}]";
    fg_training_metrics *recs = NULL;
    size_t n = 77;
    CALL(fg_metrics_from_json(j, strlen(j), &recs, &n));
    CHECK(recs == NULL && n == 77, "  outputs untouched");
}

static void norm_json_row(const char *j) {
    float *means = NULL, *stds = NULL;
    int32_t dim = 77;
    CALL(fg_normalization_from_json(j, strlen(j), &means, &stds, &dim));
    CHECK(means == NULL && stds == NULL && dim == 77, "  outputs untouched");
}
static void r_norm_std_zero(void) { norm_json_row("{\"means\":[0,1],\"stds\":[1,0]}"); }
static void r_norm_lengths(void) { norm_json_row("{\"means\":[0,1],\"stds\":[1]}"); }
static void r_norm_overflow(void) { norm_json_row("{\"means\":[1e39],\"stds\":[1]}"); }

/* ---- the table ------------------------------------------------------------------------ */

typedef struct {
    const char *api;   /* the call                                         */
    const char *input; /* the bad input, for the table                     */
    fg_status want;    /* the error kind                                   */
    const char *text;  /* a substring of the message                       */
    void (*run)(void);
} row;

#define INV FG_ERR_INVALID_INPUT
#define SER FG_ERR_SERIALIZATION
static const row ROWS[] = {
    /* model and configs */
    {"fg_model_create", "hidden_dim 0", INV, "hidden_dim must be in [1, 16777216], got 0",
     r_model_hidden_zero},
    {"fg_model_create", "rank -5", INV, "rank must be null or in [1, 16777216], got -5",
     r_model_rank_negative},
    {"fg_model_create", "nu NaN", INV, "nu must be finite, got nan", r_model_nu_nan},
    {"fg_model_create", "input_dim 100000, hidden_dim 100000 (2e10 parameters)", INV,
     "model too large", r_model_too_large},
    {"fg_model_create", "seed 2^53 + 2", INV, "seed must be in [0, 2^53]", r_model_seed_range},
    {"fg_model_config_from_json", "`{\"hidden\":8}` (unknown key)", INV, "unknown key \"hidden\"",
     r_json_unknown_key},
    {"fg_model_config_from_json", "`{\"hidden_dim\":\"8\"}` (string)", INV,
     "\"hidden_dim\" must be an integer, got \"8\"", r_json_wrong_type},
    {"fg_model_config_from_json", "`{\"input_dim\":2.5}`", INV,
     "\"input_dim\" must be an integer, got 2.5", r_json_fraction},
    {"fg_model_config_from_json", "`[1]` (not an object)", SER, "not a JSON object",
     r_json_not_object},
    {"fg_model_config_from_json", "`{\"input_dim\":` (truncated)", SER, "invalid JSON at byte",
     r_json_truncated},
    {"fg_training_config_from_json", "`{\"epochs\":1,\"epochs\":2}`", INV,
     "duplicate key \"epochs\"", r_json_duplicate},
    {"fg_training_config_from_json", "`{\"shuffle\":1}`", INV,
     "\"shuffle\" must be true or false, got 1", r_json_bool_as_number},
    {"fg_training_config_from_json", "`{\"seed\":9007199254740994}`", INV,
     "\"seed\" must be an integer in [0, 2^53]", r_json_seed_unsafe},
    {"fg_trainer_create", "learning_rate 0", INV, "learning_rate must be finite and > 0, got 0",
     r_lr_zero},
    {"fg_trainer_create", "validation_split 1", INV, "validation_split must be in [0, 1), got 1",
     r_split_one},
    {"fg_trainer_create", "epochs -1", INV, "epochs must be >= 0, got -1", r_epochs_negative},
    {"fg_trainer_create", "early_stopping_patience 0", INV,
     "early_stopping_patience must be null or >= 1, got 0", r_patience_zero},
    {"fg_trainer_create", "adam_beta2 1", INV, "adam_beta2 must be in [0, 1), got 1", r_beta_one},
    {"fg_trainer_create", "sparsity_w 1", INV, "sparsity_w must be in [0, 1), got 1",
     r_sparsity_one},
    /* inference and parameters */
    {"fg_model_forward_batch", "a NaN feature (index 3)", INV,
     "features[3] must be finite, got nan", r_forward_nan},
    {"fg_model_forward_batch", "n 0", INV, "n must be > 0, got 0", r_forward_n_zero},
    {"fg_model_forward", "timesteps 0", INV, "timesteps must be > 0, got 0",
     r_forward_timesteps_zero},
    {"fg_model_set_params", "8 values for a 43-parameter model", INV,
     "count must equal the model's 43 parameters, got 8", r_set_params_count},
    {"fg_model_set_params", "an infinite value (index 2)", INV, "params[2] must be finite, got inf",
     r_set_params_inf},
    {"fg_model_set_normalization", "a standard deviation of 0", INV,
     "stds[1] must be finite and > 0, got 0", r_set_norm_std_zero},
    {"fg_model_set_normalization", "2 features for input_dim 3", INV,
     "normalization dim must equal input_dim 3, got 2", r_set_norm_dim},
    {"fg_generate_teacher_predictions", "temperature 0", INV,
     "temperature must be finite and > 0, got 0", r_teacher_temperature},
    {"fg_model_tensor_info", "index 99", INV, "tensor index must be in [0, 8), got 99",
     r_tensor_index},
    {"fg_model_prune", "sparsity 1", INV, "sparsity must be in [0, 1), got 1", r_prune_one},
    {"fg_trainer_train", "a quantized model", INV, "model is quantized", r_train_quantized},
    /* datasets */
    {"fg_dataset_create", "n 0", INV, "dataset is empty: n must be > 0, got 0", r_ds_empty},
    {"fg_dataset_create", "a NaN feature (index 5)", INV, "features[5] must be finite, got nan",
     r_ds_nan_feature},
    {"fg_dataset_create", "a -Infinity feature", INV, "features[1] must be finite, got -inf",
     r_ds_inf_feature},
    {"fg_dataset_create", "binary label 1.5", INV,
     "labels[2] must be in [0, 1] for a binary model, got 1.5", r_ds_binary_label},
    {"fg_dataset_create", "class 3 with output_dim 3", INV,
     "labels[1] must be a class index in [0, 3), got 3", r_ds_class_label},
    {"fg_dataset_create", "class 0.5 with output_dim 3", INV,
     "labels[2] must be a class index in [0, 3), got 0.5", r_ds_fraction_label},
    {"fg_dataset_create", "65536 x 1024 x 1024 values", INV, "overflows (max 2^31 values)",
     r_ds_overflow},
    {"fg_dataset_create", "timesteps -1", INV, "timesteps must be > 0, got -1",
     r_ds_timesteps_negative},
    {"fg_dataset_adopt", "a NaN feature (the caller keeps its buffers)", INV,
     "features[2] must be finite, got nan", r_ds_adopt_nan},
    {"fg_dataset_with_soft_targets", "3 soft targets for 4 samples", INV,
     "soft_targets length must equal the number of samples = 4, got 3", r_ds_soft_length},
    {"fg_dataset_with_soft_targets", "soft target 1.2", INV,
     "soft_targets[0] must be finite and in [0, 1], got 1.2", r_ds_soft_range},
    {"fg_dataset_split", "val_ratio 1.5", INV, "val_ratio must be in [0, 1], got 1.5",
     r_ds_split_ratio},
    {"fg_dataset_apply_normalization", "std -1", INV, "stds[0] must be finite and > 0, got -1",
     r_ds_apply_norm_std},
    {"fg_dataset_apply_normalization", "(3e38 - -3e38) / 0.5 overflows", INV,
     "gives a non-finite value", r_ds_apply_norm_overflow},
    {"fg_dataset_apply_normalization", "3 features for input_dim 2", INV,
     "normalization dim must equal input_dim 2, got 3", r_ds_apply_norm_dim},
    {"fg_batch_iter_create", "batch_size 0", INV, "batch_size must be > 0, got 0",
     r_iter_batch_zero},
    /* trainer */
    {"fg_trainer_train", "a model with hidden_dim 5 for a trainer made for 4", INV,
     "differ from the trainer's model config", r_train_model_dims},
    {"fg_trainer_train", "a dataset with input_dim 4 for a model with 3", INV,
     "dataset input_dim 4 differs from the model's input_dim 3", r_train_dataset_dims},
    {"fg_trainer_train", "a 2-class dataset for a binary model", INV,
     "dataset output_dim 2 differs from the model's output_dim 1", r_train_dataset_classes},
    {"fg_trainer_train", "enable_distillation without soft targets", INV,
     "enable_distillation is true but the dataset has no soft targets", r_train_distill_no_soft},
    {"fg_trainer_train", "1 sample with validation_split 0.6", INV,
     "leaves no training samples out of 1", r_train_split_empty},
    {"fg_trainer_train_batch", "a NaN label", INV, "labels[0] must be finite, got nan",
     r_batch_label_nan},
    {"fg_trainer_train_batch", "a NaN feature", INV, "features[4] must be finite, got nan",
     r_batch_feature_nan},
    {"fg_trainer_train_batch", "soft target -0.5", INV,
     "soft_targets[1] must be finite and in [0, 1], got -0.5", r_batch_soft_range},
    {"fg_trainer_train_batch", "called during a stepwise run", INV,
     "trainer is running a train() call", r_batch_while_running},
    {"fg_trainer_step", "before fg_trainer_begin", INV, "trainer is not running: call begin first",
     r_step_not_running},
    {"fg_trainer_begin", "a second begin while running", INV, "trainer is already running",
     r_begin_twice},
    {"fg_trainer_step", "learning_rate 1e38 (divergence)", FG_ERR_DIVERGED, "became non-finite",
     r_diverged},
    {"fg_trainer_evaluate", "a dataset with input_dim 2 for a model with 3", INV,
     "dataset input_dim 2 differs from the model's input_dim 3", r_evaluate_dims},
    /* files and JSON */
    {"fg_model_load", "7 bytes", SER, "it must start with an 8-byte header length", r_st_short},
    {"fg_model_load", "header length 16 MB in a 80-byte file", SER, "exceeds the",
     r_st_header_beyond},
    {"fg_model_load", "header length 2^32", SER, "exceeds the 100000000-byte limit",
     r_st_header_limit},
    {"fg_model_load", "header starting with `[`", SER, "header does not start with '{'",
     r_st_not_brace},
    {"fg_model_load", "header `{\"cell.W\":{\"dtype\":F32}}`", SER, "invalid JSON at byte",
     r_st_invalid_json},
    {"fg_model_load", "dtype F16", SER, "has dtype \"F16\"", r_st_dtype},
    {"fg_model_load", "shape [2^53, 2^53]", SER, "shape product overflows", r_st_shape_overflow},
    {"fg_model_load", "shape [1, 2] over 4 bytes", SER,
     "data_offsets span 4 bytes but its shape holds 2 F32 values", r_st_shape_span},
    {"fg_model_load", "data_offsets [400, 404] in 32 bytes", SER,
     "out of bounds of the 32-byte data section", r_st_offsets_beyond},
    {"fg_model_load", "data_offsets [4, 0]", SER, "end before begin", r_st_offsets_reversed},
    {"fg_model_load", "two tensors over bytes [0, 4)", SER,
     "ranges must be contiguous, without gaps or overlaps", r_st_overlap},
    {"fg_model_load", "bytes [4, 8) covered by no tensor", SER,
     "starts at byte 8 of the data section, expected 4", r_st_gap},
    {"fg_model_load", "one byte after the last tensor", SER,
     "tensors cover 32 bytes but the data section has 33", r_st_trailing},
    {"fg_model_load", "no cell.nu", SER, "missing tensor \"cell.nu\"", r_st_missing},
    {"fg_model_load", "an extra tensor cell.extra", SER, "unexpected tensor \"cell.extra\"",
     r_st_extra},
    {"fg_model_load", "cell.nu twice", SER, "duplicate key \"cell.nu\"", r_st_duplicate},
    {"fg_model_load", "cell.W and cell.W1 both", SER, "both \"cell.W\" and its factors",
     r_st_both_forms},
    {"fg_model_load", "a NaN weight", SER,
     "tensor \"cell.zeta\" holds a non-finite value at index 0", r_st_nan},
    {"fg_model_load", "metadata `{\"format\":1}`", SER,
     "__metadata__ value of \"format\" must be a string, got 1", r_st_meta_number},
    {"fg_model_load", "metadata `[\"x\"]`", SER, "__metadata__ is not an object", r_st_meta_array},
    {"fg_model_load", "metadata config hidden_dim 9 for 8-row tensors", SER,
     "metadata config disagrees with the tensors", r_st_config_disagrees},
    {"fg_model_load", "format fastgrnn-wasm/9", SER, "unsupported format \"fastgrnn-wasm/9\"",
     r_st_format},
    {"fg_model_load_file", "a path that does not exist", FG_ERR_IO,
     "cannot open '/nonexistent-dir/model.safetensors' for reading", r_load_file_missing},
    {"fg_model_save_file", "a path in a missing directory", FG_ERR_IO,
     "cannot open '/nonexistent-dir/model.safetensors' for writing", r_save_file_dir},
    {"fg_metrics_from_json", "a record without learning_rate", SER,
     "record 0 lacks \"learning_rate\"", r_metrics_missing_key},
    {"fg_metrics_from_json", "epoch -1", SER, "\"epoch\" must be a non-negative integer, got -1",
     r_metrics_epoch},
    {"fg_normalization_from_json", "a std of 0", SER, "stds[1] = 0 must be > 0", r_norm_std_zero},
    {"fg_normalization_from_json", "2 means, 1 std", SER, "2 means but 1 stds", r_norm_lengths},
    {"fg_normalization_from_json", "mean 1e39", SER,
     "means[0] must be a finite number in float range, got 1e+39", r_norm_overflow},
};

static void md_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n') fputc(' ', f);
        else fputc(*s, f);
    }
}

int main(int argc, char **argv) {
    FILE *md = NULL;
    if (argc == 3 && strcmp(argv[1], "--markdown") == 0) {
        md = fopen(argv[2], "w");
        if (!md) {
            perror(argv[2]);
            return 2;
        }
        fprintf(md, "| # | C call | bad input | error kind | message |\n|---|---|---|---|---|\n");
    }
    size_t n = sizeof ROWS / sizeof ROWS[0];
    for (size_t i = 0; i < n; i++) {
        const row *r = &ROWS[i];
        check_section(r->api);
        g_st = FG_OK;
        g_msg[0] = '\0';
        r->run();
        CHECK(g_st == r->want, "C%zu %s(%s) -> %s (expected %s)", i + 1, r->api, r->input,
              fg_status_name(g_st), fg_status_name(r->want));
        CHECK(g_recorded == g_st, "  fg_last_status() records %s", fg_status_name(g_st));
        CHECK(strstr(g_msg, r->text) != NULL, "  message \"%s\" contains \"%s\"", g_msg, r->text);
        if (md) {
            fprintf(md, "| C%zu | `%s` | ", i + 1, r->api);
            md_escape(md, r->input);
            fprintf(md, " | %s | ", fg_status_name(g_st));
            md_escape(md, g_msg);
            fputs(" |\n", md);
        }
    }
    if (md) fclose(md);
    return check_summary();
}
