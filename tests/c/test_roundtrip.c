/*
 * test_roundtrip.c - everything that is written can be read back unchanged.
 *
 *  - fg_model_save -> fg_model_load: same config, tensor table, parameters
 *    and bitwise-identical forward outputs and logits (full rank, low rank,
 *    mixed ranks, multi-class), normalization parameters kept; clone too
 *  - fg_model_save_file / fg_model_load_file in a temporary directory
 *  - metrics JSON: exact round trip, NaN written as null and read as NaN,
 *    the keys of each record exactly epoch, train_loss, val_loss,
 *    train_accuracy, val_accuracy, learning_rate; fg_trainer_save_metrics
 *  - normalization JSON: exact round trip, keys exactly means and stds;
 *    fg_save_normalization
 *  - model and training config JSON round trips (null ranks / patience,
 *    large seeds), defaults for absent keys
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

/* ---- a tiny reader for the keys of flat JSON objects ------------------- */

/* Collects every object key of `json` (strings followed by ':'), in order,
 * as "key1,key2,..." per object, objects separated by ';'. Values must not
 * contain strings with ':' after them; good enough for our files. */
static void collect_keys(const char *json, char *out, size_t cap) {
    size_t o = 0;
    int depth = 0;
    out[0] = '\0';
    for (const char *p = json; *p; p++) {
        if (*p == '{') {
            depth++;
        } else if (*p == '}') {
            depth--;
            if (o + 1 < cap) out[o++] = ';';
        } else if (*p == '"') {
            const char *s = ++p;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                p++;
            }
            if (!*p) break;
            const char *q = p + 1;
            while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') q++;
            if (*q == ':') {
                if (o > 0 && out[o - 1] != ';' && o + 1 < cap) out[o++] = ',';
                for (const char *k = s; k < p && o + 1 < cap; k++) out[o++] = *k;
            }
        }
        out[o] = '\0';
    }
    (void)depth;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    if (len) *len = (size_t)n;
    fclose(f);
    return buf;
}

/* ---- models ---------------------------------------------------------------- */

static fg_model *make_model(int32_t D, int32_t H, int32_t O, int32_t rank, int32_t u_rank,
                            uint64_t seed) {
    fg_model_config mc = fg_model_config_default();
    fg_model *m = NULL;
    mc.input_dim = D;
    mc.hidden_dim = H;
    mc.output_dim = O;
    mc.rank = rank;
    mc.w_rank = FG_RANK_NONE;
    mc.u_rank = u_rank;
    mc.nu = 0.8f;
    mc.zeta = 1.2f;
    mc.seed = seed;
    if (fg_model_create(&mc, &m) != FG_OK) {
        CHECK(0, "model_create D%d H%d O%d rank %d u_rank %d: %s", D, H, O, rank, u_rank,
              fg_last_error());
        return NULL;
    }
    /* Non-trivial weights, so every tensor matters to the output. */
    size_t P = fg_model_num_params(m);
    float *p = alloc_floats(P);
    test_rng r = {seed ^ 0xABCDEFu};
    for (size_t i = 0; i < P; i++) p[i] = (float)(0.4 * trng_normal(&r));
    fg_model_set_params(m, p, P);
    free(p);
    return m;
}

static int same_config(const fg_model_config *a, const fg_model_config *b) {
    return a->input_dim == b->input_dim && a->hidden_dim == b->hidden_dim &&
           a->output_dim == b->output_dim && a->rank == b->rank && a->w_rank == b->w_rank &&
           a->u_rank == b->u_rank && a->seed == b->seed &&
           memcmp(&a->nu, &b->nu, sizeof a->nu) == 0 &&
           memcmp(&a->zeta, &b->zeta, sizeof a->zeta) == 0;
}

/* Everything observable about two models is identical. */
static void compare_models(const fg_model *a, const fg_model *b, const char *what) {
    const int32_t n = 7, T = 4;
    int32_t D = fg_model_get_config(a)->input_dim, O = fg_model_get_config(a)->output_dim;
    CHECK(same_config(fg_model_get_config(a), fg_model_get_config(b)), "%s: same config", what);
    CHECK(fg_model_w_rank(a) == fg_model_w_rank(b) && fg_model_u_rank(a) == fg_model_u_rank(b),
          "%s: same effective ranks (%d, %d)", what, fg_model_w_rank(b), fg_model_u_rank(b));
    size_t P = fg_model_num_params(a);
    if (!CHECK(P == fg_model_num_params(b), "%s: same parameter count %zu", what, P)) return;
    int table_ok = fg_model_num_tensors(a) == fg_model_num_tensors(b);
    for (int i = 0; table_ok && i < fg_model_num_tensors(a); i++) {
        const char *na = NULL, *nb = NULL;
        int32_t ra = 0, ca = 0, rb = 0, cb = 0;
        size_t oa = 0, ob = 0;
        fg_model_tensor_info(a, i, &na, &ra, &ca, &oa);
        fg_model_tensor_info(b, i, &nb, &rb, &cb, &ob);
        table_ok = na && nb && strcmp(na, nb) == 0 && ra == rb && ca == cb && oa == ob;
    }
    CHECK(table_ok, "%s: same tensor table (%d tensors)", what, fg_model_num_tensors(a));
    float *pa = alloc_floats(P), *pb = alloc_floats(P);
    fg_model_get_params(a, pa, P);
    fg_model_get_params(b, pb, P);
    CHECK(same_bits_f(pa, pb, P), "%s: bitwise-identical parameters", what);
    free(pa);
    free(pb);

    float *x = alloc_floats((size_t)n * T * D);
    test_rng r = {5};
    for (int32_t i = 0; i < n * T * D; i++) x[i] = (float)trng_normal(&r);
    int32_t W = O == 1 ? 1 : O;
    float *ya = alloc_floats((size_t)n * W), *yb = alloc_floats((size_t)n * W);
    float *la = alloc_floats((size_t)n * O), *lb = alloc_floats((size_t)n * O);
    float oa[8], ob[8];
    fg_status s1 = fg_model_forward_batch(a, x, n, T, ya),
              s2 = fg_model_forward_batch(b, x, n, T, yb);
    CHECK(s1 == FG_OK && s2 == FG_OK && same_bits_f(ya, yb, (size_t)n * W),
          "%s: forward_batch outputs identical (memcmp)", what);
    s1 = fg_model_logits_batch(a, x, n, T, la);
    s2 = fg_model_logits_batch(b, x, n, T, lb);
    CHECK(s1 == FG_OK && s2 == FG_OK && same_bits_f(la, lb, (size_t)n * O),
          "%s: logits identical (memcmp)", what);
    s1 = fg_model_forward(a, x, T, oa);
    s2 = fg_model_forward(b, x, T, ob);
    CHECK(s1 == FG_OK && s2 == FG_OK && same_bits_f(oa, ob, (size_t)O) &&
              same_bits_f(oa, ya, (size_t)W),
          "%s: single forward identical, and equal to the batch's first row", what);

    const float *ma = NULL, *sa = NULL, *mb = NULL, *sb = NULL;
    int ha = fg_model_get_normalization(a, &ma, &sa), hb = fg_model_get_normalization(b, &mb, &sb);
    CHECK(ha == hb && (!ha || (same_bits_f(ma, mb, (size_t)D) && same_bits_f(sa, sb, (size_t)D))),
          "%s: normalization parameters %s", what, ha ? "identical" : "absent in both");
    free(x);
    free(ya);
    free(yb);
    free(la);
    free(lb);
}

static void test_model_roundtrip(const char *name, fg_model *m, const char *dir) {
    check_section(name);
    if (!m) return;
    uint8_t *bytes = NULL, *bytes2 = NULL;
    size_t len = 0, len2 = 0;
    fg_model *back = NULL, *fromfile = NULL, *clone = NULL;
    if (CHECK_STATUS(fg_model_save(m, &bytes, &len), FG_OK, "save")) {
        CHECK(len >= 8 && len % 4 == 0, "file length %zu", len);
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = (hl << 8) | bytes[i];
        CHECK(hl % 8 == 0 && 8 + hl <= len && bytes[8] == '{' &&
                  len - 8 - hl == fg_model_num_params(m) * 4,
              "safetensors layout: header %llu bytes (multiple of 8), data = 4 * num_params",
              (unsigned long long)hl);
        if (CHECK_STATUS(fg_model_load(bytes, len, &back), FG_OK, "load")) {
            compare_models(m, back, "save/load");
            CHECK_STATUS(fg_model_save(back, &bytes2, &len2), FG_OK, "save the loaded model");
            CHECK(len2 == len && memcmp(bytes, bytes2, len) == 0,
                  "saving the loaded model gives the same bytes");
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (CHECK_STATUS(fg_model_save_file(m, path), FG_OK, "save_file")) {
        size_t flen = 0;
        char *fbytes = read_file(path, &flen);
        CHECK(fbytes && flen == len && memcmp(fbytes, bytes, len) == 0,
              "save_file writes exactly the save() bytes");
        free(fbytes);
        if (CHECK_STATUS(fg_model_load_file(path, &fromfile), FG_OK, "load_file"))
            compare_models(m, fromfile, "save_file/load_file");
        remove(path);
    }
    if (CHECK_STATUS(fg_model_clone(m, &clone), FG_OK, "clone")) compare_models(m, clone, "clone");
    fg_free(bytes);
    fg_free(bytes2);
    fg_model_destroy(back);
    fg_model_destroy(fromfile);
    fg_model_destroy(clone);
    fg_model_destroy(m);
}

/* ---- metrics JSON --------------------------------------------------------- */

static int same_metric(const fg_training_metrics *a, const fg_training_metrics *b) {
    /* NaN must come back as NaN; everything else bit for bit. */
#define SAMEF(f) ((isnan(a->f) && isnan(b->f)) || memcmp(&a->f, &b->f, sizeof(float)) == 0)
    return a->epoch == b->epoch && SAMEF(train_loss) && SAMEF(val_loss) && SAMEF(train_accuracy) &&
           SAMEF(val_accuracy) && SAMEF(learning_rate);
#undef SAMEF
}

static void test_metrics_json(const char *dir) {
    check_section("metrics JSON");
    fg_training_metrics m[4] = {
        {0, 0.693147182f, 0.7012345f, 0.5f, 0.48f, 0.001f},
        {1, 0.5123456789f, NAN, 0.7534f, NAN, 0.001f},
        {2, 1e-7f, 3.4e38f, 1.0f, 0.0f, 1.17549435e-38f},
        {3, 0.1f, 0.2f, 0.3f, 0.33333334f, 0.00025f},
    };
    char *json = NULL;
    fg_training_metrics *back = NULL;
    size_t nb = 0;
    if (!CHECK_STATUS(fg_metrics_to_json(m, 4, &json), FG_OK, "metrics_to_json")) return;
    printf("     %.160s%s\n", json, strlen(json) > 160 ? "..." : "");
    char keys[2048];
    collect_keys(json, keys, sizeof keys);
    const char *rec = "epoch,train_loss,val_loss,train_accuracy,val_accuracy,learning_rate;";
    char want[2048] = "";
    for (int i = 0; i < 4; i++) strcat(want, rec);
    CHECK(strcmp(keys, want) == 0, "each record has exactly the six snake_case keys, in order (%s)",
          keys);
    CHECK(contains_ci(json, "null") && !contains_ci(json, "nan"),
          "NaN written as null, never as nan");
    const char *p = json;
    while (*p == ' ' || *p == '\n') p++;
    CHECK(*p == '[', "top level is an array");
    if (CHECK_STATUS(fg_metrics_from_json(json, strlen(json), &back, &nb), FG_OK,
                     "metrics_from_json")) {
        int ok = nb == 4;
        for (size_t i = 0; ok && i < 4; i++) ok = same_metric(&m[i], &back[i]);
        CHECK(ok, "round trip exact (NaN as NaN), %zu records", nb);
    }
    fg_free(back);
    back = NULL;
    fg_free(json);
    json = NULL;

    /* null read as NaN from hand-written JSON; empty array. */
    const char *hand =
        "[ {\"epoch\": 5, \"train_loss\": 0.25, \"val_loss\": null, "
        "\"train_accuracy\": 0.5, \"val_accuracy\": null, \"learning_rate\": 0.01} ]";
    if (CHECK_STATUS(fg_metrics_from_json(hand, strlen(hand), &back, &nb), FG_OK,
                     "hand-written metrics")) {
        CHECK(nb == 1 && back[0].epoch == 5 && back[0].train_loss == 0.25f &&
                  isnan(back[0].val_loss) && isnan(back[0].val_accuracy) &&
                  back[0].learning_rate == 0.01f,
              "null -> NaN, values as written");
    }
    fg_free(back);
    back = NULL;
    if (CHECK_STATUS(fg_metrics_from_json("[]", 2, &back, &nb), FG_OK, "empty metrics array"))
        CHECK(nb == 0, "empty array: 0 records");
    fg_free(back);
    back = NULL;
    if (CHECK_STATUS(fg_metrics_to_json(m, 0, &json), FG_OK, "metrics_to_json of 0 records")) {
        if (CHECK_STATUS(fg_metrics_from_json(json, strlen(json), &back, &nb), FG_OK,
                         "read it back"))
            CHECK(nb == 0, "0 records round trip");
    }
    fg_free(back);
    back = NULL;
    fg_free(json);
    json = NULL;

    /* fg_trainer_save_metrics writes the trainer's history. */
    {
        fg_model_config mc = fg_model_config_default();
        mc.input_dim = 3;
        mc.hidden_dim = 4;
        mc.rank = FG_RANK_NONE;
        fg_training_config tc = fg_training_config_default();
        tc.epochs = 3;
        fg_model *model = NULL;
        fg_trainer *tr = NULL;
        fg_dataset *ds = NULL;
        float x[40 * 3], y[40];
        test_rng r = {8};
        for (int i = 0; i < 120; i++) x[i] = (float)trng_normal(&r);
        for (int i = 0; i < 40; i++) y[i] = (float)(i % 2);
        char path[512];
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        if (fg_model_create(&mc, &model) == FG_OK && fg_trainer_create(&mc, &tc, &tr) == FG_OK &&
            fg_dataset_create(x, y, 40, 1, 3, 1, &ds) == FG_OK &&
            CHECK_STATUS(fg_trainer_train(tr, model, ds, NULL, NULL), FG_OK, "train 3 epochs") &&
            CHECK_STATUS(fg_trainer_save_metrics(tr, path), FG_OK, "save_metrics")) {
            size_t flen = 0;
            char *text = read_file(path, &flen);
            if (CHECK(text != NULL, "metrics file readable") &&
                CHECK_STATUS(fg_metrics_from_json(text, flen, &back, &nb), FG_OK,
                             "parse metrics file")) {
                int ok = nb == fg_trainer_metrics_count(tr) && nb == 3;
                for (size_t i = 0; ok && i < nb; i++)
                    ok = same_metric(&back[i], &fg_trainer_metrics(tr)[i]);
                CHECK(ok, "metrics file = trainer history (%zu records)", nb);
            }
            free(text);
            remove(path);
        }
        fg_free(back);
        fg_trainer_destroy(tr);
        fg_model_destroy(model);
        fg_dataset_destroy(ds);
    }
}

/* ---- normalization JSON ----------------------------------------------------- */

static void test_normalization_json(const char *dir) {
    check_section("normalization JSON");
    const float means[5] = {0.5f, -1.25f, 1e-8f, 123456.789f, 0.1f};
    const float stds[5] = {1.0f, 0.333333343f, 2.5e-3f, 1e6f, 7.0f};
    char *json = NULL;
    float *mb = NULL, *sb = NULL;
    int32_t dim = -1;
    if (!CHECK_STATUS(fg_normalization_to_json(means, stds, 5, &json), FG_OK, "to_json")) return;
    char keys[256];
    collect_keys(json, keys, sizeof keys);
    CHECK(strcmp(keys, "means,stds;") == 0, "keys exactly means, stds (%s)", keys);
    if (CHECK_STATUS(fg_normalization_from_json(json, strlen(json), &mb, &sb, &dim), FG_OK,
                     "from_json"))
        CHECK(dim == 5 && same_bits_f(mb, means, 5) && same_bits_f(sb, stds, 5),
              "exact round trip (dim %d)", dim);
    fg_free(mb);
    fg_free(sb);
    mb = sb = NULL;
    fg_free(json);

    char path[512];
    snprintf(path, sizeof path, "%s/norm.json", dir);
    if (CHECK_STATUS(fg_save_normalization(path, means, stds, 5), FG_OK, "save_normalization")) {
        size_t flen = 0;
        char *text = read_file(path, &flen);
        if (CHECK(text != NULL, "normalization file readable") &&
            CHECK_STATUS(fg_normalization_from_json(text, flen, &mb, &sb, &dim), FG_OK,
                         "parse file"))
            CHECK(dim == 5 && same_bits_f(mb, means, 5) && same_bits_f(sb, stds, 5),
                  "file round trip exact");
        free(text);
        remove(path);
    }
    fg_free(mb);
    fg_free(sb);
    mb = sb = NULL;

    /* The dataset's own normalize() output round trips through a model. */
    fg_model *m = make_model(5, 4, 1, FG_RANK_NONE, FG_RANK_NONE, 3);
    if (m &&
        CHECK_STATUS(fg_model_set_normalization(m, means, stds, 5), FG_OK, "set_normalization")) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        fg_model *back = NULL;
        if (fg_model_save(m, &bytes, &len) == FG_OK &&
            CHECK_STATUS(fg_model_load(bytes, len, &back), FG_OK,
                         "load model with normalization")) {
            const float *pm = NULL, *ps = NULL;
            CHECK(fg_model_get_normalization(back, &pm, &ps) == 1 && same_bits_f(pm, means, 5) &&
                      same_bits_f(ps, stds, 5),
                  "normalization survives save/load bit for bit");
        }
        fg_free(bytes);
        fg_model_destroy(back);
    }
    fg_model_destroy(m);
}

/* ---- config JSON ------------------------------------------------------------ */

static int same_tcfg(const fg_training_config *a, const fg_training_config *b) {
#define EQ(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
    return EQ(learning_rate) && EQ(batch_size) && EQ(epochs) && EQ(validation_split) &&
           EQ(early_stopping_patience) && EQ(lr_decay) && EQ(lr_decay_step) && EQ(grad_clip) &&
           EQ(adam_beta1) && EQ(adam_beta2) && EQ(adam_epsilon) && EQ(l2_reg) &&
           EQ(enable_distillation) && EQ(distillation_temperature) && EQ(distillation_alpha) &&
           EQ(seed) && EQ(shuffle) && EQ(restore_best_weights);
#undef EQ
}

static void model_cfg_roundtrip(const char *what, const fg_model_config *c) {
    char *json = NULL;
    fg_model_config back;
    memset(&back, 0x5A, sizeof back);
    if (CHECK_STATUS(fg_model_config_to_json(c, &json), FG_OK, what) &&
        CHECK_STATUS(fg_model_config_from_json(json, strlen(json), &back), FG_OK, what))
        CHECK(same_config(c, &back), "%s: exact round trip: %s", what, json);
    fg_free(json);
}

static void training_cfg_roundtrip(const char *what, const fg_training_config *c) {
    char *json = NULL;
    fg_training_config back;
    memset(&back, 0x5A, sizeof back);
    if (CHECK_STATUS(fg_training_config_to_json(c, &json), FG_OK, what) &&
        CHECK_STATUS(fg_training_config_from_json(json, strlen(json), &back), FG_OK, what))
        CHECK(same_tcfg(c, &back), "%s: exact round trip: %s", what, json);
    fg_free(json);
}

static void test_config_json(void) {
    check_section("config JSON");
    fg_model_config mc = fg_model_config_default();
    model_cfg_roundtrip("default model config", &mc);
    {
        char *json = NULL;
        char keys[512];
        if (fg_model_config_to_json(&mc, &json) == FG_OK) {
            collect_keys(json, keys, sizeof keys);
            CHECK(contains_word_ci(keys, "input_dim") && contains_word_ci(keys, "hidden_dim") &&
                      contains_word_ci(keys, "output_dim") && contains_word_ci(keys, "rank") &&
                      contains_word_ci(keys, "nu") && contains_word_ci(keys, "zeta") &&
                      contains_word_ci(keys, "seed"),
                  "model config JSON has snake_case keys (%s)", keys);
        }
        fg_free(json);
    }
    mc.input_dim = 7;
    mc.hidden_dim = 33;
    mc.output_dim = 3;
    mc.nu = -0.123456789f;
    mc.zeta = 2.5e-3f;
    mc.rank = FG_RANK_NONE;
    mc.w_rank = FG_RANK_NONE;
    mc.u_rank = FG_RANK_NONE;
    mc.seed = 9007199254740991ull; /* 2^53 - 1 */
    model_cfg_roundtrip("model config, no ranks, seed 2^53-1", &mc);
    mc.rank = 5;
    mc.w_rank = 2;
    mc.u_rank = 6;
    mc.seed = 0;
    model_cfg_roundtrip("model config, rank 5, w_rank 2, u_rank 6", &mc);

    /* A seed beyond 2^53 (not exact in a JSON number read as a double):
     * config JSON either refuses to write it or round-trips it exactly; a
     * model either refuses it at creation or saves and loads it exactly. */
    static const uint64_t big_seeds[] = {9007199254740993ull /* 2^53 + 1 */, 0xFFFFFFFFFFFFFFFFull};
    for (int i = 0; i < 2; i++) {
        fg_model_config big = fg_model_config_default();
        big.seed = big_seeds[i];
        char *json = NULL;
        fg_model_config back = big;
        back.seed = 1;
        fg_status s1 = fg_model_config_to_json(&big, &json), s2 = FG_ERR_INVALID_INPUT;
        if (s1 == FG_OK) s2 = fg_model_config_from_json(json, strlen(json), &back);
        CHECK(s1 != FG_OK || (s2 == FG_OK && back.seed == big.seed),
              "model config seed %llu: to_json refuses it, or from_json gives it back exactly "
              "(to_json %s, from_json %s, seed read %llu)",
              (unsigned long long)big.seed, fg_status_name(s1), fg_status_name(s2),
              (unsigned long long)back.seed);
        fg_free(json);
        json = NULL;

        fg_training_config tbig = fg_training_config_default(), tback;
        tbig.seed = big_seeds[i];
        tback = tbig;
        tback.seed = 1;
        s1 = fg_training_config_to_json(&tbig, &json);
        s2 = FG_ERR_INVALID_INPUT;
        if (s1 == FG_OK) s2 = fg_training_config_from_json(json, strlen(json), &tback);
        CHECK(s1 != FG_OK || (s2 == FG_OK && tback.seed == tbig.seed),
              "training config seed %llu: to_json refuses it, or from_json gives it back exactly "
              "(to_json %s, from_json %s, seed read %llu)",
              (unsigned long long)tbig.seed, fg_status_name(s1), fg_status_name(s2),
              (unsigned long long)tback.seed);
        fg_free(json);
        json = NULL;

        fg_model *m = NULL, *loaded = NULL;
        uint8_t *bytes = NULL;
        size_t len = 0;
        fg_status c = fg_model_create(&big, &m), sv = FG_OK, ld = FG_OK;
        if (c == FG_OK) {
            sv = fg_model_save(m, &bytes, &len);
            if (sv == FG_OK) ld = fg_model_load(bytes, len, &loaded);
        }
        CHECK(c != FG_OK ||
                  (sv == FG_OK && ld == FG_OK && fg_model_get_config(loaded)->seed == big.seed),
              "model with seed %llu: refused at creation, or saved and loaded with the same seed "
              "(create %s, save %s, load %s%s%s)",
              (unsigned long long)big.seed, fg_status_name(c), fg_status_name(sv),
              fg_status_name(ld), ld != FG_OK ? ": " : "", ld != FG_OK ? fg_last_error() : "");
        fg_free(bytes);
        fg_model_destroy(m);
        fg_model_destroy(loaded);
    }

    fg_training_config tc = fg_training_config_default();
    training_cfg_roundtrip("default training config", &tc);
    tc.learning_rate = 0.0123f;
    tc.batch_size = 7;
    tc.epochs = 0;
    tc.validation_split = 0.0f;
    tc.early_stopping_patience = FG_PATIENCE_NONE;
    tc.lr_decay = 1.0f;
    tc.lr_decay_step = 0;
    tc.grad_clip = 0.0f;
    tc.adam_beta1 = 0.0f;
    tc.adam_beta2 = 0.95f;
    tc.adam_epsilon = 1e-7f;
    tc.l2_reg = 0.0f;
    tc.enable_distillation = 1;
    tc.distillation_temperature = 2.5f;
    tc.distillation_alpha = 1.0f;
    tc.seed = 123456789012345ull;
    tc.shuffle = 0;
    tc.restore_best_weights = 0;
    training_cfg_roundtrip("training config, patience null, all fields changed", &tc);

    /* Parsing starts from the defaults. */
    {
        fg_model_config m2;
        fg_training_config t2;
        fg_model_config md = fg_model_config_default();
        fg_training_config td = fg_training_config_default();
        if (CHECK_STATUS(fg_model_config_from_json("{}", 2, &m2), FG_OK, "model config {}"))
            CHECK(same_config(&m2, &md), "{} gives the default model config");
        if (CHECK_STATUS(fg_training_config_from_json("{}", 2, &t2), FG_OK, "training config {}"))
            CHECK(same_tcfg(&t2, &td), "{} gives the default training config");
        const char *j = "{\"hidden_dim\": 16, \"rank\": null}";
        if (CHECK_STATUS(fg_model_config_from_json(j, strlen(j), &m2), FG_OK, j))
            CHECK(m2.hidden_dim == 16 && m2.rank == FG_RANK_NONE && m2.input_dim == md.input_dim,
                  "hidden_dim 16, rank null -> FG_RANK_NONE, others default");
        const char *k = "{\"learning_rate\": 0.01, \"early_stopping_patience\": null}";
        if (CHECK_STATUS(fg_training_config_from_json(k, strlen(k), &t2), FG_OK, k))
            CHECK(t2.learning_rate == 0.01f && t2.early_stopping_patience == FG_PATIENCE_NONE &&
                      t2.batch_size == td.batch_size,
                  "learning_rate 0.01, patience null -> FG_PATIENCE_NONE, others default");
    }
}

int main(void) {
    char tmpl[] = "/tmp/fgtest_XXXXXX";
    const char *tmpdir = getenv("TMPDIR");
    char dirbuf[512];
    char *dir;
    if (tmpdir && *tmpdir && strlen(tmpdir) < 400) {
        snprintf(dirbuf, sizeof dirbuf, "%s/fgtest_XXXXXX", tmpdir);
        dir = mkdtemp(dirbuf);
    } else {
        dir = mkdtemp(tmpl);
    }
    if (!dir) {
        perror("mkdtemp");
        return 2;
    }
    printf("     temporary directory %s\n", dir);

    test_model_roundtrip("full rank, binary (D5 H8)",
                         make_model(5, 8, 1, FG_RANK_NONE, FG_RANK_NONE, 1), dir);
    test_model_roundtrip("rank 3, binary (D6 H9)", make_model(6, 9, 1, 3, FG_RANK_NONE, 2), dir);
    test_model_roundtrip("spec example: D5 H16 rank 8 (full W, low-rank U)",
                         make_model(5, 16, 1, 8, FG_RANK_NONE, 42), dir);
    {
        fg_model *m = make_model(4, 10, 5, FG_RANK_NONE, 3, 4);
        const float mu[4] = {0.1f, -2.0f, 3.5f, 0.0f}, sd[4] = {1.0f, 0.5f, 2.0f, 1e-3f};
        if (m) CHECK_STATUS(fg_model_set_normalization(m, mu, sd, 4), FG_OK, "set_normalization");
        test_model_roundtrip("5-class, full W, U rank 3, with normalization", m, dir);
    }
    test_metrics_json(dir);
    test_normalization_json(dir);
    test_config_json();

    if (rmdir(dir) != 0) perror("rmdir");
    return check_summary();
}
