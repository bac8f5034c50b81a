/*
 * test_predict_eval.c - prediction on raw inputs, the evaluation report,
 * split sizes and config limits.
 *
 *  - predict* on raw x equals forward* on x normalized by
 *    fg_dataset_apply_normalization, bit for bit (and equals forward
 *    without stored normalization);
 *  - fg_model_evaluate against a confusion matrix, precision, recall, F1
 *    and ROC-AUC computed by hand for small fixed cases (binary with and
 *    without score ties, four classes with one absent class);
 *  - fg_split_sizes equals the sizes fg_dataset_split produces;
 *  - fg_config_limits_json agrees with the validators at every bound.
 */
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "fastgrnn.h"

/* ---- a model whose output we can compute by hand ----------------------- */
/* D = H = 1, full rank: W = 1, U = 0, bias_gate = -30 (z ~ 1e-13, so
 * 1 - z rounds to 1), bias_update = 0, raw zeta = raw nu = 0 (0.5 each):
 * h = tanh(x) for T = 1. Head: logits = wo * h + bo. */
static fg_model *hand_model(int32_t O, const float *wo, const float *bo) {
    fg_model_config cfg = fg_model_config_default();
    cfg.input_dim = 1;
    cfg.hidden_dim = 1;
    cfg.output_dim = O;
    cfg.rank = FG_RANK_NONE;
    fg_model *m = NULL;
    if (fg_model_create(&cfg, &m) != FG_OK) return NULL;
    size_t n = fg_model_num_params(m);
    float p[32] = {0};
    if (n > 32) {
        fg_model_destroy(m);
        return NULL;
    }
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        fg_model_tensor_info(m, i, &name, &rows, &cols, &off);
        if (!strcmp(name, "cell.W")) p[off] = 1;
        else if (!strcmp(name, "cell.bias_gate")) p[off] = -30;
        else if (!strcmp(name, "head.weight"))
            for (int k = 0; k < O; k++) p[off + k] = wo[k];
        else if (!strcmp(name, "head.bias"))
            for (int k = 0; k < O; k++) p[off + k] = bo[k];
    }
    if (fg_model_set_params(m, p, n) != FG_OK) {
        fg_model_destroy(m);
        return NULL;
    }
    return m;
}

static cJSON *evaluate_json(const fg_model *m, const fg_dataset *ds, int raw) {
    char *json = NULL;
    if (fg_model_evaluate(m, ds, raw, &json) != FG_OK) {
        printf("evaluate failed: %s\n", fg_last_error());
        return NULL;
    }
    cJSON *root = cJSON_Parse(json);
    fg_free(json);
    return root;
}

static double num(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int is_null(const cJSON *obj, const char *key) {
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* The report's confusion matrix equals want [K*K]. */
static int confusion_is(const cJSON *root, const int *want, int K) {
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(root, "confusion_matrix");
    if (cJSON_GetArraySize(cm) != K) return 0;
    for (int t = 0; t < K; t++) {
        const cJSON *row = cJSON_GetArrayItem(cm, t);
        if (cJSON_GetArraySize(row) != K) return 0;
        for (int p = 0; p < K; p++)
            if (cJSON_GetArrayItem(row, p)->valuedouble != want[t * K + p]) return 0;
    }
    return 1;
}

static const cJSON *class_entry(const cJSON *root, int k) {
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "classes"), k);
}

/* |a - b| within float rounding of the report's shortest-float numbers. */
static int near(double a, double b) { return fabs(a - b) <= 1e-6; }

static void test_predict_equals_forward(void) {
    fg_model_config cfg = fg_model_config_default();
    cfg.input_dim = 3;
    cfg.hidden_dim = 6;
    for (int O = 1; O <= 3; O += 2) {
        cfg.output_dim = O;
        fg_model *m = NULL;
        CHECK_STATUS(fg_model_create(&cfg, &m), FG_OK, "create");
        enum { N = 300, T = 2, D = 3 }; /* > 256: two chunks */
        static float x[N * T * D], xn[N * T * D], labels[N];
        test_rng rng = {12345};
        for (int i = 0; i < N * T * D; i++) x[i] = (float)trng_range(&rng, -7, 33);
        const float means[D] = {3.25f, -1.5f, 12.0f}, stds[D] = {7.0f, 0.3f, 11.5f};
        static float a[N * 3], b[N * 3];
        int32_t classes[N];

        /* without stored normalization predict is forward */
        CHECK_STATUS(fg_model_predict_batch(m, x, N, T, a), FG_OK,
                     "predict_batch, no normalization");
        CHECK_STATUS(fg_model_forward_batch(m, x, N, T, b), FG_OK, "forward_batch");
        CHECK(!memcmp(a, b, sizeof(float) * N * O),
              "O=%d: predict == forward without normalization", O);

        CHECK_STATUS(fg_model_set_normalization(m, means, stds, D), FG_OK, "set normalization");
        fg_dataset *ds = NULL;
        for (int i = 0; i < N; i++) labels[i] = 0;
        CHECK_STATUS(fg_dataset_create(x, labels, N, T, D, O, &ds), FG_OK, "dataset");
        CHECK_STATUS(fg_dataset_apply_normalization(ds, means, stds, D), FG_OK,
                     "apply normalization");
        memcpy(xn, fg_dataset_features(ds), sizeof xn);
        fg_dataset_destroy(ds);

        CHECK_STATUS(fg_model_predict_batch(m, x, N, T, a), FG_OK, "predict_batch");
        CHECK_STATUS(fg_model_forward_batch(m, xn, N, T, b), FG_OK, "forward_batch normalized");
        CHECK(!memcmp(a, b, sizeof(float) * N * O),
              "O=%d: predict_batch(x) == forward_batch(normalized x) bit for bit", O);
        CHECK_STATUS(fg_model_forward_batch(m, x, N, T, b), FG_OK, "forward_batch raw");
        CHECK(memcmp(a, b, sizeof(float) * N * O) != 0,
              "O=%d: forward on raw x differs (normalization matters)", O);

        CHECK_STATUS(fg_model_predict_logits_batch(m, x, N, T, a), FG_OK, "predict_logits_batch");
        CHECK_STATUS(fg_model_logits_batch(m, xn, N, T, b), FG_OK, "logits_batch normalized");
        CHECK(!memcmp(a, b, sizeof(float) * N * O),
              "O=%d: predict_logits == logits(normalized) bit for bit", O);

        /* classes from the logits: binary logit >= 0, else first argmax */
        CHECK_STATUS(fg_model_predict_class_batch(m, x, N, T, classes), FG_OK,
                     "predict_class_batch");
        int agree = 1;
        for (int i = 0; i < N; i++) {
            const float *l = b + (size_t)i * O;
            int want = 0;
            if (O == 1) want = l[0] >= 0;
            else
                for (int k = 1; k < O; k++)
                    if (l[k] > l[want]) want = k;
            agree &= classes[i] == want;
        }
        CHECK(agree, "O=%d: predict_class_batch follows the logits", O);

        float one[3], ref[3];
        CHECK_STATUS(fg_model_predict(m, x + 7 * T * D, T, one), FG_OK, "predict one");
        CHECK_STATUS(fg_model_forward(m, xn + 7 * T * D, T, ref), FG_OK, "forward one");
        CHECK(!memcmp(one, ref, sizeof(float) * O),
              "O=%d: predict(x) == forward(normalized x) for one sample", O);

        /* bad inputs: typed errors */
        float bad[D * T];
        memcpy(bad, x, sizeof bad);
        bad[4] = NAN;
        CHECK_STATUS(fg_model_predict(m, bad, T, one), FG_ERR_INVALID_INPUT, "predict NaN feature");
        CHECK(strstr(fg_last_error(), "features[4]") != NULL, "message names features[4]: %s",
              fg_last_error());
        bad[4] = 3e38f;
        const float tiny[D] = {1e-30f, 1e-30f, 1e-30f};
        CHECK_STATUS(fg_model_set_normalization(m, means, tiny, D), FG_OK, "tiny stds");
        CHECK_STATUS(fg_model_predict_batch(m, bad, 1, T, one), FG_ERR_INVALID_INPUT,
                     "predict overflowing normalization");
        CHECK(strstr(fg_last_error(), "non-finite") != NULL, "message says non-finite: %s",
              fg_last_error());
        CHECK_STATUS(fg_model_predict_batch(m, x, 0, T, a), FG_ERR_INVALID_INPUT,
                     "predict_batch n = 0");
        CHECK_STATUS(fg_model_predict(m, x, 0, one), FG_ERR_INVALID_INPUT, "predict timesteps 0");
        CHECK_STATUS(fg_model_predict(NULL, x, 1, one), FG_ERR_INVALID_INPUT, "predict NULL model");
        CHECK_STATUS(fg_model_predict_class_batch(m, x, -1, T, classes), FG_ERR_INVALID_INPUT,
                     "class_batch n = -1");
        fg_model_destroy(m);
    }
}

static void test_evaluate_binary(void) {
    const float wo[1] = {1}, bo[1] = {0};
    fg_model *m = hand_model(1, wo, bo);
    CHECK(m != NULL, "hand model");
    if (!m) return;
    /* logit = tanh(x): predicted 1 iff x > 0 here. */
    const float x[8] = {-3, -2, -1, 0.5f, 1, 2, 3, -0.5f};
    const float y[8] = {0, 0, 1, 0, 1, 1, 1, 0};
    fg_dataset *ds = NULL;
    CHECK_STATUS(fg_dataset_create(x, y, 8, 1, 1, 1, &ds), FG_OK, "binary dataset");
    cJSON *r = evaluate_json(m, ds, 1);
    CHECK(r != NULL, "binary report parses");
    if (r) {
        /* by hand: TN = {0,1,7}, FP = {3}, FN = {2}, TP = {4,5,6} */
        const int want[4] = {3, 1, 1, 3};
        CHECK(confusion_is(r, want, 2), "binary confusion matrix [[3,1],[1,3]]");
        CHECK(num(r, "samples") == 8 && num(r, "num_classes") == 2, "samples 8, num_classes 2");
        CHECK(near(num(r, "accuracy"), 0.75), "accuracy 6/8 = %g", num(r, "accuracy"));
        for (int k = 0; k < 2; k++) {
            const cJSON *c = class_entry(r, k);
            CHECK(num(c, "index") == k && num(c, "support") == 4, "class %d: support 4", k);
            CHECK(near(num(c, "precision"), 0.75) && near(num(c, "recall"), 0.75) &&
                      near(num(c, "f1"), 0.75),
                  "class %d: precision = recall = F1 = 3/4", k);
        }
        /* positives {-1,1,2,3} vs negatives {-3,-2,0.5,-0.5}: 2+4+4+4 = 14 of 16 */
        CHECK(near(num(r, "roc_auc"), 0.875), "ROC-AUC 14/16 = %g", num(r, "roc_auc"));
        /* the loss is Trainer.evaluate's, bit for bit as float */
        fg_model_config mc = *fg_model_get_config(m);
        fg_training_config tc = fg_training_config_default();
        fg_trainer *tr = NULL;
        float loss = 0, acc = 0;
        CHECK_STATUS(fg_trainer_create(&mc, &tc, &tr), FG_OK, "trainer");
        CHECK_STATUS(fg_trainer_evaluate(tr, m, ds, &loss, &acc), FG_OK, "trainer evaluate");
        CHECK((float)num(r, "loss") == loss && (float)num(r, "accuracy") == acc,
              "loss %g and accuracy equal fg_trainer_evaluate's (%g, %g)", num(r, "loss"),
              (double)loss, (double)acc);
        fg_trainer_destroy(tr);
        cJSON_Delete(r);
    }
    fg_dataset_destroy(ds);

    /* ties: positives {1, 2}, negatives {1, -1}: 0.5 + 1 + 1 + 1 = 3.5 of 4 */
    const float xt[4] = {1, 1, -1, 2}, yt[4] = {1, 0, 0, 1};
    CHECK_STATUS(fg_dataset_create(xt, yt, 4, 1, 1, 1, &ds), FG_OK, "tie dataset");
    r = evaluate_json(m, ds, 1);
    CHECK(r && near(num(r, "roc_auc"), 0.875), "ROC-AUC with a tie counted 1/2: %g",
          r ? num(r, "roc_auc") : NAN);
    cJSON_Delete(r);
    fg_dataset_destroy(ds);

    /* one class only: ROC-AUC null; class 1 never predicted nor present */
    const float xo[3] = {-1, -2, -3}, yo[3] = {0, 0, 0};
    CHECK_STATUS(fg_dataset_create(xo, yo, 3, 1, 1, 1, &ds), FG_OK, "one-class dataset");
    r = evaluate_json(m, ds, 1);
    CHECK(r && is_null(r, "roc_auc"), "ROC-AUC null without positives");
    if (r) {
        const cJSON *c1 = class_entry(r, 1);
        CHECK(is_null(c1, "precision") && is_null(c1, "recall") && is_null(c1, "f1"),
              "absent, never-predicted class: precision, recall, F1 null");
        CHECK(near(num(class_entry(r, 0), "f1"), 1), "class 0 F1 1");
    }
    cJSON_Delete(r);

    /* raw: the stored normalization is applied; x' = (x - 10) / 1 flips all to class 0 */
    const float mean[1] = {10}, sd[1] = {1};
    CHECK_STATUS(fg_model_set_normalization(m, mean, sd, 1), FG_OK, "normalization");
    const float xs[2] = {12, 9}, ys[2] = {1, 0};
    fg_dataset_destroy(ds);
    CHECK_STATUS(fg_dataset_create(xs, ys, 2, 1, 1, 1, &ds), FG_OK, "raw dataset");
    r = evaluate_json(m, ds, 1);
    const int want_raw[4] = {1, 0, 0, 1};
    CHECK(r && confusion_is(r, want_raw, 2), "raw = 1 normalizes (x - 10): all correct");
    cJSON_Delete(r);
    r = evaluate_json(m, ds, 0);
    const int want_norm[4] = {0, 1, 0, 1};
    CHECK(r && confusion_is(r, want_norm, 2), "raw = 0 takes x as is: both predicted 1");
    cJSON_Delete(r);

    /* bad inputs */
    char *json = NULL;
    fg_dataset *wide = NULL;
    const float xw[4] = {1, 2, 3, 4}, yw[2] = {0, 1};
    CHECK_STATUS(fg_dataset_create(xw, yw, 2, 1, 2, 1, &wide), FG_OK, "2-feature dataset");
    CHECK_STATUS(fg_model_evaluate(m, wide, 1, &json), FG_ERR_INVALID_INPUT,
                 "evaluate: input_dim mismatch");
    CHECK(strstr(fg_last_error(), "input_dim") != NULL, "message names input_dim: %s",
          fg_last_error());
    fg_dataset_destroy(wide);
    CHECK_STATUS(fg_dataset_create(xs, ys, 2, 1, 1, 3, &wide), FG_OK, "3-class dataset");
    CHECK_STATUS(fg_model_evaluate(m, wide, 1, &json), FG_ERR_INVALID_INPUT,
                 "evaluate: output_dim mismatch");
    fg_dataset_destroy(wide);
    CHECK_STATUS(fg_model_evaluate(m, NULL, 1, &json), FG_ERR_INVALID_INPUT,
                 "evaluate: NULL dataset");
    CHECK_STATUS(fg_model_evaluate(m, ds, 1, NULL), FG_ERR_INVALID_INPUT, "evaluate: NULL out");
    CHECK(json == NULL, "nothing returned on failure");
    fg_dataset_destroy(ds);
    fg_model_destroy(m);
}

static void test_evaluate_classes(void) {
    /* logits = [-h, 0.5, h, -10] with h = tanh(x): class 0 for h < -0.5,
     * 1 for |h| < 0.5, 2 for h > 0.5, 3 never. */
    const float wo[4] = {-1, 0, 1, 0}, bo[4] = {0, 0.5f, 0, -10};
    fg_model *m = hand_model(4, wo, bo);
    CHECK(m != NULL, "hand model, 4 classes");
    if (!m) return;
    const float x[6] = {-2, -0.1f, 0.2f, 3, 1, -1};
    const float y[6] = {0, 1, 2, 2, 1, 0};
    fg_dataset *ds = NULL;
    CHECK_STATUS(fg_dataset_create(x, y, 6, 1, 1, 4, &ds), FG_OK, "4-class dataset");
    cJSON *r = evaluate_json(m, ds, 1);
    CHECK(r != NULL, "4-class report parses");
    if (r) {
        /* predicted [0,1,1,2,2,0] vs true [0,1,2,2,1,0] */
        const int want[16] = {2, 0, 0, 0, /**/ 0, 1, 1, 0, /**/ 0, 1, 1, 0, /**/ 0, 0, 0, 0};
        CHECK(confusion_is(r, want, 4), "4-class confusion matrix");
        CHECK(num(r, "num_classes") == 4 && near(num(r, "accuracy"), 4.0 / 6),
              "num_classes 4, accuracy 4/6");
        const cJSON *c0 = class_entry(r, 0), *c1 = class_entry(r, 1), *c2 = class_entry(r, 2),
                    *c3 = class_entry(r, 3);
        CHECK(near(num(c0, "precision"), 1) && near(num(c0, "recall"), 1) &&
                  near(num(c0, "f1"), 1) && num(c0, "support") == 2,
              "class 0: 1, 1, 1, support 2");
        CHECK(near(num(c1, "precision"), 0.5) && near(num(c1, "recall"), 0.5) &&
                  near(num(c1, "f1"), 0.5),
              "class 1: 1/2, 1/2, 1/2");
        CHECK(near(num(c2, "precision"), 0.5) && near(num(c2, "recall"), 0.5) &&
                  near(num(c2, "f1"), 0.5),
              "class 2: 1/2, 1/2, 1/2");
        CHECK(is_null(c3, "precision") && is_null(c3, "recall") && is_null(c3, "f1") &&
                  num(c3, "support") == 0,
              "class 3 (absent, never predicted): null, null, null, support 0");
        CHECK(is_null(r, "roc_auc"), "multi-class: roc_auc null");
        cJSON_Delete(r);
    }
    fg_dataset_destroy(ds);
    fg_model_destroy(m);
}

static void test_split_sizes(void) {
    const float ratios[] = {0.0f, 0.1f, 0.2f, 0.25f, 0.5f, 0.3333f, 0.75f, 0.999f, 1.0f};
    int all = 1;
    for (int32_t n = 1; n <= 41; n += 4)
        for (size_t r = 0; r < sizeof ratios / sizeof ratios[0]; r++) {
            static float x[64], y[64];
            fg_dataset *ds = NULL, *tr = NULL, *va = NULL;
            int32_t nt = -1, nv = -1;
            if (fg_dataset_create(x, y, n, 1, 1, 1, &ds) ||
                fg_dataset_split(ds, ratios[r], 7, &tr, &va) ||
                fg_split_sizes(n, ratios[r], &nt, &nv)) {
                all = 0;
            } else if (fg_dataset_len(tr) != nt || fg_dataset_len(va) != nv) {
                printf("n %d ratio %g: split %d/%d, sizes %d/%d\n", n, (double)ratios[r],
                       fg_dataset_len(tr), fg_dataset_len(va), nt, nv);
                all = 0;
            }
            fg_dataset_destroy(ds);
            fg_dataset_destroy(tr);
            fg_dataset_destroy(va);
        }
    CHECK(all, "fg_split_sizes equals fg_dataset_split's sizes for every n, ratio tried");
    int32_t t = 0, v = 0;
    CHECK_STATUS(fg_split_sizes(10, 0.25f, &t, &v), FG_OK, "10 x 0.25");
    CHECK(t == 7 && v == 3, "10 x 0.25: 7 / 3 (2.5 rounds half up), got %d / %d", t, v);
    CHECK_STATUS(fg_split_sizes(0, 0.5f, &t, &v), FG_OK, "n = 0");
    CHECK(t == 0 && v == 0, "n = 0: 0 / 0");
    CHECK_STATUS(fg_split_sizes(-1, 0.5f, &t, &v), FG_ERR_INVALID_INPUT, "n = -1");
    CHECK_STATUS(fg_split_sizes(5, 1.5f, &t, &v), FG_ERR_INVALID_INPUT, "ratio 1.5");
    CHECK(strstr(fg_last_error(), "1.5") != NULL, "message names 1.5: %s", fg_last_error());
    CHECK_STATUS(fg_split_sizes(5, NAN, &t, &v), FG_ERR_INVALID_INPUT, "ratio NaN");
    CHECK_STATUS(fg_split_sizes(5, 0.5f, NULL, &v), FG_ERR_INVALID_INPUT, "NULL out");

    /* the trainer's validation count is the same number */
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = 1;
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 1;
    tc.validation_split = 0.3f;
    static float x[23], y[23];
    fg_dataset *ds = NULL;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    CHECK_STATUS(fg_dataset_create(x, y, 23, 1, 1, 1, &ds), FG_OK, "23 samples");
    CHECK_STATUS(fg_model_create(&mc, &m), FG_OK, "model");
    CHECK_STATUS(fg_trainer_create(&mc, &tc, &tr), FG_OK, "trainer");
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "train");
    CHECK_STATUS(fg_split_sizes(23, 0.3f, &t, &v), FG_OK, "23 x 0.3");
    CHECK(v == 7 && fg_trainer_metrics_count(tr) == 1 && !isnan(fg_trainer_metrics(tr)[0].val_loss),
          "trainer split of 23 x 0.3 has a validation set of %d", v);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
}

/* Sets one config field (by key) to v through the JSON reader, which ends
 * in the validator. */
static fg_status config_with(int model, const char *key, double v, int integer) {
    char json[128];
    if (integer) snprintf(json, sizeof json, "{\"%s\": %.17g}", key, v);
    else snprintf(json, sizeof json, "{\"%s\": %.9g}", key, v);
    if (model) {
        fg_model_config c;
        return fg_model_config_from_json(json, strlen(json), &c);
    }
    fg_training_config c;
    return fg_training_config_from_json(json, strlen(json), &c);
}

/* The next value beyond b: for integers +-1, for floats the next float. */
static double step_in(double b, int up, int integer) {
    if (integer) { /* +-1, or the next double where 1 is below its spacing (2^53) */
        double s = up ? b + 1 : b - 1;
        return s != b ? s : nextafter(b, up ? INFINITY : -INFINITY);
    }
    return (double)nextafterf((float)b, up ? FLT_MAX : -FLT_MAX);
}

static void test_limits(void) {
    char *json = NULL;
    CHECK_STATUS(fg_config_limits_json(&json), FG_OK, "limits JSON");
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    fg_free(json);
    CHECK(root != NULL, "limits JSON parses");
    if (!root) return;
    const char *groups[2] = {"model", "training"};
    int checked = 0;
    for (int g = 0; g < 2; g++) {
        const cJSON *group = cJSON_GetObjectItemCaseSensitive(root, groups[g]);
        const cJSON *lim;
        cJSON_ArrayForEach(lim, group) {
            const char *key = lim->string;
            double lo = num(lim, "min"), hi = num(lim, "max");
            int lo_open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lim, "min_open"));
            int hi_open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lim, "max_open"));
            int integer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lim, "integer"));
            int is_model = g == 0;
            /* output_dim / input_dim upper bounds also hit the parameter cap:
             * check the bound itself with a tiny other side. */
            int big_dim = is_model && hi == 16777216;
            if (!big_dim || !strcmp(key, "rank") || !strcmp(key, "w_rank") ||
                !strcmp(key, "u_rank")) {
                fg_status at_hi = config_with(is_model, key, hi, integer);
                CHECK((at_hi == FG_OK) == !hi_open, "%s.%s at max %.17g: %s", groups[g], key, hi,
                      hi_open ? "rejected" : "accepted");
            }
            fg_status at_lo = config_with(is_model, key, lo, integer);
            CHECK((at_lo == FG_OK) == !lo_open, "%s.%s at min %.17g: %s", groups[g], key, lo,
                  lo_open ? "rejected" : "accepted");
            CHECK(config_with(is_model, key, step_in(lo, 1, integer), integer) == FG_OK,
                  "%s.%s just above min accepted", groups[g], key);
            if (!(integer ? lo == -2147483648.0 : lo == -(double)FLT_MAX))
                CHECK(config_with(is_model, key, step_in(lo, 0, integer), integer) != FG_OK,
                      "%s.%s just below min rejected", groups[g], key);
            if (hi != 2147483647.0 && hi != (double)FLT_MAX) {
                fg_status s = config_with(is_model, key, step_in(hi, 1, integer), integer);
                CHECK(s == FG_ERR_INVALID_INPUT && strstr(fg_last_error(), key) != NULL,
                      "%s.%s just above max rejected naming the key: %s", groups[g], key,
                      fg_last_error());
            }
            checked++;
        }
    }
    CHECK(checked == 9 + 17, "every numeric key has limits (%d)", checked);
    CHECK(num(root, "max_parameters") == 268435456.0, "max_parameters 2^28");
    cJSON_Delete(root);
}

int main(void) {
    test_predict_equals_forward();
    test_evaluate_binary();
    test_evaluate_classes();
    test_split_sizes();
    test_limits();
    return check_summary();
}
