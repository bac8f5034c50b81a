/*
 * test_dataset.c - datasets, splits, normalization and the batch iterator.
 *
 * Samples carry their index in their features (x[i][t][d] = i + t/100 +
 * d/1000 style), so every reordering can be traced.
 *  - split: sizes train n - round(n r), val round(n r); disjoint, covering,
 *    rows intact (features with their labels and soft targets); same seed
 *    same split, other seed other split
 *  - normalize: per-feature mean / std over samples and timesteps, data
 *    becomes mean 0 / std 1, a constant feature gets std 1; apply with the
 *    returned parameters reproduces it
 *  - batch iterator: batches of batch_size and a partial last one; each pass
 *    is a permutation (identity without shuffle); rows intact; reset
 *    reshuffles; same seed same order
 *  - clone is deep
 */
#include "check.h"

enum { N = 23, T = 3, D = 2, O = 3 };

static float X[N * T * D], Y[N], S[N * O];

static void fill(void) {
    for (int i = 0; i < N; i++) {
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++) X[(i * T + t) * D + d] = (float)i + 0.01f * t + 0.001f * d;
        Y[i] = (float)(i % O);
        for (int k = 0; k < O; k++) S[i * O + k] = k == i % O ? 0.8f : 0.1f;
    }
}

/* The original index of a row, checking the row is intact (features,
 * label, soft targets); -1 when not. */
static int row_index(const float *x, float y, const float *soft) {
    int i = (int)lroundf(x[0]);
    if (i < 0 || i >= N) return -1;
    if (!same_bits_f(x, X + (size_t)i * T * D, T * D)) return -1;
    if (y != Y[i]) return -1;
    if (soft && !same_bits_f(soft, S + (size_t)i * O, O)) return -1;
    return i;
}

static void test_split(void) {
    check_section("split");
    fg_dataset *ds = NULL;
    if (fg_dataset_create(X, Y, N, T, D, O, &ds) != FG_OK ||
        fg_dataset_with_soft_targets(ds, S, N * O) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        return;
    }
    const float ratios[] = {0.2f, 0.5f, 0.33f, 0.0f, 1.0f};
    for (size_t r = 0; r < sizeof ratios / sizeof ratios[0]; r++) {
        fg_dataset *a = NULL, *b = NULL, *a2 = NULL, *b2 = NULL, *a3 = NULL, *b3 = NULL;
        if (!CHECK_STATUS(fg_dataset_split(ds, ratios[r], 7, &a, &b), FG_OK, "split")) continue;
        int32_t nval = (int32_t)lround(N * (double)ratios[r]);
        CHECK(fg_dataset_len(a) == N - nval && fg_dataset_len(b) == nval,
              "ratio %.2f: train %d, val %d (expected %d, %d)", (double)ratios[r],
              fg_dataset_len(a), fg_dataset_len(b), N - nval, nval);
        int seen[N] = {0}, intact = 1;
        fg_dataset *parts[2] = {a, b};
        for (int pi = 0; pi < 2; pi++) {
            fg_dataset *p = parts[pi];
            CHECK(fg_dataset_timesteps(p) == T && fg_dataset_input_dim(p) == D &&
                      fg_dataset_output_dim(p) == O &&
                      (fg_dataset_len(p) == 0 || fg_dataset_soft_targets(p) != NULL),
                  "  part %d keeps T, D, O and soft targets", pi);
            for (int32_t i = 0; i < fg_dataset_len(p); i++) {
                const float *soft = fg_dataset_soft_targets(p);
                int k = row_index(fg_dataset_features(p) + (size_t)i * T * D,
                                  fg_dataset_labels(p)[i], soft ? soft + (size_t)i * O : NULL);
                if (k < 0) intact = 0;
                else seen[k]++;
            }
        }
        int cover = 1;
        for (int i = 0; i < N; i++) cover &= seen[i] == 1;
        CHECK(intact && cover, "  rows intact; every sample in exactly one part");
        if (nval > 0 && nval < N) {
            fg_dataset_split(ds, ratios[r], 7, &a2, &b2);
            fg_dataset_split(ds, ratios[r], 8, &a3, &b3);
            CHECK(a2 && b2 &&
                      same_bits_f(fg_dataset_features(a2), fg_dataset_features(a),
                                  (size_t)fg_dataset_len(a) * T * D) &&
                      same_bits_f(fg_dataset_features(b2), fg_dataset_features(b),
                                  (size_t)nval * T * D),
                  "  same seed: same split");
            CHECK(a3 && b3 &&
                      !same_bits_f(fg_dataset_features(b3), fg_dataset_features(b),
                                   (size_t)nval * T * D),
                  "  other seed: other split");
        }
        fg_dataset_destroy(a);
        fg_dataset_destroy(b);
        fg_dataset_destroy(a2);
        fg_dataset_destroy(b2);
        fg_dataset_destroy(a3);
        fg_dataset_destroy(b3);
    }
    fg_dataset_destroy(ds);
}

static void test_normalize(void) {
    check_section("normalize");
    enum { NN = 200, TT = 4, DD = 3 };
    float *x = alloc_floats(NN * TT * DD), y[NN];
    test_rng r = {12};
    for (int i = 0; i < NN * TT; i++) {
        x[i * DD + 0] = (float)(5 + 3 * trng_normal(&r));
        x[i * DD + 1] = (float)(-2 + 0.01 * trng_normal(&r));
        x[i * DD + 2] = 4.25f; /* constant */
    }
    for (int i = 0; i < NN; i++) y[i] = (float)(i % 2);
    double mu[DD] = {0}, sd[DD] = {0};
    for (int i = 0; i < NN * TT; i++)
        for (int d = 0; d < DD; d++) mu[d] += x[i * DD + d];
    for (int d = 0; d < DD; d++) mu[d] /= NN * TT;
    for (int i = 0; i < NN * TT; i++)
        for (int d = 0; d < DD; d++) sd[d] += (x[i * DD + d] - mu[d]) * (x[i * DD + d] - mu[d]);
    for (int d = 0; d < DD; d++) sd[d] = sqrt(sd[d] / (NN * TT));

    fg_dataset *ds = NULL, *ds2 = NULL;
    float means[DD], stds[DD];
    if (fg_dataset_create(x, y, NN, TT, DD, 1, &ds) != FG_OK ||
        fg_dataset_create(x, y, NN, TT, DD, 1, &ds2) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    if (!CHECK_STATUS(fg_dataset_normalize(ds, means, stds), FG_OK, "normalize")) goto out;
    for (int d = 0; d < 2; d++)
        CHECK(fabs(means[d] - mu[d]) < 1e-4 * (1 + fabs(mu[d])) &&
                  fabs(stds[d] - sd[d]) < 2e-3 * sd[d],
              "feature %d: mean %.6f (expected %.6f), std %.6f (expected %.6f, over samples and "
              "timesteps)",
              d, means[d], mu[d], stds[d], sd[d]);
    CHECK(means[2] == 4.25f && stds[2] == 1.0f, "constant feature: mean 4.25, std 1 (got %g, %g)",
          means[2], stds[2]);
    const float *nx = fg_dataset_features(ds);
    for (int d = 0; d < 2; d++) {
        double m = 0, q = 0;
        for (int i = 0; i < NN * TT; i++) m += nx[i * DD + d];
        m /= NN * TT;
        for (int i = 0; i < NN * TT; i++) q += (nx[i * DD + d] - m) * (nx[i * DD + d] - m);
        q = sqrt(q / (NN * TT));
        CHECK(fabs(m) < 1e-4 && fabs(q - 1) < 2e-3, "feature %d normalized: mean %.2e, std %.6f", d,
              m, q);
    }
    int zero = 1;
    for (int i = 0; i < NN * TT; i++) zero &= nx[i * DD + 2] == 0.0f;
    CHECK(zero, "constant feature normalized to 0");
    CHECK(same_bits_f(fg_dataset_labels(ds), y, NN), "labels untouched");
    if (CHECK_STATUS(fg_dataset_apply_normalization(ds2, means, stds, DD), FG_OK,
                     "apply_normalization"))
        CHECK(same_bits_f(fg_dataset_features(ds2), nx, NN * TT * DD),
              "apply with the returned parameters gives the same features bit for bit");
    CHECK_STATUS(fg_dataset_normalize(ds2, NULL, NULL), FG_OK, "normalize with NULL outputs");
out:
    free(x);
    fg_dataset_destroy(ds);
    fg_dataset_destroy(ds2);
}

/* One pass; order[] gets the original indices. Returns the batch count or
 * -1 when a batch has the wrong size or a row is not intact. */
static int one_pass(fg_batch_iter *it, int32_t bs, int order[N]) {
    const float *f, *l, *s;
    int32_t k, pos = 0, batches = 0;
    while ((k = fg_batch_iter_next(it, &f, &l, &s)) > 0) {
        int32_t want = N - pos < bs ? N - pos : bs;
        if (k != want || pos + k > N) return -1;
        for (int32_t i = 0; i < k; i++) {
            int idx = row_index(f + (size_t)i * T * D, l[i], s ? s + (size_t)i * O : NULL);
            if (idx < 0 || !s) return -1;
            order[pos++] = idx;
        }
        batches++;
    }
    return pos == N ? batches : -1;
}

static int is_perm(const int order[N]) {
    int seen[N] = {0};
    for (int i = 0; i < N; i++) {
        if (order[i] < 0 || order[i] >= N || seen[order[i]]++) return 0;
    }
    return 1;
}

static void test_batch_iter(void) {
    check_section("batch iterator");
    fg_dataset *ds = NULL;
    fg_batch_iter *it = NULL, *it2 = NULL, *it3 = NULL, *seq = NULL;
    int o1[N], o2[N], o3[N], o4[N], os[N];
    if (fg_dataset_create(X, Y, N, T, D, O, &ds) != FG_OK ||
        fg_dataset_with_soft_targets(ds, S, N * O) != FG_OK ||
        fg_batch_iter_create(ds, 5, 1, 99, &it) != FG_OK ||
        fg_batch_iter_create(ds, 5, 1, 99, &it2) != FG_OK ||
        fg_batch_iter_create(ds, 5, 1, 100, &it3) != FG_OK ||
        fg_batch_iter_create(ds, 5, 0, 99, &seq) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        goto out;
    }
    int nb = one_pass(it, 5, o1);
    CHECK(nb == 5 && is_perm(o1),
          "shuffled pass: 5 batches (4 x 5 + 3), rows intact, a permutation");
    {
        const float *f, *l, *s;
        CHECK(fg_batch_iter_next(it, &f, &l, &s) == 0, "next after the end: 0 again");
    }
    fg_batch_iter_reset(it);
    nb = one_pass(it, 5, o2);
    CHECK(nb == 5 && is_perm(o2) && memcmp(o1, o2, sizeof o1) != 0,
          "reset: a new pass, reshuffled");
    nb = one_pass(it2, 5, o3);
    CHECK(nb == 5 && memcmp(o1, o3, sizeof o1) == 0, "same seed: same first-pass order");
    nb = one_pass(it3, 5, o4);
    CHECK(nb == 5 && memcmp(o1, o4, sizeof o1) != 0, "other seed: other order");
    nb = one_pass(seq, 5, os);
    int ident = 1;
    for (int i = 0; i < N; i++) ident &= os[i] == i;
    CHECK(nb == 5 && ident, "no shuffle: samples in order");
    fg_batch_iter_reset(seq);
    nb = one_pass(seq, 5, os);
    ident = 1;
    for (int i = 0; i < N; i++) ident &= os[i] == i;
    CHECK(nb == 5 && ident, "no shuffle, after reset: in order again");
out:
    fg_batch_iter_destroy(it);
    fg_batch_iter_destroy(it2);
    fg_batch_iter_destroy(it3);
    fg_batch_iter_destroy(seq);
    fg_dataset_destroy(ds);
}

static void test_clone(void) {
    check_section("clone");
    fg_dataset *ds = NULL, *c = NULL;
    if (fg_dataset_create(X, Y, N, T, D, O, &ds) != FG_OK ||
        fg_dataset_with_soft_targets(ds, S, N * O) != FG_OK) {
        CHECK(0, "setup: %s", fg_last_error());
        return;
    }
    if (CHECK_STATUS(fg_dataset_clone(ds, &c), FG_OK, "clone")) {
        CHECK(fg_dataset_len(c) == N && fg_dataset_features(c) != fg_dataset_features(ds) &&
                  same_bits_f(fg_dataset_features(c), X, N * T * D) &&
                  same_bits_f(fg_dataset_labels(c), Y, N) &&
                  same_bits_f(fg_dataset_soft_targets(c), S, N * O),
              "deep copy with soft targets");
        fg_dataset_normalize(c, NULL, NULL);
        CHECK(same_bits_f(fg_dataset_features(ds), X, N * T * D),
              "normalizing the clone leaves the original");
    }
    fg_dataset_destroy(c);
    fg_dataset_destroy(ds);
}

/* fg_dataset_adopt: takes the buffers on success (no copy; freed with the
 * dataset, which ASan's leak check sees), leaves them to the caller on
 * failure. */
static void test_adopt(void) {
    printf("-- fg_dataset_adopt\n");
    float *x = fg_malloc(6 * sizeof(float)), *y = fg_malloc(3 * sizeof(float));
    for (int i = 0; i < 6; i++) x[i] = (float)i;
    y[0] = 0;
    y[1] = 1;
    y[2] = 0.5f;
    fg_dataset *ds = NULL;
    fg_status s = fg_dataset_adopt(x, y, 3, 1, 2, 1, &ds);
    CHECK(s == FG_OK && ds, "adopt -> Ok");
    CHECK(ds && fg_dataset_features(ds) == x && fg_dataset_labels(ds) == y,
          "the dataset holds the caller's buffers, not copies");
    fg_dataset_destroy(ds); /* frees x and y */

    x = fg_malloc(6 * sizeof(float));
    y = fg_malloc(3 * sizeof(float));
    for (int i = 0; i < 6; i++) x[i] = (float)i;
    y[0] = 0;
    y[1] = 2;
    y[2] = 0;              /* 2 is not a binary label */
    ds = (fg_dataset *)&s; /* sentinel */
    s = fg_dataset_adopt(x, y, 3, 1, 2, 1, &ds);
    CHECK(s == FG_ERR_INVALID_INPUT && strstr(fg_last_error(), "labels[1]") &&
              ds == (fg_dataset *)&s,
          "bad label -> InvalidInput naming labels[1], out untouched");
    CHECK(x[5] == 5.0f && y[1] == 2.0f, "the caller still owns its unchanged buffers");
    fg_free(x);
    fg_free(y);
}

int main(void) {
    fill();
    test_adopt();
    test_split();
    test_normalize();
    test_batch_iter();
    test_clone();
    return check_summary();
}
