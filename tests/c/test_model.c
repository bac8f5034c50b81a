/*
 * test_model.c - the model computes the FastGRNN of docs/design.md, initialised as
 * designed.
 *
 *  - a reference forward pass in double, written from the equations
 *    (a = W x + U h, z = sigmoid(a + b_z), c = tanh(a + b_h),
 *    h = z h + (sigmoid(zeta) (1 - z) + sigmoid(nu)) c, y = W_o h + b_o, with
 *    W = W1 W2 / U = U1 U2 when low rank), against fg_model_logits_batch for
 *    full, low and mixed ranks, binary and multi-class, T = 1 and T = 9
 *  - probabilities: sigmoid(y) for binary, softmax(y) otherwise; a single
 *    forward equals the batch's row
 *  - initialisation: weights (and factors) N(0, 0.1^2), b_z = b_h = 1,
 *    b_o = 0, zeta/nu raw = the config's; same seed same weights, other seed
 *    other weights
 *  - sizes: num_params, size_bytes, effective ranks
 */
#include "check.h"

typedef struct {
    const char *name;
    int32_t rows, cols;
    size_t off;
} tinfo;

static int find(const fg_model *m, const char *name, tinfo *out) {
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *n = NULL;
        int32_t r = 0, c = 0;
        size_t off = 0;
        if (fg_model_tensor_info(m, i, &n, &r, &c, &off) == FG_OK && strcmp(n, name) == 0) {
            out->name = n;
            out->rows = r;
            out->cols = c;
            out->off = off;
            return 1;
        }
    }
    return 0;
}

/* Dense matrix [rows, cols] (double) of a full or factorised weight. */
static double *dense(const fg_model *m, const float *p, const char *full, const char *f1,
                     const char *f2, int32_t rows, int32_t cols) {
    double *out = (double *)calloc((size_t)rows * cols, sizeof(double));
    tinfo t, a, b;
    if (find(m, full, &t)) {
        for (int32_t i = 0; i < rows * cols; i++) out[i] = p[t.off + i];
    } else if (find(m, f1, &a) && find(m, f2, &b)) {
        int32_t r = a.cols;
        for (int32_t i = 0; i < rows; i++)
            for (int32_t j = 0; j < cols; j++) {
                double s = 0;
                for (int32_t k = 0; k < r; k++)
                    s += (double)p[a.off + (size_t)i * r + k] *
                         (double)p[b.off + (size_t)k * cols + j];
                out[(size_t)i * cols + j] = s;
            }
    }
    return out;
}

static double sigm(double x) { return 1 / (1 + exp(-x)); }

/* logits [n, O] by the equations, in double. */
static void reference_logits(const fg_model *m, const float *x, int32_t n, int32_t T, double *y) {
    const fg_model_config *c = fg_model_get_config(m);
    int32_t D = c->input_dim, H = c->hidden_dim, O = c->output_dim;
    size_t P = fg_model_num_params(m);
    float *p = alloc_floats(P);
    fg_model_get_params(m, p, P);
    double *W = dense(m, p, "cell.W", "cell.W1", "cell.W2", H, D);
    double *U = dense(m, p, "cell.U", "cell.U1", "cell.U2", H, H);
    tinfo bz, bh, ze, nu, wo, bo;
    find(m, "cell.bias_gate", &bz);
    find(m, "cell.bias_update", &bh);
    find(m, "cell.zeta", &ze);
    find(m, "cell.nu", &nu);
    find(m, "head.weight", &wo);
    find(m, "head.bias", &bo);
    double zeta = sigm(p[ze.off]), nuv = sigm(p[nu.off]);
    double *h = (double *)calloc((size_t)H, sizeof(double));
    double *hn = (double *)calloc((size_t)H, sizeof(double));
    for (int32_t s = 0; s < n; s++) {
        for (int32_t j = 0; j < H; j++) h[j] = 0;
        for (int32_t t = 0; t < T; t++) {
            const float *xt = x + ((size_t)s * T + t) * D;
            for (int32_t j = 0; j < H; j++) {
                double a = 0;
                for (int32_t k = 0; k < D; k++) a += W[(size_t)j * D + k] * xt[k];
                for (int32_t k = 0; k < H; k++) a += U[(size_t)j * H + k] * h[k];
                double z = sigm(a + p[bz.off + j]);
                double cc = tanh(a + p[bh.off + j]);
                hn[j] = z * h[j] + (zeta * (1 - z) + nuv) * cc;
            }
            memcpy(h, hn, (size_t)H * sizeof(double));
        }
        for (int32_t o = 0; o < O; o++) {
            double v = p[bo.off + o];
            for (int32_t j = 0; j < H; j++) v += (double)p[wo.off + (size_t)o * H + j] * h[j];
            y[(size_t)s * O + o] = v;
        }
    }
    free(h);
    free(hn);
    free(W);
    free(U);
    free(p);
}

static void test_forward(int32_t D, int32_t H, int32_t O, int32_t rank, int32_t w_rank,
                         int32_t u_rank, int32_t T) {
    char name[160];
    snprintf(name, sizeof name,
             "forward = equations: D %d H %d O %d rank %d w_rank %d u_rank %d T %d", D, H, O, rank,
             w_rank, u_rank, T);
    check_section(name);
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = D;
    mc.hidden_dim = H;
    mc.output_dim = O;
    mc.rank = rank;
    mc.w_rank = w_rank;
    mc.u_rank = u_rank;
    mc.seed = 100 + (uint64_t)T;
    fg_model *m = NULL;
    if (!CHECK_STATUS(fg_model_create(&mc, &m), FG_OK, "create")) return;
    /* Spread weights so the test exercises every term non-trivially. */
    size_t P = fg_model_num_params(m);
    float *p = alloc_floats(P);
    test_rng r = {(uint64_t)(D * 131 + H * 17 + O + T)};
    for (size_t i = 0; i < P; i++) p[i] = (float)(0.4 * trng_normal(&r));
    fg_model_set_params(m, p, P);
    free(p);

    enum { NS = 9 };
    float *x = alloc_floats((size_t)NS * T * D);
    for (size_t i = 0; i < (size_t)NS * T * D; i++) x[i] = (float)trng_normal(&r);
    float *lg = alloc_floats((size_t)NS * O), *pr = alloc_floats((size_t)NS * O);
    double *ref = (double *)calloc((size_t)NS * O, sizeof(double));
    reference_logits(m, x, NS, T, ref);
    if (CHECK_STATUS(fg_model_logits_batch(m, x, NS, T, lg), FG_OK, "logits_batch")) {
        double worst = 0;
        for (int i = 0; i < NS * O; i++)
            worst = fmax(worst, fabs(lg[i] - ref[i]) / fmax(1.0, fabs(ref[i])));
        CHECK(worst < 2e-5, "logits match the reference (max rel err %.2e)", worst);
    }
    if (CHECK_STATUS(fg_model_forward_batch(m, x, NS, T, pr), FG_OK, "forward_batch")) {
        double worst = 0;
        for (int i = 0; i < NS; i++) {
            if (O == 1) {
                worst = fmax(worst, fabs(pr[i] - sigm(ref[i])));
            } else {
                double mx = ref[i * O], z = 0;
                for (int k = 1; k < O; k++) mx = fmax(mx, ref[i * O + k]);
                for (int k = 0; k < O; k++) z += exp(ref[i * O + k] - mx);
                for (int k = 0; k < O; k++)
                    worst = fmax(worst, fabs(pr[i * O + k] - exp(ref[i * O + k] - mx) / z));
            }
        }
        CHECK(worst < 1e-5, "probabilities = %s of the reference logits (max err %.2e)",
              O == 1 ? "sigmoid" : "softmax", worst);
        float one[8];
        int same = 1;
        for (int i = 0; i < NS; i++) {
            if (fg_model_forward(m, x + (size_t)i * T * D, T, one) != FG_OK) same = 0;
            else same &= same_bits_f(one, pr + (size_t)i * O, (size_t)O);
        }
        CHECK(same, "fg_model_forward of each sample equals its forward_batch row bit for bit");
    }
    free(x);
    free(lg);
    free(pr);
    free(ref);
    fg_model_destroy(m);
}

static void stats(const float *v, size_t n, double *mean, double *sd) {
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    *mean = s / n;
    for (size_t i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *sd = sqrt(q / n);
}

static void test_init(int32_t rank) {
    char name[96];
    snprintf(name, sizeof name, "initialisation (D 40, H 64, O 3, rank %d)", rank);
    check_section(name);
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = 40;
    mc.hidden_dim = 64;
    mc.output_dim = 3;
    mc.rank = rank;
    mc.nu = -0.7f;
    mc.zeta = 1.3f;
    mc.seed = 2024;
    fg_model *m = NULL, *m2 = NULL, *m3 = NULL;
    if (!CHECK_STATUS(fg_model_create(&mc, &m), FG_OK, "create")) return;
    size_t P = fg_model_num_params(m);
    float *p = alloc_floats(P);
    fg_model_get_params(m, p, P);
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *n = NULL;
        int32_t rows = 0, cols = 0;
        size_t off = 0;
        fg_model_tensor_info(m, i, &n, &rows, &cols, &off);
        size_t sz = (size_t)rows * (size_t)(cols ? cols : 1);
        const float *v = p + off;
        if (cols > 0) {
            double mean, sd;
            stats(v, sz, &mean, &sd);
            /* Tolerances: a few standard errors for sz >= 64 samples. */
            CHECK(fabs(mean) < 4 * 0.1 / sqrt((double)sz) && fabs(sd - 0.1) < 0.025,
                  "%-17s [%d x %d] ~ N(0, 0.1^2): mean %+.4f, sd %.4f", n, rows, cols, mean, sd);
        } else {
            float want = strcmp(n, "cell.bias_gate") == 0 || strcmp(n, "cell.bias_update") == 0
                             ? 1.0f
                         : strcmp(n, "cell.zeta") == 0 ? mc.zeta
                         : strcmp(n, "cell.nu") == 0   ? mc.nu
                                                       : 0.0f;
            int ok = 1;
            for (size_t k = 0; k < sz; k++) ok &= v[k] == want;
            CHECK(ok, "%-17s [%d] all equal %g", n, rows, (double)want);
        }
    }
    float *p2 = alloc_floats(P);
    if (fg_model_create(&mc, &m2) == FG_OK) {
        fg_model_get_params(m2, p2, P);
        CHECK(same_bits_f(p, p2, P), "same seed: identical initial weights");
    }
    mc.seed = 2025;
    if (fg_model_create(&mc, &m3) == FG_OK) {
        fg_model_get_params(m3, p2, P);
        CHECK(!same_bits_f(p, p2, P), "other seed: other initial weights");
    }
    free(p);
    free(p2);
    fg_model_destroy(m);
    fg_model_destroy(m2);
    fg_model_destroy(m3);
}

static void test_sizes(void) {
    check_section("sizes and effective ranks");
    struct {
        int32_t D, H, O, rank, wr, ur;
        int32_t ew, eu;
        size_t params;
    } cases[] = {
        /* spec example: D 5, H 16, rank 8: full W (8 >= 5), U rank 8 */
        {5, 16, 1, 8, FG_RANK_NONE, FG_RANK_NONE, 0, 8, 16 * 5 + 2 * 16 * 8 + 2 * 16 + 2 + 16 + 1},
        /* defaults: D 5, H 8, rank 4: both low rank */
        {5, 8, 1, 4, FG_RANK_NONE, FG_RANK_NONE, 4, 4,
         8 * 4 + 4 * 5 + 2 * 8 * 4 + 2 * 8 + 2 + 8 + 1},
        {5, 8, 3, FG_RANK_NONE, FG_RANK_NONE, FG_RANK_NONE, 0, 0, 8 * 5 + 64 + 16 + 2 + 24 + 3},
        /* w_rank / u_rank override rank */
        {6, 10, 2, 5, 2, FG_RANK_NONE, 2, 5, 10 * 2 + 2 * 6 + 2 * 10 * 5 + 20 + 2 + 20 + 2},
        {6, 10, 2, FG_RANK_NONE, FG_RANK_NONE, 3, 0, 3, 60 + 2 * 10 * 3 + 20 + 2 + 20 + 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_model_config mc = fg_model_config_default();
        mc.input_dim = cases[i].D;
        mc.hidden_dim = cases[i].H;
        mc.output_dim = cases[i].O;
        mc.rank = cases[i].rank;
        mc.w_rank = cases[i].wr;
        mc.u_rank = cases[i].ur;
        fg_model *m = NULL;
        if (fg_model_create(&mc, &m) != FG_OK) {
            CHECK(0, "create case %zu: %s", i, fg_last_error());
            continue;
        }
        CHECK(fg_model_w_rank(m) == cases[i].ew && fg_model_u_rank(m) == cases[i].eu &&
                  fg_model_num_params(m) == cases[i].params &&
                  fg_model_size_bytes(m) == 4 * cases[i].params &&
                  fg_model_get_config(m)->rank == cases[i].rank,
              "D %d H %d O %d rank %d w_rank %d u_rank %d: ranks (%d, %d), %zu params, %zu bytes",
              cases[i].D, cases[i].H, cases[i].O, cases[i].rank, cases[i].wr, cases[i].ur,
              fg_model_w_rank(m), fg_model_u_rank(m), fg_model_num_params(m),
              fg_model_size_bytes(m));
        fg_model_destroy(m);
    }
}

int main(void) {
    test_forward(5, 8, 1, FG_RANK_NONE, FG_RANK_NONE, FG_RANK_NONE, 1);
    test_forward(5, 8, 1, FG_RANK_NONE, FG_RANK_NONE, FG_RANK_NONE, 9);
    test_forward(7, 12, 1, 3, FG_RANK_NONE, FG_RANK_NONE, 9);
    test_forward(5, 16, 4, 8, FG_RANK_NONE, FG_RANK_NONE, 9);
    test_forward(3, 33, 5, FG_RANK_NONE, 2, 4, 9);
    test_forward(1, 1, 1, FG_RANK_NONE, FG_RANK_NONE, FG_RANK_NONE, 9);
    test_init(FG_RANK_NONE);
    test_init(6);
    test_sizes();
    return check_summary();
}
