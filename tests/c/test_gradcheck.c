/*
 * test_gradcheck.c - analytic gradients of fg_loss_and_grad against central
 * finite differences of its loss, for every element of every tensor.
 *
 * Built against fastgrnn_f64 (fg_real = double, FG_DOUBLE defined by the
 * target), so the finite differences are not drowned by float rounding.
 *
 * Configurations: T in {1, 7} x {full rank, rank 3, full W + rank-2 U} x
 * {binary, 4-class} x {distillation off, on (alpha 0.6, temperature 2)} x
 * {L2 off, on}; D = 4, H = 6, n = 5; all parameters drawn from N(0, 0.5^2)
 * so that the gradients are far from the initialisation's special values.
 *
 * Error per element: |a - n| / max(|a|, |n|, 1e-7); every tensor's worst
 * must be below 1e-3.
 */
#include "check.h"
#include "internal.h"

#ifndef FG_DOUBLE
#error "test_gradcheck must be compiled with FG_DOUBLE (links fastgrnn_f64)"
#endif

_Static_assert(sizeof(fg_real) == sizeof(double), "fg_real must be double here");

enum { D = 4, H = 6, NB = 5 };

#define FD_STEP     1e-5
#define ERR_FLOOR   1e-7
#define MAX_REL_ERR 1e-3

typedef enum { RANK_FULL, RANK_3, RANK_MIXED } rank_mode;

static const char *rank_name(rank_mode r) {
    switch (r) {
        case RANK_FULL:
            return "full";
        case RANK_3:
            return "rank3";
        default:
            return "W full, U rank2";
    }
}

static int is_weight_name(const char *name) {
    return strcmp(name, "cell.W") == 0 || strcmp(name, "cell.W1") == 0 ||
           strcmp(name, "cell.W2") == 0 || strcmp(name, "cell.U") == 0 ||
           strcmp(name, "cell.U1") == 0 || strcmp(name, "cell.U2") == 0 ||
           strcmp(name, "head.weight") == 0;
}

/* The tensor table must be a contiguous cover of the flat buffer with the
 * expected names and shapes. */
static void check_table(const fg_model *m, rank_mode rm, int O) {
    struct {
        const char *name;
        int32_t rows, cols;
    } want[FG_MAX_TENSORS];
    int nw = 0;
    size_t off = 0;
    int ok = 1;
#define WANT(n_, r_, c_)                                                                           \
    do {                                                                                           \
        want[nw].name = (n_);                                                                      \
        want[nw].rows = (r_);                                                                      \
        want[nw].cols = (c_);                                                                      \
        nw++;                                                                                      \
    } while (0)
    if (rm == RANK_3) {
        WANT("cell.W1", H, 3);
        WANT("cell.W2", 3, D);
        WANT("cell.U1", H, 3);
        WANT("cell.U2", 3, H);
    } else if (rm == RANK_MIXED) {
        WANT("cell.W", H, D);
        WANT("cell.U1", H, 2);
        WANT("cell.U2", 2, H);
    } else {
        WANT("cell.W", H, D);
        WANT("cell.U", H, H);
    }
    WANT("cell.bias_gate", H, 0);
    WANT("cell.bias_update", H, 0);
    WANT("cell.zeta", 1, 0);
    WANT("cell.nu", 1, 0);
    WANT("head.weight", O, H);
    WANT("head.bias", O, 0);
#undef WANT
    if (m->num_tensors != nw) ok = 0;
    for (int w = 0; w < nw && ok; w++) {
        const fg_tensor *t = fg_model_find_tensor(m, want[w].name);
        if (!t || t->rows != want[w].rows || t->cols != want[w].cols) {
            printf("     tensor %s: %s\n", want[w].name, t ? "wrong shape" : "missing");
            ok = 0;
            break;
        }
        if (t->is_weight != is_weight_name(t->name)) {
            printf("     tensor %s: is_weight = %d\n", t->name, t->is_weight);
            ok = 0;
        }
    }
    for (int i = 0; i < m->num_tensors && ok; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (t->offset != off || t->size != (size_t)t->rows * (size_t)(t->cols ? t->cols : 1)) {
            printf("     tensor %s: offset %zu (expected %zu), size %zu\n", t->name, t->offset, off,
                   t->size);
            ok = 0;
        }
        off += t->size;
    }
    if (off != m->num_params) ok = 0;
    CHECK(ok,
          "tensor table: %d tensors, contiguous, %zu params, names/shapes/is_weight as designed",
          m->num_tensors, m->num_params);
}

/* The loss value itself, from the model's logits and the formulas of docs/design.md:
 * binary BCE of sigmoid(y); multi-class CE of softmax(y); with distillation
 * (1 - alpha) * CE(label) + alpha * T^2 * CE(soft targets, at temperature T). */
static void check_loss_value(const fg_model *m, fg_workspace *ws, const float *x, const float *y,
                             const float *soft, int T, int O, const fg_training_config *tc) {
    float logits[NB * 4];
    if (!CHECK_STATUS(fg_model_logits_batch(m, x, NB, T, logits), FG_OK, "logits_batch")) return;
    double temp = tc->distillation_temperature, alpha = tc->distillation_alpha;
    double hard_sum = 0, mix_sum = 0;
    for (int i = 0; i < NB; i++) {
        const float *yi = logits + i * O;
        double hard, sl = 0;
        if (O == 1) {
            double p = 1 / (1 + exp(-(double)yi[0]));
            hard = -(y[i] * log(p) + (1 - y[i]) * log(1 - p));
            if (soft) {
                double ps = 1 / (1 + exp(-(double)yi[0] / temp));
                sl = -(soft[i] * log(ps) + (1 - soft[i]) * log(1 - ps));
            }
        } else {
            double mx = yi[0], z = 0, zt = 0;
            for (int k = 1; k < O; k++) mx = fmax(mx, yi[k]);
            for (int k = 0; k < O; k++) {
                z += exp(yi[k] - mx);
                zt += exp((yi[k] - mx) / temp);
            }
            hard = -((yi[(int)y[i]] - mx) - log(z));
            if (soft)
                for (int k = 0; k < O; k++) sl -= soft[i * O + k] * ((yi[k] - mx) / temp - log(zt));
        }
        hard_sum += hard;
        mix_sum += soft ? (1 - alpha) * hard + alpha * temp * temp * sl : hard;
    }
    double want = mix_sum / NB, want_data = hard_sum / NB, data = -1;
    double got = fg_loss_and_grad(m, ws, x, y, soft, NB, T, tc, 0, NULL, &data, NULL);
    CHECK(fabs(got - want) <= 1e-5 * (1 + fabs(want)),
          "loss value = %s: %.9f (recomputed from logits %.9f)",
          soft ? "(1-a) CE(label) + a T^2 CE(soft at T)" : "mean cross-entropy", got, want);
    CHECK(fabs(data - want_data) <= 1e-5 * (1 + fabs(want_data)),
          "data_loss_out = plain cross-entropy: %.9f (recomputed %.9f)", data, want_data);
}

static void run_config(int T, rank_mode rm, int O, int distill, int l2, uint64_t seed) {
    char label[160];
    snprintf(label, sizeof label, "T=%d %s %s distill=%s l2=%s", T, rank_name(rm),
             O == 1 ? "binary" : "4-class", distill ? "on" : "off", l2 ? "on" : "off");
    check_section(label);

    fg_model_config mc = fg_model_config_default();
    mc.input_dim = D;
    mc.hidden_dim = H;
    mc.output_dim = O;
    mc.rank = rm == RANK_3 ? 3 : FG_RANK_NONE;
    mc.w_rank = FG_RANK_NONE;
    mc.u_rank = rm == RANK_MIXED ? 2 : FG_RANK_NONE;
    mc.seed = seed;

    fg_model *m = NULL;
    if (!CHECK_STATUS(fg_model_create(&mc, &m), FG_OK, "model_create")) return;
    check_table(m, rm, O);

    test_rng rng = {seed * 7919u + 17u};
    for (size_t i = 0; i < m->num_params; i++) m->params[i] = 0.5 * trng_normal(&rng);

    float x[NB * 7 * D], y[NB], soft[NB * 4];
    for (int i = 0; i < NB * T * D; i++) x[i] = (float)trng_normal(&rng);
    for (int i = 0; i < NB; i++)
        y[i] = O == 1 ? (float)(trng_uniform(&rng) < 0.5) : (float)trng_below(&rng, (uint32_t)O);
    if (O == 1) {
        for (int i = 0; i < NB; i++) soft[i] = (float)trng_range(&rng, 0.05, 0.95);
    } else {
        for (int i = 0; i < NB; i++) {
            double s = 0, r[4];
            for (int k = 0; k < O; k++) s += (r[k] = trng_range(&rng, 0.05, 1.0));
            for (int k = 0; k < O; k++) soft[i * O + k] = (float)(r[k] / s);
        }
    }

    fg_training_config tc = fg_training_config_default();
    tc.l2_reg = 0.05f;
    tc.enable_distillation = distill;
    tc.distillation_alpha = 0.6f;
    tc.distillation_temperature = 2.0f;

    fg_workspace *ws = NULL;
    if (!CHECK_STATUS(fg_workspace_create(m, NB, T, &ws), FG_OK, "workspace_create")) {
        fg_model_destroy(m);
        return;
    }
    const float *sp = distill ? soft : NULL;
    size_t P = m->num_params;
    fg_real *grad = (fg_real *)calloc(P, sizeof(fg_real));
    double data_loss = -1;
    int32_t correct = -1;
    double loss = fg_loss_and_grad(m, ws, x, y, sp, NB, T, &tc, l2, grad, &data_loss, &correct);
    double loss_nograd = fg_loss_and_grad(m, ws, x, y, sp, NB, T, &tc, l2, NULL, NULL, NULL);
    CHECK(isfinite(loss) && loss > 0, "loss finite and positive: %.17g", loss);
    CHECK(loss == loss_nograd, "loss with grad == loss without grad (%.17g vs %.17g)", loss,
          loss_nograd);
    CHECK(correct >= 0 && correct <= NB, "correct_out in [0, n]: %d", (int)correct);
    if (!l2 && !distill)
        CHECK(data_loss == loss, "data_loss_out == loss without L2/distillation (%.17g vs %.17g)",
              data_loss, loss);
    if (l2) {
        /* The L2 term: 0.5 * l2_reg * sum of squared weight-matrix entries. */
        double sq = 0;
        for (int t = 0; t < m->num_tensors; t++)
            if (is_weight_name(m->tensors[t].name))
                for (size_t k = 0; k < m->tensors[t].size; k++) {
                    double v = m->params[m->tensors[t].offset + k];
                    sq += v * v;
                }
        double no_l2 = fg_loss_and_grad(m, ws, x, y, sp, NB, T, &tc, 0, NULL, NULL, NULL);
        double want = 0.5 * (double)tc.l2_reg * sq;
        CHECK(fabs((loss - no_l2) - want) <= 1e-9 * (1 + want),
              "L2 term = 0.5*l2_reg*sum(W^2) over weight matrices: %.12g vs %.12g", loss - no_l2,
              want);
    }

    check_loss_value(m, ws, x, y, sp, T, O, &tc);

    for (int t = 0; t < m->num_tensors; t++) {
        const fg_tensor *ten = &m->tensors[t];
        double worst = 0, wa = 0, wn = 0, amax = 0;
        size_t wi = 0;
        for (size_t k = 0; k < ten->size; k++) {
            size_t i = ten->offset + k;
            fg_real saved = m->params[i];
            m->params[i] = saved + FD_STEP;
            double lp = fg_loss_and_grad(m, ws, x, y, sp, NB, T, &tc, l2, NULL, NULL, NULL);
            m->params[i] = saved - FD_STEP;
            double lm = fg_loss_and_grad(m, ws, x, y, sp, NB, T, &tc, l2, NULL, NULL, NULL);
            m->params[i] = saved;
            double num = (lp - lm) / (2 * FD_STEP);
            double a = grad[i];
            double den = fmax(fmax(fabs(a), fabs(num)), ERR_FLOOR);
            double rel = fabs(a - num) / den;
            if (!(rel <= worst)) { /* also catches NaN */
                worst = isnan(rel) ? INFINITY : rel;
                wa = a;
                wn = num;
                wi = k;
            }
            if (fabs(a) > amax) amax = fabs(a);
        }
        int ok = worst < MAX_REL_ERR;
        CHECK(ok, "%-17s [%3zu] worst rel err %.3e at %zu (analytic %+.10e, numeric %+.10e)",
              ten->name, ten->size, worst, wi, wa, wn);
        /* With T > 1 every tensor must get a non-trivial gradient, or the
         * check above would be vacuous. (At T = 1 with h_0 = 0, U gets only
         * its L2 gradient.) */
        if (T > 1)
            CHECK(amax > 1e-6, "%-17s gradient non-trivial (max |g| = %.3e)", ten->name, amax);
    }

    free(grad);
    fg_workspace_destroy(ws);
    fg_model_destroy(m);
}

int main(void) {
    static const int Ts[] = {1, 7};
    uint64_t seed = 1;
    for (int ti = 0; ti < 2; ti++)
        for (int r = RANK_FULL; r <= RANK_MIXED; r++)
            for (int oi = 0; oi < 2; oi++)
                for (int dist = 0; dist < 2; dist++)
                    for (int l2 = 0; l2 < 2; l2++)
                        run_config(Ts[ti], (rank_mode)r, oi ? 4 : 1, dist, l2, seed++);
    return check_summary();
}
